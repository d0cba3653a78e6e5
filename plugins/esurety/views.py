"""What templates need beyond the validated model: labels, era dates, adopter rows with status.

Computed here once per build so templates stay simple loops over prepared lists.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from . import kana, model, wareki
from .dataset import Dataset

logger = logging.getLogger(__name__)

#: Kinds shown before the prefecture groups, in this order.
BODY_KINDS: tuple[str, ...] = ("national", "agency", "public_body")
#: Order of kinds inside a prefecture group.
KIND_ORDER: dict[str, int] = {k: i for i, k in enumerate(
    ("national", "agency", "public_body", "prefecture", "designated_city", "city", "town", "village"))}


class Labels:
    """Japanese labels from data/vocabulary.yaml, looked up as ``labels('certificate_type', key)``."""

    def __init__(self, vocabulary: model.Vocabulary):
        self._vocab = vocabulary

    def __call__(self, group: str, key: str | None) -> str:
        if key is None:
            return ""
        return getattr(self._vocab, group)[key]

    def many(self, group: str, keys: list[str]) -> list[str]:
        return [self(group, k) for k in keys]


# Cached: the same few thousand dates are formatted hundreds of thousands of times per build at
# 2,000 pages (every page, and every answer of the eligibility table); the text never changes.
@functools.lru_cache(maxsize=8192)
def date_ja(value: dt.date | None) -> str:
    """令和6年10月1日 (2024-10-01); empty for no date."""
    return wareki.format_date(value) if value else ""


@functools.lru_cache(maxsize=4096)
def month_ja(value: str | None) -> str:
    """'2024-10' → 令和6年10月 (2024-10)."""
    if not value:
        return ""
    year, month = value.split("-")
    return wareki.format_month(int(year), int(month))


def status_of(start: str | None, today: dt.date) -> str:
    """active (運用中) once the start month has begun; a row without a month was listed as current."""
    if start is None:
        return "active"
    return "active" if start <= f"{today.year:04d}-{today.month:02d}" else "upcoming"


@dataclass(frozen=True)
class AdopterRow:
    adopter: model.Adopter
    status: str
    search_key: str
    prefecture_code: str


@dataclass(frozen=True)
class PrefectureGroup:
    name: str
    code: str
    rows: list[AdopterRow]

    @property
    def anchor(self) -> str:
        return f"pref-{self.code[:2]}"


@dataclass(frozen=True)
class KindGroup:
    kind: str
    rows: list[AdopterRow]

    @property
    def anchor(self) -> str:
        return f"kind-{self.kind}"


@dataclass(frozen=True)
class AdopterView:
    as_of: dt.date
    today: dt.date
    bodies: list[KindGroup]
    prefectures: list[PrefectureGroup]
    counts_by_kind: dict[str, int]
    counts_by_status: dict[str, int]
    total: int


def adopter_view(data: Dataset, today: dt.date) -> AdopterView:
    """Group the adopter rows by kind (national bodies etc.) and by prefecture, in code order."""
    pref_code = {p["name"]: p["code"] for p in data.prefectures}
    rows = []
    for a in data.adopters.adopters:
        rows.append(AdopterRow(
            adopter=a,
            status=status_of(a.start, today),
            search_key=kana.fold(" ".join(filter(None, (a.name, a.reading, a.prefecture)))),
            prefecture_code=pref_code.get(a.prefecture or "", "990000"),
        ))
    bodies = [KindGroup(kind, [r for r in rows if r.adopter.kind == kind and r.adopter.prefecture is None])
              for kind in BODY_KINDS]
    by_pref: dict[str, list[AdopterRow]] = defaultdict(list)
    for r in rows:
        if r.adopter.prefecture is not None:
            by_pref[r.adopter.prefecture].append(r)
    groups = []
    for name, items in sorted(by_pref.items(), key=lambda kv: pref_code[kv[0]]):
        items.sort(key=lambda r: (KIND_ORDER[r.adopter.kind], r.adopter.start or "", r.adopter.reading or r.adopter.name))
        groups.append(PrefectureGroup(name=name, code=pref_code[name], rows=items))
    return AdopterView(
        as_of=data.adopters.as_of,
        today=today,
        bodies=[b for b in bodies if b.rows],
        prefectures=groups,
        counts_by_kind=dict(Counter(r.adopter.kind for r in rows)),
        counts_by_status=dict(Counter(r.status for r in rows)),
        total=len(rows),
    )


def document_labels(data: Dataset, guidance: model.Guidance, documents: list[str]) -> list[str]:
    """Document names as the orderer's guarantor calls them: each company names its key notice PDF differently."""
    labels = Labels(data.vocabulary)
    names = [data.guarantors[g].key_notice_name for g in guidance.guarantors]
    own = [n for n in names if n]
    out = []
    for d in documents:
        if d == "key_notice" and own:
            out.append("または".join(dict.fromkeys(own)))
        else:
            out.append(labels("document", d))
    return out


def jinja_globals(data: Dataset, today: dt.date) -> dict[str, Any]:
    """Names every template of the plugin can use."""
    return {
        "labels": Labels(data.vocabulary),
        "guarantors": data.guarantors,
        "build_date": today,
        "document_labels": lambda g, docs: document_labels(data, g, docs),
    }


JINJA_FILTERS = {"date_ja": date_ja, "month_ja": month_ja}
