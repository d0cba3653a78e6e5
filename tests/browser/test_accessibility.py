"""axe-core over every generated page and every state of the interactive pages: zero violations.

Runs in a context with ``bypass_csp`` only because axe itself is an injected script; the CSP is tested in
test_security.py, and the same pages run under the CSP everywhere else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .lookup_support import WRONG_KEY, demo_certificate, fill_lookup, submit_without_js
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


@pytest.mark.parametrize("path", ["/", "/municipalities/taketa/", "/adopters/", "/adopters/pref-41/",
                                  "/adopters/by-start/2024/", "/lookup/"])
def test_key_pages_on_a_phone(new_context: NewContext, axe_js: Path, path: str) -> None:
    """Layout rules (e.g. reflow, overlapping targets) can differ at 375 px."""
    page = new_context(bypass_csp=True, **PHONE).new_page()
    page.goto(path)
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


def test_adopters_filtered_and_sorted(axe_page: Page) -> None:
    """After the scripts have run: the index with its filter results, a group page sorted by start month."""
    axe_page.goto("/adopters/")
    axe_page.get_by_label("名前・よみで絞り込む").fill("たけた")
    expect(axe_page.locator("#adopter-results tbody tr").first).to_be_visible()
    states = {"filtered": axe_violations(axe_page)}
    axe_page.goto("/adopters/pref-44/")
    axe_page.locator("th.sort-start button").click()
    expect(axe_page.locator("th.sort-start")).to_have_attribute("aria-sort", "ascending")
    states["sorted"] = axe_violations(axe_page)
    failures = {k: format_violations(v) for k, v in states.items() if v}
    assert not failures, failures


def axe_on_unscripted_dom(new_context: NewContext, html: str) -> list[dict]:
    """axe over a DOM as a browser without JavaScript built it: served as-is with the site's scripts stubbed.

    axe is itself a script, so it cannot run in a JS-disabled page; this judges the same markup instead.
    """
    page = new_context(bypass_csp=True).new_page()
    page.route("**/unscripted-snapshot/", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.route("**/theme/js/*.js", lambda route: route.fulfill(body="", content_type="text/javascript"))
    page.goto("/unscripted-snapshot/")
    return axe_violations(page)


@pytest.mark.parametrize("path", ["/adopters/", "/adopters/pref-44/", "/adopters/by-start/2024/"])
def test_adopters_without_javascript(new_context: NewContext, axe_js: Path, path: str) -> None:
    """The no-JS index, a group page and a year page are what some people (and every crawler) get."""
    page = new_context(java_script_enabled=False).new_page()
    page.goto(path)
    violations = axe_on_unscripted_dom(new_context, page.content())
    assert not violations, format_violations(violations)


def test_lookup_states(new_context: NewContext, axe_js: Path) -> None:
    """The lookup page after each kind of answer: field errors, the no-match sentence, a certificate."""
    page = new_context(bypass_csp=True).new_page()
    cert = demo_certificate()
    page.goto("/lookup/")
    page.get_by_role("button", name="電子証書を表示").click()  # both fields empty
    expect(page.locator("#guarantee_number")).to_have_attribute("aria-invalid", "true")
    states = {"empty fields": axe_violations(page)}
    fill_lookup(page, cert.guarantee_number, WRONG_KEY)
    page.get_by_role("button", name="電子証書を表示").click()
    expect(page.locator("#lookup-status")).to_contain_text("正しくありません")
    states["no match"] = axe_violations(page)
    fill_lookup(page, cert.guarantee_number, cert.access_key)
    page.get_by_role("button", name="電子証書を表示").click()
    expect(page.locator("#lookup-result .certificate")).to_be_visible()
    states["certificate"] = axe_violations(page)
    failures = {k: format_violations(v) for k, v in states.items() if v}
    assert not failures, failures


@pytest.mark.parametrize("kind", ["certificate", "invalid"])
def test_lookup_answer_pages_without_javascript(new_context: NewContext, axe_js: Path, kind: str) -> None:
    """The pages the function itself renders for a plain form POST (certificate; field errors)."""
    page = new_context(java_script_enabled=False).new_page()
    cert = demo_certificate()
    if kind == "certificate":
        submit_without_js(page, cert.guarantee_number, cert.access_key)
    else:
        submit_without_js(page, "12-34", cert.access_key)  # a malformed number: not counted as a failure
        expect(page.locator("#guarantee_number")).to_have_attribute("aria-invalid", "true")
    violations = axe_on_unscripted_dom(new_context, page.content())
    assert not violations, format_violations(violations)


def test_search_results(axe_page: Page) -> None:
    """The search page once Pagefind has answered: results, filters and the live status."""
    axe_page.goto("/search/?q=竹田")
    expect(axe_page.locator("#search-results li").first).to_be_visible()
    violations = axe_violations(axe_page)
    assert not violations, format_violations(violations)
