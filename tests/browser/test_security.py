"""The local server sends the deployment's security headers, and no page needs anything the CSP forbids.

A CSP is only worth having if the pages keep to it: no inline script, no inline style, no event-handler
attributes. The headers are compared with lambda_verify/security.py (what the function and CloudFront
send) and with the CloudFront policy in infra/template.yaml, so the three cannot drift apart unnoticed.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lambda_verify.security import SECURITY_HEADERS

from .support import ROOT, NewContext, Server, console_of, http, page_url, site_pages


def csp_directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style attributes/elements, on* handlers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {k.lower(): v for k, v in attrs}
        where = f"line {self.getpos()[0]} <{tag}>"
        if tag == "script" and "src" not in names and names.get("type") not in ("application/json",
                                                                                 "application/ld+json"):
            self.problems.append(f"{where}: inline script")
        if tag == "style":
            self.problems.append(f"{where}: <style> element")
        if "style" in names:
            self.problems.append(f"{where}: style attribute")
        for k, v in names.items():
            if k.startswith("on"):
                self.problems.append(f"{where}: event handler attribute {k}")
            if k in ("href", "src", "action") and v and v.strip().lower().startswith("javascript:"):
                self.problems.append(f"{where}: javascript: URL")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.problems


def test_policy_forbids_inline_script_and_framing() -> None:
    csp = csp_directives(SECURITY_HEADERS["Content-Security-Policy"])
    script = csp.get("script-src", csp.get("default-src"))
    assert script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, script
    assert not any(s.startswith(("'nonce-", "'sha")) for s in script), "pages must not rely on inline scripts"
    assert "'unsafe-inline'" not in csp.get("style-src", csp.get("default-src", []))
    assert csp.get("frame-ancestors") == ["'none'"]
    assert csp.get("object-src") == ["'none'"]
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert SECURITY_HEADERS["Referrer-Policy"] in ("no-referrer", "strict-origin-when-cross-origin",
                                                   "same-origin", "strict-origin")


def test_cloudfront_sends_the_same_policy() -> None:
    """The deployment's CloudFront response-headers policy carries the very CSP the local server sends."""
    template = (ROOT / "infra" / "template.yaml").read_text(encoding="utf-8")
    found = re.findall(r'ContentSecurityPolicy:\s*"([^"]+)"', template)
    assert found, "no ContentSecurityPolicy in infra/template.yaml"
    local = SECURITY_HEADERS["Content-Security-Policy"]
    assert all(csp_directives(f) == csp_directives(local) for f in found), (found, local)


@pytest.mark.parametrize("path", ["/", "/municipalities/taketa/", "/adopters/", "/adopters/pref-44/", "/lookup/",
                                  "/theme/css/site.css", "/theme/js/adopters.js", "/theme/js/adopter-filter.js",
                                  "/no-such-page/"])
def test_static_responses_carry_the_headers(server: Server, path: str) -> None:
    resp = http(server.url(path))
    assert resp.status in (200, 404), resp.status
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.get(name.lower()) == value, (path, name, resp.headers.get(name.lower()))
    assert "strict-transport-security" not in resp.headers, "HSTS must never be sent over http://127.0.0.1"


def test_lookup_page_cannot_be_framed(server: Server) -> None:
    resp = http(server.url("/lookup/"))
    assert csp_directives(resp.headers["content-security-policy"]).get("frame-ancestors") == ["'none'"]
    assert resp.headers.get("x-frame-options") == "DENY"


def test_api_responses_carry_the_headers(server: Server) -> None:
    """The lookup's own answers (here a wrong key, answered as an HTML page) carry the same headers."""
    resp = http(server.url("/api/verify"), data={"guarantee_number": "0000000000", "access_key": "WRONG"})
    assert 400 <= resp.status < 500
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.get(name.lower()) == value, (name, resp.headers.get(name.lower()))
    assert "no-store" in resp.headers.get("cache-control", ""), "lookup answers must not be cached"


def test_generated_pages_have_no_inline_code(site_dir: Path) -> None:
    problems = {}
    for p in site_pages(site_dir):
        found = inline_code(p.read_text(encoding="utf-8"))
        if found:
            problems[page_url(site_dir, p)] = found
    assert not problems, problems


def test_no_csp_violation_in_normal_use(new_context: NewContext, site_dir: Path) -> None:
    """Visit every page and use the scripted parts; Chromium reports any CSP violation on the console.

    Also: no page refers to a missing stylesheet, script, image or icon (a 4xx/5xx on a sub-resource).
    The site search is the riskiest part: a dynamic import and WebAssembly under ``script-src 'self'``.
    """
    page: Page = new_context().new_page()
    broken: list[str] = []
    page.on("response", lambda r: broken.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    for p in site_pages(site_dir):
        page.goto(page_url(site_dir, p))
    page.goto("/adopters/")
    page.get_by_label("名前・よみで絞り込む").fill("たけた")  # fetches the open-data JSON (connect-src)
    expect(page.locator("#adopter-results tbody tr").first).to_be_visible()
    page.goto("/adopters/pref-44/")
    page.locator("th.sort-start button").click()
    page.goto("/search/?q=" + "竹田")
    expect(page.locator("#search-results a[href*='/municipalities/taketa/']").first).to_be_visible()
    log = console_of(page)
    assert log.csp_violations == []
    assert log.errors == [], log.errors
    assert broken == [], broken
