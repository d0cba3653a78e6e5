"""The adopter table as open data: CSV for programs, CSV and a workbook for Excel, JSON, and a page describing them.

Four files with the same rows and columns (described once in :data:`COLUMNS`; the description page,
the JSON's ``columns`` and the Japanese headers are made from it):

* ``adopters.csv`` — for programs: a header row of column keys, values as in the JSON. UTF-8 with a
  byte order mark and CRLF line ends, because that is what makes Excel on a Japanese Windows open it
  as UTF-8 instead of Shift_JIS. Unchanged since the first release, so programs keep working.
* ``adopters-excel.csv`` — for opening in Excel with a double click: the same bytes conventions, the
  Japanese column titles as the header row, and every value Excel would change (a local-government
  code such as ``052124`` loses its leading zero, a month such as ``2024-10`` becomes a date) written
  as the formula ``="052124"``, whose result is the text itself. A leading apostrophe does not do
  this in a CSV file: Excel treats it as part of the value and shows it. Programs that do not evaluate
  formulas see ``="052124"``; they read ``adopters.csv`` (the page says so).
* ``adopters.xlsx`` — the workbook: every code and month a text cell (number format ``@``), the
  Japanese header row frozen, column widths from the values, and a second sheet with the columns'
  descriptions. No formula anywhere; the better choice for Excel.
* ``adopters.json`` — for programs, with the columns, the sources and the dates.

Every file is the same bytes for the same data and build date (the build compares incremental and
full builds byte for byte): the workbook's dates are the build date and so are its zip entries'.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any, ClassVar

from esurety.kernel import paths
from esurety.site import views
from esurety.site.family import FamilyGenerator

logger = logging.getLogger(__name__)

__all__ = [
    "COLUMNS",
    "CSV_PATH",
    "DOC_URL",
    "EXCEL_CSV_PATH",
    "JSON_PATH",
    "XLSX_PATH",
    "OpenData",
    "excel_text",
    "records",
    "to_csv",
    "to_excel_csv",
    "to_json",
    "to_xlsx",
]

CSV_PATH = paths.ADOPTERS_CSV
EXCEL_CSV_PATH = paths.ADOPTERS_EXCEL_CSV
XLSX_PATH = paths.ADOPTERS_XLSX
JSON_PATH = paths.ADOPTERS_JSON
DOC_URL = paths.url(paths.OPEN_DATA)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    description: str
    #: A code or a month: what a spreadsheet must keep as text, never as a number or a date.
    text: bool = False


#: The columns of both files, in CSV order.
COLUMNS: tuple[Column, ...] = (
    Column("name", "発注者名", "発注者の名称（例: 竹田市）。"),
    Column("reading", "よみ", "ひらがなのよみ（例: たけたし）。国の機関などは空。"),
    Column("prefecture", "都道府県", "所在の都道府県名。国の機関など、一つの都道府県に属さない発注者は空。"),
    Column("kind", "区分（キー）", "national, agency, public_body, prefecture, designated_city, city, town, village のいずれか。"),
    Column("kind_label", "区分", "区分の日本語名（例: 市）。"),
    Column("capital", "都道府県庁所在地", "都道府県庁所在地の市なら true、それ以外は false。"),
    Column("lg_code", "団体コード", "全国地方公共団体コード（6桁、検査数字を含む）。地方公共団体以外は空。", text=True),
    Column("start", "開始年月", "電子保証の開始年月（YYYY-MM）。資料に記載がなければ空。", text=True),
    Column("status", "状態（キー）", "active（運用中）または upcoming（開始予定）。build_date 時点で開始年月を過ぎていれば active。開始年月のない行は、資料の時点で導入済みとして active。"),
    Column("status_label", "状態", "状態の日本語名（運用中・開始予定）。"),
    Column("guarantors", "保証事業会社（キー）", "wjcs, ejcs, hokkaido。複数ある場合は CSV では「;」区切り、JSON では配列。"),
    Column("guarantor_labels", "保証事業会社", "保証事業会社の名称。区切りは guarantors と同じ。"),
    Column("page_url", "案内ページ", "このサイトの発注者別の案内ページの URL。ページがなければ空。"),
    Column("source", "資料ID", "出典の資料ID（JSON の sources のキー）。"),
    Column("source_title", "出典", "出典の資料名。"),
    Column("confirmed", "確認済み", "資料の読み取りに疑いがなければ true。疑いがあれば false（理由は note）。"),
    Column("note", "備考", "資料の表記、読み取りの注意など。"),
    # Added after the first release: appended, so that programs reading columns by position keep working.
    Column("start_label", "開始年月（表示）", "開始年月を和暦と西暦で（例: 令和6年10月 (2024-10)）。開始年月がなければ空。"),
    Column("group_url", "一覧のページ", "採用団体一覧で、この行が載っているページ（国・独立行政法人等・その他公共的団体・都道府県ごと）の URL。"
                                    "採用団体一覧の名前での絞り込みは、案内ページがなければこのページへ案内します。"),
)


def _url(settings: dict[str, Any], path: str) -> str:
    return f"{settings.get('SITEURL', '')}/{path}"


def records(data: Any, adopters: views.AdopterView, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """One dict per adopter row, keyed by :data:`COLUMNS`, in the order of the adopter page."""
    labels = views.Labels(data.vocabulary)
    sources = data.adopters.sources
    rows = []
    for group in adopters.groups:
        for r in group.rows:
            a = r.adopter
            rows.append({
                "name": a.name,
                "reading": a.reading or "",
                "prefecture": a.prefecture or "",
                "kind": a.kind,
                "kind_label": labels("orderer_kind", a.kind),
                "capital": a.capital,
                "lg_code": a.lg_code or "",
                "start": a.start or "",
                "status": r.status,
                "status_label": labels("status", r.status),
                "guarantors": a.guarantor_ids,
                "guarantor_labels": [data.guarantors[g].name for g in a.guarantor_ids],
                "page_url": _url(settings, paths.orderer(a.page)) if a.page else "",
                "source": a.source,
                "source_title": sources[a.source].title,
                "confirmed": a.confirmed,
                "note": a.note or "",
                "start_label": views.month_ja(a.start),
                "group_url": _url(settings, r.group_url),
            })
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def to_csv(rows: list[dict[str, Any]]) -> str:
    """CSV text with a header row of column keys and CRLF line ends (the BOM is added when writing)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c.key for c in COLUMNS])
    for row in rows:
        w.writerow([_cell(row[c.key]) for c in COLUMNS])
    return buf.getvalue()


#: What makes Excel read a CSV cell as a formula when the cell starts with it (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Cells Excel reads as a number, a date or a time: 052124, 2024-10, 1/2, 3.5, 10:30 …
_NUMBER_OR_DATE = re.compile(r"[0-9０-９\s.,/:+\-]+")
#: The longest text an Excel formula may hold as a string literal.
_FORMULA_TEXT_MAX = 255


def excel_text(value: str) -> str:
    """``052124`` → ``="052124"``: a formula whose result is the text itself, which Excel keeps as text."""
    return '="' + value.replace('"', '""') + '"'


def _excel_cell(column: Column, value: Any) -> str:
    text = _cell(value)
    if not text:
        return text
    if column.text or text.startswith(_FORMULA_START) or _NUMBER_OR_DATE.fullmatch(text):
        if len(text) <= _FORMULA_TEXT_MAX:
            return excel_text(text)
        return "'" + text  # too long for a formula: shown with the apostrophe, but never run as one
    return text


def to_excel_csv(rows: list[dict[str, Any]]) -> str:
    """CSV text for Excel: the Japanese column titles as header, codes and months as ``="…"`` (BOM added when writing)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c.title for c in COLUMNS])
    for row in rows:
        w.writerow([_excel_cell(c, row[c.key]) for c in COLUMNS])
    return buf.getvalue()


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: full-width (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


#: Column widths of the workbook, in characters of the default font.
_MIN_WIDTH, _MAX_WIDTH = 6, 48


def _sheet_value(value: Any) -> Any:
    """A record's value as a workbook cell: text, a boolean, or empty (lists joined as in the CSV)."""
    if isinstance(value, bool):
        return value
    text = _cell(value)
    return text or None


def _append_text(sheet: Any, values: list[Any]) -> None:
    """Append a row; its strings are text cells even when they start with "=" (openpyxl would make those formulas)."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def to_xlsx(rows: list[dict[str, Any]], data: Any, adopters: views.AdopterView, settings: dict[str, Any]) -> bytes:
    """The workbook: a sheet of the rows under a frozen Japanese header, and a sheet describing the columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook()
    sheet = book.active
    sheet.title = "採用団体一覧"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    widths = [_display_width(c.title) for c in COLUMNS]
    _append_text(sheet, [c.title for c in COLUMNS])
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center")
    for r, row in enumerate(rows, start=2):
        for i, c in enumerate(COLUMNS):
            value = _sheet_value(row[c.key])
            cell = sheet.cell(row=r, column=i + 1, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, even when it starts with "=" (openpyxl would make that a formula)
                widths[i] = max(widths[i], _display_width(value))
            if c.text:
                cell.number_format = "@"  # Excel's "text" format: an edited code or month stays text
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"

    about = book.create_sheet("列の説明")
    _append_text(about, ["電子保証の採用団体一覧"])
    about["A1"].font = Font(bold=True, size=13)
    for label, value in (("資料の時点", data.adopters.as_of.isoformat()), ("状態の基準日", adopters.today.isoformat()),
                         ("説明のページ", _url(settings, DOC_URL)), ("行数", str(len(rows)))):
        _append_text(about, [label, value])
    about.append([])
    _append_text(about, ["列名", "項目", "説明"])
    for cell in about[about.max_row]:
        cell.font, cell.fill = bold, fill
    for c in COLUMNS:
        _append_text(about, [c.key, c.title, c.description])
    for letter, width in (("A", 18), ("B", 24), ("C", 100)):
        about.column_dimensions[letter].width = width

    built = dt.datetime.combine(adopters.today, dt.time())
    props = book.properties
    props.title, props.creator, props.language = "電子保証の採用団体一覧", settings.get("SITENAME", ""), "ja-JP"
    props.created = props.modified = built
    buf = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_zip_times(buf.getvalue(), built)


def _fixed_zip_times(raw: bytes, when: dt.datetime) -> bytes:
    """The same zip with every entry dated ``when`` (zipfile dates entries written by name with the current time)."""
    out = io.BytesIO()
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for entry in src.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 0, 0
            dst.writestr(info, src.read(entry))
    return out.getvalue()


def to_json(rows: list[dict[str, Any]], data: Any, adopters: views.AdopterView, settings: dict[str, Any]) -> str:
    """The rows with what a program needs to read them: dates, columns and sources."""
    doc = {
        "title": "電子保証の採用団体一覧",
        "as_of": data.adopters.as_of.isoformat(),
        "build_date": adopters.today.isoformat(),
        "documentation": _url(settings, DOC_URL),
        "columns": [{"key": c.key, "title": c.title, "description": c.description} for c in COLUMNS],
        "sources": {key: s.model_dump(mode="json", exclude_none=True) for key, s in data.adopters.sources.items()},
        "adopters": rows,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


class OpenData(FamilyGenerator):
    """The adopter table as CSV (for programs and for Excel), a workbook and JSON, and the page documenting them."""

    writes: ClassVar[tuple[str, ...]] = (CSV_PATH, EXCEL_CSV_PATH, XLSX_PATH, JSON_PATH, paths.OPEN_DATA)
    templates: ClassVar[tuple[str, ...]] = ("adopters_data",)

    def render(self) -> None:
        from esurety.site import feeds

        data, adopters = self._site.data, self._site.adopters
        rows = records(data, adopters, self.settings)
        self.data_file(CSV_PATH, to_csv(rows), bom=True)
        self.data_file(EXCEL_CSV_PATH, to_excel_csv(rows), bom=True)
        self.data_file(XLSX_PATH, to_xlsx(rows, data, adopters, self.settings))
        self.data_file(JSON_PATH, to_json(rows, data, adopters, self.settings))
        self.page(paths.OPEN_DATA, "adopters_data", columns=COLUMNS, adopters=adopters, row_count=len(rows),
                  csv_path=CSV_PATH, excel_csv_path=EXCEL_CSV_PATH, xlsx_path=XLSX_PATH, json_path=JSON_PATH,
                  feeds=feeds.feed_links(data), ics_path=feeds.ICS_PATH)
        logger.info("wrote the adopter table as CSV, CSV for Excel, a workbook and JSON (%d rows)", len(rows))
