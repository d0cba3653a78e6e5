"""Japanese era dates (和暦): one module for the site, the staff tools and the lookup.

Era start days are the legal ones (元号法 and the era-change ordinances): 令和 from 2019-05-01,
平成 from 1989-01-08, 昭和 from 1926-12-25. The first year of an era is 元年.

Named variants, one per use:

- :func:`era_date` — 令和8年4月10日, as a paper certificate prints it (the lookup's certificate view);
- :func:`era_date_and_iso` — 令和6年10月1日 (2024-10-01), as the site shows dates;
- :func:`era_month_and_iso` — 令和6年10月 (2024-10), for a start known to the month;
- :func:`parse_wareki` — reads what staff type (令和8年4月1日, R8.4.1, 令和8年4月).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

__all__ = ["ERAS", "era_date", "era_date_and_iso", "era_month_and_iso", "era_of", "parse_wareki"]

ERAS: tuple[tuple[str, dt.date], ...] = (
    ("令和", dt.date(2019, 5, 1)),
    ("平成", dt.date(1989, 1, 8)),
    ("昭和", dt.date(1926, 12, 25)),
)
_ERA_ABBREV = {"R": "令和", "H": "平成", "S": "昭和"}
_WAREKI_RE = re.compile(r"^\s*(令和|平成|昭和|[RHS])\s*(元|\d{1,2})\s*[年.\-/]\s*(\d{1,2})\s*(?:[月.\-/]\s*(\d{1,2})\s*日?)?\s*(?:月)?\s*$")


def era_of(day: dt.date) -> tuple[str, int]:
    """The era name and year number for a Gregorian date."""
    for name, start in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day} is before 昭和")


def _year_label(n: int) -> str:
    return "元" if n == 1 else str(n)


@functools.lru_cache(maxsize=8192)
def era_date(day: dt.date) -> str:
    """令和8年4月10日 (元年 for the first year); a date before 昭和 in the Gregorian calendar."""
    try:
        era, year = era_of(day)
    except ValueError:
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{era}{_year_label(year)}年{day.month}月{day.day}日"


@functools.lru_cache(maxsize=8192)
def era_date_and_iso(day: dt.date) -> str:
    """令和6年10月1日 (2024-10-01)."""
    return f"{era_date(day)} ({day.isoformat()})"


@functools.lru_cache(maxsize=4096)
def era_month_and_iso(year: int, month: int) -> str:
    """令和6年10月 (2024-10)."""
    era, era_year = era_of(dt.date(year, month, 1))
    return f"{era}{_year_label(era_year)}年{month}月 ({year:04d}-{month:02d})"


def parse_wareki(text: str) -> dt.date | None:
    """Read 令和8年4月1日, R8.4.1 or 令和8年4月 (first of the month); None when it is not an era date."""
    m = _WAREKI_RE.match(unicodedata.normalize("NFKC", str(text)))
    if not m:
        return None
    era = _ERA_ABBREV.get(m.group(1), m.group(1))
    start = dict(ERAS)[era]
    year = 1 if m.group(2) == "元" else int(m.group(2))
    try:
        day = dt.date(start.year + year - 1, int(m.group(3)), int(m.group(4) or 1))
    except ValueError:
        return None
    nxt = min((s for _, s in ERAS if s > start), default=None)
    return None if day < start or (nxt is not None and day >= nxt) else day
