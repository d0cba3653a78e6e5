"""The lookup page in Chromium: filled from the QR code's URL fragment (which then disappears), the
certificate shown in place with JavaScript, the plain form POST without it, field errors and 429.

The page is the real theme's lookup.html on the real base.html, served by scripts/devserver.py over a
SQLite store with the demo certificates. Needs Debian's Chromium (skipped without it).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
from playwright.sync_api import expect, sync_playwright

import lambda_verify.handler as handler_module
from scripts import devserver
from scripts import load_certificates as loader

from .support import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.fail(f"{CHROMIUM} is missing: `make system-packages` installs it", pytrace=False)

NUMBER, KEY = "2099000101", "K7QWMP3RX9TB4HNC"


class PageInfo:
    title = "電子証書の確認"
    summary = "保証契約番号と認証キーで電子証書を確認します。"
    content = "<p>説明</p>"


def build_lookup_site(root: Path) -> None:
    from lambda_verify.form import lookup_form

    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(ROOT / "theme" / "templates")]),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    html = env.get_template("lookup.html").render(
        page=PageInfo(), SITEURL="", SITENAME="電子保証ガイド", SITESUBTITLE="", API_PATH="/api/verify",
        lookup_form=lookup_form,
        MENUITEMS=(("電子証書の確認", "/lookup/"),), page_name="lookup/index")
    (root / "lookup").mkdir(parents=True)
    (root / "lookup" / "index.html").write_text(html, encoding="utf-8")
    (root / "index.html").write_text("<!doctype html><html lang=\"ja\"><title>top</title></html>", encoding="utf-8")
    shutil.copytree(ROOT / "theme" / "static", root / "theme")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("lookup-site")
    build_lookup_site(tmp / "output")
    db = tmp / "verify.sqlite3"
    assert loader.main([str(ROOT / "data" / "demo_certificates.yaml"), "--demo", "--db", str(db), "--no-notices",
                        "--quiet"]) == 0
    saved = {k: os.environ.get(k) for k in ("VERIFY_DB", "CERTIFICATES_TABLE")}
    os.environ["VERIFY_DB"] = str(db)
    os.environ.pop("CERTIFICATES_TABLE", None)
    handler_module.reset()
    app = handler_module.get_app()
    app.settings = app.settings._replace(failure_floor=0.01)  # keep the 429 test short
    httpd = devserver.make_server(0, tmp / "output")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.close()
    handler_module.reset()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                    "--disable-background-networking", "--disable-component-update"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, site: str) -> Iterator[Any]:
    context = browser.new_context(base_url=site, locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text
          else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    yield pg
    context.close()
    assert not problems, problems


def test_qr_fragment_fills_the_form_and_disappears(page: Any) -> None:
    page.goto("/")
    entries = page.evaluate("history.length")
    page.goto(f"/lookup/#n={NUMBER}&k={KEY}")
    expect(page.locator("#lookup-status")).to_contain_text("QRコード")
    assert page.input_value("#guarantee_number") == NUMBER
    assert page.input_value("#access_key") == KEY
    assert page.evaluate("location.hash") == ""
    assert "#" not in page.url and KEY not in page.url
    assert page.evaluate("history.length") == entries + 1  # the entry was replaced, not added
    page.go_back()
    page.go_forward()
    assert "#" not in page.url  # no history entry keeps the key


def test_certificate_is_shown_in_place_with_javascript(page: Any) -> None:
    page.goto("/lookup/")
    page.fill("#guarantee_number", "２０９９０００１０１")
    page.fill("#access_key", KEY)
    page.click(".lookup-submit")
    page.wait_for_selector("#lookup-result article.certificate")
    assert page.url.endswith("/lookup/")
    result = page.text_content("#lookup-result")
    assert "保証証書（前払金保証）" in result and "変更1" in result and "デモ" in result
    assert page.input_value("#access_key") == ""  # the key does not stay on screen
    assert page.is_visible("#lookup-result [data-print]")


def test_field_errors_are_announced_and_tied_to_the_fields(page: Any) -> None:
    page.goto("/lookup/")
    page.fill("#guarantee_number", "12345")
    page.fill("#access_key", KEY)
    page.click(".lookup-submit")
    expect(page.locator("#guarantee_number-error")).to_contain_text("保証契約番号の形式が違います")
    assert page.get_attribute("#guarantee_number", "aria-invalid") == "true"
    assert "guarantee_number-error" in page.get_attribute("#guarantee_number", "aria-describedby")
    assert page.evaluate("document.activeElement.id") == "guarantee_number"
    assert page.get_attribute("#lookup-status", "aria-live") == "polite"


def test_wrong_key_and_then_429_are_shown_in_the_status(page: Any) -> None:
    page.goto("/lookup/")
    page.fill("#guarantee_number", "2099000102")
    statuses = []
    try:
        for _ in range(11):
            page.fill("#access_key", "WRONGKEY2345")
            page.click(".lookup-submit")
            expect(page.locator(".lookup-submit")).to_be_enabled()
            expect(page.locator("#lookup-status")).not_to_contain_text("照会しています")
            statuses.append(page.text_content("#lookup-status"))
    finally:  # every test here comes from 127.0.0.1: forget this test's failures
        handler_module.get_app().service.store._conn().execute("DELETE FROM attempt_slots")
    assert "正しくありません" in statuses[0]
    assert "しばらく照会できません" in statuses[-1]


def test_without_javascript_the_form_posts_and_gets_the_printable_page(browser: Any, site: str) -> None:
    context = browser.new_context(base_url=site, java_script_enabled=False, locale="ja-JP")
    pg = context.new_page()
    pg.goto("/lookup/")
    pg.fill("#guarantee_number", "99001ー000101")
    pg.fill("#access_key", "Hq4mT8vR2nWx")
    pg.click(".lookup-submit")
    pg.wait_for_load_state()
    assert pg.url.endswith("/api/verify")
    assert "保証証書（前払金保証）" in pg.text_content("main")
    assert "東日本建設業保証株式会社" in pg.text_content("main")
    pg.emulate_media(media="print")
    assert not pg.is_visible(".lookup-header")
    context.close()
