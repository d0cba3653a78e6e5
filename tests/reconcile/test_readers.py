"""The three input forms: leaflet table text (with OCR noise), CSV / XLSX, dated news lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from esurety.reconcile.entry import InputError, parse_month
from esurety.reconcile.leaflet import read_leaflet, split_items
from esurety.reconcile.news import read_news
from esurety.reconcile.readers import read_entries
from esurety.reconcile.tabular import read_csv, read_xlsx

from .conftest import SEED003_TABLE


@pytest.mark.parametrize("text, month", [
    ("R6.4", "2024-04"), ("R6.10", "2024-10"), ("Ｒ６．４", "2024-04"), ("R6,4", "2024-04"), ("R 6. 4", "2024-04"),
    ("R元.5", "2019-05"), ("H31.4", "2019-04"), ("令和8年4月", "2026-04"), ("令和8年4月1日", "2026-04"),
    ("2024-04", "2024-04"), ("2024/4/1", "2024-04"), ("2024年4月", "2024-04"),
    ("R6.13", None), ("", None), ("４月", None),
])
def test_parse_month(text: str, month: str | None) -> None:
    # GIVEN a start month as printed  WHEN it is read  THEN it is YYYY-MM, or None when unreadable
    assert parse_month(text) == month


def test_leaflet_rows_cells_and_ocr_noise() -> None:
    # GIVEN a table with tabs, an empty cell, R6,4 for R6.4, two cells run together, full-width digits,
    #       a 区分 line with a bracketed list and a (※) remark, and another table's line starting with 佐賀県
    text = ("区分\t発注者名\n"
            "国\t国土交通省、防衛省\n"
            "その他公共的団体\t京都府公立大学法人（京都府立大学、京都府立医科大学）、西日本地区外の団体（※） 那覇港管理組合\n"
            "\t都道府県 (22)\t政令指定都市 府庁所在地 (16)\t市町村 (270)\n"
            "奈良\t\t\tR6.4 生駒市\t\tR6,4 十津川村\tR6.10 桜井市 R6.10 香芝市\n"
            "大分\tＲ６．６ 大分県\tR7.4 大分市\tR6.4 小国町\n"
            "佐賀県\t2024年5月\t1,870\t1,554\t83.1%\n")
    # WHEN it is read
    entries = read_leaflet(text, "t.txt")
    # THEN every cell is one entry with its prefecture, month, column and place
    got = [(e.section, e.prefecture, e.name, e.start, e.cell) for e in entries]
    assert got == [
        ("national", None, "国土交通省", None, ""),
        ("national", None, "防衛省", None, ""),
        ("public_body", None, "京都府公立大学法人（京都府立大学、京都府立医科大学）", None, ""),
        ("public_body", None, "那覇港管理組合", None, ""),
        ("local", "奈良県", "生駒市", "2024-04", "municipal"),
        ("local", "奈良県", "十津川村", "2024-04", "municipal"),
        ("local", "奈良県", "桜井市", "2024-10", "municipal"),
        ("local", "奈良県", "香芝市", "2024-10", "municipal"),
        ("local", "大分県", "大分県", "2024-06", "prefecture"),
        ("local", "大分県", "大分市", "2025-04", "major"),
        ("local", "大分県", "小国町", "2024-04", "municipal"),
    ]
    assert entries[4].where == "t.txt:5:6"
    assert entries[1].where == "t.txt:2:9"


def test_leaflet_seed003_counts() -> None:
    # GIVEN the seed's table  WHEN read  THEN 22 prefectures + 14 major cities + 201 municipalities and the 区分 lines
    entries = read_leaflet(SEED003_TABLE.read_text(encoding="utf-8"), "seed")
    cells = [e.cell for e in entries if e.section == "local"]
    assert (cells.count("prefecture"), cells.count("major"), cells.count("municipal")) == (22, 14, 201)
    assert sum(e.section == "national" for e in entries) == 10


@pytest.mark.parametrize("text, items", [
    ("a、b、c", ["a", "b", "c"]),
    ("京都府公立大学法人（京都府立大学、京都府立医科大学）、x", ["京都府公立大学法人（京都府立大学、京都府立医科大学）", "x"]),
    (" a , b ,", ["a", "b"]),
])
def test_split_items(text: str, items: list[str]) -> None:
    assert [i for _, i in split_items(text)] == items


def test_leaflet_without_table_is_invalid() -> None:
    # GIVEN text without any adopter row  WHEN read  THEN invalid input naming the file
    with pytest.raises(InputError) as exc:
        read_leaflet("電子保証のご案内\n佐賀県\t2024年5月\t1,870\n", "x.txt")
    assert str(exc.value).startswith("x.txt:1:1: ")


@pytest.mark.parametrize("encoding, sep", [("utf-8-sig", ","), ("utf-8", ","), ("cp932", ","), ("utf-8", "\t")])
def test_csv(encoding: str, sep: str) -> None:
    # GIVEN a CSV as Excel or a person writes it  WHEN read  THEN names, prefectures and months
    text = sep.join(["団体名", "都道府県", "開始年月"]) + "\n" + "\n".join(
        sep.join(r) for r in [["竹田市", "大分県", "R6.10"], ["国土交通省", "", ""], ["府中町", "広島", "2025/10/1"]]) + "\n"
    entries = read_csv(text.encode(encoding), "l.csv")
    assert [(e.name, e.prefecture, e.start, e.section, e.line) for e in entries] == [
        ("竹田市", "大分県", "2024-10", "local", 2), ("国土交通省", None, None, "agency", 3),
        ("府中町", "広島県", "2025-10", "local", 4)]


@pytest.mark.parametrize("text, where", [
    ("団体名,都道府県,開始年月\n竹田市,大分県,来年\n", "l.csv:2:3"),
    ("団体名,都道府県,開始年月\n竹田市,大分州,R6.4\n", "l.csv:2:2"),
    ("名前だけ,x\n竹田市,y\n", "l.csv:1:1"),
])
def test_csv_invalid(text: str, where: str) -> None:
    # GIVEN a CSV with an unreadable cell  WHEN read  THEN invalid input at file:line:column in Japanese
    with pytest.raises(InputError) as exc:
        read_csv(text.encode(), "l.csv")
    assert str(exc.value).startswith(where + ": ")
    assert any("\u3040" <= ch <= "\u9fff" for ch in exc.value.message)


def test_xlsx(tmp_path: Path) -> None:
    # GIVEN an Excel sheet with a date cell  WHEN read  THEN the same entries as from CSV
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "prefecture", "start"])
    sheet.append(["竹田市", "大分県", dt.datetime(2024, 10, 1)])
    sheet.append(["姶良市", "鹿児島県", "R7.5"])
    path = tmp_path / "l.xlsx"
    book.save(path)
    entries = read_entries(path, "xlsx")
    assert [(e.name, e.prefecture, e.start, e.where) for e in entries] == [
        ("竹田市", "大分県", "2024-10", f"{path}:2:1"), ("姶良市", "鹿児島県", "2025-05", f"{path}:3:1")]


def test_xlsx_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "l.xlsx"
    path.write_text("not a zip")
    with pytest.raises(InputError, match="Excel"):
        read_xlsx(path, str(path))


def test_news_lines() -> None:
    # GIVEN dated announcements, one with a prefecture in front of the name, and a line announcing nothing
    text = ("お知らせ一覧\n"
            "2024年4月1日 中野区、葛飾区、川越市等の取扱いを開始しました\n"
            "令和6年10月1日　埼玉県川越市・府中市で電子保証の取扱いを開始しました。\n")
    # WHEN read  THEN every name with the announced month and its place
    entries = read_news(text, "n.txt")
    assert [(e.name, e.prefecture, e.start, e.where) for e in entries] == [
        ("中野区", None, "2024-04", "n.txt:2:11"), ("葛飾区", None, "2024-04", "n.txt:2:15"),
        ("川越市", None, "2024-04", "n.txt:2:19"), ("川越市", "埼玉県", "2024-10", "n.txt:3:11"),
        ("府中市", None, "2024-10", "n.txt:3:18")]


def test_news_without_date_is_invalid() -> None:
    with pytest.raises(InputError) as exc:
        read_news("見出し\n中野区等の取扱いを開始しました\n", "n.txt")
    assert str(exc.value).startswith("n.txt:2:1: ")


@pytest.mark.parametrize("fmt", ["leaflet", "news", "csv"])
def test_missing_file_is_invalid(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(InputError, match="見つかりません"):
        read_entries(tmp_path / "nothing.txt", fmt)


def test_leaflet_cells_split_or_unreadable() -> None:
    # GIVEN OCR that split a cell in two, an impossible month and a name without a month
    text = "大分\tR6.6 大分県\tR7.4 大分市\tR6.8\t杵築市\tR6.13 玖珠町\t宇佐市\n"
    entries = read_leaflet(text, "t.txt")
    # THEN the split cell is joined, and the other two carry a remark for the report
    assert [(e.name, e.start, bool(e.remarks)) for e in entries[2:]] == [
        ("杵築市", "2024-08", False), ("玖珠町", None, True), ("宇佐市", None, True)]
    assert entries[3].remarks == ("開始年月「R6.13」が読めません。",)
