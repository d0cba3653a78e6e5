"""SVG pictures drawn at build time: the tile map of 47 prefectures, adopters over time, usage bars."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from esurety.site import charts

S = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def charts_html(site: Path) -> str:
    return (site / "adopters" / "charts" / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tile_map(charts_html: str) -> ET.Element:
    svg = re.search(r"<svg\b.*?</svg>", charts_html, re.S).group(0)
    return ET.fromstring(svg)  # well-formed XML, not only HTML


def test_layout_has_47_distinct_tiles():
    assert len(charts.TILES) == 47
    assert len(set(charts.TILES.values())) == 47
    assert set(charts.TILES) == {f"{i:02d}" for i in range(1, 48)}


def test_tile_map_has_47_tiles_with_names_and_counts(tile_map: ET.Element, dataset):
    data, _ = dataset
    tiles = tile_map.findall(f".//{S}use")
    assert len(tiles) == 47
    texts = ["".join(t.itertext()) for t in tile_map.iter(f"{S}text")]
    counts = {}
    for a in data.adopters.adopters:
        if a.prefecture:
            counts[a.prefecture] = counts.get(a.prefecture, 0) + 1
    for p in data.prefectures:
        short = p["name"] if p["name"] == "北海道" else p["name"][:-1]
        assert f"{short} {counts.get(p['name'], 0)}" in texts, p["name"]
    assert tile_map.find(f"{S}title").text and tile_map.find(f"{S}desc").text


def test_tiles_link_to_the_prefecture_pages_of_the_adopter_table(tile_map: ET.Element, site: Path, dataset):
    data, _ = dataset
    links = tile_map.findall(f".//{S}a")
    with_adopters = {a.prefecture for a in data.adopters.adopters if a.prefecture}
    assert len(links) == len(with_adopters)
    names = {p["code"][:2]: p["name"] for p in data.prefectures}
    for a in links:
        href = a.get("href")
        code = re.fullmatch(r"/adopters/pref-(\d\d)/", href).group(1)
        page = (site / "adopters" / f"pref-{code}" / "index.html").read_text(encoding="utf-8")
        assert f"<h1>{names[code]}の採用団体</h1>" in page, href
        count = int(re.search(r"(\d+)団体$", a.get("aria-label")).group(1))
        assert f"発注者 {count} 団体です" in page, href


def test_legend_names_every_shade(tile_map: ET.Element):
    texts = {"".join(t.itertext()) for t in tile_map.iter(f"{S}text")}
    for b in charts.BINS:
        assert b.label() in texts


def test_svg_files_are_well_formed_and_shown_with_alt_text(site: Path, charts_html: str, dataset):
    data, _ = dataset
    adoption = ET.parse(site / "adopters" / "charts" / "adoption.svg").getroot()
    assert adoption.tag == f"{S}svg" and adoption.find(f"{S}title") is not None
    assert "含みません" in adoption.find(f"{S}desc").text
    assert adoption.findall(f".//{S}path")
    for i, table in enumerate(data.usage, start=1):
        usage = ET.parse(site / "adopters" / "charts" / f"usage-{i}.svg").getroot()
        labels = ["".join(t.itertext()) for t in usage.iter(f"{S}text")]
        for row in table.rows:
            assert row.name in labels
            assert any(f"{row.electronic_count:,} / {row.advance_payment_count:,}" in x for x in labels)
    for img in re.findall(r"<img\b[^>]*>", charts_html):
        assert re.search(r'alt="[^"]{10,}"', img), img
    saga_html = (site / "adopters" / "pref-41" / "index.html").read_text(encoding="utf-8")
    assert '/adopters/charts/usage-1.svg"' in saga_html and 'id="usage-1"' in saga_html
    assert '<a href="/adopters/pref-41/#usage-1">' in charts_html


def test_no_inline_style_in_svg(charts_html: str, site: Path):
    assert " style=" not in charts_html and "<style" not in charts_html
    for f in (site / "adopters" / "charts").glob("*.svg"):
        assert "style" not in f.read_text(encoding="utf-8"), f


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
