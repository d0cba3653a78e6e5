"""The adopter table lists every row of data/adopters.yaml under its prefecture or kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from esurety import yamlsource
from esurety.model import AdopterTable

from .htmltext import adopter_rows, page_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def table() -> AdopterTable:
    return AdopterTable.model_validate(yamlsource.load(ROOT / "data" / "adopters.yaml").data)


@pytest.fixture(scope="module")
def rows(site: Path) -> list[tuple[str, str]]:
    return adopter_rows((site / "adopters" / "index.html").read_text(encoding="utf-8"))


def test_every_row_is_in_its_prefecture_section(table: AdopterTable, rows: list[tuple[str, str]]) -> None:
    kind_labels = {"national": "国", "agency": "独立行政法人等", "public_body": "その他公共的団体"}
    rendered = set(rows)
    for a in table.adopters:
        section = a.prefecture or kind_labels[a.kind]
        name = a.name + (" 未確認" if not a.confirmed else "")
        assert (section, name) in rendered or (section, a.name) in rendered, (section, a.name)
    assert len(rows) == len(table.adopters)


@pytest.mark.parametrize("prefecture,name", [
    ("大分県", "竹田市"),        # printed on the 宮崎 row of the source table
    ("熊本県", "小国町"),        # printed on the 大分 row
    ("熊本県", "益城町"),
    ("和歌山県", "すさみ町"),    # OCR: すまみ町
    ("和歌山県", "みなべ町"),    # OCR: みなみ町
    ("熊本県", "あさぎり町"),    # OCR: あさぎ町
    ("鹿児島県", "姶良市"),      # OCR: 始良市
    ("沖縄県", "うるま市"),      # OCR: うま市
    ("秋田県", "大仙市"),
    ("長崎県", "大村市"),
    ("福岡県", "芦屋町"),
    ("佐賀県", "鳥栖市"),
])
def test_known_rows(rows: list[tuple[str, str]], prefecture: str, name: str) -> None:
    assert (prefecture, name) in rows


@pytest.mark.parametrize("misread", ["すまみ町", "みなみ町", "あさぎ町", "始良市", "うま市", "天来市"])
def test_misread_names_are_not_published(site: Path, misread: str) -> None:
    rows = adopter_rows((site / "adopters" / "index.html").read_text(encoding="utf-8"))
    assert all(name != misread for _, name in rows)


def test_status_follows_the_build_date(site: Path, table: AdopterTable) -> None:
    text = page_text(site, "adopters")
    active = sum(1 for a in table.adopters if a.start is None or a.start <= "2026-11")
    assert f"運用中 {active} 団体" in text
    assert f"開始予定 {len(table.adopters) - active} 団体" in text


def test_table_is_plain_html_with_hidden_filter(site: Path) -> None:
    html = (site / "adopters" / "index.html").read_text(encoding="utf-8")
    assert '<div class="filter" id="adopter-filter" hidden>' in html
    assert "<table" in html and 'data-key="' in html


def test_search_keys_fold_kana(site: Path) -> None:
    html = (site / "adopters" / "index.html").read_text(encoding="utf-8")
    assert 'data-key="竹田市たけたし大分県"' in html
