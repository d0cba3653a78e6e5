"""axe-core over every generated page and every state of the interactive pages: zero violations.

Runs in a context with ``bypass_csp`` only because axe itself is an injected script; the CSP is tested in
test_security.py, and the same pages run under the CSP everywhere else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from .support import NewContext, Server, axe_violations, format_violations, page_url, site_pages

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


@pytest.fixture()
def axe_page(new_context: NewContext, axe_js: Path) -> Page:
    return new_context(bypass_csp=True).new_page()


def generated_paths(site_dir: Path) -> list[str]:
    return [page_url(site_dir, p) for p in site_pages(site_dir)]


def test_every_generated_page(axe_page: Page, site_dir: Path, server: Server) -> None:
    """One test over all pages (not one per page) to keep a single browser tab and the run short."""
    failures: dict[str, str] = {}
    paths = generated_paths(site_dir)
    assert len(paths) >= 15, paths
    for path in paths:
        axe_page.goto(path)
        violations = axe_violations(axe_page)
        if violations:
            failures[path] = format_violations(violations)
    assert not failures, "\n".join(f"{p}:\n{v}" for p, v in failures.items())


@pytest.mark.parametrize("path", ["/", "/municipalities/taketa/", "/adopters/", "/lookup/"])
def test_key_pages_on_a_phone(new_context: NewContext, axe_js: Path, path: str) -> None:
    """Layout rules (e.g. reflow, overlapping targets) can differ at 375 px."""
    page = new_context(bypass_csp=True, **PHONE).new_page()
    page.goto(path)
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


def test_adopters_filtered_and_sorted(axe_page: Page) -> None:
    """After the script has added its sort buttons and hidden rows, the table is still accessible."""
    axe_page.goto("/adopters/")
    axe_page.get_by_label("名前・よみで絞り込む").fill("たけた")
    axe_page.locator("th.sort-start button").first.click()
    violations = axe_violations(axe_page)
    assert not violations, format_violations(violations)


def test_adopters_without_javascript(new_context: NewContext, axe_js: Path, server: Server) -> None:
    """The no-JS table is what a fraction of people (and every crawler) get; axe runs on its DOM."""
    ctx = new_context(bypass_csp=True, java_script_enabled=False)
    page = ctx.new_page()
    page.goto("/adopters/")
    html = page.content()
    # axe needs script; judge the unscripted DOM by loading it as a snapshot in a scripted page.
    snap = new_context(bypass_csp=True).new_page()
    snap.route("**/adopters-nojs-snapshot/", lambda route: route.fulfill(body=html, content_type="text/html"))
    snap.route("**/theme/js/*.js", lambda route: route.fulfill(body="", content_type="text/javascript"))
    snap.goto("/adopters-nojs-snapshot/")
    violations = axe_violations(snap)
    assert not violations, format_violations(violations)
