"""`make check`: every error of every file in one run, editor lines checked, fast on the real data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import check

from .conftest import BROKEN, ROOT


def _check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = check.main(["--root", str(root)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_valid_project_passes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _check(project, capsys)
    assert code == 0, err
    assert "誤りはありません: 案内 2 件、採用団体 4 件" in out


def test_all_errors_of_all_files_in_one_run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("several-errors", "tabs", "non-utf8"):
        shutil.copy(BROKEN / "guidance" / f"{name}.yaml", project / "content" / "municipalities" / f"{name}.yaml")
    shutil.copy(BROKEN / "adopters" / "unknown-source.yaml", project / "data" / "adopters.yaml")
    code, _, err = _check(project, capsys)
    assert code == 1
    lines = err.splitlines()
    for expected in ("several-errors.yaml:6:13: prefecture:",
                     "several-errors.yaml:14:11: start[0].from: start[0].from に「令和8年4月1日」",
                     "several-errors.yaml:23:12: submissions[0].email:", "several-errors.yaml:26:1: contact:",
                     "tabs.yaml:15:1: ", "non-utf8.yaml:4:7: ", "adopters.yaml:16:13: adopters[0].source:"):
        assert any(expected in line for line in lines), f"{expected} missing from:\n{err}"
    assert "件の誤りがあります。" in err


def test_paths_are_relative_to_where_staff_run_it(project: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(BROKEN / "guidance" / "wareki-in-date.yaml", project / "content" / "municipalities" / "wareki-in-date.yaml")
    monkeypatch.chdir(project)
    code, _, err = _check(project, capsys)
    assert code == 1
    assert "\ncontent/municipalities/wareki-in-date.yaml:14:11: start[0].from: " in err


def test_missing_schema_line_is_reported(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "data" / "adopters.yaml"
    path.write_text("\n".join(path.read_text(encoding="utf-8").splitlines()[1:]) + "\n", encoding="utf-8")
    code, _, err = _check(project, capsys)
    assert code == 1
    assert "adopters.yaml:1:1: 1行目を「# yaml-language-server: $schema=../schemas/adopters.schema.json」にしてください" in err


def test_placeholders_are_listed_but_do_not_fail(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "content" / "municipalities" / "omura.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  basis: contract_conclusion", "  basis: contract_conclusion  # 要記入: 資料で確かめてください"), encoding="utf-8")
    code, out, _ = _check(project, capsys)
    assert code == 0
    assert "omura.yaml:22: 要記入（仮の値）: 資料で確かめてください" in out
    assert "仮の値の行が 1 行あります" in out


def test_missing_file_is_an_error_not_a_crash(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "data" / "guarantors.yaml").unlink()
    code, _, err = _check(project, capsys)
    assert code == 1
    assert "guarantors.yaml:1:1: ファイルがありません。" in err


def test_make_check_passes_on_the_real_data() -> None:
    """The real data is valid: the whole command, including Python's start-up (its speed is measured in bench/)."""
    result = subprocess.run([sys.executable, "-m", "scripts.check"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "誤りはありません" in result.stdout


def test_make_check_exits_1_on_data_with_errors(project: Path) -> None:
    """The same command on a project with errors: exit status 1, every error on stderr as file:line:column."""
    shutil.copy(BROKEN / "guidance" / "several-errors.yaml", project / "content" / "municipalities" / "several-errors.yaml")
    result = subprocess.run([sys.executable, "-m", "scripts.check", "--root", str(project)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "誤りはありません" not in result.stdout
    assert "several-errors.yaml:6:13: prefecture:" in result.stderr and "件の誤りがあります。" in result.stderr
