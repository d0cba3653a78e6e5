"""publishconf.py: pelicanconf.py plus absolute URLs, feeds and the API path, read as Pelican reads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import ROOT

READ = (
    "import json; from pelican.settings import read_settings; s = read_settings('publishconf.py'); "
    "print(json.dumps({k: s[k] for k in ('SITEURL', 'RELATIVE_URLS', 'FEED_DOMAIN', 'FEED_ALL_ATOM', "
    "'API_PATH', 'DELETE_OUTPUT_DIRECTORY', 'THEME', 'PLUGINS', 'PAGE_SAVE_AS')}))"
)


def read(site_url: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    if site_url is not None:
        env["SITE_URL"] = site_url
    return subprocess.run(
        [sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_settings() -> None:
    result = read("https://d111111abcdef8.cloudfront.net/")
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout.strip().splitlines()[-1])
    assert settings["SITEURL"] == "https://d111111abcdef8.cloudfront.net"
    assert settings["RELATIVE_URLS"] is False
    assert settings["FEED_DOMAIN"] == settings["SITEURL"]
    assert settings["FEED_ALL_ATOM"]
    assert settings["API_PATH"] == "/api/verify"
    assert settings["DELETE_OUTPUT_DIRECTORY"] is True
    assert settings["PLUGINS"] == ["esurety.site"] and settings["PAGE_SAVE_AS"] == "{slug}/index.html"
    assert settings["THEME"].endswith("theme")


def test_site_url_is_required() -> None:
    for value in (None, "http://insecure.example"):
        result = read(value)
        assert result.returncode != 0
        assert "SITE_URL" in result.stderr
