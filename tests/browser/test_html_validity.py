"""Every page passes the Nu HTML Checker (vnu.jar) with no errors.

Covers all generated pages (output/**/*.html) and SVG charts, the adopter pages as their scripts change
them (filter results, a sorted table), the pages the lookup function answers
with (certificate, wrong key, invalid input, wrong method) saved from the running server, and the key
notices the loader writes. One Java run checks them all: starting the JVM costs more than checking a page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .lookup_support import WRONG_KEY, demo_certificates
from .support import ARTIFACTS, NewContext, Server, http, site_pages, vnu


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


def scripted_adopter_pages(new_context: NewContext, out: Path) -> list[Path]:
    """The adopter index with filter results and a group page sorted by start month, as the scripts left them."""
    page = new_context().new_page()
    page.goto("/adopters/")
    page.get_by_label("名前・よみで絞り込む").fill("たけた")
    expect(page.locator("#adopter-results tbody tr").first).to_be_visible()
    states = {"adopters-filtered": page.content()}
    page.goto("/adopters/pref-44/")
    page.locator("th.sort-start button").click()
    expect(page.locator("th.sort-start")).to_have_attribute("aria-sort", "ascending")
    states["adopters-pref-44-sorted"] = page.content()
    files = []
    for name, html in states.items():
        f = out / f"{name}.html"
        f.write_text(html, encoding="utf-8")  # page.content() starts with the doctype
        files.append(f)
    return files


@pytest.fixture(scope="module")
def key_notices(server: Server) -> list[Path]:
    """Key notices written by the loader next to the test store (see support.load_demo_certificates)."""
    return sorted((server.verify_db.parent / "notices").glob("*.html"))


def test_every_page_is_valid_html(site_dir: Path, lookup_answers: list[Path], key_notices: list[Path],
                                  vnu_jar: Path, new_context: NewContext, tmp_path: Path) -> None:
    pages = site_pages(site_dir)
    images = sorted(site_dir.rglob("*.svg"))  # the charts, also embedded in pages
    scripted = scripted_adopter_pages(new_context, tmp_path)
    files = pages + images + lookup_answers + key_notices + scripted
    assert len(pages) >= 15 and key_notices, (len(pages), key_notices)
    for must in ("adopters", "adopters/pref-44", "adopters/agency", "adopters/by-start", "adopters/by-start/2024"):
        assert site_dir / must / "index.html" in pages, must
    errors = vnu(files)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = json.dumps(errors, ensure_ascii=False, indent=2)
    (ARTIFACTS / "vnu-errors.json").write_text(report, encoding="utf-8")
    lines = [f"{'/'.join(e.get('url', '').split('/')[-3:])}:{e.get('lastLine', '?')}: {e.get('message')} "
             f"[{(e.get('extract') or '').strip()[:80]}]" for e in errors]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(lines)
