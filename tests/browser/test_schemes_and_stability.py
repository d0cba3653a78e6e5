"""Dark mode, layout stability, the 404 page and search folding (issue 14, items 9 and 5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .support import NewContext, Server, axe_violations, format_violations, page_url, site_pages

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


# ------------------------------------------------------------------------------------------ dark mode
def test_dark_scheme_is_dark(new_context: NewContext, artifact_dir: Path) -> None:
    page = new_context(color_scheme="dark", **PHONE).new_page()
    page.goto("/municipalities/taketa/")
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    luminance = sum(int(x) for x in bg[bg.index("(") + 1:bg.index(")")].split(",")[:3]) / 3
    assert luminance < 60, bg
    page.screenshot(path=str(artifact_dir / "taketa-dark.png"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_contrast_in_both_schemes_on_every_page(new_context: NewContext, axe_js: Path, site_dir: Path,
                                                scheme: str) -> None:
    """axe's colour-contrast rule (and the rest of axe) in each colour scheme, over every generated page."""
    page = new_context(bypass_csp=True, color_scheme=scheme).new_page()
    failures = {}
    for p in site_pages(site_dir):
        path = page_url(site_dir, p)
        page.goto(path)
        violations = [v for v in axe_violations(page) if v["id"] == "color-contrast"]
        if violations:
            failures[path] = format_violations(violations)
    assert not failures, "\n".join(f"{p}:\n{v}" for p, v in failures.items())


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_contrast_of_scripted_states(new_context: NewContext, axe_js: Path, scheme: str) -> None:
    """The mail helper opened and the check answered, in each scheme."""
    page = new_context(bypass_csp=True, color_scheme=scheme, **PHONE).new_page()
    page.goto("/municipalities/shikokuchuo/")
    page.locator(".answer .mail-compose summary").first.click()
    page.locator(".answer .mail-field input").first.fill("R8-1")
    states = {"mail helper": axe_violations(page)}
    page.goto("/municipalities/taketa/")
    page.locator("#elig-fields select, #elig-fields input").first.wait_for()
    states["check"] = axe_violations(page)
    failures = {k: format_violations(v) for k, v in states.items() if v}
    assert not failures, failures


# ----------------------------------------------------------------------------------------------- CLS
CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
}).observe({type: 'layout-shift', buffered: true});
"""

CLS_PAGES = ["/", "/municipalities/taketa/", "/municipalities/tosu/", "/adopters/", "/adopters/pref-44/",
             "/adopters/charts/", "/check/", "/search/", "/search/?q=竹田", "/lookup/", "/faq/", "/404.html"]


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_no_layout_shift_after_load(new_context: NewContext, device: str) -> None:
    options = PHONE if device == "phone" else {"viewport": {"width": 1280, "height": 900}}
    ctx = new_context(**options)
    ctx.add_init_script(CLS_OBSERVER)
    page = ctx.new_page()
    scores = {}
    for path in CLS_PAGES:
        page.goto(path, wait_until="load")
        if path.startswith("/search/?"):
            expect(page.locator("#search-results li").first).to_be_visible()
        page.wait_for_timeout(800)
        scores[path] = page.evaluate("window.__cls")
    assert all(v < 0.05 for v in scores.values()), scores


# ----------------------------------------------------------------------------------------------- 404
def test_404_page_helps(page: Page, server: Server) -> None:
    page.goto("/no-such-page/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ページが見つかりません")
    main = page.locator("main")
    for name in ("トップページ", "発注者別の案内", "電子証書の確認（発注者の方へ）", "採用団体一覧"):
        expect(main.get_by_role("link", name=name)).to_be_visible()
    search = main.get_by_role("search")
    search.get_by_role("searchbox").fill("竹田")
    search.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    expect(page.locator("#search-results li").first).to_be_visible()


# -------------------------------------------------------------------------------------------- search
def first_result(page: Page, query: str) -> list[str]:
    page.goto(f"/search/?q={query}")
    expect(page.locator("#search-results li").first).to_be_visible(timeout=15_000)
    return page.locator("#search-results > li h2 a").all_inner_texts()[:5]


@pytest.mark.parametrize("query", ["タケタ", "ﾀｹﾀ", "たけた"])
def test_search_folds_kana_and_width(page: Page, query: str) -> None:
    """タケタ, ﾀｹﾀ and たけた find the same pages, 竹田市 among them (the ranking is the index's own)."""
    titles = first_result(page, query)
    assert any("竹田市" in t for t in titles), titles
    assert titles == first_result(page, "たけた"), titles


def test_search_folds_full_width_latin(page: Page) -> None:
    assert first_result(page, "ＳＴＥＰ４") == first_result(page, "STEP 4")


def test_first_result_on_the_first_phone_screen(new_context: NewContext) -> None:
    page = new_context(**PHONE).new_page()
    page.goto("/search/?q=竹田")
    first = page.locator("#search-results > li").first
    expect(first).to_be_visible()
    assert first.evaluate("li => li.getBoundingClientRect().bottom") <= 812


def test_header_search_box_keeps_the_query(new_context: NewContext) -> None:
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto("/search/?q=竹田")
    expect(page.locator("#site-q")).to_have_value("竹田")
