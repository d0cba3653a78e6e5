"""SVG pictures drawn at build time: the tile map of 47 prefectures, adopters over time, usage bars.

Each picture has a wide and a narrow layout; the rendered size of every text is computed from the
SVG (font-size × shown width / viewBox width) for the narrowest width its layout is shown at.
tests/browser/test_charts_phone.py measures the same on a 375 px phone in Chromium.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from esurety.site import charts

S = "{http://www.w3.org/2000/svg}"
#: Content width on a 375 px phone (16 px margins), the width the issue measures at.
PHONE_CONTENT = 343


@pytest.fixture(scope="module")
def charts_html(site: Path) -> str:
    return (site / "adopters" / "charts" / "index.html").read_text(encoding="utf-8")


def inline_map(html: str, layout: str) -> ET.Element:
    svg = re.search(rf'<svg\b[^>]*class="[^"]*\btile-map-{layout}\b.*?</svg>', html, re.S).group(0)
    return ET.fromstring(svg)  # well-formed XML, not only HTML


@pytest.fixture(scope="module", params=["wide", "narrow"])
def tile_map(request, charts_html: str) -> ET.Element:
    return inline_map(charts_html, request.param)


def texts(svg: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter(f"{S}text")]


def view_width(svg: ET.Element) -> float:
    return float(svg.get("viewBox").split()[2])


def font_sizes(svg: ET.Element) -> list[tuple[float, str]]:
    """(font-size, text) of every text and tspan with characters, font-size inherited as SVG does."""
    out: list[tuple[float, str]] = []

    def walk(el: ET.Element, size: float) -> None:
        size = float(el.get("font-size", size))
        if el.tag in (f"{S}text", f"{S}tspan") and (el.text or "").strip():
            out.append((size, el.text.strip()))
        for child in el:
            walk(child, size)

    walk(svg, 16.0)  # the browser default, never relied on: every picture sets its sizes
    return out


def test_layout_has_47_distinct_tiles():
    assert len(charts.TILES) == 47
    assert len(set(charts.TILES.values())) == 47
    assert set(charts.TILES) == {f"{i:02d}" for i in range(1, 48)}


def test_tile_map_has_47_tiles_with_names_and_counts_or_no_data(tile_map: ET.Element, dataset):
    data, _ = dataset
    assert len(tile_map.findall(f".//{S}use")) == 47
    shown = texts(tile_map)
    counts: dict[str, int] = {}
    for a in data.adopters.adopters:
        if a.prefecture:
            counts[a.prefecture] = counts.get(a.prefecture, 0) + 1
    for p in data.prefectures:
        short = p["name"] if p["name"] == "北海道" else p["name"][:-1]
        n = counts.get(p["name"], 0)
        assert f"{short} {n}" in shown if n else f"{short} データなし" in shown, p["name"]
    assert not [t for t in shown if t.endswith(" 0")], "a prefecture without data never says 0"
    assert any(t.endswith(" データなし") for t in shown), "the data leaves prefectures without rows"
    assert tile_map.find(f"{S}title").text and "データなし" in tile_map.find(f"{S}desc").text


def test_every_tile_is_a_link(tile_map: ET.Element, site: Path, dataset):
    """Tiles with data link to the prefecture's page; the others to the note on what the table covers, saying why."""
    data, _ = dataset
    links = tile_map.findall(f".//{S}a")
    assert len(links) == 47
    with_adopters = {a.prefecture for a in data.adopters.adopters if a.prefecture}
    names = {p["code"][:2]: p["name"] for p in data.prefectures}
    to_pages = [a for a in links if a.get("href").startswith("/adopters/pref-")]
    assert len(to_pages) == len(with_adopters)
    for a in to_pages:
        href = a.get("href")
        code = re.fullmatch(r"/adopters/pref-(\d\d)/", href).group(1)
        page = (site / "adopters" / f"pref-{code}" / "index.html").read_text(encoding="utf-8")
        assert f"<h1>{names[code]}の採用団体</h1>" in page, href
        count = int(re.search(r"(\d+)団体$", a.get("aria-label")).group(1))
        assert f"発注者 {count} 団体です" in page, href
    index = (site / "adopters" / "index.html").read_text(encoding="utf-8")
    for a in links:
        if a not in to_pages:
            assert a.get("href") == "/adopters/#coverage" and 'id="coverage"' in index
            label = a.get("aria-label")
            assert re.fullmatch(r"\S+ データなし（この一覧の資料に載っていません。導入していないとは限りません）", label), label
            visible = "".join(a.find(f"{S}text").itertext())
            assert label.startswith(visible.replace("データなし", "").strip())  # the name starts with the visible text


def test_legend_names_every_shade(tile_map: ET.Element):
    shown = set(texts(tile_map))
    for b in charts.BINS:
        assert b.label() in shown
    assert charts.BINS[0].label() == "データなし"


def test_charts_page_says_why_a_prefecture_has_no_data(charts_html: str, dataset):
    data, _ = dataset
    note = re.search(r'<p id="no-data-note">(.*?)</p>', charts_html, re.S).group(1)
    assert "「データなし」" in note and "導入していない" in note and "資料に載っていない" in note
    assert "西日本建設業保証" in note and "時点" in note and 'href="/adopters/#coverage"' in note
    with_rows = {a.prefecture for a in data.adopters.adopters if a.prefecture}
    assert f"（{47 - len(with_rows)} 都道府県）" in note
    assert "pan-hint" not in charts_html and "横にスクロール" not in charts_html  # the map no longer pans


def test_narrow_map_fits_a_phone_with_tiles_large_enough_to_tap(charts_html: str):
    svg = inline_map(charts_html, "narrow")
    scale = PHONE_CONTENT / view_width(svg)
    assert scale >= 0.95  # shown at (about) its own size: width 100% of 343 px
    tile = svg.find(f"{S}defs/{S}rect")
    assert float(tile.get("width")) * scale >= 44 and float(tile.get("height")) * scale >= 44
    xs = [float(u.get("x")) for u in svg.iter(f"{S}use")]
    assert min(xs) >= 0 and max(xs) + float(tile.get("width")) <= view_width(svg)


def svg_files(site: Path) -> list[Path]:
    return sorted((site / "adopters" / "charts").glob("*.svg"))


def test_every_chart_text_renders_at_12_px_where_its_layout_is_shown(site: Path, charts_html: str):
    pictures = [(f.name, ET.parse(f).getroot()) for f in svg_files(site)]
    pictures += [(f"inline {layout}", inline_map(charts_html, layout)) for layout in charts.LAYOUTS]
    assert {n for n, _ in pictures} >= {"adoption.svg", "adoption-narrow.svg", "usage-1.svg", "usage-1-narrow.svg"}
    for name, svg in pictures:
        layout = charts.LAYOUTS["narrow" if "narrow" in name else "wide"]
        sizes = font_sizes(svg)
        assert sizes, name
        for size, text in sizes:
            rendered = size * layout.shown_from / view_width(svg)
            assert rendered >= charts.MIN_TEXT_PX, (name, text, size, round(rendered, 2))
        if layout.name == "narrow":  # the phone: 375 px wide, 343 px of content
            assert min(s for s, _ in sizes) * PHONE_CONTENT / view_width(svg) >= 12, name


def test_min_font_is_the_rendered_size_rule():
    assert charts.min_font(343, 343) == 12
    assert charts.min_font(640, 343) == 23  # the old 640-unit chart would need 23 units on a phone
    assert 11 * 343 / 640 < 6  # what the old charts rendered their 11-unit text at on a phone
    for layout in charts.LAYOUTS.values():
        assert charts.min_font(350, layout.shown_from) * layout.shown_from / 350 >= charts.MIN_TEXT_PX


def pictures(html: str) -> list[tuple[dict[str, str], dict[str, str]]]:
    found = []
    for source, img in re.findall(r"<picture><source\b([^>]*)><img\b([^>]*)></picture>", html):
        found.append(tuple(dict(re.findall(r'([\w-]+)="([^"]*)"', part)) for part in (source, img)))
    return found


def test_charts_are_shown_in_the_layout_of_the_screen_with_their_sizes(site: Path, charts_html: str, dataset):
    """<picture>: the narrow file below the phone breakpoint; width and height as in each file (no layout shift)."""
    data, _ = dataset
    pref = (site / "adopters" / "pref-41" / "index.html").read_text(encoding="utf-8")
    assert len(pictures(charts_html)) == 1 + len(data.usage) and pictures(pref)
    found = pictures(charts_html) + pictures(pref)
    for source, img in found:
        assert source["media"] == charts.NARROW_MEDIA
        assert re.search(r'alt="[^"]{10,}"', f'alt="{img.get("alt", "")}"'), img
        for attrs, url in ((source, source["srcset"]), (img, img["src"])):
            svg = ET.parse(site / url.lstrip("/")).getroot()
            assert (attrs["width"], attrs["height"]) == (svg.get("width"), svg.get("height")), url
        assert source["srcset"] == img["src"].replace(".svg", "-narrow.svg")
    assert '/adopters/charts/usage-1.svg"' in pref and 'id="usage-1"' in pref
    assert '<a href="/adopters/pref-41/#usage-1">' in charts_html


def test_svg_files_are_well_formed_with_a_ground_and_alt_text(site: Path, charts_html: str, dataset):
    data, _ = dataset
    for name in ("adoption.svg", "adoption-narrow.svg"):
        adoption = ET.parse(site / "adopters" / "charts" / name).getroot()
        assert adoption.tag == f"{S}svg" and adoption.find(f"{S}title") is not None
        assert "含みません" in adoption.find(f"{S}desc").text
        assert adoption.findall(f".//{S}path")
        assert adoption.find(f"{S}rect").get("fill") == "#ffffff"  # readable on a dark page too
        years = [t for t in texts(adoption) if re.fullmatch(r"\d{4}年", t)]
        assert len(years) >= 3 and years == sorted(years)
    for i, table in enumerate(data.usage, start=1):
        for suffix in ("", "-narrow"):
            usage = ET.parse(site / "adopters" / "charts" / f"usage-{i}{suffix}.svg").getroot()
            labels = texts(usage)
            for row in table.rows:
                assert row.name in labels
                assert any(f"{row.electronic_count:,} / {row.advance_payment_count:,}" in x for x in labels)
    for img in re.findall(r"<img\b[^>]*>", charts_html):
        assert re.search(r'alt="[^"]{10,}"', img), img


def test_no_inline_style_in_svg(charts_html: str, site: Path):
    assert " style=" not in charts_html and "<style" not in charts_html
    for f in svg_files(site):
        assert "style" not in f.read_text(encoding="utf-8"), f


def test_charts_family_declares_both_layouts():
    assert {"adopters/charts/adoption.svg", "adopters/charts/adoption-narrow.svg",
            "adopters/charts/usage-<n>-narrow.svg"} <= set(charts.Charts.writes)


def test_series_is_cumulative(dataset):
    from esurety.site import views

    data, _ = dataset
    av = views.adopter_view(data, charts_today())
    points, missing = charts.adoption_series(av)
    assert missing == sum(1 for a in data.adopters.adopters if not a.start)
    assert points[-1].total == len(data.adopters.adopters) - missing
    assert all(b.total - a.total == b.added for a, b in zip(points, points[1:]))


def charts_today():
    import datetime as dt

    return dt.date(2026, 11, 20)
