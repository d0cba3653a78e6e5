"""Japanese site search with Pagefind, in Chromium, over the built site served with the project's headers."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from esurety.site import search_index
from tests.features.conftest import serve

pytestmark = pytest.mark.browser

QUERY = """async (q) => {
  const pf = await import('/pagefind/pagefind.js');
  const s = await pf.search(q);
  const data = await Promise.all(s.results.map((r) => r.data()));
  return data.map((d) => d.url);
}"""


def open_filters(page) -> None:
    """The filters sit in a collapsed 絞り込む section (shown once results load): open it as a person would."""
    expect(page.locator("#search-filters")).to_be_visible()
    if page.locator("#search-filters").get_attribute("open") is None:
        page.click("#search-filters summary")


def search(browser, base_url: str, *queries: str) -> list[list[str]]:
    """Result URLs, best first, for each query, from Pagefind in the browser."""
    def steps(page):
        page.goto(f"{base_url}/search/")
        return [page.evaluate(QUERY, q) for q in queries]

    return browser.run(steps)


def first_results(browser, base_url: str, *queries: str) -> list[list[str]]:
    """The result links, in the order the search page lists them, for each query typed into it."""
    def steps(page):
        out = []
        for q in queries:
            page.goto(f"{base_url}/search/?q=" + q)
            page.wait_for_selector("#search-results > li")
            out.append(page.locator("#search-results > li > h2 > a").evaluate_all("as => as.map(a => a.getAttribute('href'))"))
        return out

    return browser.run(steps)


@pytest.mark.parametrize("query", ["竹田", "竹田市", "たけた", "タケタ", "ﾀｹﾀ", "たけたし"])
def test_taketa_first(browser, base_url, query):
    """GIVEN the name or the reading of 竹田市, in hiragana, katakana or half-width WHEN it is searched on the
    search page THEN 竹田市 is the first result (Pagefind alone ranks it third for たけた: the page puts an
    orderer whose name or reading begins with the query first)."""
    [urls] = first_results(browser, base_url, query)
    assert urls and urls[0] == "/municipalities/taketa/", urls[:5]


def test_pagefind_alone_finds_taketa_by_its_reading(browser, base_url):
    """The reading is in the index: Pagefind itself finds 竹田市 for たけた (its rank is the page's business)."""
    [urls] = search(browser, base_url, "たけた")
    assert "/municipalities/taketa/" in urls[:20], urls[:20]


def _states_advance_payment(g) -> bool:
    """Whether the orderer's file states anything about 前払金保証 (a limit naming it, or a route for it)."""
    advance = {"advance_payment", "interim_advance_payment"}
    routes = [c for s in g.submissions if s.for_ and s.for_.certificates for c in s.for_.certificates]
    return bool(advance & (set(g.scope.named("certificates")) | set(routes)))


def test_advance_payment_and_access_key_find_every_guidance_page(browser, base_url, dataset):
    """Every guidance page is found by 認証キー; by 前払金 every page whose file states something about it (format 2:
    a page whose documents are silent on the certificates says 資料に記載なし, not 前払金保証)."""
    data, _ = dataset
    advance, key = search(browser, base_url, "前払金", "認証キー")
    assert any(_states_advance_payment(g) for g in data.guidance)
    for g in data.guidance:
        if _states_advance_payment(g):
            assert f"/municipalities/{g.slug}/" in advance, g.slug
        assert f"/municipalities/{g.slug}/" in key
    assert any(not u.startswith("/municipalities/") for u in key), "general pages explain the key too"


def test_pages_left_out_of_the_index(browser, base_url):
    not_found, search_page = search(browser, base_url, "ページが見つかりません", "サイト内検索")
    assert "/404.html" not in not_found and "/search/" not in search_page


def _oita(dataset) -> list[str]:
    data, _ = dataset
    return sorted(f"/municipalities/{g.slug}/" for g in data.guidance if g.prefecture == "大分県")


def test_search_page_with_filters(browser, base_url, dataset):
    oita_pages = _oita(dataset)
    assert "/municipalities/taketa/" in oita_pages

    def steps(page):
        page.goto(f"{base_url}/search/?q=" + "認証キー")
        page.wait_for_selector("#search-results li")
        assert "件見つかりました" in page.locator("#search-status").inner_text()
        assert page.locator("#search-nojs").is_hidden()
        open_filters(page)
        options = page.locator("#search-prefecture option").all_inner_texts()
        oita = next(o for o in options if o.startswith("大分県"))
        assert page.locator("#search-guarantor option").count() > 1 and page.locator("#search-kind option").count() > 1
        page.select_option("#search-prefecture", label=oita)
        expect(page).to_have_url(re.compile(r"prefecture=%E5%A4%A7%E5%88%86%E7%9C%8C"))
        expect(page.locator("#search-results > li")).to_have_count(len(oita_pages))
        items = page.locator("#search-results > li")
        assert sorted(items.nth(i).locator("a").first.get_attribute("href") for i in range(items.count())) == oita_pages

    browser.run(steps)


def test_header_box_leads_to_results(browser, base_url):
    def steps(page):
        page.goto(f"{base_url}/")
        if not page.locator("#site-q").is_visible():  # on a phone the box is in the menu
            page.click(".site-menu summary")
        page.fill("#site-q", "竹田")
        page.press("#site-q", "Enter")
        page.wait_for_selector("#search-results li")
        assert page.locator("#search-results > li a").first.get_attribute("href") == "/municipalities/taketa/"

    browser.run(steps)


def test_without_javascript_the_search_page_says_where_to_look(browser, base_url):
    def steps(page):
        page.goto(f"{base_url}/search/?q=竹田")
        assert page.locator("#search-nojs").is_visible()
        assert "JavaScript" in page.locator("#search-nojs").inner_text()

    browser.run(steps, javascript=False)


def test_orderer_without_guidance_page_is_found_on_its_adopter_page(browser, base_url):
    """上関町 (山口県) has a row in the adopter table but no guidance page: search leads to its prefecture's page."""
    taketa, kaminoseki = search(browser, base_url, "竹田", "上関町")
    assert taketa[0] == "/municipalities/taketa/" and "/adopters/pref-44/" in taketa, taketa[:5]
    assert kaminoseki and kaminoseki[0] == "/adopters/pref-35/", kaminoseki[:5]


@pytest.fixture(scope="module")
def sharded_url(site: Path, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the site indexed in bundles of 20 pages, as a large site is, served like the site."""
    copy = tmp_path_factory.mktemp("sharded") / "site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("pagefind*"))
    search_index.build_index(copy, shard_pages=20)
    assert len(json.loads((copy / search_index.MANIFEST).read_text(encoding="utf-8"))["bundles"]) > 1
    with serve(copy) as url:
        yield url


def test_search_page_merges_every_bundle(browser, sharded_url, dataset):
    """The search page loads every bundle: all guidance pages are found, filters count across bundles."""
    data, _ = dataset

    def steps(page):
        page.goto(f"{sharded_url}/search/?q=" + "認証キー")
        page.wait_for_selector("#search-results li")
        status = page.locator("#search-status").inner_text()
        found = int(re.match(r"(\d+) 件", status).group(1))
        open_filters(page)
        assert found > len(data.guidance), status
        counts = [int(re.search(r"（(\d+)）", o).group(1))
                  for o in page.locator("#search-kind option").all_inner_texts()[1:]]
        assert sum(counts) == len(data.guidance), counts
        page.select_option("#search-prefecture", label=next(
            o for o in page.locator("#search-prefecture option").all_inner_texts() if o.startswith("大分県")))
        expect(page.locator("#search-results > li")).to_have_count(len(_oita(dataset)))
        page.goto(f"{sharded_url}/search/?q=" + "竹田")
        page.wait_for_selector("#search-results li")
        assert page.locator("#search-results > li a").first.get_attribute("href") == "/municipalities/taketa/"

    browser.run(steps)
