"""The check form in Chromium: built from rules.json by eligibility.js, with and without JavaScript.

That the script's answers equal the rule's for every input is tests/rules/test_export_js.py (Node);
this drives the real form as a contractor does on a phone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_form_on_omura_page_shows_where_to_send_the_key(browser, base_url) -> None:
    """GIVEN 大村市's page WHEN a 契約保証 concluded on the start day is checked THEN 対象, by email to 財政部契約課;
    the day before THEN 対象外 and no route; a change contract THEN the date asked is the initial contract's."""
    def steps(page):
        page.goto(f"{base_url}/municipalities/omura/")
        page.wait_for_selector("#elig-form:not([hidden])")
        page.select_option("#elig-certificates", "contract_performance")
        page.select_option("#elig-issuers", "wjcs")
        page.select_option("#elig-project_types", "construction")
        page.fill("#elig-date-0", "2026-04-01")
        result = page.locator("#elig-result")
        expect(result).to_contain_text("電子保証の対象です")
        expect(page.locator('#elig-route a[href="mailto:keiyakumain@city.omura.nagasaki.jp"]')).to_have_count(1)
        expect(page.locator("#elig-route")).to_contain_text("財政部契約課")
        page.fill("#elig-date-0", "2026-03-31")
        expect(result).to_contain_text("電子保証の対象外です")
        expect(page.locator("#elig-submission")).to_be_hidden()
        page.check('input[name="contract_stages"][value="change"]')
        expect(page.locator("#elig-date-label-0")).to_have_text("当初契約の契約締結日")
        expect(result).to_contain_text("確認が必要です")

    browser.run(steps)


def test_check_page_loads_the_chosen_orderer(browser, base_url) -> None:
    """GIVEN /check/?orderer=taketa WHEN a change contract of an initial contract before the start is checked
    THEN 竹田市 answers 対象外; after choosing 大村市, a WJCS 契約保証予約 is 対象外 too."""
    def steps(page):
        page.goto(f"{base_url}/check/?orderer=taketa")
        page.wait_for_selector("#elig-certificates")
        page.select_option("#elig-certificates", "advance_payment")
        page.select_option("#elig-issuers", "wjcs")
        page.check('input[name="contract_stages"][value="change"]')
        page.fill("#elig-date-0", "2024-09-30")
        verdict = page.locator("#elig-verdict")
        expect(verdict).to_have_text("竹田市: 電子保証の対象外です")
        expect(page.locator("#elig-reasons")).to_contain_text("変更契約も対象外")
        page.select_option("#elig-orderer", "omura")
        expect(page.locator("#elig-date-label-0")).to_contain_text("契約締結日")  # no eval: the site's CSP forbids it
        page.select_option("#elig-certificates", "contract_reservation")
        page.select_option("#elig-issuers", "wjcs")
        expect(verdict).to_have_text("大村市: 電子保証の対象外です")
        expect(page.locator("#elig-reasons")).to_contain_text("西日本建設業保証")

    browser.run(steps)


def test_without_javascript_the_rules_are_there_and_the_form_is_not(browser, base_url) -> None:
    """GIVEN no JavaScript WHEN 竹田市's page and /check/ are read THEN the form is hidden, the rules are readable
    (持参, 契約保証予約 対象外) and /check/ links each orderer's own check."""
    def steps(page):
        page.goto(f"{base_url}/municipalities/taketa/")
        assert page.locator("#elig-form").is_hidden()
        cards = page.locator("ul.elig-cards")
        assert cards.is_visible()
        text = cards.inner_text()
        assert "持参" in text and "契約保証予約" in text and "対象外" in text
        page.goto(f"{base_url}/check/")
        assert page.locator("#elig-form").is_hidden()
        assert page.locator('a[href="/municipalities/taketa/#eligibility"]').is_visible()

    browser.run(steps, javascript=False)
