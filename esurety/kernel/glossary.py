"""The glossary: every closed set's keys and Japanese labels, and the guarantors' facts the lookup needs.

Read from ``glossary.json`` beside this module, which `make check` (scripts/gen_schemas.py) writes from
data/vocabulary.yaml and data/guarantors.yaml; a test checks it is current. Standard library only, so
the lookup function ships it without the site's dependencies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["GLOSSARY_FILE", "CertificateWording", "Glossary", "Guarantor", "build", "glossary"]

GLOSSARY_FILE = Path(__file__).with_name("glossary.json")


@dataclass(frozen=True)
class CertificateWording:
    """What the guarantor's certificate prints besides the contract's fields (data/guarantors.yaml)."""

    head_office_address: str | None = None
    statements: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    terms_text: str | None = None
    terms_url: str | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> CertificateWording | None:
        if not data:
            return None
        return cls(head_office_address=data.get("head_office_address"), statements=dict(data.get("statements") or {}),
                   notes=tuple(data.get("notes") or ()), terms_text=data.get("terms_text"),
                   terms_url=data.get("terms_url"))


@dataclass(frozen=True)
class Guarantor:
    """A surety company as the lookup shows it."""

    id: str
    name: str
    short_name: str
    lookup_service: str | None
    number_format: str | None
    number_groups: tuple[int, ...] | None
    number_example: str | None
    key_notice_name: str | None
    number_note: str | None = None
    certificate: CertificateWording | None = None


@dataclass(frozen=True)
class Glossary:
    labels: dict[str, dict[str, str]]
    guarantors: dict[str, Guarantor]

    def label(self, group: str, key: str) -> str:
        return self.labels[group][key]

    def keys(self, group: str) -> list[str]:
        return list(self.labels[group])


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    """The glossary shipped with the package."""
    data = json.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))
    return Glossary(labels=data["labels"],
                    guarantors={g["id"]: Guarantor(**{**g, "number_groups": tuple(g["number_groups"] or ()) or None,
                                                        "certificate": CertificateWording.from_data(g["certificate"])})
                                for g in data["guarantors"]})


def build(vocabulary: dict[str, Any], guarantors: list[dict[str, Any]]) -> str:
    """The text of glossary.json from the vocabulary and the guarantors (as plain data)."""
    labels = {group: {k: v["label"] for k, v in terms.items()} for group, terms in vocabulary.items()
              if group != "reason"}
    fields = ("id", "name", "short_name", "lookup_service", "number_format", "number_groups", "number_example",
              "number_note", "key_notice_name")
    wording = ("head_office_address", "statements", "notes", "terms_text", "terms_url")
    out = {"labels": labels, "guarantors": [
        {**{f: g.get(f) for f in fields},
         "certificate": {f: g["certificate"].get(f) for f in wording} if g.get("certificate") else None}
        for g in guarantors]}
    return json.dumps(out, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
