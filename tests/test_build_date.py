"""The build's 'today' (運用中 / 開始予定) comes only from an explicit setting, never from the environment."""

from __future__ import annotations

import datetime as dt
import os
import runpy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from esurety.site.sitedata import build_date as site_build_date

ROOT = Path(__file__).resolve().parent.parent


def _today_in_japan() -> set[dt.date]:
    now = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
    return {now, now + dt.timedelta(days=1)}   # a test that runs across midnight


@pytest.mark.parametrize("value", ["2027-06-01", dt.date(2027, 6, 1)])
def test_the_setting_decides(value: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUILD_DATE", "2030-01-01")
    assert site_build_date({"ESURETY_BUILD_DATE": value}) == dt.date(2027, 6, 1)


def test_a_stray_environment_variable_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUILD_DATE", "2030-01-01")
    assert site_build_date({}) in _today_in_japan()
    assert site_build_date({"ESURETY_BUILD_DATE": None}) in _today_in_japan()


def test_production_settings_name_no_date_even_with_build_date_exported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUILD_DATE", "2030-01-01")
    monkeypatch.setenv("SITE_URL", "https://example.cloudfront.net")
    published = runpy.run_path(str(ROOT / "publishconf.py"))
    assert "ESURETY_BUILD_DATE" not in published
    assert site_build_date({k: v for k, v in published.items() if k.isupper()}) in _today_in_japan()


def test_build_cli_passes_build_date_as_a_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from scripts import build

    calls: list[dict] = []
    monkeypatch.setattr(build, "build_site", lambda *a, **kw: calls.append(kw) or tmp_path)
    monkeypatch.setenv("BUILD_DATE", "2030-01-01")
    assert build.main(["--output", str(tmp_path), "--build-date", "2027-06-01"]) == 0
    assert build.main(["--output", str(tmp_path)]) == 0
    assert calls[0]["settings"] == {"ESURETY_BUILD_DATE": dt.date(2027, 6, 1)}
    assert not calls[1].get("settings")
    with pytest.raises(SystemExit):
        build.main(["--build-date", "令和9年6月1日"])


def test_the_sessions_builds_use_the_chosen_date(build_date: dt.date) -> None:
    from scripts.build import _pelican_settings

    settings = _pelican_settings(ROOT / "pelicanconf.py", ROOT / "output")
    assert settings["ESURETY_BUILD_DATE"] == build_date
    assert site_build_date(settings) == build_date
    assert "BUILD_DATE" not in os.environ


def test_one_test_can_choose_its_own_date(use_build_date, build_date: dt.date) -> None:
    from scripts.build import _pelican_settings

    day = use_build_date(build_date - dt.timedelta(days=400))
    assert site_build_date(_pelican_settings(ROOT / "pelicanconf.py", ROOT / "output")) == day


@pytest.mark.slow
def test_a_production_build_ignores_an_exported_build_date(tmp_path: Path) -> None:
    """The whole production build (publishconf.py, as scripts/publish.sh runs it) with BUILD_DATE exported:
    the published open data and pages count today in Japan as today, not the stray variable's day."""
    import json
    import subprocess
    import sys

    env = {**os.environ, "BUILD_DATE": "2030-01-01", "ESURETY_BUILD_DATE": "2030-01-01",
           "SITE_URL": "https://example.cloudfront.net"}
    before = _today_in_japan()
    result = subprocess.run([sys.executable, "-m", "scripts.build", "--settings", str(ROOT / "publishconf.py"),
                             "--output", str(tmp_path / "output"), "--full"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    published = json.loads((tmp_path / "output" / "adopters" / "adopters.json").read_text(encoding="utf-8"))
    assert dt.date.fromisoformat(published["build_date"]) in before | _today_in_japan()
    pages = [a["page_url"] for a in published["adopters"] if a["page_url"]]   # built with publishconf.py indeed
    assert pages and all(url.startswith("https://example.cloudfront.net/") for url in pages)
