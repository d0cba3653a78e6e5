"""Open data: the adopter table as CSV for programs, CSV and a workbook for Excel, and JSON, and the page describing them.

Each file is read back the way its users read it (the csv module with the Excel dialect, openpyxl) and
compared with the JSON's records row by row.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from esurety.site import exports


@pytest.fixture(scope="module")
def csv_bytes(site: Path) -> bytes:
    return (site / "adopters" / "adopters.csv").read_bytes()


@pytest.fixture(scope="module")
def rows(csv_bytes: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"), newline="")))


def test_csv_starts_with_a_bom_and_uses_crlf(csv_bytes: bytes):
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    text = csv_bytes[3:].decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_csv_header_is_the_documented_columns(csv_bytes: bytes):
    header = csv_bytes[3:].split(b"\r\n", 1)[0].decode("utf-8")
    assert header.split(",") == [c.key for c in exports.COLUMNS]


def test_csv_has_every_adopter_once(rows, dataset):
    data, _ = dataset
    assert len(rows) == len(data.adopters.adopters)
    assert len({(r["prefecture"], r["name"]) for r in rows}) == len(rows)


def test_csv_row_of_taketa(rows, build_date):
    row = next(r for r in rows if r["name"] == "竹田市")
    assert row["reading"] == "たけたし"
    assert row["prefecture"] == "大分県"
    assert row["kind"] == "city" and row["kind_label"] == "市"
    assert row["lg_code"] == "442089"
    assert row["start"] == "2024-10"
    # 竹田市 starts in 2024-10: running from that month of the build date on, upcoming before
    started = (build_date.year, build_date.month) >= (2024, 10)
    assert (row["status"], row["status_label"]) == (("active", "運用中") if started else ("upcoming", "開始予定"))
    assert row["guarantors"] == "wjcs" and row["guarantor_labels"] == "西日本建設業保証株式会社"
    assert row["page_url"].endswith("/municipalities/taketa/")
    assert row["confirmed"] in ("true", "false") and row["capital"] == "false"
    assert row["start_label"] == "令和6年10月 (2024-10)"
    assert row["group_url"].endswith("/adopters/pref-44/")


def test_every_row_names_its_group_page(rows, site: Path):
    """group_url is the page of the adopter table that lists the row; the index's filter links it."""
    for row in rows:
        path = urlsplit(row["group_url"]).path  # absolute in production builds (SITEURL)
        page = site / path.strip("/") / "index.html"
        assert page.is_file(), row["group_url"]
        assert re.search(f">{re.escape(row['name'])}[< ]", page.read_text(encoding="utf-8")), (row["name"], row["group_url"])


def test_json_shape(site: Path, rows, dataset, build_date):
    data, _ = dataset
    doc = json.loads((site / "adopters" / "adopters.json").read_text(encoding="utf-8"))
    assert doc["as_of"] == data.adopters.as_of.isoformat()
    assert doc["build_date"] == build_date.isoformat()
    assert [c["key"] for c in doc["columns"]] == [c.key for c in exports.COLUMNS]
    assert set(doc["sources"]) == set(data.adopters.sources)
    assert len(doc["adopters"]) == len(rows)
    for item, row in zip(doc["adopters"], rows):
        assert list(item) == [c.key for c in exports.COLUMNS]
        assert isinstance(item["guarantors"], list) and isinstance(item["confirmed"], bool)
        assert item["source"] in doc["sources"]
        assert item["name"] == row["name"] and ";".join(item["guarantors"]) == row["guarantors"]


def test_documentation_page_describes_every_column(site: Path):
    html = (site / "adopters" / "data" / "index.html").read_text(encoding="utf-8")
    for c in exports.COLUMNS:
        assert f"<code>{c.key}</code>" in html and c.description.split("（")[0][:10] in html
        assert f"<td data-label=\"項目\">{c.title}</td>" in html  # the header of the Excel files


def test_documentation_page_links_every_file(site: Path):
    html = (site / "adopters" / "data" / "index.html").read_text(encoding="utf-8")
    for href in ("/adopters/adopters.xlsx", "/adopters/adopters-excel.csv", "/adopters/adopters.csv",
                 "/adopters/adopters.json"):
        assert re.search(f'<a href="{re.escape(href)}"[^>]*>', html), href
    assert 'type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"' in html
    assert "=&#34;052124&#34;" in html or '="052124"' in html


def test_adopters_page_links_the_files(site: Path):
    html = (site / "adopters" / "index.html").read_text(encoding="utf-8")
    for href in ("/adopters/adopters.csv", "/adopters/adopters-excel.csv", "/adopters/adopters.xlsx",
                 "/adopters/adopters.json", "/adopters/data/", "/adopters/charts/",
                 "/feeds/adopters.atom.xml", "/adopters/start-dates.ics"):
        assert f'href="{href}"' in html, href


# --------------------------------------------------------------------------- for Excel: CSV and workbook
#: The formula form the Excel CSV writes for codes and months: ="052124" (its result is the text itself).
FORMULA = re.compile(r'="((?:[^"]|"")*)"')


@pytest.fixture(scope="module")
def json_doc(site: Path) -> dict:
    return json.loads((site / "adopters" / "adopters.json").read_text(encoding="utf-8"))


def expected_text(value) -> str:
    """A JSON record's value as the CSV files write it: lists joined with ';', booleans true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def excel_result(cell: str) -> str:
    """What Excel shows for a cell of adopters-excel.csv: the formula ="…" gives the text between the quotes."""
    m = FORMULA.fullmatch(cell)
    return m.group(1).replace('""', '"') if m else cell


@pytest.fixture(scope="module")
def excel_csv_bytes(site: Path) -> bytes:
    return (site / "adopters" / "adopters-excel.csv").read_bytes()


@pytest.fixture(scope="module")
def excel_rows(excel_csv_bytes: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(excel_csv_bytes.decode("utf-8-sig"), newline=""), dialect="excel"))


def test_excel_csv_is_utf8_with_bom_and_crlf(excel_csv_bytes: bytes):
    assert excel_csv_bytes.startswith(b"\xef\xbb\xbf")
    text = excel_csv_bytes[3:].decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")


def test_excel_csv_has_japanese_headers(excel_rows: list[list[str]]):
    header = excel_rows[0]
    assert header == [c.title for c in exports.COLUMNS]
    assert len(set(header)) == len(header)
    assert header[:3] == ["発注者名", "よみ", "都道府県"] and "団体コード" in header and "開始年月" in header
    assert not any(re.fullmatch(r"[a-z_]+", h) for h in header), "no English key is left as a header"


def test_excel_csv_rows_equal_the_json_records(excel_rows: list[list[str]], json_doc: dict):
    records = json_doc["adopters"]
    assert len(excel_rows) - 1 == len(records)
    for cells, record in zip(excel_rows[1:], records):
        assert len(cells) == len(exports.COLUMNS)
        shown = {c.key: excel_result(v) for c, v in zip(exports.COLUMNS, cells)}
        assert shown == {k: expected_text(v) for k, v in record.items()}, record["name"]


def test_excel_csv_keeps_codes_and_months_as_text(excel_rows: list[list[str]], json_doc: dict):
    """Every code and month is the formula ="…" (Excel keeps 052124 and 2024-10 as text); nothing else is."""
    header = excel_rows[0]
    code, month = header.index("団体コード"), header.index("開始年月")
    with_zero = 0
    for cells, record in zip(excel_rows[1:], json_doc["adopters"]):
        for i, key in ((code, "lg_code"), (month, "start")):
            if record[key]:
                assert cells[i] == f'="{record[key]}"', (record["name"], cells[i])
            else:
                assert cells[i] == ""
        with_zero += record["lg_code"].startswith("0")
        for i, cell in enumerate(cells):
            if i not in (code, month) and FORMULA.fullmatch(cell):
                assert re.fullmatch(r"[0-9\s.,/:+\-]+", excel_result(cell)), (header[i], cell)
            assert not cell.startswith(("+", "-", "@")), (header[i], cell)  # nothing Excel would run
    assert with_zero, "the data has codes with a leading zero (北海道・東北), the case Excel breaks"
    daisen = next(cells for cells in excel_rows[1:] if cells[0] == "大仙市")
    assert daisen[code] == '="052124"' and daisen[month] == '="2023-12"'


def test_excel_text_escapes_quotes():
    assert exports.excel_text("052124") == '="052124"'
    assert excel_result(exports.excel_text('a"b')) == 'a"b'


def test_plain_csv_is_unchanged_for_programs(rows, json_doc: dict):
    """adopters.csv keeps the column keys and plain values: programs that read it since the first release still work."""
    for row, record in zip(rows, json_doc["adopters"]):
        assert row == {k: expected_text(v) for k, v in record.items()}
    assert any(r["lg_code"].startswith("0") for r in rows) and not any(r["lg_code"].startswith("=") for r in rows)


@pytest.fixture(scope="module")
def workbook(site: Path):
    import openpyxl

    return openpyxl.load_workbook(site / "adopters" / "adopters.xlsx")


def test_xlsx_rows_equal_the_json_records(workbook, json_doc: dict):
    sheet = workbook.worksheets[0]
    assert sheet.title == "採用団体一覧"
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == [c.title for c in exports.COLUMNS]
    records = json_doc["adopters"]
    assert len(values) - 1 == len(records)
    for cells, record in zip(values[1:], records):
        got = dict(zip((c.key for c in exports.COLUMNS), cells))
        for key, value in record.items():
            if isinstance(value, bool):
                assert got[key] is value, (record["name"], key)
            else:
                assert (got[key] or "") == expected_text(value), (record["name"], key, got[key])


def test_xlsx_codes_and_months_are_text_cells(workbook, json_doc: dict):
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    code, month = header.index("団体コード") + 1, header.index("開始年月") + 1
    with_zero = 0
    for r, record in enumerate(json_doc["adopters"], start=2):
        for col, key in ((code, "lg_code"), (month, "start")):
            cell = sheet.cell(row=r, column=col)
            assert cell.number_format == "@", (record["name"], key)  # Excel's text format
            if record[key]:
                assert cell.data_type == "s" and cell.value == record[key], (record["name"], key, cell.value)
        with_zero += bool(record["lg_code"]) and str(sheet.cell(row=r, column=code).value).startswith("0")
    assert with_zero
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row), "no formula in the workbook"


def test_xlsx_header_is_frozen_bold_and_the_columns_fit(workbook):
    from openpyxl.utils import get_column_letter

    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert all(c.font.b for c in sheet[1])
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(exports.COLUMNS))}{sheet.max_row}"
    for i, c in enumerate(exports.COLUMNS, start=1):
        width = sheet.column_dimensions[get_column_letter(i)].width
        assert 6 <= width <= 48, (c.key, width)
        assert width >= min(48, 2 * len(c.title)), (c.key, width)  # the Japanese header is not cut off
    name_width = sheet.column_dimensions["A"].width
    assert name_width > sheet.column_dimensions[get_column_letter(1 + [c.key for c in exports.COLUMNS].index("kind_label"))].width


def test_xlsx_describes_its_columns_and_dates(workbook, json_doc: dict):
    about = workbook["列の説明"]
    cells = {row[0]: row[1:] for row in about.iter_rows(values_only=True) if row[0]}
    assert cells["資料の時点"][0] == json_doc["as_of"] and cells["状態の基準日"][0] == json_doc["build_date"]
    for c in exports.COLUMNS:
        assert cells[c.key][:2] == (c.title, c.description)
    props = workbook.properties
    assert props.created.date().isoformat() == json_doc["build_date"] == props.modified.date().isoformat()


def test_xlsx_is_the_same_bytes_for_the_same_build_date(site: Path, dataset, build_date):
    """Deterministic: no 'now' in the workbook's properties or in its zip entries' dates."""
    import datetime as dt
    import time
    import zipfile

    from esurety.site import views

    data, _ = dataset
    day = dt.date(2026, 11, 20)
    adopters = views.adopter_view(data, day)
    settings = {"SITEURL": "", "SITENAME": "電子保証ガイド"}
    rows = exports.records(data, adopters, settings)
    first = exports.to_xlsx(rows, data, adopters, settings)
    time.sleep(2.1)  # zip dates have a 2-second resolution
    assert exports.to_xlsx(rows, data, adopters, settings) == first
    with zipfile.ZipFile(site / "adopters" / "adopters.xlsx") as z:
        # the built workbook carries the run's build date (tests/conftest.py), midnight, and nothing else
        assert {i.date_time for i in z.infolist()} == {(build_date.year, build_date.month, build_date.day, 0, 0, 0)}
        assert f"{build_date.isoformat()}T00:00:00Z" in z.read("docProps/core.xml").decode("utf-8")


def test_xlsx_content_type():
    from esurety.kernel.content_types import content_type_for

    assert content_type_for("adopters/adopters.xlsx") == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert content_type_for("adopters/adopters-excel.csv") == "text/csv; charset=utf-8"


def test_open_data_family_declares_and_writes_the_new_files(site: Path):
    from esurety.kernel import paths
    from esurety.site.exports import OpenData

    for rel in (paths.ADOPTERS_EXCEL_CSV, paths.ADOPTERS_XLSX):
        assert rel in OpenData.writes
        assert (site / rel).is_file()
