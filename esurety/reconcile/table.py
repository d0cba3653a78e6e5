"""data/adopters.yaml as the reconciliation sees it: rows with their line numbers, read round-trip.

The same ruamel.yaml document is later edited in place by :mod:`esurety.reconcile.apply`, so the
rows compared are exactly the rows written.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from esurety.reconcile.entry import InputError, name_key

logger = logging.getLogger(__name__)

__all__ = ["LOCAL_KINDS", "AdopterTable", "TableRow", "yaml_round_trip"]

LOCAL_KINDS = frozenset({"prefecture", "designated_city", "city", "town", "village"})


def yaml_round_trip() -> Any:
    """A ruamel.yaml instance that writes data/adopters.yaml back byte for byte when nothing changed."""
    from ruamel.yaml import YAML

    y = YAML()
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


@dataclass(frozen=True)
class TableRow:
    """One adopters row."""

    index: int
    name: str
    prefecture: str | None
    kind: str
    start: str | None
    guarantors: tuple[str, ...]
    source: str | None
    line: int

    @property
    def local(self) -> bool:
        return self.kind in LOCAL_KINDS

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.prefecture if self.local else None, name_key(self.name))


class AdopterTable:
    """The parsed table (ruamel document), its rows and lookups by (prefecture, name)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        try:
            self.doc = yaml_round_trip().load(text)
        except Exception as exc:  # ruamel's YAMLError and friends
            mark = getattr(exc, "problem_mark", None)
            raise InputError(str(path), (mark.line + 1) if mark else 1, (mark.column + 1) if mark else 1,
                             f"採用団体一覧が YAML として読めません。make check で誤りを確かめてください（{exc.__class__.__name__}）。") from exc
        self.rows: list[TableRow] = []
        for i, row in enumerate(self.doc.get("adopters") or []):
            start = row.get("start")
            self.rows.append(TableRow(i, str(row.get("name", "")), row.get("prefecture"), str(row.get("kind", "")),
                                      str(start) if start is not None else None,
                                      tuple(row.get("guarantors") or ()), row.get("source"), row.lc.line + 1))
        self.by_key = {r.key: r for r in self.rows}

    @classmethod
    def read(cls, path: Path) -> AdopterTable:
        return cls(path, path.read_text(encoding="utf-8"))

    @property
    def sources(self) -> dict[str, Any]:
        return dict(self.doc.get("sources") or {})

    def known_names(self) -> dict[str, list[str]]:
        """Adopter kind → names, for matching 国・独立行政法人等・その他公共的団体 by name."""
        out: dict[str, list[str]] = {}
        for r in self.rows:
            if not r.local:
                out.setdefault(r.kind, []).append(r.name)
        return out

    def find(self, prefecture: str | None, name: str, kind: str) -> TableRow | None:
        local = kind in LOCAL_KINDS
        return self.by_key.get((prefecture if local else None, name_key(name)))

    def dump(self) -> str:
        out = io.StringIO()
        yaml_round_trip().dump(self.doc, out)
        return out.getvalue()
