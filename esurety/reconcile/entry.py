"""One entry of a guarantor's list, as printed, and the error for input that cannot be read.

Every reader (leaflet table, CSV/XLSX, news lines) turns its input into :class:`Entry` objects that
remember where they were printed (file:line:column), so the report can send staff back to the page.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field

from esurety.kernel.wareki import parse_wareki

logger = logging.getLogger(__name__)

__all__ = ["SECTIONS", "Entry", "InputError", "Section", "name_key", "parse_month"]

#: What kind of list an entry was printed in: local governments, or the leaflet's 区分 lines.
Section = str
#: Leaflet category labels (区分) → the adopter kind of their entries.
SECTIONS: dict[str, str] = {
    "国": "national",
    "独立行政法人等": "agency",
    "その他公共的団体": "public_body",
}

_MONTH_NOISE = str.maketrans({",": ".", "、": ".", "・": ".", "。": ".", "_": ".", "ー": "-", "−": "-"})
_ISO_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?$")


@dataclass(frozen=True)
class InputError(Exception):
    """Input that cannot be read at all: exit status 2, with file:line:column and a Japanese message."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """One orderer as the guarantor's list prints it (before any correction)."""

    name: str
    #: The prefecture of the row or column it was printed in (official name), or None (国・独立行政法人等).
    prefecture: str | None
    #: Start month as YYYY-MM, or None when the list gives none.
    start: str | None
    file: str
    line: int
    column: int
    #: "local" for the table by prefecture; else the adopter kind of the leaflet's 区分 line.
    section: Section = "local"
    #: Which column of a leaflet row: "prefecture", "major" (政令指定都市・府県庁所在地), "municipal", or "".
    cell: str = ""
    #: The text as printed (cell or line), for the report.
    raw: str = ""
    #: Problems the reader itself saw (an unreadable month…), in Japanese.
    remarks: tuple[str, ...] = field(default=())

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def parse_month(text: str) -> str | None:
    """R6.4, Ｒ６．４, R6,4 (OCR), 令和6年4月, 2024-04, 2024/4, 2024年4月 → "2024-04"; None if unreadable."""
    t = unicodedata.normalize("NFKC", text).strip().translate(_MONTH_NOISE)
    t = re.sub(r"\s+", "", t)
    if not t:
        return None
    day = parse_wareki(t.replace("r", "R").replace("h", "H"))
    if day is not None:
        return f"{day.year:04d}-{day.month:02d}"
    m = _ISO_MONTH_RE.match(t)
    if m and 1 <= int(m.group(2)) <= 12 and 1990 <= int(m.group(1)) <= 2100:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None


def name_key(name: str) -> str:
    """Compare names as printed and as in the table: NFKC, no spaces, no corporate-form prefix."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    for prefix in _CORPORATE_PREFIXES:
        if t.startswith(prefix) and len(t) > len(prefix):
            t = t[len(prefix):]
            break
    return t


#: Legal-form prefixes a list may or may not print before an orderer's name (国立大学法人 大阪大学).
_CORPORATE_PREFIXES: tuple[str, ...] = (
    "国立大学法人", "独立行政法人", "地方独立行政法人", "国立研究開発法人", "公益財団法人", "一般財団法人",
    "公益社団法人", "一般社団法人",
)
