"""The staff report: Japanese, grouped, every item with its place and what --apply would do."""

from __future__ import annotations

import pytest

from esurety.reconcile.leaflet import read_leaflet
from esurety.reconcile.reconcile import SourceInfo, reconcile
from esurety.reconcile.report import render
from esurety.reconcile.table import AdopterTable

from .conftest import ROOT

LEAFLET = ("和歌山\tR7.2 和歌山県\t\tR6.6 すまみ町\tR8.4 かつらぎ町\n"
           "沖縄\tR6.4 沖縄県\tR7.4 那覇市\tR6.4 名瀬市\tR6.9 糸満市\n")


@pytest.fixture
def plan(reference):
    entries = read_leaflet(LEAFLET, "new.txt")
    return reconcile(entries, AdopterTable.read(ROOT / "data" / "adopters.yaml"), reference, guarantor="wjcs",
                     source=SourceInfo("wjcs-new", "新しい案内"), complete=False, input_name="new.txt", fmt="leaflet")


def test_markdown_groups_and_items(plan) -> None:
    # GIVEN a new town, a changed month, a misreading matching the table and an unknown name
    # WHEN the report is written  THEN each sits in its group with its place and the way to accept it
    md = render(plan, "md")
    add = md.split("## 追加する", 1)[1].split("## 変更する", 1)[0]
    change = md.split("## 変更する", 1)[1].split("## 確認が必要", 1)[0]
    check = md.split("## 確認が必要", 1)[1].split("## 変更なし", 1)[0]
    same = md.split("## 変更なし", 1)[1]
    assert "| `1:26` | かつらぎ町 | 和歌山県 | town | 令和8年4月 (2026-04) | new.txt:1:26 |" in add
    assert "糸満市" in change and "令和6年8月 (2024-08) → 令和6年9月 (2024-09)" in change
    assert "`2:22` 名瀬市" in check and "字形が近い実在の名前: 沖縄県 名護市（なごし）" in check
    assert "`--accept 2:22`" in check
    assert "すまみ町 → すさみ町" in same
    assert "一部の団体だけを挙げる形式" in md  # complete=False: no 'missing' list


def test_html_is_the_same_report(plan) -> None:
    page = render(plan, "html", {"town": "町"})
    assert page.startswith("<!doctype html>") and "<h2>追加する（1 件）</h2>" in page
    assert "<td>町</td>" in page and "&lt;" not in page.split("<body>", 1)[0]
