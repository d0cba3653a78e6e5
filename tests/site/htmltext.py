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


#: Spans inside a row header that are not part of the name.
_ASIDE = {"reading", "row-note", "badge"}


class _Table(HTMLParser):
    """The body and footer rows of the first ``<table class="…cls…">``: cell texts and links per row.

    Readings, notes and badges are left out of a cell's text, so a name reads as printed. A
    ``<th scope="rowgroup">`` (a month on a year page) is not a row of its own: its ``<time datetime>``
    becomes the group of the rows after it.
    """

    def __init__(self, cls: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cls = cls
        self.rows: list[tuple[str, list[str], list[str]]] = []
        self._state = "before"  # before → inside → after
        self._head = False
        self._group = ""
        self._cells: list[str] | None = None
        self._links: list[str] = []
        self._buf: list[str] | None = None
        self._rowgroup = False
        self._aside = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        if self._state == "before" and tag == "table" and self.cls in classes:
            self._state = "inside"
        if self._state != "inside":
            return
        if tag in ("thead", "tbody", "tfoot"):
            self._head = tag == "thead"
        elif tag == "tr":
            self._cells, self._links = [], []
        elif tag in ("th", "td"):
            self._buf, self._rowgroup = [], a.get("scope") == "rowgroup"
        elif tag == "span" and (self._aside or classes & _ASIDE):
            self._aside += 1
        elif tag == "a" and self._cells is not None:
            self._links.append(a.get("href") or "")
        elif tag == "time" and self._rowgroup:
            self._group = a.get("datetime") or ""

    def handle_endtag(self, tag: str) -> None:
        if self._state != "inside":
            return
        if tag == "table":
            self._state = "after"
        elif tag == "span" and self._aside:
            self._aside -= 1
        elif tag in ("th", "td") and self._buf is not None:
            if not self._rowgroup and self._cells is not None:
                self._cells.append(re.sub(r"\s+", " ", "".join(self._buf)).strip())
            self._buf = None
        elif tag == "tr" and self._cells is not None:
            if self._cells and not self._head:
                self.rows.append((self._group, self._cells, self._links))
            self._cells = None

    def handle_data(self, data: str) -> None:
        if self._buf is not None and not self._aside:
            self._buf.append(data)


def table_rows(html: str, cls: str) -> list[tuple[str, list[str], list[str]]]:
    """(group, cells, links) of every body and footer row of the first ``<table class="cls">``; the group
    is the month of the row's ``<th scope="rowgroup">`` (year pages), else empty."""
    parser = _Table(cls)
    parser.feed(html)
    return parser.rows


def heading(html: str) -> str:
    """The visible text of the page's h1."""
    m = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return text_of(m.group(1)).strip() if m else ""
