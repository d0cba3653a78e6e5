"""A guidance page as contractors read it: on a 375 px phone and on a desktop, in Japanese fonts."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .support import PHONE, NewContext

GUIDANCE = "/municipalities/taketa/"

#: iPhone SE / 13 mini width, and an ordinary office screen.
VIEWPORTS = {
    "phone": PHONE,
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


def horizontal_overflow(page: Page) -> list[str]:
    """Elements that stick out to the right of the viewport (the cause of sideways scrolling on phones).

    Content inside a scrolling wrapper (.table-wrap) is allowed to be wider: it scrolls on its own.
    """
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const out = [];
            for (const el of document.body.querySelectorAll('*')) {
                if (el.closest('.table-wrap') || el.closest('.visually-hidden')) continue;
                const r = el.getBoundingClientRect();
                if (r.width && r.right > width + 1) out.push(el.tagName + (el.id ? '#' + el.id : '') +
                    ' ' + (el.className || '') + ' right=' + Math.round(r.right));
            }
            return out.slice(0, 20);
        }"""
    )


def rendered_fonts(page: Page, selector: str) -> list[str]:
    """Fonts Chromium really drew ``selector``'s text with (DevTools protocol), e.g. 'Noto Sans CJK JP'."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")
    node = cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    cdp.detach()
    return [f["familyName"] for f in fonts]


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_guidance_page_fits_and_reads(new_context: NewContext, device: str, artifact_dir: Path) -> None:
    page = new_context(**VIEWPORTS[device]).new_page()
    page.goto(GUIDANCE)
    expect(page.get_by_role("heading", level=1)).to_contain_text("竹田市")
    expect(page.locator("#how")).to_have_text("認証キーの出し方")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
        "document.documentElement.clientWidth"), "the page scrolls sideways"
    assert horizontal_overflow(page) == []
    # Japanese text is drawn with the installed CJK font, not tofu boxes or a Latin fallback.
    assert any("CJK" in f or "JP" in f for f in rendered_fonts(page, "h1")), rendered_fonts(page, "h1")
    page.screenshot(path=str(artifact_dir / f"{device}-first-screen.png"))
    page.screenshot(path=str(artifact_dir / f"{device}-full.png"), full_page=True)


def test_phone_text_and_targets_are_large_enough(new_context: NewContext) -> None:
    """Body text ≥ 16 px and navigation links ≥ 44 px tall: read and tapped with a thumb on a phone."""
    page = new_context(**VIEWPORTS["phone"]).new_page()
    page.goto(GUIDANCE)
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p, main dd')).fontSize)")
    assert size >= 16, size
    page.locator(".site-menu > summary").click()  # the menu is folded on a phone (test_phone_first.py)
    heights = page.eval_on_selector_all(".site-header nav a",
                                        "links => links.map(a => a.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44, heights


def test_phone_skip_link_reaches_main(new_context: NewContext) -> None:
    """The first Tab shows the skip link; following it moves focus past the navigation."""
    page = new_context(**VIEWPORTS["phone"]).new_page()
    page.goto(GUIDANCE)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へ移動")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
