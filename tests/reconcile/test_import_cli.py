"""scripts/import_adopters.py end to end on copies of the data: report, --apply, rollback, exit codes."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from scripts import import_adopters

from .conftest import SEED003_TABLE

NEW_SOURCE = ["--source", "wjcs-saga-2026-05", "--source-title", "電子保証のご案内（令和8年5月）",
              "--publisher", "西日本建設業保証株式会社 佐賀支店", "--source-date", "2026-05-01"]


def new_leaflet(tmp_path: Path) -> Path:
    """Seed 003's table as if reprinted later: 枚方市 starts a month later, 岬町 and 海技教育機構 are new."""
    text = SEED003_TABLE.read_text(encoding="utf-8")
    text = text.replace("R5.2 枚方市", "R5.3 枚方市")
    text = text.replace("R6.3 和泉市", "R6.3 和泉市\tR8.4 岬町")
    text = text.replace("日本芸術文化振興会", "日本芸術文化振興会、海技教育機構")
    path = tmp_path / "leaflet-2026-05.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def passing_check(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Replace `make check` by one that passes and records its calls (the data model is tested elsewhere)."""
    calls: list[Path] = []

    def fake(root: Path) -> tuple[int, str]:
        calls.append(root)
        return 0, "誤りはありません。"

    monkeypatch.setattr(import_adopters, "run_check", fake)
    return calls


def cli(project: Path, *args: str) -> int:
    return import_adopters.main([*args, "--root", str(project)])


def test_without_apply_nothing_is_written(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a new leaflet  WHEN imported without --apply
    table = project / "data" / "adopters.yaml"
    before = table.read_bytes()
    status = cli(project, str(new_leaflet(tmp_path)), "--format", "leaflet", *NEW_SOURCE)
    # THEN the report names the three changes and the file is untouched
    out = capsys.readouterr().out
    assert status == 0 and table.read_bytes() == before
    assert "## 追加する（2 件）" in out and "## 変更する（1 件）" in out and "## 確認が必要" in out
    assert "岬町" in out and "海技教育機構" in out and "枚方市" in out
    assert "--apply を付けてください" in out


def test_apply_writes_only_the_changes_keeping_everything_else(project: Path, tmp_path: Path,
                                                              passing_check: list[Path]) -> None:
    # GIVEN a new leaflet and a copy of the table
    table = project / "data" / "adopters.yaml"
    before = table.read_text(encoding="utf-8")
    leaflet = new_leaflet(tmp_path)
    # WHEN it is applied
    assert cli(project, str(leaflet), "--format", "leaflet", *NEW_SOURCE, "--apply", "--quiet") == 0
    after = table.read_text(encoding="utf-8")
    # THEN only the changed row's lines differ, and the new rows and the source are added
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    removed = [d[2:] for d in diff if d.startswith("- ")]
    added = [d[2:] for d in diff if d.startswith("+ ")]
    assert removed == ["    start: 2023-02", "    source: wjcs-saga-2026-02"]
    assert "    start: 2023-03" in added and "    source: wjcs-saga-2026-05" in added
    assert "  - name: 岬町" in added and '    lg_code: "273660"' in added and "    guarantors: [wjcs]" in added
    assert "  - name: 海技教育機構" in added and "  wjcs-saga-2026-05:" in added
    assert [line for line in before.splitlines() if line.lstrip().startswith("#")] == \
           [line for line in after.splitlines() if line.lstrip().startswith("#")]
    # the new town sits after 大阪府's last row, above 滋賀県's heading comment
    lines = after.splitlines()
    at = lines.index("  - name: 岬町")
    assert lines[at - 8] == "  - name: 和泉市"
    assert lines[at + 8:at + 10] == ["", next(line for line in lines if line.startswith("  # ---- 滋賀県"))]
    assert passing_check == [project]
    # AND WHEN the same input is applied again THEN nothing changes
    assert cli(project, str(leaflet), "--format", "leaflet", *NEW_SOURCE, "--apply", "--quiet") == 0
    assert table.read_text(encoding="utf-8") == after
    assert len(passing_check) == 1


def test_failed_check_rolls_back(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN `make check` refusing the result
    monkeypatch.setattr(import_adopters, "run_check", lambda root: (1, "data/adopters.yaml:1:1: 誤り"))
    table = project / "data" / "adopters.yaml"
    before = table.read_bytes()
    # WHEN applied  THEN exit 1 and the file is as before
    assert cli(project, str(new_leaflet(tmp_path)), "--format", "leaflet", *NEW_SOURCE, "--apply", "--quiet") == 1
    assert table.read_bytes() == before
    assert "元に戻しました" in capsys.readouterr().err


def test_skip_and_accept(project: Path, tmp_path: Path, passing_check: list[Path]) -> None:
    # GIVEN the seed's 名瀬市 (確認が必要, proposal 名護市) and the new 岬町
    leaflet = new_leaflet(tmp_path)
    lines = leaflet.read_text(encoding="utf-8").splitlines()
    nase = next(f"{i}:{line.index('R6.4 名瀬市') + 1}" for i, line in enumerate(lines, 1) if "名瀬市" in line)
    misaki = next(f"{i}:{line.index('R8.4 岬町') + 1}" for i, line in enumerate(lines, 1) if "岬町" in line)
    # WHEN 岬町 is skipped and 名瀬市's proposal accepted
    assert cli(project, str(leaflet), "--format", "leaflet", *NEW_SOURCE, "--apply", "--quiet",
               "--skip", misaki, "--accept", nase) == 0
    text = (project / "data" / "adopters.yaml").read_text(encoding="utf-8")
    # THEN 名護市 is written with the printed name in its note, 岬町 is not
    assert "  - name: 名護市" in text and "資料の表記は「名瀬市」（読み誤り）。" in text
    assert "岬町" not in text


@pytest.mark.parametrize("args, where", [
    (["missing.txt", "--format", "leaflet"], "missing.txt:1:1: "),
    (["bad.csv", "--format", "csv"], "bad.csv:2:3: "),
])
def test_invalid_input_exits_2(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str], args: list[str], where: str) -> None:
    # GIVEN unreadable input  WHEN imported  THEN exit 2 with file:line:column and a Japanese message
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.csv").write_text("団体名,都道府県,開始年月\n竹田市,大分県,いつか\n", encoding="utf-8")
    assert cli(project, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith(where) and "ません" in err


def test_apply_needs_a_title_for_a_new_source(project: Path, tmp_path: Path, passing_check: list[Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = (project / "data" / "adopters.yaml").read_bytes()
    assert cli(project, str(new_leaflet(tmp_path)), "--format", "leaflet", "--source", "wjcs-new", "--apply", "--quiet") == 2
    assert "--source-title" in capsys.readouterr().err
    assert (project / "data" / "adopters.yaml").read_bytes() == before


def test_html_report(project: Path, tmp_path: Path) -> None:
    # GIVEN --report FILE.html  WHEN imported  THEN a Japanese HTML page with the groups as tables
    report = tmp_path / "report.html"
    assert cli(project, str(SEED003_TABLE), "--format", "leaflet", "--report", str(report)) == 0
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and '<html lang="ja">' in page
    assert re.search(r"<h2>確認が必要（\d+ 件）</h2>", page) and "<table>" in page and "すまみ町" in page


def test_csv_adds_the_guarantor_to_an_existing_row(project: Path, tmp_path: Path, passing_check: list[Path]) -> None:
    # GIVEN an EJCS list naming 大仙市 (ejcs already) and 竹田市 (wjcs only)
    path = tmp_path / "ejcs.csv"
    path.write_text("団体名,都道府県,開始年月\n大仙市,秋田県,2023-12\n竹田市,大分県,2024-10\n", encoding="utf-8")
    # WHEN applied as a partial list
    assert cli(project, str(path), "--format", "csv", "--guarantor", "ejcs", "--partial", "--source", "ejcs-daisen",
               "--apply", "--quiet") == 0
    # THEN only 竹田市 changes: ejcs is added to its guarantors
    text = (project / "data" / "adopters.yaml").read_text(encoding="utf-8")
    block = text[text.index("  - name: 竹田市"):]
    assert "    guarantors: [wjcs, ejcs]" in block.split("  - name:", 2)[1]


def test_real_check_after_apply(project: Path, tmp_path: Path) -> None:
    # GIVEN data that passes `make check` today
    status, output = import_adopters.run_check(project)
    assert status == 0, output[-500:]
    # WHEN a new leaflet is applied THEN `make check` still passes on the result
    assert cli(project, str(new_leaflet(tmp_path)), "--format", "leaflet", *NEW_SOURCE, "--apply", "--quiet") == 0
    assert import_adopters.run_check(project)[0] == 0


def test_news_name_in_two_prefectures_is_written_only_when_chosen(project: Path, tmp_path: Path,
                                                                   passing_check: list[Path]) -> None:
    # GIVEN an EJCS announcement naming 府中市 (東京都 and 広島県) and 中野区
    path = tmp_path / "news.txt"
    path.write_text("2024年10月1日 府中市、中野区の取扱いを開始しました\n", encoding="utf-8")
    args = [str(path), "--format", "news", "--guarantor", "ejcs", "--source", "ejcs-news-2024-10",
            "--source-title", "お知らせ", "--source-kind", "guarantor", "--apply", "--quiet"]
    table = project / "data" / "adopters.yaml"
    # WHEN applied without a choice THEN only 中野区 is written
    assert cli(project, *args) == 0
    text = table.read_text(encoding="utf-8")
    assert "  - name: 中野区" in text and "  - name: 府中市" not in text
    # WHEN applied again choosing 東京都 for 府中市 THEN 府中市 (東京都) is added, 中野区 not twice
    assert cli(project, *args, "--accept", "1:12=東京都") == 0
    text = table.read_text(encoding="utf-8")
    block = text[text.index("  - name: 府中市"):].split("  - name:", 2)[1]
    assert "prefecture: 東京都" in block and 'lg_code: "132063"' in block
    assert text.count("  - name: 中野区") == 1
