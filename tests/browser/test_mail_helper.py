"""The mail helper and the key notice picture on guidance pages (issue 14, items 11 and 2).

Orderers used: 四国中央市 (address and a subject format), 三重県 (subject format and body items, no published
address), 鳥取県東部広域行政管理組合 (address and subject), 鳥栖市 (nothing stated: no link, whom to ask).
No orderer in the data names a CC address yet, so the CC case serves 四国中央市's page with one added to its
mail data (the same data-mail attribute the build writes from RouteView.mail).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

from playwright.sync_api import Page, Route, expect

from .support import PHONE, NewContext


def mailto_parts(href: str) -> tuple[str, dict[str, str]]:
    assert href.startswith("mailto:"), href
    to, _, query = href[len("mailto:"):].partition("?")
    return urllib.parse.unquote(to), {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}


def test_subject_format_filled_in(new_context: NewContext, artifact_dir: Path) -> None:
    page = new_context(**PHONE).new_page()
    page.goto("/municipalities/shikokuchuo/")
    helper = page.locator(".answer .mail-helper").first
    helper.get_by_text("件名と本文を作る").click()
    helper.get_by_label("工事番号").fill("R8-123")
    helper.get_by_label("受注者名").fill("株式会社竹田建設")
    helper.get_by_label("保証名称").fill("前払金保証")
    expect(helper.locator(".mail-out").first).to_have_text("R8-123_株式会社竹田建設(前払金保証)")
    link = helper.get_by_role("link", name="この件名と本文でメールを作る")
    to, q = mailto_parts(link.get_attribute("href") or "")
    assert to == "hoshou@city.shikokuchuo.ehime.jp"
    assert q["subject"] == "R8-123_株式会社竹田建設(前払金保証)"
    assert "電子証書閲覧用「認証キー」等のお知らせ" in q["body"]  # the reminder of which PDF to attach
    expect(helper).to_contain_text("添付を忘れずに")
    page.screenshot(path=str(artifact_dir / "shikokuchuo-helper.png"), full_page=True)


def test_body_items_become_lines_of_the_body(new_context: NewContext) -> None:
    """三重県: subject 【電子保証】{施行番号} and five body items; the address is not published."""
    page = new_context(**PHONE).new_page()
    page.goto("/municipalities/mie/")
    helper = page.locator(".answer .mail-helper").first
    helper.get_by_text("件名と本文を作る").click()
    helper.get_by_label("施行番号").fill("第5-1号")
    helper.get_by_label("工事名").fill("県道改良工事")
    body = helper.locator(".mail-body")
    expect(body).to_contain_text("工事名（業務名）: 県道改良工事")
    expect(helper.locator(".mail-out").first).to_have_text("【電子保証】第5-1号")
    # no address: no link at all, and whom to ask
    expect(helper.locator("a[href^='mailto:']")).to_have_count(0)
    expect(page.locator(".answer .submission").first).to_contain_text("資料に記載なし — ")
    expect(helper).to_contain_text("メールの作成ボタンはありません")


def test_without_javascript_a_plain_link_carries_the_subject_format(new_context: NewContext) -> None:
    page = new_context(java_script_enabled=False, **PHONE).new_page()
    page.goto("/municipalities/tottori-tobu-kouiki/")
    link = page.locator(".answer .mail-link").first
    expect(link).to_be_visible()
    to, q = mailto_parts(link.get_attribute("href") or "")
    assert to.endswith("@east.tottori.tottori.jp"), to
    assert q["subject"] == "【契約保証】{工事又は業務の件名}"
    helper = page.locator(".answer .mail-helper").first
    helper.get_by_text("件名と本文を作る").click()
    expect(helper).to_contain_text("件名の形式: 「【契約保証】{工事又は業務の件名}」")
    expect(helper.locator("input")).to_have_count(0)  # no dead fields without the script


def test_cc_goes_into_the_link(new_context: NewContext) -> None:
    page = new_context(**PHONE).new_page()

    def with_cc(route: Route) -> None:
        resp = route.fetch()
        html = resp.text()

        def add_cc(m: re.Match[str]) -> str:
            data = json.loads(m.group(1).replace("&#34;", '"').replace("&amp;", "&"))
            data["cc"] = ["keiyaku@city.example.lg.jp"]
            return 'data-mail="' + json.dumps(data, ensure_ascii=False).replace("&", "&amp;").replace('"', "&#34;") + '"'

        html = re.sub(r'data-mail="([^"]*)"', add_cc, html, count=1)
        route.fulfill(response=resp, body=html)

    page.route("**/municipalities/shikokuchuo/", with_cc)
    page.goto("/municipalities/shikokuchuo/")
    helper = page.locator(".answer .mail-helper").first
    helper.get_by_text("件名と本文を作る").click()
    helper.get_by_label("工事番号").fill("R8-9")
    _, q = mailto_parts(helper.get_by_role("link", name="この件名と本文でメールを作る").get_attribute("href") or "")
    assert q["cc"] == "keiyaku@city.example.lg.jp"
    _, q = mailto_parts(helper.locator(".mail-link").get_attribute("href") or "")
    assert q["cc"] == "keiyaku@city.example.lg.jp"


def test_unstated_address_has_no_link_and_names_whom_to_ask(new_context: NewContext) -> None:
    page = new_context(**PHONE).new_page()
    page.goto("/municipalities/tosu/")
    route = page.locator(".answer .submission").first
    expect(route.locator("a[href^='mailto:']")).to_have_count(0)
    expect(route.locator("dd").nth(2)).to_have_text(re.compile(r"^資料に記載なし — .+に確認$"))
    expect(route).to_contain_text("添付するのは電子証書閲覧用「認証キー」等のお知らせ（PDF）です")


# ------------------------------------------------------------------------------------ key notice picture
def picture(page: Page) -> dict[str, object]:
    img = page.locator(".answer figure.key-notice-picture img").first
    img.scroll_into_view_if_needed()
    expect(img).to_be_visible()
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
    return {"src": img.get_attribute("src"), "alt": img.get_attribute("alt"),
            "caption": page.locator(".answer figure.key-notice-picture figcaption").first.inner_text()}


def test_picture_of_the_key_notice_beside_the_screen_not_to_send(new_context: NewContext,
                                                                  artifact_dir: Path) -> None:
    page = new_context(**PHONE).new_page()
    page.goto("/municipalities/tosu/")
    p = picture(page)
    assert str(p["src"]).endswith("key-notice-wjcs-send.svg"), p
    assert "送らない" in str(p["alt"]) and "STEP 3" in str(p["alt"]), p
    page.locator(".answer figure.key-notice-picture").first.screenshot(path=str(artifact_dir / "tosu-picture.png"))


def test_taketa_picture_follows_its_rule_both_printed(new_context: NewContext, artifact_dir: Path) -> None:
    page = new_context(**PHONE).new_page()
    page.goto("/municipalities/taketa/")
    p = picture(page)
    assert str(p["src"]).endswith("key-notice-wjcs-both.svg"), p
    assert "送らない" not in str(p["alt"]) and "印刷" in str(p["alt"]), p
    assert "どちらも印刷" in str(p["caption"]), p
    expect(page.locator(".answer .key-notice .notice").first).to_contain_text("どちらも印刷して")
    page.locator(".answer figure.key-notice-picture").first.screenshot(path=str(artifact_dir / "taketa-picture.png"))


def test_picture_svg_is_labelled_and_drawn_large_enough(page: Page) -> None:
    """The SVG's own title names the guarantor, and no text is smaller than 12 px at 343 px wide."""
    page.goto("/pictures/key-notice-ejcs-send.svg")
    title = page.locator("svg > title").text_content() or ""
    assert "東日本建設業保証" in title
    sizes = page.eval_on_selector_all("text", "l => l.map(t => parseFloat(t.getAttribute('font-size')))")
    width = float(page.eval_on_selector("svg", "s => s.viewBox.baseVal.width"))
    assert min(sizes) * 343 / width >= 12, (min(sizes), width)
