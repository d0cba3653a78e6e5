"""Every page passes the Nu HTML Checker (vnu.jar) with no errors.

Covers all generated pages (output/**/*.html) and SVG charts, the pages the lookup function answers
with (certificate, wrong key, invalid input, wrong method) saved from the running server, and the key
notices the loader writes. One Java run checks them all: starting the JVM costs more than checking a page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .lookup_support import WRONG_KEY, demo_certificates
from .support import ARTIFACTS, Server, http, site_pages, vnu


@pytest.fixture(scope="module")
def lookup_answers(server: Server, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The HTML the lookup answers with, one file per kind of answer (one deliberate wrong key)."""
    out = tmp_path_factory.mktemp("lookup-answers")
    api = server.url("/api/verify")
    answers: dict[str, tuple[int, str]] = {}
    for cert in demo_certificates():
        resp = http(api, data={"guarantee_number": cert.guarantee_number, "access_key": cert.access_key})
        answers[f"certificate-{cert.guarantee_number}"] = (resp.status, resp.body)
    first = demo_certificates()[0]
    wrong = http(api, data={"guarantee_number": first.guarantee_number, "access_key": WRONG_KEY})
    answers["no-match"] = (wrong.status, wrong.body)
    invalid = http(api, data={"guarantee_number": "12-34", "access_key": ""})
    answers["invalid"] = (invalid.status, invalid.body)
    get = http(api)
    answers["method"] = (get.status, get.body)
    files = []
    for name, (status, body) in answers.items():
        assert "<!doctype html>" in body.lower()[:100], (name, status, body[:200])
        f = out / f"{name}.html"
        f.write_text(body, encoding="utf-8")
        files.append(f)
    assert answers["no-match"][0] == 400 and answers["invalid"][0] == 400 and answers["method"][0] == 405
    assert all(status == 200 for name, (status, _) in answers.items() if name.startswith("certificate-"))
    return files


@pytest.fixture(scope="module")
def key_notices(server: Server) -> list[Path]:
    """Key notices written by the loader next to the test store (see support.load_demo_certificates)."""
    return sorted((server.verify_db.parent / "notices").glob("*.html"))


def test_every_page_is_valid_html(site_dir: Path, lookup_answers: list[Path], key_notices: list[Path],
                                  vnu_jar: Path) -> None:
    pages = site_pages(site_dir)
    images = sorted(site_dir.rglob("*.svg"))  # the charts, also embedded in pages
    files = pages + images + lookup_answers + key_notices
    assert len(pages) >= 15 and key_notices, (len(pages), key_notices)
    errors = vnu(files)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = json.dumps(errors, ensure_ascii=False, indent=2)
    (ARTIFACTS / "vnu-errors.json").write_text(report, encoding="utf-8")
    lines = [f"{'/'.join(e.get('url', '').split('/')[-3:])}:{e.get('lastLine', '?')}: {e.get('message')} "
             f"[{(e.get('extract') or '').strip()[:80]}]" for e in errors]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(lines)
