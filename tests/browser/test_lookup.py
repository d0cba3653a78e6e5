"""The certificate lookup in a real browser: with JavaScript, without it, by keyboard, and over the limit.

Orderer staff type a guarantee number and an access key from a key notice. The right pair shows the
certificate; a wrong one shows one generic sentence (never which of the two was wrong); too many
failures show the 429 sentence. Without JavaScript the same form posts normally and the function
answers with a printable page.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from lambda_verify.limits import CLIENT_LIMIT
from lambda_verify.messages import MESSAGES, limited_message

from .lookup_support import WRONG_KEY, demo_certificate, fill_lookup, submit_without_js
from .support import NewContext, Server, console_of, http, new_client_address

SUBMIT = "電子証書を表示"
LIMITED_START = "照会の失敗が続いたため、しばらく照会できません。"


def status_region(page: Page) -> Locator:
    return page.locator("#lookup-status")


def result_region(page: Page) -> Locator:
    return page.locator("#lookup-result")


# ---------------------------------------------------------------------------------------------- with JS


def test_right_key_shows_the_certificate(page: Page, artifact_dir: Path) -> None:
    cert = demo_certificate()
    page.goto("/lookup/")
    fill_lookup(page, cert.guarantee_number, cert.access_key)
    page.get_by_role("button", name=SUBMIT).click()
    result = result_region(page)
    expect(result).to_be_visible()
    expect(result.get_by_role("heading", level=2).first).to_contain_text("保証証書")
    expect(result.locator(".certificate__number")).to_have_text(cert.guarantee_number)
    expect(result).to_be_focused()  # screen readers land on the answer
    expect(status_region(page)).to_have_text("電子証書を表示しました。")
    expect(page.get_by_label("認証キー")).to_have_value("")  # the key does not stay on screen
    expect(result.get_by_role("button", name="この証書を印刷する")).to_be_visible()
    page.screenshot(path=str(artifact_dir / "certificate.png"), full_page=True)
    assert console_of(page).errors == []


def test_wrong_key_shows_the_generic_message(page: Page, artifact_dir: Path) -> None:
    cert = demo_certificate()
    page.goto("/lookup/")
    fill_lookup(page, cert.guarantee_number, WRONG_KEY)
    page.get_by_role("button", name=SUBMIT).click()
    expect(status_region(page)).to_have_text(MESSAGES["no_match"])
    expect(result_region(page)).to_be_hidden()
    page.screenshot(path=str(artifact_dir / "wrong-key.png"), full_page=True)


def test_unknown_number_answers_like_a_wrong_key(page: Page) -> None:
    """Whether a number exists is not revealed: the page says exactly the same as for a wrong key."""
    page.goto("/lookup/")
    texts = []
    for number in ("2099999999", demo_certificate().guarantee_number):
        fill_lookup(page, number, WRONG_KEY)
        with page.expect_response("**/api/verify") as answer:
            page.get_by_role("button", name=SUBMIT).click()
        assert answer.value.status == 400
        expect(status_region(page)).not_to_have_text("照会しています…")
        texts.append(status_region(page).inner_text())
    assert texts[0] == texts[1] == MESSAGES["no_match"]


def test_empty_fields_are_named_at_their_fields(page: Page, artifact_dir: Path) -> None:
    """Each error is shown next to its field, announced with it (aria-describedby) and marks it invalid."""
    page.goto("/lookup/")
    page.get_by_role("button", name=SUBMIT).click()
    for name, label in (("guarantee_number", "保証契約番号"), ("access_key", "認証キー")):
        field = page.locator(f"#{name}")
        error = page.locator(f"#{name}-error")
        expect(error).to_have_text(f"{label}を入力してください。")
        expect(field).to_have_attribute("aria-invalid", "true")
        assert f"{name}-error" in (field.get_attribute("aria-describedby") or "").split()
        # The accessible description a screen reader announces includes the error text.
        expect(field).to_have_accessible_description(re.compile(f"{label}を入力してください。"))
    expect(page.locator("#guarantee_number")).to_be_focused()
    page.screenshot(path=str(artifact_dir / "empty-fields.png"), full_page=True)


def test_malformed_number_is_named_at_its_field(page: Page) -> None:
    """The function's own field errors (JSON ``errors``) land at the field they belong to."""
    page.goto("/lookup/")
    fill_lookup(page, "12-34", "ABCDEFGH")
    page.get_by_role("button", name=SUBMIT).click()
    error = page.locator("#guarantee_number-error")
    expect(error).not_to_be_empty()
    expect(page.locator("#guarantee_number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#guarantee_number")).to_be_focused()


def test_qr_code_link_fills_the_form_and_forgets_the_key(page: Page) -> None:
    """A key notice's QR code opens /lookup/#n=…&k=…; the fragment leaves the address bar at once."""
    cert = demo_certificate("ejcs")
    page.goto(f"/lookup/#n={cert.guarantee_number}&k={cert.access_key}")
    expect(page.get_by_label("保証契約番号")).to_have_value(cert.guarantee_number)
    expect(page.get_by_label("認証キー")).to_have_value(cert.access_key)
    assert "#" not in page.url and cert.access_key not in page.url
    expect(page.get_by_role("button", name=SUBMIT)).to_be_focused()
    page.keyboard.press("Enter")
    expect(result_region(page).locator(".certificate__number")).to_have_text(cert.guarantee_number)


# ---------------------------------------------------------------------------------------------- keyboard


def focus_is_visible(page: Page) -> bool:
    """The focused element draws a visible focus indicator (an outline or a box shadow)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return false;
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
            return outline || (s.boxShadow && s.boxShadow !== 'none');
        }"""
    )


def tab_to(page: Page, target: Locator, limit: int = 20) -> None:
    """Press Tab until ``target`` has focus, checking the focus indicator on every stop on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert focus_is_visible(page), page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with {limit} Tabs")


def test_keyboard_only_lookup(page: Page, artifact_dir: Path) -> None:
    cert = demo_certificate()
    page.goto("/lookup/")
    tab_to(page, page.locator("#guarantee_number"))
    page.keyboard.type(cert.guarantee_number)
    page.keyboard.press("Tab")
    expect(page.locator("#access_key")).to_be_focused()
    assert focus_is_visible(page)
    page.screenshot(path=str(artifact_dir / "focus-on-key.png"))
    page.keyboard.type(cert.access_key)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=SUBMIT)).to_be_focused()
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(result_region(page)).to_be_focused()
    expect(result_region(page).locator(".certificate__number")).to_have_text(cert.guarantee_number)
    # The print button is reachable from the result by keyboard too.
    tab_to(page, result_region(page).get_by_role("button", name="この証書を印刷する"), limit=40)


def test_keyboard_error_then_fix(page: Page) -> None:
    """Enter in an empty form puts focus on the first field in error; typing and Enter again succeeds."""
    cert = demo_certificate()
    page.goto("/lookup/")
    tab_to(page, page.locator("#guarantee_number"))
    page.keyboard.press("Enter")
    expect(page.locator("#guarantee_number")).to_be_focused()
    page.keyboard.type(cert.guarantee_number)
    page.keyboard.press("Enter")
    expect(page.locator("#access_key")).to_be_focused()
    expect(page.locator("#guarantee_number")).not_to_have_attribute("aria-invalid", "true")
    page.keyboard.type(cert.access_key)
    page.keyboard.press("Enter")
    expect(result_region(page).locator(".certificate__number")).to_have_text(cert.guarantee_number)


# ---------------------------------------------------------------------------------------------- without JS


def test_plain_post_shows_the_printable_certificate(new_context: NewContext, artifact_dir: Path) -> None:
    page = new_context(java_script_enabled=False).new_page()
    cert = demo_certificate()
    submit_without_js(page, cert.guarantee_number, cert.access_key)
    assert page.url.endswith("/api/verify")
    expect(page).to_have_title(f"【デモ】電子証書 {cert.guarantee_number} | 電子保証ガイド")
    expect(page.get_by_role("heading", level=1)).to_contain_text("保証証書")
    expect(page.locator(".certificate__number")).to_have_text(cert.guarantee_number)
    expect(page.get_by_role("button", name="この証書を印刷する")).to_be_hidden()  # needs JS; 印刷 from the menu
    page.screenshot(path=str(artifact_dir / "certificate-nojs.png"), full_page=True)


def test_wrong_key_without_javascript(new_context: NewContext, artifact_dir: Path) -> None:
    page = new_context(java_script_enabled=False).new_page()
    cert = demo_certificate()
    submit_without_js(page, cert.guarantee_number, WRONG_KEY)
    expect(page.get_by_role("alert")).to_have_text(MESSAGES["no_match"])
    # The form comes back with the number kept and the key empty, ready for a second try.
    expect(page.get_by_label("保証契約番号")).to_have_value(cert.guarantee_number)
    expect(page.get_by_label("認証キー")).to_have_value("")
    page.screenshot(path=str(artifact_dir / "wrong-key-nojs.png"), full_page=True)


# ---------------------------------------------------------------------------------------------- 429


def block_this_address(server: Server, client: str) -> None:
    """Push ``client`` over the per-address limit with wrong keys: exactly the limit's number of 400s, then 429.

    The server's lookup clock stands still during the test (conftest.py), so every attempt falls in one
    window whatever the wall clock does meanwhile, and no earlier test's attempt is still counted.
    """
    api = server.url("/api/verify")
    cert = demo_certificate("ejcs")
    answers = [http(api, data={"guarantee_number": cert.guarantee_number, "access_key": WRONG_KEY}, client=client)
               for _ in range(CLIENT_LIMIT.max_attempts + 1)]
    assert [a.status for a in answers] == [400] * CLIENT_LIMIT.max_attempts + [429]
    assert answers[-1].headers["retry-after"] == str(CLIENT_LIMIT.window_seconds)


def test_over_the_limit_shows_the_429_message(new_context: NewContext, server: Server, client_address: str,
                                              artifact_dir: Path) -> None:
    """Even the right key is refused while the address is blocked; the page says to wait, and for how long."""
    block_this_address(server, client_address)
    page = new_context().new_page()
    cert = demo_certificate()
    page.goto("/lookup/")
    fill_lookup(page, cert.guarantee_number, cert.access_key)
    with page.expect_response("**/api/verify") as answer:
        page.get_by_role("button", name=SUBMIT).click()
    assert answer.value.status == 429
    assert answer.value.headers["retry-after"] == str(CLIENT_LIMIT.window_seconds)  # the clock has not moved
    expect(status_region(page)).to_have_text(limited_message(CLIENT_LIMIT.window_seconds))
    expect(status_region(page)).to_contain_text(LIMITED_START)
    expect(result_region(page)).to_be_hidden()
    page.screenshot(path=str(artifact_dir / "limited.png"), full_page=True)


def test_over_the_limit_without_javascript(new_context: NewContext, server: Server, client_address: str,
                                           artifact_dir: Path) -> None:
    block_this_address(server, client_address)
    page = new_context(java_script_enabled=False).new_page()
    cert = demo_certificate()
    submit_without_js(page, cert.guarantee_number, cert.access_key)
    expect(page.get_by_role("heading", level=1)).to_have_text("しばらく照会できません")
    expect(page.get_by_role("alert")).to_contain_text(limited_message(CLIENT_LIMIT.window_seconds))
    page.screenshot(path=str(artifact_dir / "limited-nojs.png"), full_page=True)


def test_other_addresses_failures_do_not_lock_out_the_orderer(page: Page, server: Server) -> None:
    """Another address fills both its own limit and the number's with wrong keys; the orderer, from its own
    address, still gets the certificate with the right key (the limits count per address)."""
    block_this_address(server, new_client_address())
    cert = demo_certificate("ejcs")  # the number the other address failed against
    page.goto("/lookup/")
    fill_lookup(page, cert.guarantee_number, cert.access_key)
    page.get_by_role("button", name=SUBMIT).click()
    expect(result_region(page).locator(".certificate__number")).to_have_text(cert.guarantee_number)
