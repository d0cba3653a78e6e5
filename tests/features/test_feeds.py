"""Atom feeds of new and upcoming adopters, and the iCalendar file of start dates."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from esurety.site import feeds, views

A = "{http://www.w3.org/2005/Atom}"


def month_of(day: dt.date, months_back: int = 0) -> str:
    """YYYY-MM of the month ``months_back`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months_back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def stated_months(root: ET.Element) -> int:
    """How many months back the feed says it reaches (its subtitle: 過去Nか月に電子保証を始めた団体)."""
    found = re.search(r"過去(\d+)か月に電子保証を始めた団体", root.findtext(f"{A}subtitle") or "")
    assert found, root.findtext(f"{A}subtitle")
    return int(found.group(1))


def title_name(e: ET.Element) -> str:
    """Who the entry is about, as its title names them: 名前（都道府県） before the colon."""
    return e.findtext(f"{A}title").rsplit(": ", 1)[0]


def named(a) -> str:
    return a.name + (f"（{a.prefecture}）" if a.prefecture else "")


def parse_atom(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == f"{A}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{A}{name}") is not None, name
    assert root.find(f"{A}link[@rel='self']") is not None
    for entry in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated", "summary"):
            assert (entry.findtext(f"{A}{name}") or "").strip(), name
        assert entry.find(f"{A}link[@rel='alternate']") is not None
        assert re.fullmatch(r"tag:[^,]+,\d{4}:adopter/\S+", entry.findtext(f"{A}id"))
        dt.datetime.fromisoformat(entry.findtext(f"{A}updated"))
    return root


def test_site_feed_lists_new_and_upcoming_adopters(site: Path, dataset, build_date: dt.date):
    """Exactly the rows that start after the build month, or started within the months the subtitle names."""
    data, _ = dataset
    root = parse_atom(site / "feeds" / "adopters.atom.xml")
    entries = root.findall(f"{A}entry")
    since = month_of(build_date, stated_months(root))
    expected = {named(a) for a in data.adopters.adopters if a.start and a.start >= since}
    assert {title_name(e) for e in entries} == expected
    ids = [e.findtext(f"{A}id") for e in entries]
    assert len(ids) == len(set(ids))
    assert views.date_ja(build_date) + "時点" in root.findtext(f"{A}subtitle")


def test_the_window_ends_exactly_the_stated_months_back(site: Path, dataset):
    """A row is new from its start month for as many months as the feed says, and not one month longer."""
    data, _ = dataset
    months = stated_months(parse_atom(site / "feeds" / "adopters.atom.xml"))
    omura = next(a for a in data.adopters.adopters if a.name == "大村市")
    year, month = map(int, omura.start.split("-"))

    def names_on(index: int) -> set[str]:   # the feed's rows on the first day of month number ``index``
        today = dt.date(index // 12, index % 12 + 1, 1)
        return {e.adopter.name for e in feeds.entries(data, views.adopter_view(data, today), {}, new_only=True)}

    start = year * 12 + month - 1
    assert "大村市" in names_on(start - 1)              # upcoming
    assert "大村市" in names_on(start + months)         # the last month of the window
    assert "大村市" not in names_on(start + months + 1)


def test_entry_updated_is_stable_and_not_the_build_date(site: Path, dataset, build_date: dt.date):
    """An entry is updated when the table was read (as_of) or, once its day has come, on its start day."""
    data, _ = dataset
    starts = {named(a): a.start for a in data.adopters.adopters}
    as_of = data.adopters.as_of
    for e in parse_atom(site / "feeds" / "adopters.atom.xml").findall(f"{A}entry"):
        updated = dt.datetime.fromisoformat(e.findtext(f"{A}updated")).date()
        if updated != as_of:
            assert updated.isoformat()[:7] == starts[title_name(e)] and updated <= build_date, e.findtext(f"{A}title")


def test_omura_entry(site: Path, dataset, build_date: dt.date):
    """大村市 starts on 2026-04-01 (its leaflet): announced until then, started from then, new for the stated months."""
    data, _ = dataset
    root = parse_atom(site / "feeds" / "adopters.atom.xml")
    found = [e for e in root.findall(f"{A}entry") if e.findtext(f"{A}title").startswith("大村市")]
    if month_of(build_date, stated_months(root)) > "2026-04":
        assert not found   # no longer new on this build date
        return
    (entry,) = found
    assert entry.findtext(f"{A}id").endswith(":adopter/422053")
    assert entry.find(f"{A}link[@rel='alternate']").get("href").endswith("/municipalities/omura/")
    started = build_date >= dt.date(2026, 4, 1)
    assert entry.findtext(f"{A}updated").startswith("2026-04-01" if started else data.adopters.as_of.isoformat())
    title = entry.findtext(f"{A}title")
    assert "令和8年4月1日" in title and title.endswith("から電子保証を" + ("開始" if started else "開始予定")), title


def test_one_feed_per_prefecture(site: Path, dataset):
    data, _ = dataset
    files = sorted((site / "feeds" / "adopters").glob("*.atom.xml"))
    assert len(files) == 47
    total = 0
    for f in files:
        root = parse_atom(f)
        code = f.name.split(".")[0]
        name = next(p["name"] for p in data.prefectures if p["code"].startswith(code))
        for e in root.findall(f"{A}entry"):
            assert e.find(f"{A}category[@term='{name}']") is not None
            total += 1
    site_feed = parse_atom(site / "feeds" / "adopters.atom.xml").findall(f"{A}entry")
    with_pref = [e for e in site_feed if any(c.get("term", "").endswith(("都", "道", "府", "県"))
                                              for c in e.findall(f"{A}category"))]
    assert total == len(with_pref)


def test_adopters_page_announces_the_feed(site: Path):
    html = (site / "adopters" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="/feeds/adopters.atom.xml">', html)


def test_prefecture_page_and_feed_link_each_other(site: Path):
    """The 大分県 page announces and links its feed; the feed's alternate link is that page."""
    html = (site / "adopters" / "pref-44" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]*大分県[^"]*" '
                     r'href="/feeds/adopters/44.atom.xml">', html)
    assert '<a href="/feeds/adopters/44.atom.xml" type="application/atom+xml">' in html
    root = parse_atom(site / "feeds" / "adopters" / "44.atom.xml")
    assert root.find(f"{A}link[@rel='alternate']").get("href") == "/adopters/pref-44/"


def test_entries_link_to_a_guidance_page_or_a_group_page(site: Path):
    """No link points at an anchor of the old one-page table: each leads to a page that exists."""
    for entry in parse_atom(site / "feeds" / "adopters.atom.xml").findall(f"{A}entry"):
        href = entry.find(f"{A}link[@rel='alternate']").get("href")
        assert re.fullmatch(r"/(municipalities/[a-z0-9-]+|adopters/(national|agency|public-body|pref-\d\d))/", href), href
        assert (site / href.strip("/") / "index.html").is_file(), href


# --- iCalendar ---------------------------------------------------------------------------------------

def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


@pytest.fixture(scope="module")
def ics(site: Path) -> bytes:
    return (site / "adopters" / "start-dates.ics").read_bytes()


def test_ics_lines_are_crlf_and_at_most_75_octets(ics: bytes):
    assert ics.endswith(b"\r\n")
    lines = ics[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # folding never splits a character


def test_ics_events(ics: bytes, dataset):
    data, _ = dataset
    lines = unfold(ics.decode("utf-8"))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            key, _, value = line.partition(":")
            current[key] = value
    assert len(events) == sum(1 for a in data.adopters.adopters if a.start)
    uids = [e["UID"] for e in events]
    assert len(uids) == len(set(uids))
    for e in events:
        assert re.fullmatch(r"\d{8}T\d{6}Z", e["DTSTAMP"])
        start = dt.datetime.strptime(e["DTSTART;VALUE=DATE"], "%Y%m%d").date()
        end = dt.datetime.strptime(e["DTEND;VALUE=DATE"], "%Y%m%d").date()
        assert end - start == dt.timedelta(days=1)
    taketa = next(e for e in events if e["SUMMARY"].startswith("竹田市"))
    assert taketa["DTSTART;VALUE=DATE"] == "20241001"  # the guidance page's exact start date
    assert taketa["UID"].startswith("adopter-442089@")


def test_fold_and_escape():
    line = "DESCRIPTION:" + "電子保証" * 40
    folded = feeds.fold(line)
    parts = folded.encode("utf-8").split(b"\r\n")
    assert all(len(p) <= 75 for p in parts) and all(p.startswith(b" ") for p in parts[1:])
    assert folded.replace("\r\n ", "") == line
    assert feeds.ics_escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
