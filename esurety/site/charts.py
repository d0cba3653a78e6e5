"""Pictures of the adopter table, drawn at build time as SVG: no chart library runs in the browser.

Three pictures: a tile map of the 47 prefectures shaded by the number of adopters (every tile also
prints the name and the number, so nothing depends on telling colours apart), the number of adopters
over time, and the usage figures a guarantor published for one region. SVG presentation attributes
(``fill``) are used instead of ``style`` because the site's CSP forbids inline styles.

Every picture comes in two layouts, because an SVG scaled to the width of a phone scales its text
too: a text of font-size ``f`` in a viewBox ``w`` wide, shown ``r`` CSS pixels wide, renders at
``f × r / w`` pixels. The *wide* layouts are shown from the site's phone breakpoint (40rem) up, the
*narrow* ones below it (the page switches with ``<picture>`` / CSS, :data:`NARROW_MEDIA`); each
layout's smallest font-size is :func:`min_font` of its viewBox width and the narrowest width it is
shown at, so no chart text renders under :data:`MIN_TEXT_PX` on a 360 px phone or wider.

The tile map is inline (its tiles are links). On a phone it is drawn in two parts, one under the
other, with tiles large enough to read and tap; it never pans. A prefecture without a row in the
adopter table says 「データなし」, not 0: the table holds only what its sources list (see the
coverage note on the adopter index), so no row is not the same as not adopted.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass
from html import escape
from typing import ClassVar

from markupsafe import Markup

from esurety.data import model
from esurety.kernel import paths
from esurety.site import views
from esurety.site.family import FamilyGenerator

logger = logging.getLogger(__name__)

__all__ = [
    "BINS",
    "LAYOUTS",
    "MIN_TEXT_PX",
    "NARROW_MEDIA",
    "NO_DATA",
    "TILES",
    "Charts",
    "adoption_chart",
    "min_font",
    "tile_map",
    "usage_chart",
]

CHARTS_URL = paths.url(paths.CHARTS)
#: For SVG files shown with <img>; the inline tile map inherits the page's font instead.
FONT = "system-ui, sans-serif"

#: The smallest chart text as rendered, in CSS pixels.
MIN_TEXT_PX = 12
#: Below this the narrow layouts are shown (the site's phone breakpoint, as in site.css).
NARROW_MEDIA = "(max-width: 39.99rem)"


@dataclass(frozen=True)
class Layout:
    """One way to draw the pictures: for screens from ``shown_from`` CSS pixels of content width up."""

    name: str
    shown_from: int
    #: The file name suffix of its SVG files ("" for the wide ones, whose names are the original ones).
    suffix: str


#: Wide from a 640 px window (40rem, minus the page's 2 × 16 px margins); narrow down to a 360 px phone.
LAYOUTS: dict[str, Layout] = {
    "wide": Layout("wide", 640 - 32, ""),
    "narrow": Layout("narrow", 360 - 32, "-narrow"),
}


def min_font(view_width: float, shown_from: int) -> int:
    """The smallest font-size (in viewBox units) that renders at :data:`MIN_TEXT_PX` or more when a viewBox
    ``view_width`` wide is shown ``shown_from`` CSS pixels wide (or wider)."""
    return math.ceil(MIN_TEXT_PX * view_width / shown_from)


#: Tile positions (column, row) by the first two digits of the prefecture code: a common grid layout of
#: Japan, north-east at the top right, Okinawa at the bottom left.
TILES: dict[str, tuple[int, int]] = {
    "01": (12, 0), "02": (12, 1), "05": (11, 2), "03": (12, 2),
    "17": (8, 3), "16": (9, 3), "15": (10, 3), "06": (11, 3), "04": (12, 3),
    "18": (7, 4), "21": (8, 4), "20": (9, 4), "10": (10, 4), "09": (11, 4), "07": (12, 4),
    "35": (2, 5), "32": (3, 5), "31": (4, 5), "28": (5, 5), "26": (6, 5), "25": (7, 5), "23": (8, 5),
    "19": (9, 5), "11": (10, 5), "08": (11, 5),
    "41": (0, 6), "40": (1, 6), "34": (3, 6), "33": (4, 6), "27": (5, 6), "29": (6, 6), "24": (7, 6),
    "22": (8, 6), "14": (9, 6), "13": (10, 6), "12": (11, 6),
    "42": (0, 7), "43": (1, 7), "44": (2, 7), "38": (3, 7), "37": (4, 7), "36": (5, 7), "30": (6, 7),
    "46": (1, 8), "45": (2, 8), "39": (4, 8),
    "47": (0, 9),
}


@dataclass(frozen=True)
class Bin:
    low: int
    high: int | None
    fill: str
    text: str

    def label(self) -> str:
        if self.low == 0:
            return NO_DATA
        if self.high is None:
            return f"{self.low}団体以上"
        if self.low == self.high:
            return f"{self.low}団体"
        return f"{self.low}〜{self.high}団体"


#: What a tile says for a prefecture without a row in the adopter table (not "0": see the module docstring).
NO_DATA = "データなし"
#: Why, where the map links a tile without data (the coverage note of the adopter index).
NO_DATA_WHY = "この一覧の資料に載っていません。導入していないとは限りません"

#: Shades by count; text colour chosen for at least 4.5:1 contrast on each fill. The first is "no data".
BINS: tuple[Bin, ...] = (
    Bin(0, 0, "#ffffff", "#333333"),
    Bin(1, 4, "#cfe1f2", "#1a1a1a"),
    Bin(5, 9, "#93c4e3", "#1a1a1a"),
    Bin(10, 19, "#2b6ca8", "#ffffff"),
    Bin(20, None, "#0b3d6e", "#ffffff"),
)

#: One grid cell of the tile map and the tile in it (taller than wide: 「データなし」 takes two lines).
CELL_W, CELL_H, TILE_W, TILE_H = 50, 56, 47, 53


def _bin(count: int) -> Bin:
    for b in BINS:
        if count >= b.low and (b.high is None or count <= b.high):
            return b
    return BINS[-1]


def _short(name: str) -> str:
    """大分県 → 大分, 京都府 → 京都, 東京都 → 東京; 北海道 stays."""
    return name[:-1] if name != "北海道" and name[-1] in "都府県" else name


def _svg(width: int, height: int, title: str, desc: str, body: list[str], *, cls: str, ident: str,
         role: str = "img", font: bool = True) -> str:
    font_attr = f' font-family="{FONT}"' if font else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'class="{cls}" role="{role}" aria-labelledby="{ident}-t {ident}-d"{font_attr}>'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>\n"
    )


def _ground(width: int, height: int) -> str:
    """A white ground: an SVG file shown with <img> keeps its dark text readable on a dark page."""
    return f'<rect width="{width}" height="{height}" fill="#ffffff"/>'


def prefecture_counts(adopters: views.AdopterView) -> dict[str, int]:
    """Adopters per prefecture code (two digits); prefectures without adopters are 0."""
    counts = Counter(dict.fromkeys(TILES, 0))
    for g in adopters.prefectures:
        counts[g.code[:2]] += len(g.rows)
    return dict(counts)


@dataclass(frozen=True)
class MapPart:
    """A block of the tile grid drawn as one piece: its columns, rows and where its top-left cell goes."""

    label: str
    columns: range
    rows: range
    x: int
    y: int

    def holds(self, col: int, row: int) -> bool:
        return col in self.columns and row in self.rows

    def place(self, col: int, row: int) -> tuple[int, int]:
        return self.x + (col - self.columns.start) * CELL_W, self.y + (row - self.rows.start) * CELL_H


#: Narrow map: the north-east columns (7–12) above the south-west ones (0–6); 7 columns wide at most,
#: so a tile is 46 × 52 px on a 375 px phone.
_NARROW_LABEL_H = 22
_NARROW_EAST = MapPart("北海道から中部・滋賀・三重まで", range(7, 13), range(0, 7), CELL_W, _NARROW_LABEL_H)
_NARROW_WEST = MapPart("京都・大阪から沖縄まで", range(0, 7), range(5, 10), 0,
                       _NARROW_LABEL_H + 7 * CELL_H + 12 + _NARROW_LABEL_H)
_MAP_PARTS: dict[str, tuple[MapPart, ...]] = {
    "wide": (MapPart("", range(0, 13), range(0, 10), 0, 0),),
    "narrow": (_NARROW_EAST, _NARROW_WEST),
}
_MAP_SIZE: dict[str, tuple[int, int]] = {
    "wide": (13 * CELL_W, 10 * CELL_H),
    "narrow": (7 * CELL_W, _NARROW_WEST.y + 5 * CELL_H),
}
#: Where the legend sits: the empty sea at the top left of the (first) part.
_LEGEND_AT: dict[str, tuple[int, int]] = {"wide": (0, 0), "narrow": (0, _NARROW_LABEL_H)}


def _tile(x: int, y: int, short: str, count: int, font: int, ref: str) -> str:
    b = _bin(count)
    cx = f"{x + TILE_W / 2:g}"
    if count:
        lines = (f'<text x="{cx}" y="{y + 20}" fill="{b.text}">{short} '
                 f'<tspan x="{cx}" y="{y + 43}" font-size="{font + 4}" font-weight="700">{count}</tspan></text>')
        dash = ""
    else:  # 「データなし」 on two lines under the name
        lines = (f'<text x="{cx}" y="{y + 17}" fill="{b.text}">{short} '
                 f'<tspan x="{cx}" y="{y + 33}">データ</tspan><tspan x="{cx}" y="{y + 49}">なし</tspan></text>')
        dash = ' stroke-dasharray="3 2"'
    return f'<use href="#{ref}" x="{x}" y="{y}" fill="{b.fill}"{dash}/>{lines}'


def tile_map(adopters: views.AdopterView, prefectures: list[dict[str, str]], site_url: str,
             layout: str = "wide") -> str:
    """The tile map in one layout; each tile links to that prefecture's page of the adopter table, or, without
    data, to the note on what the table covers. Inline, so kept small: one shared tile shape (<use>)."""
    counts = prefecture_counts(adopters)
    names = {p["code"][:2]: p["name"] for p in prefectures}
    width, height = _MAP_SIZE[layout]
    font = min_font(width, LAYOUTS[layout].shown_from)
    ident = "tile-map" if layout == "wide" else f"tile-map-{layout}"
    ref = f"tile-{layout}"
    coverage = f"{site_url}/{paths.url(paths.ADOPTERS)}#coverage"
    body = [f'<defs><rect id="{ref}" width="{TILE_W}" height="{TILE_H}" rx="4" stroke="#6b7280" stroke-width=".75"/>'
            '</defs>']
    for part in _MAP_PARTS[layout]:
        if part.label:  # currentColor: the page's text colour, in light and dark schemes alike
            body.append(f'<text x="0" y="{part.y - 6}" font-size="{font}" font-weight="700" fill="currentColor">'
                        f'{escape(part.label)}</text>')
    body.append(f'<g text-anchor="middle" font-size="{font}">')
    for code, (col, row) in TILES.items():
        part = next(p for p in _MAP_PARTS[layout] if p.holds(col, row))
        x, y = part.place(col, row)
        n = counts.get(code, 0)
        short = escape(_short(names.get(code, code)))
        tile = _tile(x, y, short, n, font, ref)
        if n:  # the link's name starts with its visible text (WCAG 2.5.3), then says what the number is
            href = f"{site_url}/{paths.prefecture_group(code)}"
            body.append(f'<a href="{escape(href)}" aria-label="{short} {n}団体">{tile}</a>')
        else:
            body.append(f'<a href="{escape(coverage)}" aria-label="{short} {NO_DATA}（{NO_DATA_WHY}）">{tile}</a>')
    body.append("</g>")
    body.extend(_legend(*_LEGEND_AT[layout], font))
    total = sum(counts.values())
    empty = sum(1 for n in counts.values() if not n)
    return _svg(width, height, "都道府県別の電子保証の採用団体数",
                f"47都道府県をタイルで並べた地図。各タイルに都道府県名と採用団体数（合計 {total} 団体）を記し、"
                f"数が多いほど濃い色です。この一覧の資料に載っていない {empty} 都道府県は「{NO_DATA}」です"
                "（導入していないとは限りません）。タイルを選ぶとその都道府県の採用団体一覧へ、"
                f"「{NO_DATA}」のタイルはこの一覧が含むものの説明へ移動します。",
                body, cls=f"chart tile-map tile-map-{layout}", ident=ident, role="group", font=False)


def _legend(x: int, y: int, font: int) -> list[str]:
    step, box = font + 9, font + 3
    out = [f'<text x="{x}" y="{y + font + 1}" font-size="{font}" fill="currentColor">色の区分（数字は団体数）</text>']
    for i, b in enumerate(BINS):
        by = y + font + 8 + i * step
        dash = ' stroke-dasharray="3 2"' if b.low == 0 else ""
        out.append(f'<rect x="{x}" y="{by}" width="{box}" height="{box}" rx="3" fill="{b.fill}" stroke="#6b7280" '
                   f'stroke-width=".75"{dash}/>'
                   f'<text x="{x + box + 6}" y="{by + box - 3}" font-size="{font}" fill="currentColor">'
                   f'{escape(b.label())}</text>')
    return out


@dataclass(frozen=True)
class SeriesPoint:
    month: str
    added: int
    total: int


def adoption_series(adopters: views.AdopterView) -> tuple[list[SeriesPoint], int]:
    """Cumulative adopters by start month (every month from the first to the last), and rows without a month."""
    months = Counter(r.adopter.start for g in adopters.groups for r in g.rows)
    missing = months.pop(None, 0)
    if not months:
        return [], missing
    first, last = min(months), max(months)
    y, m = int(first[:4]), int(first[5:])
    points, total = [], 0
    while f"{y:04d}-{m:02d}" <= last:
        key = f"{y:04d}-{m:02d}"
        total += months.get(key, 0)
        points.append(SeriesPoint(key, months.get(key, 0), total))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return points, missing


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if top / step <= 6:
            return step
    return 2000


#: Sizes of the adoption chart by layout: viewBox width and height.
_ADOPTION_SIZE: dict[str, tuple[int, int]] = {"wide": (640, 300), "narrow": (340, 260)}


def adoption_size(layout: str) -> tuple[int, int]:
    return _ADOPTION_SIZE[layout]


def adoption_chart(adopters: views.AdopterView, layout: str = "wide") -> str:
    """Cumulative number of adopters by start month, as a step line; months after the build date are dashed."""
    points, missing = adoption_series(adopters)
    width, height = _ADOPTION_SIZE[layout]
    font = min_font(width, LAYOUTS[layout].shown_from)
    ident = "adoption" + LAYOUTS[layout].suffix
    left, right, top, bottom = 12 + 3 * font // 2 + font, 16, 8 + font * 2, 16 + font * 2
    pw, ph = width - left - right, height - top - bottom
    if not points:
        return _svg(width, height, "採用団体数の推移", "開始年月のある団体がありません。", [_ground(width, height)],
                    cls="chart", ident=ident)
    step = _nice_step(points[-1].total)
    ymax = max(step, -(-points[-1].total // step) * step)
    n = len(points)

    def px(i: float) -> float:
        return left + pw * i / max(n, 1)

    def py(v: float) -> float:
        return top + ph * (1 - v / ymax)

    body = [_ground(width, height)]
    for v in range(0, ymax + 1, step):
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#d0d4d9"/>'
                    f'<text x="{left - 6}" y="{py(v) + font / 3:.1f}" text-anchor="end" font-size="{font}" '
                    f'fill="#333">{v}</text>')
    label_w = font * 3.3  # "2024年": four digits and one full-width character
    ticks = [i for i, p in enumerate(points) if p.month.endswith("-01") or i == 0]
    # the first, partial year is labelled only if its label ends before the next January's tick
    skip_first = len(ticks) > 1 and not points[0].month.endswith("-01") and px(ticks[1]) - px(0) < label_w + 6
    label_end = -math.inf
    for k, i in enumerate(ticks):
        p = points[i]
        body.append(f'<line x1="{px(i):.1f}" x2="{px(i):.1f}" y1="{top + ph}" y2="{top + ph + 5}" stroke="#333"/>')
        x = min(px(i) + 2, width - 2 - label_w)  # the last year's label may end at the right edge
        fits = x >= label_end + 4 and x >= px(i) - label_w / 2  # apart from the previous label, near its tick
        if fits and not (k == 0 and skip_first):
            at_edge = x < px(i) + 2
            place = f'x="{width - 2}" text-anchor="end"' if at_edge else f'x="{x:.1f}"'
            body.append(f'<text {place} y="{top + ph + 6 + font}" font-size="{font}" fill="#333">'
                        f'{p.month[:4]}年</text>')
            label_end = x + label_w
    today = f"{adopters.today.year:04d}-{adopters.today.month:02d}"
    split = next((i for i, p in enumerate(points) if p.month > today), n)

    def step_path(first: int, stop: int) -> str:
        level = points[first - 1].total if first else 0
        d = [f"M{px(first):.1f},{py(level):.1f}"]
        for i in range(first, stop):
            d.append(f"L{px(i):.1f},{py(points[i].total):.1f} L{px(i + 1):.1f},{py(points[i].total):.1f}")
        return " ".join(d)

    if split:
        body.append(f'<path d="{step_path(0, split)}" fill="none" stroke="#0b5cad" stroke-width="2.5"/>')
    if split < n:
        body.append(f'<path d="{step_path(split, n)}" fill="none" stroke="#0b5cad" stroke-width="2.5" '
                    'stroke-dasharray="6 4"/>')
        note = "ここから開始予定（破線）"
        at_end = px(split) - 4 >= left + len(note) * font  # room on the left of the line, else on its right
        body.append(f'<line x1="{px(split):.1f}" x2="{px(split):.1f}" y1="{top}" y2="{top + ph}" stroke="#7a4a00" '
                    'stroke-dasharray="3 3"/>'
                    f'<text x="{px(split) - 4 if at_end else max(left, px(split) + 4):.1f}" y="{top - 6}" '
                    f'text-anchor="{"end" if at_end else "start"}" font-size="{font}" fill="#7a4a00">{note}</text>')
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{top + ph}" y2="{top + ph}" stroke="#333"/>')
    last = points[-1]
    desc = (f"開始年月ごとの累計の採用団体数。{points[0].month} の {points[0].total} 団体から {last.month} の {last.total} 団体まで。"
            f"{adopters.today.year}年{adopters.today.month}月より後は開始予定（破線）。開始年月が資料にない {missing} 団体は含みません。")
    return _svg(width, height, "採用団体数の推移（累計）", desc, body, cls="chart", ident=ident)


#: Usage chart geometry by layout: width, top margin, bottom margin, row height.
_USAGE_GEOMETRY: dict[str, tuple[int, int, int, int]] = {"wide": (640, 30, 12, 30), "narrow": (340, 30, 8, 46)}


def usage_size(table: model.UsageTable, layout: str) -> tuple[int, int]:
    """Width and height of a usage chart (the page gives them to <img>/<source> so nothing moves on load)."""
    width, top, bottom, row_h = _USAGE_GEOMETRY[layout]
    return width, top + bottom + row_h * len(table.rows)


def usage_chart(table: model.UsageTable, ident: str, layout: str = "wide") -> str:
    """Electronic share of advance-payment certificates per orderer, as horizontal bars labelled with the numbers.

    Wide: the name left of the bar and the numbers right of it. Narrow: the name and the numbers on a line,
    the bar under them, across the whole width."""
    width, top, _bottom, row_h = _USAGE_GEOMETRY[layout]
    _, height = usage_size(table, layout)
    font = min_font(width, LAYOUTS[layout].shown_from)
    if layout == "wide":
        label_w, bar_w, bar_y, bar_h = 104, width - 104 - 200, 5, row_h - 10
    else:
        label_w, bar_w, bar_y, bar_h = 0, width - 8, font + 8, row_h - font - 14
    body = [_ground(width, height)]
    for pct in (0, 25, 50, 75, 100):
        x = label_w + bar_w * pct / 100
        anchor = "start" if pct == 0 and not label_w else "end" if pct == 100 and not label_w else "middle"
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{height - _bottom}" stroke="#d0d4d9"/>'
                    f'<text x="{x:.1f}" y="{top - 10}" text-anchor="{anchor}" font-size="{font}" fill="#333">'
                    f'{pct}%</text>')
    for i, r in enumerate(table.rows):
        rate = r.stated_rate if r.stated_rate is not None else r.rate
        y = top + i * row_h
        figures = f"{rate:.1f}%（{r.electronic_count:,} / {r.advance_payment_count:,}{escape(table.unit)}）"
        bar = (f'<rect x="{label_w}" y="{y + bar_y}" width="{bar_w * rate / 100:.1f}" height="{bar_h}" '
               'fill="#0b5cad"/>')
        if layout == "wide":
            body.append(
                f'<text x="{label_w - 8}" y="{y + 20}" text-anchor="end" font-size="{font}" fill="#1a1a1a">'
                f'{escape(r.name)}</text>{bar}'
                f'<text x="{label_w + bar_w + 8}" y="{y + 20}" font-size="{font}" fill="#1a1a1a">{figures}</text>')
        else:
            body.append(
                f'<text x="0" y="{y + font + 2}" font-size="{font}" font-weight="700" fill="#1a1a1a">'
                f'{escape(r.name)}</text>'
                f'<text x="{width}" y="{y + font + 2}" text-anchor="end" font-size="{font}" fill="#1a1a1a">'
                f'{figures}</text>{bar}')
    desc = (f"{table.title}（{table.as_of}）。発注者ごとに、前払金保証のうち電子保証を利用した割合を横棒で示し、"
            "割合と件数（電子保証 / 前払金保証）を記しています。")
    return _svg(width, height, f"{table.title}（電子保証利用率）", desc, body, cls="chart", ident=ident)


def usage_path(index: int, layout: str = "wide") -> str:
    """Where the usage chart of the ``index``-th (1-based) usage table is written."""
    return paths.chart(f"usage-{index}{LAYOUTS[layout].suffix}")


@dataclass(frozen=True)
class Picture:
    """One chart as the page shows it: the wide file for <img>, the narrow one for <source media=…>."""

    src: str
    width: int
    height: int
    narrow_src: str
    narrow_width: int
    narrow_height: int
    media: str = NARROW_MEDIA


def usage_picture(table: model.UsageTable, index: int) -> Picture:
    return Picture(usage_path(index), *usage_size(table, "wide"), usage_path(index, "narrow"),
                   *usage_size(table, "narrow"))


class Charts(FamilyGenerator):
    """Pictures of the adopter table: the SVG files and the page that shows them with their numbers as tables."""

    writes: ClassVar[tuple[str, ...]] = (paths.CHARTS, paths.chart("adoption"), paths.chart("adoption-narrow"),
                                         paths.chart("usage-<n>"), paths.chart("usage-<n>-narrow"))
    templates: ClassVar[tuple[str, ...]] = ("adopters_charts",)

    def render(self) -> None:
        data, adopters = self._site.data, self._site.adopters
        site = self.settings.get("SITEURL", "")
        maps = {name: Markup(tile_map(adopters, data.prefectures, site, name)) for name in LAYOUTS}
        for name, layout in LAYOUTS.items():
            self.data_file(paths.chart("adoption" + layout.suffix), adoption_chart(adopters, name))
        adoption = Picture(paths.chart("adoption"), *adoption_size("wide"), paths.chart("adoption-narrow"),
                           *adoption_size("narrow"))
        usage = []
        for i, table in enumerate(data.usage, start=1):
            for name in LAYOUTS:
                self.data_file(usage_path(i, name), usage_chart(table, f"usage-{i}", name))
            usage.append((usage_picture(table, i), table, adopters.usage_url(i)))
        points, missing = adoption_series(adopters)
        by_year: dict[str, list[int]] = {}
        for p in points:
            year = by_year.setdefault(p.month[:4], [0, 0])
            year[0] += p.added
            year[1] = p.total
        counts = prefecture_counts(adopters)
        self.page(
            paths.CHARTS, "adopters_charts",
            tile_maps=maps, adoption=adoption, usage_charts=usage, no_data=NO_DATA,
            no_data_count=sum(1 for n in counts.values() if not n),
            by_year=sorted(by_year.items()), missing_start=missing, adopters=adopters,
            bodies=sum(len(b.rows) for b in adopters.bodies),
        )
        logger.info("wrote %d charts in %d layouts", 1 + len(usage), len(LAYOUTS))
