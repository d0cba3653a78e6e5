"""Japanese era dates (和暦) for the certificate page, as the paper certificate prints them.

The site's own copy lives in plugins/esurety/wareki.py; the function is deployed without the site's
code, so it carries this small one. tests/verify checks that both use the same eras.
"""

from __future__ import annotations

import datetime as dt
import functools

__all__ = ["ERAS", "format_date"]

ERAS: tuple[tuple[str, dt.date], ...] = (
    ("令和", dt.date(2019, 5, 1)),
    ("平成", dt.date(1989, 1, 8)),
    ("昭和", dt.date(1926, 12, 25)),
)


@functools.lru_cache(maxsize=4096)
def format_date(day: dt.date) -> str:
    """令和8年4月10日 (元年 for the first year)."""
    for name, start in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"
