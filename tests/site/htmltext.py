"""Read generated pages the way a person reads them: visible text, tables, sections."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    """Visible text with whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def page_text(site: Path, url_path: str) -> str:
    return text_of((site / url_path.strip("/") / "index.html").read_text(encoding="utf-8"))


class _Sections(HTMLParser):
    """Collect adopter rows as (section heading, row name) pairs from the adopters page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section = ""
        self.rows: list[tuple[str, str]] = []
        self._in_h2 = False
        self._in_row_th = False
        self._buf: list[str] = []
        self._depth_in_th = 0
        self._in_table = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "h2":
            self._in_h2, self._buf = True, []
        elif tag == "table":
            self._in_table = "adopters" in (a.get("class") or "").split()
        elif tag == "th" and a.get("scope") == "row" and self._in_table:
            self._in_row_th, self._buf = True, []
        elif self._in_row_th and tag == "span":
            self._depth_in_th += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._in_h2:
            self._in_h2 = False
            self.section = "".join(self._buf).split()[0] if self._buf else ""
        elif tag == "table":
            self._in_table = False
        elif tag == "span" and self._depth_in_th:
            self._depth_in_th -= 1
        elif tag == "th" and self._in_row_th:
            self._in_row_th = False
            self.rows.append((self.section, "".join(self._buf).strip()))

    def handle_data(self, data: str) -> None:
        if self._in_h2 or (self._in_row_th and not self._depth_in_th):
            self._buf.append(data)


def adopter_rows(html: str) -> list[tuple[str, str]]:
    parser = _Sections()
    parser.feed(html)
    return parser.rows
