"""The adopter table as people use it: a name typed in kanji or kana, sorting by start month, no JS."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .support import NewContext


def visible_names(page: Page) -> list[str]:
    """Names of the orderers in rows a person can see (the first link or text of each row header)."""
    return page.eval_on_selector_all(
        "table.adopters tbody tr",
        """rows => rows.filter(r => r.offsetParent !== null).map(r => {
               const th = r.querySelector('th');
               return (th.querySelector('a') || th).firstChild.textContent.trim();
           })""",
    )


def start_months(page: Page) -> list[list[str]]:
    """data-start of the rows of every table, in the order they are shown (one list per table)."""
    return page.eval_on_selector_all(
        "table.adopters tbody",
        "bodies => bodies.map(b => Array.from(b.rows, r => r.getAttribute('data-start')))")


@pytest.mark.parametrize("query", ["たけた", "竹田", "タケタ", "ﾀｹﾀ"])
def test_filter_finds_taketa(page: Page, query: str, artifact_dir: Path) -> None:
    """Contractors type the name as they know it: kana or kanji, full or half width."""
    page.goto("/adopters/")
    box = page.get_by_label("名前・よみで絞り込む")
    expect(box).to_be_visible()
    box.fill(query)
    names = visible_names(page)
    assert "竹田市" in names
    assert len(names) < page.locator("table.adopters tbody tr").count(), "the filter hid nothing"
    expect(page.locator("#adopter-count")).to_contain_text("団体が見つかりました")
    if query == "たけた":
        page.screenshot(path=str(artifact_dir / "filter-taketa.png"), full_page=False)


def test_filter_hides_empty_groups_and_clears(page: Page) -> None:
    """Sections without a hit disappear, and clearing the box brings every row back."""
    page.goto("/adopters/")
    total = page.locator("table.adopters tbody tr").count()
    box = page.get_by_label("名前・よみで絞り込む")
    box.fill("竹田")
    shown_groups = page.locator("section.adopter-group:visible").count()
    assert 1 <= shown_groups < page.locator("section.adopter-group").count()
    box.fill("")
    assert len(visible_names(page)) == total


def test_filter_with_no_hit_says_so(page: Page) -> None:
    page.goto("/adopters/")
    page.get_by_label("名前・よみで絞り込む").fill("存在しない団体名")
    assert visible_names(page) == []
    expect(page.locator("#adopter-count")).to_contain_text("0 団体")


def test_sort_by_start_month(page: Page, artifact_dir: Path) -> None:
    """The start-month header becomes a button; it sorts every table ascending, then descending."""
    page.goto("/adopters/")
    header = page.locator("th.sort-start").first
    button = header.get_by_role("button")
    expect(button).to_have_text("開始年月")
    before = start_months(page)
    assert any(len(set(t)) > 1 for t in before), "no table has rows with different start months"
    button.click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert all(t == sorted(t) for t in start_months(page))
    button.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert all(t == sorted(t, reverse=True) for t in start_months(page))
    assert sorted(map(sorted, start_months(page))) == sorted(map(sorted, before)), "rows were lost or moved"
    page.screenshot(path=str(artifact_dir / "sorted-descending.png"))


def test_sort_button_works_by_keyboard(page: Page) -> None:
    page.goto("/adopters/")
    button = page.locator("th.sort-start").first.get_by_role("button")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("th.sort-start").first).to_have_attribute("aria-sort", "ascending")


def test_without_javascript_every_row_is_shown(new_context: NewContext, artifact_dir: Path) -> None:
    """Without JS the filter box stays hidden (it would do nothing) and the whole table is readable."""
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/adopters/")
    expect(page.locator("#adopter-filter")).to_be_hidden()
    rows = page.locator("table.adopters tbody tr")
    assert rows.count() > 0
    assert "竹田市" in visible_names(page)
    assert len(visible_names(page)) == rows.count()
    expect(page.locator("th.sort-start button")).to_have_count(0)
    page.get_by_role("link", name="開始年月の順に並べた一覧").click()
    page.wait_for_url("**/adopters/by-start/")
    (months,) = start_months(page)
    assert len(set(months)) > 1 and months == sorted(months, reverse=True), "by-start page is newest first"
