"""Read a guarantor's list as CSV or XLSX: one orderer a row, columns name / prefecture / start.

Headers may be Japanese or English (団体名・発注者名・名称 / name, 都道府県 / prefecture,
開始年月・運用開始 / start); a start may be 2024-04, 2024/4/1, R6.4, 令和6年4月 or an Excel date. CSV
may be UTF-8 (with or without BOM) or Shift_JIS, as Excel writes it. Unlike OCR text, a table is
meant to be exact: a row whose start or prefecture cannot be read is invalid input (exit status 2).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from esurety.reconcile.entry import SECTIONS, Entry, InputError, parse_month
from esurety.reconcile.prefectures import prefecture_of_label

logger = logging.getLogger(__name__)

__all__ = ["COLUMNS", "read_csv", "read_rows", "read_xlsx"]

#: Column → the header spellings accepted for it (compared after NFKC, lower case, no spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "団体名", "発注者名", "発注者", "名称", "導入団体", "導入団体名", "団体"),
    "prefecture": ("prefecture", "都道府県", "都道府県名", "所在地"),
    "start": ("start", "開始年月", "開始", "運用開始", "運用開始時期", "開始時期", "導入時期", "取扱開始"),
    "section": ("section", "kind", "区分"),
}
_COLUMN_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _key(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).lower().split())


def _header(path: str, row: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        for column, names in COLUMNS.items():
            if _key(cell) in names and column not in found:
                found[column] = index
    if "name" not in found:
        raise InputError(path, 1, 1, "1行目に団体名の列（「団体名」または name）が見つかりません。"
                                     "1行目を 団体名,都道府県,開始年月 のような見出しにしてください。")
    return found


def _start(value: Any) -> str | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value or "").strip()
    return parse_month(text) if text else None


def read_rows(path: str, rows: Iterable[list[Any]], col_of: Any = None) -> list[Entry]:
    """Entries from table rows (the first row is the header); ``col_of(i)`` names a column for messages."""
    it = iter(rows)
    try:
        head = next(it)
    except StopIteration:
        raise InputError(path, 1, 1, "ファイルが空です。") from None
    cols = _header(path, list(head))
    entries: list[Entry] = []
    for lineno, row in enumerate(it, start=2):
        row = list(row)

        def cell(column: str, row: list[Any] = row) -> Any:
            i = cols.get(column)
            return row[i] if i is not None and i < len(row) else None

        name = "".join(str(cell("name") or "").split())
        if not name:
            if any(str(c or "").strip() for c in row):
                raise InputError(path, lineno, cols["name"] + 1, "団体名が空です。")
            continue
        pref_text = str(cell("prefecture") or "").strip()
        prefecture = prefecture_of_label(pref_text) if pref_text else None
        if pref_text and prefecture is None:
            raise InputError(path, lineno, cols["prefecture"] + 1,
                             f"都道府県「{pref_text}」が読めません。正式名（例: 大分県）で書いてください。")
        raw_start = cell("start")
        start = _start(raw_start)
        if raw_start not in (None, "") and start is None:
            raise InputError(path, lineno, cols["start"] + 1,
                             f"開始年月「{raw_start}」が読めません。2024-04、R6.4、令和6年4月 のように書いてください。")
        section_text = "".join(str(cell("section") or "").split())
        section = SECTIONS.get(section_text, section_text if section_text in SECTIONS.values() else "local")
        if section == "local" and prefecture is None and name not in ("",) and not name.endswith(("市", "町", "村", "区", "県", "都", "府", "道")):
            section = "agency"
        entries.append(Entry(name=name, prefecture=prefecture, start=start, file=path, line=lineno,
                             column=(cols["name"] + 1) if col_of is None else col_of(cols["name"]),
                             section=section, raw=",".join(str(c if c is not None else "") for c in row)))
    if not entries:
        raise InputError(path, 2, 1, "見出しの次の行から、団体が1つも見つかりません。")
    return entries


def read_csv(data: bytes, path: str) -> list[Entry]:
    """A CSV file's entries (UTF-8, UTF-8 with BOM or Shift_JIS)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(path, 1, 1, "文字コードが読めません。UTF-8 か Shift_JIS の CSV にしてください。")
    sample = text[:2000]
    dialect: Any = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    return read_rows(path, csv.reader(io.StringIO(text), dialect))


def read_xlsx(file: Path, path: str) -> list[Entry]:
    """The first worksheet of an Excel workbook."""
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - pinned in pyproject.toml
        raise InputError(path, 1, 1, "openpyxl がありません。make setup を実行してください。") from exc
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException…
        raise InputError(path, 1, 1, f"Excel ファイル（.xlsx）として読めません（{type(exc).__name__}）。") from exc
    try:
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return read_rows(path, rows, col_of=lambda i: i + 1)
