"""Read a guarantor leaflet's adopter table from OCR text (the layout of WJCS's 「導入発注者」 table).

The table has one line per prefecture, labelled with its short name (大阪, 滋賀, …) and cells like
``R6.4 竹田市`` separated by tabs: the prefecture's own cell, the designated city / capital cell,
then the municipalities. Above it, 区分 lines list 国, 独立行政法人等 and その他公共的団体 separated
by 、. OCR noise is expected and tolerated: full-width or missing spaces, ``R6,4`` for ``R6.4``,
two cells run together, empty cells, and the leaflet's other tables (lines that start with a
prefecture name but hold no ``R6.4 name`` cell are not adopter rows and are skipped).
"""

from __future__ import annotations

import logging
import re
import unicodedata

from esurety.reconcile.entry import SECTIONS, Entry, InputError, parse_month
from esurety.reconcile.prefectures import prefecture_of_label

logger = logging.getLogger(__name__)

__all__ = ["read_leaflet", "split_items"]

#: The start of a cell: an era month such as R6.4, R6.10, R元.5, 令和6年4月 (after NFKC).
_MONTH = r"(?:令和|平成|[RHrh])\s*(?:元|\d{1,2})\s*[.,、・年]\s*\d{1,2}\s*月?"
_CELL_SPLIT = re.compile(rf"(?=(?<![A-Za-z]){_MONTH})")
_CELL_RE = re.compile(rf"^\s*({_MONTH})\s*(.*?)\s*$")
#: 「西日本地区外の国立大学法人（※）」: a category remark in a 区分 line, not an orderer.
_REMARK_RE = re.compile(r"^.*?[(（]\s*※\s*[)）]\s*")
_OPEN, _CLOSE = "（(「『", "）)」』"


def split_items(text: str) -> list[tuple[int, str]]:
    """Split a 区分 line's list at 、 or , outside brackets; (offset, item) pairs, items stripped."""
    items: list[tuple[int, str]] = []
    depth, start = 0, 0
    for i, ch in enumerate(text + "、"):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in "、,，" and depth == 0:
            piece = text[start:i]
            stripped = piece.strip()
            if stripped:
                items.append((start + len(piece) - len(piece.lstrip()), stripped))
            start = i + 1
    return items


def _fields(line: str) -> list[tuple[int, str]]:
    """(0-based offset, text) of each field: tab-separated, else the label and the rest."""
    if "\t" in line:
        out, pos = [], 0
        for part in line.split("\t"):
            out.append((pos, part))
            pos += len(part) + 1
        return out
    m = re.match(r"^(\s*\S+)(\s+)(.*)$", line)
    if not m:
        return [(0, line)]
    return [(0, m.group(1)), (len(m.group(1)) + len(m.group(2)), m.group(3))]


def _category_entries(path: str, lineno: int, offset: int, text: str, kind: str) -> list[Entry]:
    entries = []
    for at, item in split_items(text):
        remark = _REMARK_RE.match(item)
        if remark:
            logger.debug("%s:%s: category remark %s", path, lineno, remark.group(0))
            at += remark.end()
            item = item[remark.end():].strip()
            if not item:
                continue
        entries.append(Entry(name=item, prefecture=None, start=None, file=path, line=lineno,
                             column=offset + at + 1, section=kind, raw=item))
    return entries


def _row_entries(path: str, lineno: int, prefecture: str, fields: list[tuple[int, str]],
                 tabbed: bool) -> list[Entry]:
    entries: list[Entry] = []
    pending: str | None = None  # a month whose name OCR pushed into the next cell ("R6.4" | "竹田市")
    for index, (offset, text) in enumerate(fields[1:], start=1):
        if not text.strip():
            continue
        cell = ("prefecture", "major")[index - 1] if tabbed and index <= 2 else ("municipal" if tabbed else "")
        norm = unicodedata.normalize("NFKC", text)
        pieces = [p for p in _CELL_SPLIT.split(norm) if p.strip()]
        shift = 0
        for piece in pieces:
            column = offset + norm.find(piece, shift) + 1
            shift = norm.find(piece, shift) + len(piece)
            m = _CELL_RE.match(piece)
            if m:
                month_text, name = m.group(1).strip(), m.group(2)
            elif pending is not None:
                month_text, name = pending, piece
            else:
                month_text, name = "", piece
            pending = None
            start = parse_month(month_text) if month_text else None
            if not month_text:
                remarks: tuple[str, ...] = ("開始年月が印字されていません。",)
            else:
                remarks = () if start else (f"開始年月「{month_text}」が読めません。",)
            name = "".join(name.split())
            if not name:
                pending = month_text or None
                continue
            role = cell or ("prefecture" if name == prefecture else "")
            if len(pieces) > 1 and role in ("prefecture", "major") and piece is not pieces[0]:
                role = "municipal"
            entries.append(Entry(name=name, prefecture=prefecture, start=start, file=path, line=lineno,
                                 column=column, section="local", cell=role, raw=piece.strip(), remarks=remarks))
    if not any(e.start for e in entries):
        return []  # a line of another table that happens to start with a prefecture name
    return entries


def read_leaflet(text: str, path: str) -> list[Entry]:
    """Every entry of the leaflet's adopter table, in print order."""
    entries: list[Entry] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = _fields(line)
        label = "".join(fields[0][1].split())
        kind = SECTIONS.get(label)
        if kind and len(fields) > 1:
            rest_at = fields[1][0]
            entries += _category_entries(path, lineno, rest_at, line[rest_at:], kind)
            continue
        prefecture = prefecture_of_label(label)
        if prefecture and len(fields) > 1:
            entries += _row_entries(path, lineno, prefecture, fields, "\t" in line)
    if not entries:
        raise InputError(path, 1, 1, "採用団体の表が見つかりません。「大分	R6.6 大分県	R7.4 大分市	R6.4 小国町」のように、"
                                     "都道府県名のあとに「R6.4 団体名」が並ぶ行の文字起こしを渡してください（--format leaflet）。")
    logger.info("%s: %s entries from the leaflet table", path, len(entries))
    return entries
