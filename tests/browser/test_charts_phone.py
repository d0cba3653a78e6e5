"""The tile map and the charts on a 375 px phone (issue 14, item 3), measured in Chromium.

The map fits the screen (it never pans) and every tile is a link large enough to tap; a prefecture
without a row in the adopter table says 「データなし」 and why, not 0; chart text renders at 12 px or more:
its computed font-size times the scale the SVG is drawn at (getScreenCTM), for the inline map and for
the SVG files the page shows with <picture> (each drawn into the page at the size its <img> has).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .support import PHONE, ROOT, NewContext

CHARTS = "/adopters/charts/"
MIN_PX = 12
NO_DATA = "データなし"
WHY = "この一覧の資料に載っていません。導入していないとは限りません"

#: Rendered font-size of every text and tspan with characters of an SVG: computed font-size × the scale
#: the SVG is drawn at (the CTM's x scale; the pictures are never skewed or rotated).
MEASURE = """(svg => [...svg.querySelectorAll('text, tspan')]
    .filter(t => [...t.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    .map(t => ({text: [...t.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim(),
                px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a})))"""

#: Each <picture>'s chosen file, drawn inline at its <img>'s rendered size (hidden, out of the flow), measured
#: like the inline map, then removed. The file is fetched from the site itself (connect-src 'self').
PICTURE_SIZES = """async () => {
    const measure = %s;
    const out = [];
    for (const img of document.querySelectorAll('picture img')) {
        img.scrollIntoView();
        await img.decode();
        const box = img.getBoundingClientRect();
        const text = await (await fetch(img.currentSrc)).text();
        const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
        const holder = document.createElement('div');
        holder.className = 'visually-hidden';
        holder.setAttribute('aria-hidden', 'true');
        document.body.append(holder);
        const drawn = document.importNode(svg, true);
        drawn.setAttribute('width', box.width);
        drawn.setAttribute('height', box.height);
        holder.append(drawn);
        out.push({src: img.currentSrc, width: box.width, sizes: measure(drawn)});
        holder.remove();
    }
    return out;
}""" % MEASURE


def phone(new_context: NewContext, **options) -> Page:
    return new_context(**{**PHONE, **options}).new_page()


def no_data_prefectures(site_dir: Path) -> list[str]:
    """Short names of the prefectures without a row in the built adopter table (from its JSON)."""
    from esurety.data.dataset import load_dataset
    from esurety.site.charts import _short

    rows = json.loads((site_dir / "adopters" / "adopters.json").read_text(encoding="utf-8"))["adopters"]
    with_rows = {r["prefecture"] for r in rows if r["prefecture"]}
    data = load_dataset(ROOT)
    return [_short(p["name"]) for p in data.prefectures if p["name"] not in with_rows]


def test_map_fits_the_phone_and_every_tile_can_be_tapped(new_context: NewContext, artifact_dir: Path) -> None:
    page = phone(new_context)
    page.goto(CHARTS)
    narrow = page.locator("svg.tile-map-narrow")
    expect(narrow).to_be_visible()
    expect(page.locator("svg.tile-map-wide")).to_be_hidden()
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = narrow.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    wrap = page.locator(".map-wrap")
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), "the map's box does not pan"

    tiles = narrow.locator("a")
    assert tiles.count() == 47
    for i in range(tiles.count()):
        tile = tiles.nth(i)
        tile.scroll_into_view_if_needed()
        reach = tile.evaluate("""a => {
            const r = a.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return {left: r.left, right: r.right, width: r.width, height: r.height, mine: a.contains(hit),
                    label: a.getAttribute('aria-label')};
        }""")
        assert reach["left"] >= 0 and reach["right"] <= width, reach
        assert reach["width"] >= 44 and reach["height"] >= 44, reach
        assert reach["mine"], f"the middle of {reach['label']} is covered by something else"
    page.screenshot(path=str(artifact_dir / "charts-phone.png"), full_page=True)
    page.screenshot(path="/tmp/charts-phone.png", full_page=True)

    first = tiles.filter(has_not_text=NO_DATA).first
    name = first.get_attribute("aria-label").split()[0]
    first.tap()
    expect(page).to_have_url(re.compile(r"/adopters/pref-\d\d/$"))
    expect(page.locator("h1")).to_contain_text(name)


@pytest.mark.parametrize("width", [360, 375, 640, 1280])
def test_chart_text_renders_at_12_px_or_more(new_context: NewContext, width: int) -> None:
    options = PHONE if width < 640 else {}
    page = new_context(**{**options, "viewport": {"width": width, "height": 900}}).new_page()
    page.goto(CHARTS)
    layout = "narrow" if width < 640 else "wide"
    svg = page.locator(f"svg.tile-map-{layout}")
    expect(svg).to_be_visible()
    sizes = svg.evaluate(MEASURE)
    assert len(sizes) > 47, "every tile's name is measured"
    small = [s for s in sizes if s["px"] < MIN_PX]
    assert not small, small[:5]
    pictures = page.evaluate(PICTURE_SIZES)
    assert len(pictures) >= 2
    for pic in pictures:
        assert pic["src"].endswith("-narrow.svg") == (layout == "narrow"), pic["src"]
        assert pic["width"] <= width and pic["sizes"], pic["src"]
        small = [s for s in pic["sizes"] if s["px"] < MIN_PX]
        assert not small, (pic["src"], pic["width"], small[:5])
    if width == 375:
        smallest = min(s["px"] for s in sizes + [s for p in pictures for s in p["sizes"]])
        assert smallest >= MIN_PX, smallest  # was about 6 px before the narrow layouts


def test_a_prefecture_without_data_says_so_and_why(new_context: NewContext, server) -> None:
    missing = no_data_prefectures(server.site_dir)
    assert missing, "the adopter table leaves prefectures without rows"
    page = phone(new_context)
    page.goto(CHARTS)
    name = missing[0]
    tile = page.locator("svg.tile-map-narrow").get_by_role("link", name=f"{name} {NO_DATA}（{WHY}）", exact=True)
    expect(tile).to_be_visible()
    expect(tile).to_contain_text(NO_DATA.replace("なし", ""))
    assert tile.text_content().replace(" ", "").endswith("データなし")
    assert not page.locator("svg.tile-map-narrow text").filter(has_text=f"{name} 0").count()
    note = page.locator("#no-data-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("「データなし」")
    expect(note).to_contain_text("資料に載っていない")
    expect(note).to_contain_text("時点")
    tile.tap()
    expect(page).to_have_url(re.compile(r"/adopters/#coverage$"))
    expect(page.locator("#coverage")).to_be_in_viewport()
