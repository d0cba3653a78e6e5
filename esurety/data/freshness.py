"""How fresh each source is: when it was last checked against the original (``checked_on``).

`make check` lists sources older than the allowed age as warnings (never errors); `make stale`
prints them all, oldest first, with their URLs. The age is ``ESURETY_MAX_SOURCE_AGE_DAYS``
(default :data:`DEFAULT_MAX_AGE_DAYS`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from esurety.data import model
from esurety.data.dataset import Dataset, Layout

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_MAX_AGE_DAYS", "SourceAge", "max_age_days", "sources", "stale", "warnings"]

#: Guarantors publish new lists every few months; orderers change rules at fiscal-year boundaries.
DEFAULT_MAX_AGE_DAYS = 180
AGE_VARIABLE = "ESURETY_MAX_SOURCE_AGE_DAYS"


@dataclass(frozen=True)
class SourceAge:
    file: str
    source_id: str
    source: model.Source

    @property
    def checked_on(self) -> dt.date:
        return self.source.checked_on

    def age(self, today: dt.date) -> int:
        return (today - self.checked_on).days


def max_age_days() -> int:
    value = os.environ.get(AGE_VARIABLE, "")
    return int(value) if value.isdigit() else DEFAULT_MAX_AGE_DAYS


def sources(data: Dataset, root: Path) -> list[SourceAge]:
    """Every source of every data file, oldest check first."""
    layout = Layout(root=Path(root))
    out = [SourceAge(str(data.sources[g.slug]), sid, s) for g in data.guidance for sid, s in g.sources.items()]
    out += [SourceAge(str(layout.path("adopters")), sid, s) for sid, s in data.adopters.sources.items()]
    out += [SourceAge(str(layout.path("guarantors")), sid, s) for gu in data.guarantors.values()
            for sid, s in gu.sources.items()]
    out += [SourceAge(str(layout.path("usage_dir")), "usage", u.source) for u in data.usage]
    return sorted(out, key=lambda a: (a.checked_on, a.file, a.source_id))


def stale(data: Dataset, root: Path, today: dt.date | None = None, days: int | None = None) -> list[SourceAge]:
    today = today or dt.date.today()
    limit = max_age_days() if days is None else days
    return [a for a in sources(data, root) if a.age(today) > limit]


def warnings(data: Dataset, root: Path, today: dt.date | None = None) -> list[str]:
    """One line per source older than the allowed age (a warning: the data is still valid)."""
    today = today or dt.date.today()
    old = stale(data, root, today)
    lines = [f"注意: {a.file}: 資料「{a.source.title}」（{a.source_id}）は {a.checked_on.isoformat()} 以来 "
             f"{a.age(today)} 日確かめていません（{max_age_days()} 日を超えています）。" for a in old]
    if old:
        lines.append(f"古い資料が {len(old)} 件あります。make stale で一覧を表示します。")
    return lines
