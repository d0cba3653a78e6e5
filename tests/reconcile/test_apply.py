"""The round-trip write: new rows under their own heading, untouched text byte for byte, nothing written twice."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import pytest

from esurety.reconcile.apply import _source_fields, apply_plan, select
from esurety.reconcile.reconcile import Finding, Plan, SourceInfo
from esurety.reconcile.table import AdopterTable

TABLE = """\
# yaml-language-server: $schema=../schemas/adopters.schema.json
# 見出しのコメント
as_of: 2026-02-02

sources:
  old:
    title: 古い資料
adopters:

  # ---- 甲県。
  - name: 甲市  # 行末のコメント
    prefecture: 甲県
    kind: city
    lg_code: "000001"
    guarantors: [wjcs]
    source: old
    note: >-
      折り返した
      長いメモ

  # ---- 乙県。
  #      2行目のコメント
  - name: 乙町
    prefecture: 乙県
    kind: town
    start: 2024-04
    guarantors: [wjcs]
    source: old   # 出典のコメント

  # ---- 丙県。
  - name: 丙村
    prefecture: 丙県
    kind: village
    guarantors: [wjcs]
    source: old
"""


def plan_for(path: Path, findings: list[Finding]) -> Plan:
    return Plan(str(path), "csv", "wjcs", SourceInfo("new", "新しい資料", date=dt.date(2026, 5, 1)), True,
                AdopterTable.read(path), findings, len(findings))


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "adopters.yaml"
    path.write_text(TABLE, encoding="utf-8")
    return path


def _add(prefecture: str, name: str) -> Finding:
    return Finding("add", "new", "", new_row={"name": name, "prefecture": prefecture, "kind": "town",
                                              "lg_code": "000009", "start": "2026-04", "guarantors": ["wjcs"],
                                              "source": "new"})


@pytest.mark.parametrize("prefecture, after, before", [
    ("甲県", "      長いメモ", "  # ---- 乙県。"),        # after a folded note, above the next heading
    ("乙県", "    source: old   # 出典のコメント", "  # ---- 丙県。"),   # keeps the end-of-line comment on its row
    ("丙県", "    source: old", None),                   # the last row of the file
    ("丁県", "  # ---- 丁県（new から取り込み）", None),      # a prefecture without rows: appended under a new heading
])
def test_new_row_goes_under_its_prefecture(table: Path, prefecture: str, after: str, before: str | None) -> None:
    # GIVEN a table with headings, end-of-line comments and a folded note
    plan = plan_for(table, [_add(prefecture, "新町")])
    # WHEN a row is added
    result = apply_plan(plan, plan.findings, check=None, today=dt.date(2026, 5, 2))
    lines = table.read_text(encoding="utf-8").splitlines()
    # THEN it sits after the prefecture's last row, and every original line is still there, in order
    at = lines.index("  - name: 新町")
    assert lines[at - 1] == after
    assert lines[at + 1:at + 4] == [f"    prefecture: {prefecture}", "    kind: town", '    lg_code: "000009"']
    if before is not None:
        assert lines[at + 6] == "    source: new" and lines[at + 7:at + 9] == ["", before]
    kept = iter(lines)
    assert all(any(line == k for k in kept) for line in TABLE.splitlines())
    assert result.written and result.source_added and result.added == [f"{prefecture}新町"]
    assert "  new:" in lines and "    title: 新しい資料" in lines and "    date: 2026-05-01" in lines


def test_change_sets_start_in_its_place_and_nothing_else(table: Path) -> None:
    # GIVEN 甲市 without a start  WHEN a start month is set  THEN it goes between lg_code and guarantors
    rows = AdopterTable.read(table).rows
    change = Finding("change", "start", "", row=rows[0], changes={"start": (None, "2025-04"), "source": ("old", "new")})
    apply_plan(plan_for(table, [change]), [change], check=None, today=dt.date(2026, 5, 2))
    diff = [d for d in difflib.ndiff(TABLE.splitlines(), table.read_text(encoding="utf-8").splitlines())
            if d[:1] in "+-"]
    known = _source_fields()  # the source fields of today's data model (kind and checked_on since issue 15)
    assert diff == ["+   new:", *(["+     kind: guarantor"] if "kind" in known else []),
                    *(["+     checked_on: 2026-05-02"] if "checked_on" in known else []), "+     title: 新しい資料",
                    "+     date: 2026-05-01", "+     start: 2025-04", "-     source: old", "+     source: new"]


def test_nothing_accepted_writes_nothing(table: Path) -> None:
    before = table.read_bytes()
    plan = plan_for(table, [Finding("check", "suspect", "")])
    chosen, warnings = select(plan, set(), set())
    result = apply_plan(plan, chosen, check=lambda: (0, ""))
    assert chosen == [] and warnings == [] and not result.written and table.read_bytes() == before


def test_failed_check_restores_the_file(table: Path) -> None:
    before = table.read_bytes()
    plan = plan_for(table, [_add("甲県", "新町")])
    result = apply_plan(plan, plan.findings, check=lambda: (1, "誤り"))
    assert result.rolled_back and result.check_status == 1 and table.read_bytes() == before


def test_unchanged_table_round_trips_byte_for_byte(table: Path) -> None:
    assert AdopterTable.read(table).dump() == TABLE
