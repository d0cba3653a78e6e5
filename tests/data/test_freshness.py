"""Freshness of sources: make check warns (never fails) about old ones, make stale lists them oldest first."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from esurety.data import freshness
from esurety.data.dataset import load_dataset

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data():
    return load_dataset(ROOT)


def test_every_source_has_a_check_date(data) -> None:
    # GIVEN the real data WHEN every source is listed THEN each has checked_on and they come oldest first
    ages = freshness.sources(data, ROOT)
    assert len(ages) >= len(data.guidance)
    assert [a.checked_on for a in ages] == sorted(a.checked_on for a in ages)


@pytest.mark.parametrize("days_later, limit, expect_old", [(10, 180, False), (181, 180, True), (1, 0, True)])
def test_stale_after_the_allowed_age(data, days_later: int, limit: int, expect_old: bool) -> None:
    newest = max(a.checked_on for a in freshness.sources(data, ROOT))
    today = newest + dt.timedelta(days=days_later)
    old = freshness.stale(data, ROOT, today=today, days=limit)
    assert bool(old) == expect_old
    assert all(a.age(today) > limit for a in old)


def _copy_project(dest: Path) -> Path:
    for name in ("data", "content", "schemas"):
        shutil.copytree(ROOT / name, dest / name)
    return dest


def test_check_warns_but_passes_and_stale_lists_oldest_first(tmp_path: Path) -> None:
    # GIVEN a copy of the project where one guidance source was last checked long ago
    root = _copy_project(tmp_path)
    page = root / "content/municipalities/omura.yaml"
    page.write_text(page.read_text(encoding="utf-8").replace("checked_on: 2026-12-02", "checked_on: 2020-01-15", 1),
                    encoding="utf-8")
    # WHEN make check runs THEN it passes and names the old source as a warning
    check = subprocess.run([sys.executable, "-m", "scripts.check", "--root", str(root)], cwd=ROOT,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "注意:" in check.stdout and "omura.yaml" in check.stdout and "2020-01-15" in check.stdout
    # WHEN make stale runs THEN the old source comes first, with its file and title
    stale = subprocess.run([sys.executable, "-m", "scripts.stale", "--root", str(root)], cwd=ROOT,
                           capture_output=True, text=True)
    assert stale.returncode == 0, stale.stderr
    first = stale.stdout.splitlines()[0]
    assert first.startswith("2020-01-15") and "omura.yaml" in first and "大村市" in first
