"""The adopter table: an index of groups with their counts, one page per group, and lists by start year.

Every row of data/adopters.yaml must appear on the page of its prefecture (or of its kind, for bodies
that belong to no prefecture), and exactly once on the page of its start year.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from esurety.data import yamlsource
from esurety.data.model import UNSTATED, Adopter, AdopterTable
from esurety.kernel import kana
from esurety.site import views

from .htmltext import heading, page_text, table_rows

ROOT = Path(__file__).resolve().parents[2]
#: Bodies that belong to no prefecture: (page slug, label) by kind.
BODY_GROUPS = {"national": ("national", "国"), "agency": ("agency", "独立行政法人等"),
               "public_body": ("public-body", "その他公共的団体")}


@pytest.fixture(scope="module")
def table() -> AdopterTable:
    return AdopterTable.model_validate(yamlsource.load(ROOT / "data" / "adopters.yaml").data)


@pytest.fixture(scope="module")
def pref_codes() -> dict[str, str]:
    reference = json.loads((ROOT / "data" / "local_governments.json").read_text(encoding="utf-8"))
    return {p["name"]: p["code"][:2] for p in reference["prefectures"]}


def group_of(a: Adopter, pref_codes: dict[str, str]) -> tuple[str, str]:
    """(slug, title) of the page that must list ``a``."""
    if a.prefecture:
        return f"pref-{pref_codes[a.prefecture]}", a.prefecture
    return BODY_GROUPS[a.kind]


@pytest.fixture(scope="module")
def is_active(build_date: dt.date) -> Callable[[Adopter], bool]:
    """運用中 on the run's build date (tests/conftest.py): no start month, or one not after the build month."""
    month = f"{build_date.year:04d}-{build_date.month:02d}"
    return lambda a: a.start is None or a.start <= month


@pytest.fixture(scope="module")
def expected(table: AdopterTable, pref_codes: dict[str, str]) -> dict[str, tuple[str, list[Adopter]]]:
    """slug → (title, rows), in the order of the index: bodies, then prefectures by code."""
    groups: dict[str, tuple[str, list[Adopter]]] = {}
    for a in table.adopters:
        slug, title = group_of(a, pref_codes)
        groups.setdefault(slug, (title, []))[1].append(a)
    order = [s for s, _ in BODY_GROUPS.values()]
    return dict(sorted(groups.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 9, kv[0])))


def read(site: Path, url: str) -> str:
    return (site / url.strip("/") / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def group_pages(site: Path, expected) -> dict[str, tuple[str, list[list[str]]]]:
    """slug → (h1, cells of each row) of every group page."""
    pages = {}
    for slug in expected:
        html = read(site, f"adopters/{slug}")
        pages[slug] = (heading(html), [cells for _, cells, _ in table_rows(html, "adopters")])
    return pages


def test_every_row_is_on_its_group_page(table: AdopterTable, expected, group_pages) -> None:
    for slug, (title, rows) in expected.items():
        h1, cells = group_pages[slug]
        assert h1.startswith(title), (slug, h1)
        assert sorted(c[0] for c in cells) == sorted(a.name for a in rows), slug
    assert sum(len(cells) for _, cells in group_pages.values()) == len(table.adopters)


def test_no_other_group_pages(site: Path, expected) -> None:
    folders = {d.name for d in (site / "adopters").iterdir() if d.is_dir()}
    assert folders - {"by-start", "charts", "data"} == set(expected)


def test_rows_show_start_month_guarantor_and_status(table: AdopterTable, expected, group_pages, is_active) -> None:
    """Prefecture pages show the kind; body pages leave it out (every row has the page's kind)."""
    for slug, (_, rows) in expected.items():
        by_name = {a.name: a for a in rows}
        for cells in group_pages[slug][1]:
            a = by_name[cells[0]]
            start, guarantor, status = cells[-3:]
            assert start == (views.month_ja(a.start) if a.start else "記載なし"), (a.name, start)
            if a.guarantors == UNSTATED:  # the source names no guarantor: said so, never guessed
                assert guarantor == "資料に記載なし", (a.name, guarantor)
            else:
                assert guarantor.startswith({"wjcs": "西日本", "ejcs": "東日本", "hokkaido": "北海道"}[a.guarantors[0]])
            assert status == ("運用中" if is_active(a) else "開始予定"), (a.name, status)
            assert len(cells) == (5 if slug.startswith("pref-") else 4), (slug, cells)


def test_index_counts_per_group(site: Path, table: AdopterTable, expected, is_active) -> None:
    rows = table_rows(read(site, "adopters"), "adopter-groups")
    *groups, total = rows
    assert [links for _, _, links in groups] == [[f"/adopters/{slug}/"] for slug in expected]
    for (_, cells, _), (slug, (title, members)) in zip(groups, expected.items()):
        active = sum(map(is_active, members))
        assert cells == [title, str(len(members)), str(active), str(len(members) - active)], slug
    active = sum(map(is_active, table.adopters))
    assert total[1] == ["合計", str(len(table.adopters)), str(active), str(len(table.adopters) - active)]


def test_index_is_light(site: Path) -> None:
    """The index lists groups, not rows: it must stay small however many orderers adopt e-surety."""
    html = read(site, "adopters")
    assert "<table class=\"adopters\"" not in html
    assert len(html.encode("utf-8")) < 20 * 1024


@pytest.mark.parametrize("prefecture,name", [
    ("大分県", "竹田市"),        # printed on the 宮崎 row of the source table
    ("熊本県", "小国町"),        # printed on the 大分 row
    ("熊本県", "益城町"),
    ("和歌山県", "すさみ町"),    # OCR: すまみ町
    ("和歌山県", "みなべ町"),    # OCR: みなみ町
    ("熊本県", "あさぎり町"),    # OCR: あさぎ町
    ("鹿児島県", "姶良市"),      # OCR: 始良市
    ("沖縄県", "うるま市"),      # OCR: うま市
    ("秋田県", "大仙市"),
    ("長崎県", "大村市"),
    ("福岡県", "芦屋町"),
    ("佐賀県", "鳥栖市"),
])
def test_known_rows(group_pages, pref_codes: dict[str, str], prefecture: str, name: str) -> None:
    h1, cells = group_pages[f"pref-{pref_codes[prefecture]}"]
    assert h1.startswith(prefecture) and name in [c[0] for c in cells]


@pytest.mark.parametrize("misread", ["すまみ町", "みなみ町", "あさぎ町", "始良市", "うま市", "天来市"])
def test_misread_names_are_not_published(site: Path, group_pages, misread: str) -> None:
    assert all(misread not in [c[0] for c in cells] for _, cells in group_pages.values())
    for year in (site / "adopters" / "by-start").iterdir():
        if year.is_dir():
            html = (year / "index.html").read_text(encoding="utf-8")
            assert misread not in [cells[0] for _, cells, _ in table_rows(html, "adopters")]


def test_status_follows_the_build_date(site: Path, table: AdopterTable, is_active) -> None:
    text = page_text(site, "adopters")
    active = sum(map(is_active, table.adopters))
    assert f"運用中 {active} 団体" in text
    assert f"開始予定 {len(table.adopters) - active} 団体" in text


def test_rows_after_the_build_month_are_upcoming_on_the_pages(site: Path, table: AdopterTable, expected,
                                                             group_pages, build_date: dt.date) -> None:
    """On a build date before some starts (the second run of `make test`) those rows, and only they, say
    開始予定; on a date after every start (the main run) no row does."""
    month = f"{build_date.year:04d}-{build_date.month:02d}"
    later = {(a.prefecture, a.name) for a in table.adopters if a.start and a.start > month}
    shown = {(title if slug.startswith("pref-") else None, cells[0])
             for slug, (title, _) in expected.items() for cells in group_pages[slug][1] if cells[-1] == "開始予定"}
    assert shown == later
    if month < max(a.start for a in table.adopters if a.start):
        assert later, "a build date before some start must show 開始予定 rows"
    else:
        assert not shown and "開始予定 0 団体" in page_text(site, "adopters")


@pytest.mark.parametrize("when", ["before the last start", "on the last start month", "after every start"])
def test_status_of_each_row_on_either_side_of_the_starts(table: AdopterTable, when: str) -> None:
    """Whatever the run's date: the day before the last start month leaves those rows 開始予定; from the first
    day of that month on every row is 運用中."""
    from esurety.data.dataset import load_dataset

    last = max(a.start for a in table.adopters if a.start)
    year, month = map(int, last.split("-"))
    day = {"before the last start": dt.date(year, month, 1) - dt.timedelta(days=1),
           "on the last start month": dt.date(year, month, 1),
           "after every start": dt.date(year + month // 12, month % 12 + 1, 1)}[when]
    view = views.adopter_view(load_dataset(ROOT), day)
    upcoming = {r.adopter.name for g in view.groups for r in g.rows if r.status == "upcoming"}
    if when == "before the last start":
        assert upcoming == {a.name for a in table.adopters if a.start and a.start >= last}
        assert upcoming
    else:
        assert upcoming == set()


def test_group_page_counts(site: Path, expected, is_active) -> None:
    for slug, (_, rows) in expected.items():
        active = sum(map(is_active, rows))
        text = page_text(site, f"adopters/{slug}")
        assert f"運用中 {active} 団体 · 開始予定 {len(rows) - active} 団体" in text, slug


def test_filter_is_hidden_without_javascript_and_reads_the_open_data(site: Path) -> None:
    html = read(site, "adopters")
    tag = re.search(r'<div class="filter" id="adopter-filter"[^>]*>', html)
    assert tag, "the filter box is missing"
    assert 'data-src="/adopters/adopters.json"' in tag.group(0) and tag.group(0).endswith(" hidden>")
    assert (site / "adopters" / "adopters.json").is_file()
    assert re.search(r'<script src="/theme/js/adopter-filter\.js"( defer)?></script>', html)


def test_open_data_has_what_the_filter_needs(site: Path) -> None:
    """The filter folds name + reading + prefecture as kana.fold does and links page_url, else group_url."""
    doc = json.loads((site / "adopters" / "adopters.json").read_text(encoding="utf-8"))
    taketa = next(a for a in doc["adopters"] if a["name"] == "竹田市")
    assert kana.fold(taketa["name"] + taketa["reading"] + taketa["prefecture"]) == "竹田市たけたし大分県"
    for query in ("竹田", "たけた", "タケタ", "ﾀｹﾀ"):
        assert kana.fold(query) in "竹田市たけたし大分県", query
    assert taketa["page_url"] == "/municipalities/taketa/" and taketa["group_url"] == "/adopters/pref-44/"
    assert taketa["start_label"] == "令和6年10月 (2024-10)"
    assert all(a["group_url"].startswith("/adopters/") for a in doc["adopters"])


def test_by_start_year_pages_hold_every_dated_row_once(site: Path, table: AdopterTable) -> None:
    dated = [a for a in table.adopters if a.start]
    years = sorted({a.start[:4] for a in dated}, reverse=True)
    index = table_rows(read(site, "adopters/by-start"), "adopter-groups")
    assert [links for _, _, links in index] == [[f"/adopters/by-start/{y}/"] for y in years]
    seen: Counter[tuple[str, str, str]] = Counter()
    for (_, cells, _), year in zip(index, years):
        rows = table_rows(read(site, f"adopters/by-start/{year}"), "adopters")
        months = [month for month, _, _ in rows]
        assert months == sorted(months, reverse=True) and all(m.startswith(year) for m in months), year
        assert cells[:2] == [f"{year}年", str(len(rows))]
        seen.update((month, c[0], c[1]) for month, c, _ in rows)
    assert seen == Counter((a.start, a.name, a.prefecture or "—") for a in dated)
    undated = len(table.adopters) - len(dated)
    assert f"開始年月が資料にない {undated} 団体" in page_text(site, "adopters/by-start")


def test_usage_table_is_on_its_prefecture_page(site: Path) -> None:
    html = read(site, "adopters/pref-41")
    assert 'id="usage-1"' in html and '/adopters/charts/usage-1.svg"' in html
