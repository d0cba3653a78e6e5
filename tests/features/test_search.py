"""Japanese site search with Pagefind, in Chromium, over the built site served with the project's headers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

QUERY = """async (q) => {
  const pf = await import('/pagefind/pagefind.js');
  const s = await pf.search(q);
  const data = await Promise.all(s.results.map((r) => r.data()));
  return data.map((d) => d.url);
}"""


def test_index_was_built(site: Path):
    assert (site / "pagefind" / "pagefind.js").is_file()
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert "ja" in entry["languages"]


def test_csp_allows_pagefind_webassembly():
    """Pagefind compiles WebAssembly: script-src needs 'wasm-unsafe-eval' (lambda_verify/security.py)."""
    from lambda_verify.security import CONTENT_SECURITY_POLICY

    script_src = next(d for d in CONTENT_SECURITY_POLICY.split(";") if d.strip().startswith("script-src"))
    assert "'wasm-unsafe-eval'" in script_src, (
        "add 'wasm-unsafe-eval' to script-src in lambda_verify/security.py: \"script-src 'self' 'wasm-unsafe-eval'\"")


@pytest.fixture()
def search(page, base_url):
    page.goto(f"{base_url}/search/")

    def run(q: str) -> list[str]:
        return page.evaluate(QUERY, q)

    return run


@pytest.mark.parametrize("query", ["竹田", "たけた"])
def test_taketa_first(search, query):
    urls = search(query)
    assert urls and urls[0] == "/municipalities/taketa/", urls[:5]


def test_advance_payment_finds_every_guidance_page(search, dataset):
    data, _ = dataset
    urls = search("前払金")
    for g in data.guidance:
        assert f"/municipalities/{g.slug}/" in urls


def test_access_key_finds_guidance_and_general_pages(search, dataset):
    data, _ = dataset
    urls = search("認証キー")
    for g in data.guidance:
        assert f"/municipalities/{g.slug}/" in urls
    assert any(not u.startswith("/municipalities/") for u in urls)


def test_pages_left_out_of_the_index(search):
    urls = search("ページが見つかりません") + search("サイト内検索")
    assert "/404.html" not in urls and "/search/" not in urls


def test_search_page_with_filters(page, base_url):
    page.goto(f"{base_url}/search/?q=" + "認証キー")
    page.wait_for_selector("#search-results li")
    assert "件見つかりました" in page.locator("#search-status").inner_text()
    assert page.locator("#search-nojs").is_hidden()
    options = page.locator("#search-prefecture option").all_inner_texts()
    assert any(o.startswith("大分県") for o in options)
    assert page.locator("#search-guarantor option").count() > 1 and page.locator("#search-kind option").count() > 1
    page.select_option("#search-prefecture", label=next(o for o in options if o.startswith("大分県")))
    page.wait_for_function("new URLSearchParams(location.search).get('prefecture') === '大分県'")
    page.wait_for_function("document.querySelectorAll('#search-results > li').length === 1")
    assert page.locator("#search-results > li a").first.get_attribute("href") == "/municipalities/taketa/"


def test_header_box_leads_to_results(page, base_url):
    page.goto(f"{base_url}/")
    page.fill("#site-q", "たけた")
    page.press("#site-q", "Enter")
    page.wait_for_selector("#search-results li")
    assert page.locator("#search-results > li a").first.get_attribute("href") == "/municipalities/taketa/"


def test_without_javascript_the_search_page_says_where_to_look(page_without_js, base_url):
    page_without_js.goto(f"{base_url}/search/?q=竹田")
    assert page_without_js.locator("#search-nojs").is_visible()
    assert "JavaScript" in page_without_js.locator("#search-nojs").inner_text()
