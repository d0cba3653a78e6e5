"""The adopter table as people use it: a name typed in kanji or kana, sorting by start month, no JS.

The index (/adopters/) lists the groups (国, 独立行政法人等, その他公共的団体, each prefecture) with their
counts; its filter box searches every row from the open-data JSON. Each group has its own page with the
full table, sortable by start month; the lists by start month are split by year.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from esurety.kernel import kana

from .support import NewContext

RESULTS = "#adopter-results tbody tr"


def visible_names(page: Page, rows: str = "table.adopters tbody tr") -> list[str]:
    """Names of the orderers in rows a person can see (the first link or text of each row header)."""
    return page.eval_on_selector_all(
        rows,
        """rows => rows.filter(r => r.offsetParent !== null && r.querySelector('th[scope=row]')).map(r => {
               const th = r.querySelector('th[scope=row]');
               return (th.querySelector('a') || th).firstChild.textContent.trim();
           })""",
    )


def start_months(page: Page) -> list[str]:
    """The start month of each row of the group table, in the order shown ('0000-00' for none)."""
    return page.eval_on_selector_all(
        "table.adopters tbody tr",
        "rows => rows.map(r => { const t = r.querySelector('time'); return t ? t.getAttribute('datetime') : '0000-00'; })")


@pytest.mark.parametrize("query", ["たけた", "竹田", "タケタ", "ﾀｹﾀ"])
def test_filter_finds_taketa(page: Page, query: str, artifact_dir: Path) -> None:
    """Contractors type the name as they know it: kana or kanji, full or half width."""
    page.goto("/adopters/")
    box = page.get_by_label("名前・よみで絞り込む")
    expect(box).to_be_visible()
    box.fill(query)
    expect(page.locator("#adopter-count")).to_contain_text("団体が見つかりました")
    row = page.locator(RESULTS).filter(has=page.get_by_role("link", name="竹田市", exact=True))
    expect(row.get_by_role("link")).to_have_attribute("href", "/municipalities/taketa/")
    assert "竹田市" in visible_names(page, RESULTS)
    expect(row).to_contain_text("大分県")
    expect(row).to_contain_text("令和6年10月 (2024-10)")
    expect(row).to_contain_text("西日本建設業保証")
    expect(row).to_contain_text("運用中")
    if query == "たけた":
        page.screenshot(path=str(artifact_dir / "filter-taketa.png"), full_page=False)


@pytest.mark.parametrize("query", ["し", "ｼﾏﾈ", "おおいた", "ちょう", "ｷｮｳﾄ", "機構"])
def test_filter_counts_what_kana_fold_finds(page: Page, site_dir: Path, query: str) -> None:
    """The script folds like esurety/kana.py (the reference): same query, same number of rows."""
    doc = json.loads((site_dir / "adopters" / "adopters.json").read_text(encoding="utf-8"))
    q = kana.fold(query)
    expected = sum(q in kana.fold(a["name"] + a["reading"] + a["prefecture"]) for a in doc["adopters"])
    assert expected > 0, query
    page.goto("/adopters/")
    page.get_by_label("名前・よみで絞り込む").fill(query)
    expect(page.locator("#adopter-count")).to_contain_text(f"{expected} 団体が見つかりました")


def test_filter_links_the_group_page_when_there_is_no_guidance_page(page: Page) -> None:
    page.goto("/adopters/")
    page.get_by_label("名前・よみで絞り込む").fill("かみのせき")
    link = page.locator(RESULTS).get_by_role("link", name="上関町")
    expect(link).to_have_attribute("href", "/adopters/pref-35/")
    link.click()
    page.wait_for_url("**/adopters/pref-35/")
    assert "上関町" in visible_names(page)


def test_filter_with_no_hit_says_so_and_clears(page: Page) -> None:
    page.goto("/adopters/")
    box = page.get_by_label("名前・よみで絞り込む")
    box.fill("存在しない団体名")
    # a zero result is not "not adopted": it says what the list covers (issue 14, item 4)
    expect(page.locator("#adopter-count")).to_contain_text("この一覧には見つかりませんでした")
    expect(page.locator("#adopter-count")).to_contain_text("導入していないとは限りません")
    expect(page.locator("#adopter-results")).to_be_hidden()
    box.fill("竹田")
    expect(page.locator("#adopter-results")).to_be_visible()
    box.fill("")
    expect(page.locator("#adopter-results")).to_be_hidden()
    expect(page.locator("#adopter-count")).to_have_text("")


def test_filter_shows_at_most_a_hundred_rows_and_says_so(page: Page) -> None:
    """A one-letter query matches most rows; the page stays quick and tells how many there are."""
    page.goto("/adopters/")
    page.get_by_label("名前・よみで絞り込む").fill("し")
    count = page.locator("#adopter-count")
    expect(count).to_contain_text("団体が見つかりました")
    found = int(count.inner_text().split(" ")[0])
    assert found > 100, found
    expect(count).to_contain_text("最初の 100 団体を表示")
    expect(page.locator(RESULTS)).to_have_count(100)


def test_json_is_fetched_only_when_someone_types(page: Page) -> None:
    """The index stays light: the open data is loaded on the first keystroke, and only once."""
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if r.url.endswith("/adopters/adopters.json") else None)
    page.goto("/adopters/")
    page.wait_for_load_state("networkidle")
    assert fetched == []
    box = page.get_by_label("名前・よみで絞り込む")
    box.fill("たけた")
    expect(page.locator(RESULTS).first).to_be_visible()
    box.fill("おおいた")
    expect(page.locator("#adopter-count")).to_contain_text("団体が見つかりました")
    assert len(fetched) == 1


def test_sort_by_start_month(page: Page, artifact_dir: Path) -> None:
    """On a group page the start-month header becomes a button; it sorts ascending, then descending."""
    page.goto("/adopters/pref-44/")
    header = page.locator("th.sort-start")
    button = header.get_by_role("button")
    expect(button).to_have_text("開始年月")
    expect(header).to_have_attribute("aria-sort", "none")
    before = start_months(page)
    assert len(set(before)) > 1 and before != sorted(before), before
    button.click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert start_months(page) == sorted(before)
    button.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert start_months(page) == sorted(before, reverse=True)
    assert sorted(visible_names(page)) == sorted(set(visible_names(page))), "rows were lost or doubled"
    page.screenshot(path=str(artifact_dir / "sorted-descending.png"))


def test_sort_button_works_by_keyboard(page: Page) -> None:
    page.goto("/adopters/pref-44/")
    button = page.locator("th.sort-start").get_by_role("button")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("th.sort-start")).to_have_attribute("aria-sort", "ascending")


def test_groups_without_start_months_have_no_sort_button(page: Page) -> None:
    """独立行政法人等 have no start month in the sources: a sort button there would do nothing."""
    page.goto("/adopters/agency/")
    assert len(visible_names(page)) > 10
    expect(page.locator("th.sort-start")).to_have_count(0)
    expect(page.locator("script[src$='adopters.js']")).to_have_count(0)


def test_without_javascript_every_list_is_readable(new_context: NewContext, artifact_dir: Path) -> None:
    """Without JS: the filter stays hidden (it would do nothing); the groups, their tables and the
    lists by start year are plain pages and links."""
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/adopters/")
    expect(page.locator("#adopter-filter")).to_be_hidden()
    groups = page.locator("table.adopter-groups tbody tr")
    assert groups.count() >= 10
    expect(groups.filter(has_text="大分県")).to_contain_text("12")
    page.get_by_role("link", name="大分県", exact=True).click()
    page.wait_for_url("**/adopters/pref-44/")
    names = visible_names(page)
    assert "竹田市" in names and len(names) == page.locator("table.adopters tbody tr").count()
    expect(page.locator("th.sort-start button")).to_have_count(0)
    page.screenshot(path=str(artifact_dir / "oita-no-js.png"), full_page=True)
    page.get_by_role("link", name="開始年月の順に並べた一覧").click()
    page.wait_for_url("**/adopters/by-start/")
    page.get_by_role("link", name="2024年", exact=True).first.click()
    page.wait_for_url("**/adopters/by-start/2024/")
    assert "竹田市" in visible_names(page)
    months = page.eval_on_selector_all("table.adopters th[scope=rowgroup] time",
                                       "ts => ts.map(t => t.getAttribute('datetime'))")
    assert len(months) > 1 and months == sorted(months, reverse=True), "a year page is newest first"


def test_the_list_says_what_it_covers(page: Page) -> None:
    """At the top of the index, on each group page and on the map: as of when, per guarantor, not exhaustive."""
    page.goto("/adopters/")
    coverage = page.locator("#coverage")
    expect(coverage).to_be_visible()
    expect(coverage).to_contain_text("西日本建設業保証")
    expect(coverage).to_contain_text("東日本建設業保証")
    expect(coverage).to_contain_text("北海道建設業信用保証")
    expect(coverage).to_contain_text("時点")
    assert coverage.evaluate("c => c.getBoundingClientRect().top") < page.locator("#groups-h").evaluate(
        "h => h.getBoundingClientRect().top")
    page.goto("/adopters/pref-44/")
    expect(page.locator(".coverage-short")).to_contain_text("導入していないとは限りません")
    page.goto("/adopters/charts/")
    expect(page.locator("#no-data-note")).to_contain_text("「データなし」")
    expect(page.locator("#no-data-note")).to_contain_text("資料に載っていない")


@pytest.mark.parametrize(("spelling", "row"), [("すまみ町", "すさみ町"), ("中国高速道路", "中日本高速道路")])
def test_filter_finds_the_sources_own_spellings(page: Page, spelling: str, row: str) -> None:
    page.goto("/adopters/")
    page.get_by_label("名前・よみで絞り込む").fill(spelling)
    expect(page.locator("#adopter-results tbody tr").first).to_be_visible()
    names = visible_names(page, "#adopter-results tbody tr")
    assert any(row in n for n in names), names
