"""What templates need beyond the validated model: labels, era dates, adopter rows with status.

Computed here once per build so templates stay simple loops over prepared lists.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from esurety.data import model
from esurety.data.dataset import Dataset
from esurety.kernel import paths, wareki

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
        return self._vocab.label(group, key)

    def description(self, group: str, key: str) -> str:
        return getattr(self._vocab, group)[key].description

    def many(self, group: str, keys: list[str]) -> list[str]:
        return [self(group, k) for k in keys]


# Cached: the same few thousand dates are formatted hundreds of thousands of times per build at
# 2,000 pages (every page, and every answer of the eligibility table); the text never changes.
@functools.lru_cache(maxsize=8192)
def date_ja(value: dt.date | None) -> str:
    """令和6年10月1日 (2024-10-01); empty for no date."""
    return wareki.era_date_and_iso(value) if value else ""


@functools.lru_cache(maxsize=4096)
def month_ja(value: str | None) -> str:
    """'2024-10' → 令和6年10月 (2024-10)."""
    if not value:
        return ""
    year, month = value.split("-")
    return wareki.era_month_and_iso(int(year), int(month))


def status_of(start: str | None, today: dt.date) -> str:
    """active (運用中) once the start month has begun; a row without a month was listed as current."""
    if start is None:
        return "active"
    return "active" if start <= f"{today.year:04d}-{today.month:02d}" else "upcoming"


#: URL slugs of the groups of bodies that belong to no prefecture (prefectures use ``pref-XX``).
KIND_SLUGS: dict[str, str] = {"national": "national", "agency": "agency", "public_body": "public-body"}
#: Where the adopter table lives: an index of groups, one page per group, and the lists by start year.
ADOPTERS_URL = paths.url(paths.ADOPTERS)
BY_START_URL = paths.url(paths.BY_START)


def group_slug(adopter: model.Adopter, prefecture_code: str) -> str:
    """The page of the adopter table a row is listed on: its kind for bodies, else ``pref-XX``."""
    if adopter.prefecture is None:
        return KIND_SLUGS[adopter.kind]
    return f"pref-{prefecture_code[:2]}"


def group_url(slug: str) -> str:
    """Site-relative URL of a group page (``adopters/pref-44/``)."""
    return paths.adopter_group(slug)


@dataclass(frozen=True)
class AdopterRow:
    adopter: model.Adopter
    status: str
    prefecture_code: str
    #: Slug of the group page that lists this row (see :func:`group_slug`).
    group: str

    @property
    def group_url(self) -> str:
        return group_url(self.group)


def _status_counts(rows: list[AdopterRow]) -> dict[str, int]:
    counts = Counter(r.status for r in rows)
    return {"active": counts.get("active", 0), "upcoming": counts.get("upcoming", 0)}


@dataclass(frozen=True)
class AdopterGroup:
    """One page of the adopter table. Shared by kind and prefecture groups so that the index, the
    group pages, the feeds and the charts all take the same slug, title and counts from one place."""

    rows: list[AdopterRow]

    @property
    def slug(self) -> str:
        raise NotImplementedError

    @property
    def title(self) -> str:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return group_url(self.slug)

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status: ``{"active": n, "upcoming": m}``."""
        return _status_counts(self.rows)

    @property
    def sortable(self) -> bool:
        """Whether sorting by start month can change anything (a group of undated bodies gets no button)."""
        return len({r.adopter.start for r in self.rows if r.adopter.start}) > 1

    @property
    def source_ids(self) -> list[str]:
        """The sources the rows cite, in order of first use: each group page lists only its own."""
        return list(dict.fromkeys(r.adopter.source for r in self.rows))


@dataclass(frozen=True)
class PrefectureGroup(AdopterGroup):
    name: str = ""
    code: str = ""
    #: Usage tables of this prefecture as (1-based index in data/usage, table): shown on its page.
    usage: tuple[tuple[int, model.UsageTable], ...] = ()

    @property
    def anchor(self) -> str:
        return f"pref-{self.code[:2]}"

    @property
    def slug(self) -> str:
        return self.anchor

    @property
    def title(self) -> str:
        return self.name


@dataclass(frozen=True)
class KindGroup(AdopterGroup):
    kind: str = ""
    label: str = ""

    @property
    def anchor(self) -> str:
        return f"kind-{self.kind}"

    @property
    def slug(self) -> str:
        return KIND_SLUGS[self.kind]

    @property
    def title(self) -> str:
        return self.label


@dataclass(frozen=True)
class MonthRows:
    """The rows that start in one month; they share one status."""

    month: str
    status: str
    rows: list[AdopterRow]


@dataclass(frozen=True)
class YearGroup:
    """One page of the lists by start month: the rows of one start year, newest month first."""

    year: str
    months: list[MonthRows]

    @property
    def url(self) -> str:
        return paths.start_year(self.year)

    @property
    def total(self) -> int:
        return sum(len(m.rows) for m in self.months)

    @property
    def counts(self) -> dict[str, int]:
        return _status_counts([r for m in self.months for r in m.rows])


@dataclass(frozen=True)
class AdopterView:
    as_of: dt.date
    today: dt.date
    bodies: list[KindGroup]
    prefectures: list[PrefectureGroup]
    counts_by_kind: dict[str, int]
    counts_by_status: dict[str, int]
    total: int
    #: Start years, newest first (rows without a start month are in none of them).
    years: list[YearGroup] = field(default_factory=list)
    #: Rows without a start month (listed in their groups only).
    undated: int = 0
    #: Usage tables (1-based index, table) whose region is no prefecture with adopters: shown on the index.
    usage_elsewhere: tuple[tuple[int, model.UsageTable], ...] = ()

    @property
    def groups(self) -> list[AdopterGroup]:
        """Every group page in the order of the index: bodies by kind, then prefectures in code order."""
        return [*self.bodies, *self.prefectures]

    def usage_url(self, index: int) -> str:
        """The page that shows the ``index``-th (1-based) usage table with its numbers."""
        for p in self.prefectures:
            if any(i == index for i, _ in p.usage):
                return p.url
        return ADOPTERS_URL


def _years(rows: list[AdopterRow], today: dt.date) -> list[YearGroup]:
    """Rows with a start month by year and month, newest first; inside a month, in the order of ``rows``."""
    by_month: dict[str, list[AdopterRow]] = defaultdict(list)
    for r in rows:
        if r.adopter.start:
            by_month[r.adopter.start].append(r)
    years: dict[str, list[MonthRows]] = {}
    for month in sorted(by_month, reverse=True):
        years.setdefault(month[:4], []).append(MonthRows(month, status_of(month, today), by_month[month]))
    return [YearGroup(year, months) for year, months in years.items()]


def adopter_view(data: Dataset, today: dt.date) -> AdopterView:
    """Group the adopter rows by kind (national bodies etc.) and by prefecture, in code order; and by start year.

    Everything that lists adopters (the group pages, the lists by start year, feeds, charts, open data)
    takes its groups, URLs and counts from here, so they cannot disagree.
    """
    pref_code = {p["name"]: p["code"] for p in data.prefectures}
    labels = Labels(data.vocabulary)
    rows = []
    for a in data.adopters.adopters:
        code = pref_code.get(a.prefecture or "", "990000")
        rows.append(AdopterRow(
            adopter=a,
            status=status_of(a.start, today),
            prefecture_code=code,
            group=group_slug(a, code),
        ))
    bodies = [KindGroup(rows=[r for r in rows if r.adopter.kind == kind and r.adopter.prefecture is None],
                        kind=kind, label=labels("orderer_kind", kind))
              for kind in BODY_KINDS]
    by_pref: dict[str, list[AdopterRow]] = defaultdict(list)
    for r in rows:
        if r.adopter.prefecture is not None:
            by_pref[r.adopter.prefecture].append(r)
    usage_by_region: dict[str, list[tuple[int, model.UsageTable]]] = defaultdict(list)
    for i, table in enumerate(data.usage, start=1):
        usage_by_region[table.region].append((i, table))
    groups = []
    for name, items in sorted(by_pref.items(), key=lambda kv: pref_code[kv[0]]):
        items.sort(key=lambda r: (KIND_ORDER[r.adopter.kind], r.adopter.start or "", r.adopter.reading or r.adopter.name))
        groups.append(PrefectureGroup(rows=items, name=name, code=pref_code[name],
                                      usage=tuple(usage_by_region.pop(name, ()))))
    bodies = [b for b in bodies if b.rows]
    in_page_order = [r for g in (*bodies, *groups) for r in g.rows]
    return AdopterView(
        as_of=data.adopters.as_of,
        today=today,
        bodies=bodies,
        prefectures=groups,
        counts_by_kind=dict(Counter(r.adopter.kind for r in rows)),
        counts_by_status=dict(Counter(r.status for r in rows)),
        total=len(rows),
        years=_years(in_page_order, today),
        undated=sum(1 for r in rows if not r.adopter.start),
        usage_elsewhere=tuple(u for tables in usage_by_region.values() for u in tables),
    )


def guidance_guarantors(data: Dataset, guidance: model.Guidance) -> list[str]:
    """The surety companies whose e-surety the orderer takes: those its scope names, else its adopters row's."""
    named = [i for i in guidance.scope.covered("issuers") if i in data.guarantors]
    if named:
        return named
    row = data.row_for(guidance.slug)
    return row.guarantor_ids if row else []


def document_labels(data: Dataset, guidance: model.Guidance, documents: list[str] | str) -> list[str]:
    """Document names as the orderer's guarantor calls them: each company names its key notice PDF differently."""
    labels = Labels(data.vocabulary)
    if documents == model.UNSTATED:
        return []
    names = [data.guarantors[g].key_notice_name for g in guidance_guarantors(data, guidance)]
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
    from esurety.kernel import numbering
    from esurety.site import wording

    return {
        "labels": Labels(data.vocabulary),
        "guarantors": data.guarantors,
        "build_date": today,
        "document_labels": lambda g, docs: document_labels(data, g, docs),
        "guidance_guarantors": lambda g: guidance_guarantors(data, g),
        "wording": lambda g: wording.Words(data, g),
        "start_lines": wording.start_lines,
        "scope_lines": wording.scope_lines,
        "paths": paths,
        "number_hint": numbering.format_hint(),
    }


def when_ja(value: dt.date | str | None) -> str:
    """A day (令和6年10月1日) or a month known only as such (令和6年10月)."""
    if value is None or value == model.UNSTATED:
        return "資料に記載なし"
    return date_ja(value) if isinstance(value, dt.date) else month_ja(value)


JINJA_FILTERS = {"date_ja": date_ja, "month_ja": month_ja, "when_ja": when_ja}
