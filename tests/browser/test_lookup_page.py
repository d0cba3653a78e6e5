"""The lookup page as orderer staff meet it on a phone (issue 14, item 6).

The form on the first screen, a plain paragraph on how this lookup relates to D-Sure, a number field
whose keyboard offers the hyphen, and 「別の証書を照会する」 after a result, with and without JavaScript.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .lookup_support import demo_certificate, fill_lookup, submit_without_js
from .support import FIRST_SCREEN, PHONE, NewContext


def phone(new_context: NewContext, js: bool = True) -> Page:
    return new_context(java_script_enabled=js, **PHONE).new_page()


def bottom(page: Page, selector: str) -> float:
    return float(page.eval_on_selector(selector, "e => e.getBoundingClientRect().bottom"))


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_the_form_and_its_button_are_on_the_first_screen(new_context: NewContext, js: bool,
                                                         artifact_dir: Path) -> None:
    page = phone(new_context, js)
    page.goto("/lookup/")
    assert bottom(page, "#guarantee_number") < FIRST_SCREEN
    assert bottom(page, "#access_key") < FIRST_SCREEN
    assert bottom(page, ".lookup-submit") <= FIRST_SCREEN, "the submit button is below the first screen"
    # the explanations follow the form
    assert bottom(page, "form.lookup-form") < bottom(page, ".lookup-intro")
    page.screenshot(path=str(artifact_dir / f"lookup-phone-{'js' if js else 'nojs'}.png"))


def test_the_page_says_how_it_relates_to_d_sure(page: Page) -> None:
    page.goto("/lookup/")
    section = page.get_by_role("heading", name="D-Sure との関係")
    expect(section).to_be_visible()
    text = page.locator(".lookup-intro").inner_text()
    assert "このページは D-Sure ではありません" in text and "保証確認サービス（D-Sure）" in text


def test_the_number_field_uses_a_keyboard_with_the_hyphen_and_says_it_may_be_left_out(page: Page) -> None:
    page.goto("/lookup/")
    field = page.get_by_label("保証契約番号")
    assert field.get_attribute("inputmode") == "text" and field.get_attribute("type") == "text"
    hint = page.locator("#guarantee_number-hint")
    expect(hint).to_contain_text("ハイフンは省いても構いません")


def test_another_lookup_after_a_result_with_javascript(new_context: NewContext, artifact_dir: Path) -> None:
    """GIVEN a certificate shown in place WHEN 「別の証書を照会する」 is pressed THEN the answer is gone, the
    form is empty and the number field has the focus, and a second certificate can be looked up."""
    page = phone(new_context)
    first, second = demo_certificate(), demo_certificate("ejcs")
    page.goto("/lookup/")
    fill_lookup(page, first.guarantee_number, first.access_key)
    page.get_by_role("button", name="電子証書を表示").click()
    expect(page.locator("#lookup-result .certificate__number")).to_have_text(first.guarantee_number)
    page.screenshot(path=str(artifact_dir / "result.png"), full_page=True)
    page.get_by_role("link", name="別の証書を照会する").click()
    expect(page.locator("#lookup-result")).to_be_hidden()
    expect(page.get_by_label("保証契約番号")).to_be_focused()
    expect(page.get_by_label("保証契約番号")).to_have_value("")
    assert page.url.endswith("/lookup/")
    fill_lookup(page, second.guarantee_number, second.access_key)
    page.get_by_role("button", name="電子証書を表示").click()
    expect(page.locator("#lookup-result .certificate__number")).to_have_text(second.guarantee_number)


def test_another_lookup_after_a_result_without_javascript(new_context: NewContext) -> None:
    page = new_context(java_script_enabled=False).new_page()
    cert = demo_certificate()
    submit_without_js(page, cert.guarantee_number, cert.access_key)
    expect(page.locator(".certificate__number")).to_have_text(cert.guarantee_number)
    page.get_by_role("link", name="別の証書を照会する").click()
    expect(page.get_by_label("保証契約番号")).to_be_visible()
    assert page.url.endswith("/lookup/")
