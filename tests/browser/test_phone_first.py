"""What a contractor meets on a 375 px phone (issue 14, items 1, 3 and 7).

The answer to "how and to whom do I send the key notice" on the first screen under a short header whose
menu works without JavaScript; no page that scrolls sideways; tables as stacked cards with every column;
tap targets of at least 44×44 px; orderers north to south; no empty boxes with JavaScript off.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .support import FIRST_SCREEN, PHONE, ROOT, NewContext, page_url, site_pages

#: One page of every kind the site has.
PAGE_KINDS = [
    "/", "/municipalities/", "/municipalities/taketa/", "/municipalities/tosu/", "/municipalities/shikokuchuo/",
    "/adopters/", "/adopters/pref-41/", "/adopters/pref-44/", "/adopters/by-start/", "/adopters/charts/",
    "/adopters/data/", "/check/", "/search/", "/lookup/", "/faq/", "/what-is-e-surety/", "/apply-wjcs/",
    "/sources/", "/404.html",
]

#: Guidance pages of different shapes: one route in person (竹田市), three email routes and an e-contract
#: section (鳥栖市), an email address with a subject format (四国中央市), body items (三重県).
GUIDANCE = ["/municipalities/taketa/", "/municipalities/tosu/", "/municipalities/shikokuchuo/", "/municipalities/mie/"]


def phone(new_context: NewContext, js: bool = True) -> Page:
    return new_context(java_script_enabled=js, **PHONE).new_page()


def rect(page: Page, selector: str) -> dict[str, float]:
    return page.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect(); "
                                           "return {top: r.top, bottom: r.bottom, width: r.width, height: r.height}; }")


# --------------------------------------------------------------------------------------------- item 1
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_header_is_short_and_its_menu_works_without_javascript(new_context: NewContext, js: bool,
                                                               artifact_dir: Path) -> None:
    page = phone(new_context, js)
    page.goto("/municipalities/taketa/")
    assert rect(page, ".site-header")["height"] < 100
    nav = page.get_by_role("navigation", name="サイト内の主なページ")
    expect(nav).to_be_hidden()
    page.get_by_text("メニュー", exact=True).click()
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="採用団体一覧")).to_be_visible()
    expect(page.get_by_role("search", name="サイト内検索")).to_be_visible()
    page.screenshot(path=str(artifact_dir / "menu-open.png"))
    nav.get_by_role("link", name="採用団体一覧").click()
    expect(page).to_have_url(re.compile(r"/adopters/$"))


def test_desktop_shows_the_menu_without_a_button(new_context: NewContext) -> None:
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto("/municipalities/taketa/")
    expect(page.get_by_role("navigation", name="サイト内の主なページ")).to_be_visible()
    expect(page.get_by_text("メニュー", exact=True)).to_be_hidden()
    assert rect(page, ".site-header")["height"] < 120


@pytest.mark.parametrize("path", GUIDANCE)
def test_guidance_page_opens_with_the_answer(new_context: NewContext, path: str, artifact_dir: Path) -> None:
    """The first route's method, recipient, address, subject, documents, printout and timing are on screen 1."""
    page = phone(new_context)
    page.goto(path)
    first_section = page.eval_on_selector("article.guidance", "a => a.querySelector('section h2').id")
    assert first_section == "how", first_section
    expect(page.locator("#how")).to_be_in_viewport()
    route = page.locator(".answer .submission").first
    for term in ("方法", "提出先", "送るもの", "印刷", "時期"):
        dt = route.locator("dt", has_text=term).first
        assert rect_of(dt)["bottom"] <= FIRST_SCREEN, f"{term} is below the first screen"
        assert route.locator("dt", has_text=term).first.evaluate("d => d.nextElementSibling.textContent.trim()")
    if route.locator("dt", has_text="メール").count():
        for term in ("メール", "件名", "本文"):
            assert rect_of(route.locator("dt", has_text=term).first)["bottom"] <= FIRST_SCREEN, term
    # the eligibility check and the rules table come after the answer
    assert rect(page, "section.eligibility")["top"] > rect(page, ".answer")["bottom"]
    page.screenshot(path=str(artifact_dir / "first-screen.png"))


def rect_of(locator: object) -> dict[str, float]:
    return locator.evaluate("e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; }")  # type: ignore[attr-defined]


def test_unstated_answers_say_so_and_whom_to_ask(new_context: NewContext) -> None:
    """鳥栖市: no published address or subject — said in the answer itself, with whom to ask."""
    page = phone(new_context)
    page.goto("/municipalities/tosu/")
    route = page.locator(".answer .submission").first
    expect(route.locator("dd").nth(2)).to_have_text(re.compile(r"^資料に記載なし — .+に確認$"))
    expect(route).to_contain_text("件名の指定: 資料に記載なし")
    expect(route).to_contain_text("印刷して出してよいかは資料に記載なし")


def test_long_pages_have_contents_and_e_contract_is_apart(new_context: NewContext) -> None:
    page = phone(new_context)
    page.goto("/municipalities/tosu/")
    assert page.evaluate("document.documentElement.scrollHeight") > 3 * FIRST_SCREEN
    toc = page.get_by_role("navigation", name="このページの内容")
    expect(toc).to_be_visible()
    for href in toc.locator("a").evaluate_all("l => l.map(a => a.getAttribute('href'))"):
        assert page.locator(href).count() == 1, href
    # the e-contract section is last but the sources, folded, and its mails are not in the answer
    expect(page.locator(".answer")).not_to_contain_text("GMO")
    econtract = page.locator("section[aria-labelledby=econtract]")
    expect(econtract.locator("details.econtract-detail")).not_to_have_attribute("open", "")
    expect(econtract.locator("details.econtract-detail > dl")).to_be_hidden()
    assert rect(page, "#econtract")["top"] > rect(page, "section.eligibility")["bottom"]
    toc.get_by_role("link", name="電子契約（別の手続き）").click()
    expect(page.locator("#econtract")).to_be_in_viewport()


# --------------------------------------------------------------------------------------------- item 3
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_no_page_kind_scrolls_sideways(new_context: NewContext, js: bool) -> None:
    page = phone(new_context, js)
    wide = {}
    for path in PAGE_KINDS:
        page.goto(path)
        sw, cw = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if sw > cw:
            wide[path] = sw
    assert not wide, f"wider than 375 px: {wide}"


def test_every_generated_page_fits_a_phone(new_context: NewContext, site_dir: Path) -> None:
    page = phone(new_context, js=False)
    wide = {}
    for p in site_pages(site_dir):
        path = page_url(site_dir, p)
        page.goto(path)
        sw = page.evaluate("document.documentElement.scrollWidth")
        if sw > 375:
            wide[path] = sw
    assert not wide, wide


@pytest.mark.parametrize("path", ["/adopters/pref-41/", "/adopters/by-start/", "/adopters/data/",
                                  "/adopters/pref-40/"])
def test_tables_are_cards_with_every_column(new_context: NewContext, path: str, artifact_dir: Path) -> None:
    """No cell is hidden or cut off, and no table scrolls inside its box."""
    page = phone(new_context)
    page.goto(path)
    problems = page.evaluate(
        """() => {
            const out = [];
            for (const cell of document.querySelectorAll('main td, main tbody th')) {
                const r = cell.getBoundingClientRect(), cs = getComputedStyle(cell);
                if (cs.display === 'none' || cs.visibility === 'hidden' || r.width === 0) out.push('hidden: ' + cell.textContent);
                else if (r.right > document.documentElement.clientWidth + 1) out.push('cut: ' + cell.textContent);
            }
            for (const w of document.querySelectorAll('main .table-wrap'))
                if (w.scrollWidth > w.clientWidth + 1) out.push('scrolls: ' + (w.getAttribute('aria-label') || ''));
            return out.slice(0, 10);
        }"""
    )
    assert not problems, problems
    page.screenshot(path=str(artifact_dir / "cards.png"))


def test_adopter_cards_name_their_values(new_context: NewContext) -> None:
    page = phone(new_context)
    page.goto("/adopters/pref-41/")
    cell = page.locator("table.adopters tbody tr").first.locator("td").first
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert "区分" in label, label


TAP_TARGETS = ".site-menu > summary, .nav a, main .link-list a, .toc a, main button, main select, " \
              "main input:not([type=radio]):not([type=checkbox]), main summary, .elig-radio, .mail-link, " \
              "main th[scope=row] > a, .pref-counts a, .breadcrumb a"


@pytest.mark.parametrize("path", ["/municipalities/", "/municipalities/tosu/", "/check/", "/municipalities/mie/",
                                  "/adopters/pref-44/", "/adopters/by-start/2024/", "/adopters/"])
def test_tap_targets_are_at_least_44_px(new_context: NewContext, path: str) -> None:
    page = phone(new_context)
    page.goto(path)
    page.locator(".site-menu > summary").click()
    if path == "/check/":
        page.select_option("#elig-orderer", "taketa")
        expect(page.locator("#elig-fields select, #elig-fields input").first).to_be_visible()
    small = page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)].filter(e => {
              const r = e.getBoundingClientRect();
              return r.width > 0 && (r.height < 44 || r.width < 44);
           }).map(e => e.tagName + ' ' + e.textContent.trim().slice(0, 20) + ' ' +
                  Math.round(e.getBoundingClientRect().width) + 'x' + Math.round(e.getBoundingClientRect().height))""",
        TAP_TARGETS,
    )
    assert not small, small


def test_radio_buttons_are_large(new_context: NewContext) -> None:
    page = phone(new_context)
    page.goto("/municipalities/tosu/")
    radios = page.locator("#elig-fields input[type=radio]")
    expect(radios.first).to_be_visible()
    sizes = radios.evaluate_all("l => l.map(r => r.getBoundingClientRect().width)")
    assert min(sizes) >= 24, sizes


def test_orderers_are_listed_north_to_south(page: Page) -> None:
    """/municipalities/ in prefecture code order (北海道 first), not by the character code of the name."""
    doc = json.loads((ROOT / "data" / "local_governments.json").read_text(encoding="utf-8"))
    codes = {p["name"]: p["code"] for p in doc["prefectures"]}
    page.goto("/municipalities/")
    items = page.locator("main > .link-list li").all_inner_texts()
    prefs = [next((c for name, c in codes.items() if f"（{name}）" in t), None) for t in items]
    known = [p for p in prefs if p]
    assert len(known) >= len(items) // 2, items
    assert known == sorted(known), list(zip(items, prefs))
    assert "北海道" in items[0], items[0]
    # 五十音 as an option
    page.get_by_text("五十音順で見る").click()
    kana = page.locator(".kana-order li a").all_inner_texts()
    assert len(kana) == len(items)
    assert kana[:2] == ["芦屋町", "淡路市"], kana[:3]  # あしや, あわじ: by reading, not by code


# --------------------------------------------------------------------------------------------- item 7
EMPTY_BOXES = """() => {
    const out = [];
    for (const el of document.querySelectorAll('main *')) {
        if (el.closest('svg, thead, .visually-hidden') || ['IMG','INPUT','SELECT','TEXTAREA','BUTTON','BR','HR','TD','TH'].includes(el.tagName)) continue;
        const r = el.getBoundingClientRect();
        if (r.width < 1 || r.height < 8) continue;
        const cs = getComputedStyle(el);
        if (cs.visibility === 'hidden') continue;
        const boxed = cs.borderTopWidth !== '0px' || cs.backgroundColor !== 'rgba(0, 0, 0, 0)';
        const visibleText = [...el.querySelectorAll('*'), el].some(n => n.childNodes && [...n.childNodes].some(
            t => t.nodeType === 3 && t.textContent.trim()) && !n.closest('.visually-hidden') &&
            n.getBoundingClientRect().width > 1);
        const media = el.querySelector('img, svg, input, select, textarea, button');
        if (!visibleText && !media && (boxed || r.height > 40)) out.push(el.tagName + (el.id ? '#' + el.id : '') +
            '.' + el.className + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
    }
    return out.slice(0, 10);
}"""


def test_no_empty_boxes_without_javascript(new_context: NewContext, site_dir: Path) -> None:
    page = phone(new_context, js=False)
    empty = {}
    for p in site_pages(site_dir):
        path = page_url(site_dir, p)
        page.goto(path)
        found = page.evaluate(EMPTY_BOXES)
        if found:
            empty[path] = found
    assert not empty, empty


def test_check_page_without_javascript_says_so_and_links_the_tables(new_context: NewContext,
                                                                    artifact_dir: Path) -> None:
    page = phone(new_context, js=False)
    page.goto("/check/")
    # (Playwright's text assertions skip <noscript>: read the DOM's own text)
    message = page.locator(".check-nojs")
    expect(message).to_be_visible()
    assert "JavaScript が必要です" in (message.text_content() or "")
    assert message.evaluate("p => !!p.closest('.check-box')"), "the message is not in the box it replaces"
    expect(page.locator("#elig-form")).to_be_hidden()
    page.screenshot(path=str(artifact_dir / "check-nojs.png"))
    link = page.locator("#check-list-h + ul a").first
    href = link.get_attribute("href") or ""
    assert href.endswith("#eligibility"), href
    link.click()
    expect(page.locator("section.eligibility .elig-cards li").first).to_be_visible()


def test_search_page_without_javascript_shows_no_dead_filters(new_context: NewContext) -> None:
    page = phone(new_context, js=False)
    page.goto("/search/")
    message = page.locator("#search-nojs")
    expect(message).to_be_visible()
    assert "検索には JavaScript が必要です" in (message.text_content() or "")
    expect(page.locator("#search-filters")).to_be_hidden()
