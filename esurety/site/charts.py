"""Pictures of the adopter table, drawn at build time as SVG: no chart library runs in the browser.

Three pictures: a tile map of the 47 prefectures shaded by the number of adopters (every tile also
prints the name and the number, so nothing depends on telling colours apart), the number of adopters
over time, and the usage figures a guarantor published for one region. SVG presentation attributes
(``fill``) are used instead of ``style`` because the site's CSP forbids inline styles.
"""

from __future__ import annotations

import logging
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

__all__ = ["BINS", "TILES", "Charts", "adoption_chart", "tile_map", "usage_chart"]

CHARTS_URL = paths.url(paths.CHARTS)
#: For SVG files shown with <img>; the inline tile map inherits the page's font instead.
FONT = "system-ui, sans-serif"

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
        if self.high is None:
            return f"{self.low}団体以上"
        if self.low == self.high:
            return f"{self.low}団体"
        return f"{self.low}〜{self.high}団体"


#: Shades by count; text colour chosen for at least 4.5:1 contrast on each fill.
BINS: tuple[Bin, ...] = (
    Bin(0, 0, "#eef0f3", "#333333"),
    Bin(1, 4, "#cfe1f2", "#1a1a1a"),
    Bin(5, 9, "#93c4e3", "#1a1a1a"),
    Bin(10, 19, "#2b6ca8", "#ffffff"),
    Bin(20, None, "#0b3d6e", "#ffffff"),
)

CELL, TILE = 50, 47


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


def prefecture_counts(adopters: views.AdopterView) -> dict[str, int]:
    """Adopters per prefecture code (two digits); prefectures without adopters are 0."""
    counts = Counter(dict.fromkeys(TILES, 0))
    for g in adopters.prefectures:
        counts[g.code[:2]] += len(g.rows)
    return dict(counts)


def tile_map(adopters: views.AdopterView, prefectures: list[dict[str, str]], site_url: str) -> str:
    """The tile map; each tile with adopters links to that prefecture's page of the adopter table.

    Kept small because it is inline: one shared tile shape (<use>), the count as a <tspan>.
    """
    counts = prefecture_counts(adopters)
    names = {p["code"][:2]: p["name"] for p in prefectures}
    body = [f'<defs><rect id="tile" width="{TILE}" height="{TILE}" rx="4" stroke="#6b7280" stroke-width=".5"/></defs>'
            '<g text-anchor="middle" font-size="12">']
    for code, (col, row) in TILES.items():
        n = counts.get(code, 0)
        b = _bin(n)
        x, y = col * CELL, row * CELL
        cx = f"{x + TILE / 2:g}"
        short = escape(_short(names.get(code, code)))
        tile = (f'<use href="#tile" x="{x}" y="{y}" fill="{b.fill}"/>'
                f'<text x="{cx}" y="{y + 19}" fill="{b.text}">{short} '
                f'<tspan x="{cx}" dy="19" font-size="15" font-weight="700">{n}</tspan></text>')
        if n:  # the link's name starts with its visible text (WCAG 2.5.3), then says what the number is
            href = f"{site_url}/{paths.prefecture_group(code)}"
            body.append(f'<a href="{escape(href)}" aria-label="{short} {n}団体">{tile}</a>')
        else:
            body.append(tile)
    body.append("</g>")
    lx, ly = 0, 14  # the legend sits in the empty sea at the top left
    body.append(f'<text x="{lx}" y="{ly}" font-size="12" fill="#1a1a1a">色の区分（タイルの数字が団体数）</text>')
    for i, b in enumerate(BINS):
        bx = lx + i * 104
        by = ly + 10
        body.append(f'<rect x="{bx}" y="{by}" width="18" height="18" rx="3" fill="{b.fill}" stroke="#6b7280" stroke-width=".5"/>'
                    f'<text x="{bx + 24}" y="{by + 14}" font-size="12" fill="#1a1a1a">{escape(b.label())}</text>')
    total = sum(counts.values())
    return _svg(13 * CELL, 10 * CELL, "都道府県別の電子保証の採用団体数",
                f"47都道府県をタイルで並べた地図。各タイルに都道府県名と採用団体数（合計 {total} 団体）を記し、"
                "数が多いほど濃い色です。タイルを選ぶとその都道府県の採用団体一覧へ移動します。",
                body, cls="chart tile-map", ident="tile-map", role="group", font=False)


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


def adoption_chart(adopters: views.AdopterView) -> str:
    """Cumulative number of adopters by start month, as a step line; months after the build date are dashed."""
    points, missing = adoption_series(adopters)
    width, height = 640, 300
    left, right, top, bottom = 48, 16, 20, 40
    pw, ph = width - left - right, height - top - bottom
    if not points:
        return _svg(width, height, "採用団体数の推移", "開始年月のある団体がありません。", [], cls="chart", ident="adoption")
    step = _nice_step(points[-1].total)
    ymax = max(step, -(-points[-1].total // step) * step)
    n = len(points)

    def px(i: float) -> float:
        return left + pw * i / max(n, 1)

    def py(v: float) -> float:
        return top + ph * (1 - v / ymax)

    body = []
    for v in range(0, ymax + 1, step):
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#d0d4d9"/>'
                    f'<text x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end" font-size="11" fill="#333">{v}</text>')
    for i, p in enumerate(points):
        if p.month.endswith("-01") or i == 0:
            body.append(f'<line x1="{px(i):.1f}" x2="{px(i):.1f}" y1="{top + ph}" y2="{top + ph + 5}" stroke="#333"/>'
                        f'<text x="{px(i) + 2:.1f}" y="{top + ph + 18}" font-size="11" fill="#333">{p.month[:4]}年</text>')
    today = f"{adopters.today.year:04d}-{adopters.today.month:02d}"
    split = next((i for i, p in enumerate(points) if p.month > today), n)

    def step(first: int, stop: int) -> str:
        level = points[first - 1].total if first else 0
        d = [f"M{px(first):.1f},{py(level):.1f}"]
        for i in range(first, stop):
            d.append(f"L{px(i):.1f},{py(points[i].total):.1f} L{px(i + 1):.1f},{py(points[i].total):.1f}")
        return " ".join(d)

    if split:
        body.append(f'<path d="{step(0, split)}" fill="none" stroke="#0b5cad" stroke-width="2.5"/>')
    if split < n:
        body.append(f'<path d="{step(split, n)}" fill="none" stroke="#0b5cad" stroke-width="2.5" stroke-dasharray="6 4"/>')
    if split < n:
        body.append(f'<line x1="{px(split):.1f}" x2="{px(split):.1f}" y1="{top}" y2="{top + ph}" stroke="#7a4a00" stroke-dasharray="3 3"/>'
                    f'<text x="{px(split) - 4:.1f}" y="{top + 12}" text-anchor="end" font-size="11" fill="#7a4a00">ここから開始予定（破線）</text>')
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{top + ph}" y2="{top + ph}" stroke="#333"/>')
    last = points[-1]
    desc = (f"開始年月ごとの累計の採用団体数。{points[0].month} の {points[0].total} 団体から {last.month} の {last.total} 団体まで。"
            f"{adopters.today.year}年{adopters.today.month}月より後は開始予定（破線）。開始年月が資料にない {missing} 団体は含みません。")
    return _svg(width, height, "採用団体数の推移（累計）", desc, body, cls="chart", ident="adoption")


def usage_chart(table: model.UsageTable, ident: str) -> str:
    """Electronic share of advance-payment certificates per orderer, as horizontal bars labelled with the numbers."""
    row_h, label_w, width = 30, 96, 640
    top, bottom = 28, 24
    bar_w = width - label_w - 200
    height = top + bottom + row_h * len(table.rows)
    body = []
    for pct in (0, 25, 50, 75, 100):
        x = label_w + bar_w * pct / 100
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{height - bottom}" stroke="#d0d4d9"/>'
                    f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" font-size="11" fill="#333">{pct}%</text>')
    for i, r in enumerate(table.rows):
        rate = r.stated_rate if r.stated_rate is not None else r.rate
        y = top + i * row_h
        body.append(
            f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" font-size="13" fill="#1a1a1a">{escape(r.name)}</text>'
            f'<rect x="{label_w}" y="{y + 5}" width="{bar_w * rate / 100:.1f}" height="{row_h - 10}" fill="#0b5cad"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 19}" font-size="12" fill="#1a1a1a">'
            f'{rate:.1f}%（{r.electronic_count:,} / {r.advance_payment_count:,}{escape(table.unit)}）</text>'
        )
    desc = (f"{table.title}（{table.as_of}）。発注者ごとに、前払金保証のうち電子保証を利用した割合を横棒で示し、"
            "右に割合と件数（電子保証 / 前払金保証）を記しています。")
    return _svg(width, height, f"{table.title}（電子保証利用率）", desc, body, cls="chart", ident=ident)


def usage_path(index: int) -> str:
    """Where the usage chart of the ``index``-th (1-based) usage table is written."""
    return paths.chart(f"usage-{index}")


class Charts(FamilyGenerator):
    """Pictures of the adopter table: the SVG files and the page that shows them with their numbers as tables."""

    writes: ClassVar[tuple[str, ...]] = (paths.CHARTS, paths.chart("adoption"), paths.chart("usage-<n>"))
    templates: ClassVar[tuple[str, ...]] = ("adopters_charts",)

    def render(self) -> None:
        data, adopters = self._site.data, self._site.adopters
        site = self.settings.get("SITEURL", "")
        tiles = tile_map(adopters, data.prefectures, site)
        self.data_file(paths.chart("adoption"), adoption_chart(adopters))
        usage = []
        for i, table in enumerate(data.usage, start=1):
            self.data_file(usage_path(i), usage_chart(table, f"usage-{i}"))
            usage.append((usage_path(i), table, adopters.usage_url(i)))
        points, missing = adoption_series(adopters)
        by_year: dict[str, list[int]] = {}
        for p in points:
            year = by_year.setdefault(p.month[:4], [0, 0])
            year[0] += p.added
            year[1] = p.total
        self.page(
            paths.CHARTS, "adopters_charts",
            tile_map_svg=Markup(tiles), adoption_src=paths.chart("adoption"), usage_charts=usage,
            by_year=sorted(by_year.items()), missing_start=missing, adopters=adopters,
            bodies=sum(len(b.rows) for b in adopters.bodies),
        )
        logger.info("wrote %d charts", 2 + len(usage))
