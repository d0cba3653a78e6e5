"""Atom feeds of new and upcoming adopters, and an iCalendar file of start dates.

Contractors subscribe to hear when an orderer in their prefecture starts e-surety; orderer staff put
the start dates in their calendar. Entries must not look "updated" on every daily build, so an
entry's ``updated`` is the date of the adopter table (``as_of``), or the start day once that day has
come and is later: it changes exactly when the entry's news changes (announced → started). IDs are
tag: URIs (RFC 4151) built from the local-government code or the name, never from the build.
"""

from __future__ import annotations

import datetime as dt
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from esurety.data import model
from esurety.kernel import paths
from esurety.site import views
from esurety.site.family import FamilyGenerator

logger = logging.getLogger(__name__)

__all__ = [
    "FEED_PATH",
    "ICS_PATH",
    "NEW_MONTHS",
    "FeedEntry",
    "Feeds",
    "atom",
    "entries",
    "feed_links",
    "icalendar",
]

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_PATH = paths.FEED
PREFECTURE_FEED_PATH = paths.prefecture_feed("{code}")
ICS_PATH = paths.START_DATES_ICS
#: Adopters that started within this many months before the build month count as new.
NEW_MONTHS = 12
#: The date part of every tag: URI; fixed so IDs never change (RFC 4151 §2.1).
TAG_DATE = "2026"
JST = dt.timezone(dt.timedelta(hours=9))


@dataclass(frozen=True)
class FeedEntry:
    """One adopter as news: when it starts, where to read more, and since when the entry says so."""

    adopter: model.Adopter
    status: str
    key: str
    start_day: dt.date
    exact_day: bool
    updated: dt.date
    link: str
    prefecture_code: str


def authority(settings: dict[str, Any]) -> str:
    """The tag: authority: ESURETY_TAG_AUTHORITY if set, else the site's host (``localhost`` for local builds)."""
    explicit = settings.get("ESURETY_TAG_AUTHORITY")
    if explicit:
        return str(explicit)
    host = urlsplit(settings.get("SITEURL") or "").hostname
    return host or "localhost"


def _key(a: model.Adopter) -> str:
    """Stable per adopter: the local-government code, else prefecture and name.

    A part of a local government (北海道企業局 beside 北海道) carries that government's code, so the
    code alone is not unique: the name follows it unless the name is the government's own.
    """
    if a.lg_code and (a.kind != "prefecture" or a.name == a.prefecture) and not _is_part(a):
        return a.lg_code
    if a.lg_code:
        return f"{a.lg_code}/{quote(a.name)}"
    return quote(f"{a.prefecture or '-'}/{a.name}", safe="/")


def _is_part(a: model.Adopter) -> bool:
    """True for a body inside a local government (新潟市水道局): its name goes beyond the government's."""
    return a.kind in ("designated_city", "city", "town", "village") and not a.name.endswith(("市", "町", "村", "区"))


def _months_before(today: dt.date, months: int) -> str:
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def entries(data: Any, adopters: views.AdopterView, settings: dict[str, Any], *, new_only: bool) -> list[FeedEntry]:
    """Adopters with a start month, newest start first; ``new_only`` keeps upcoming and recently started."""
    guidance = data.guidance_by_slug()
    site = settings.get("SITEURL", "")
    as_of = data.adopters.as_of
    since = _months_before(adopters.today, NEW_MONTHS)
    out = []
    for group in adopters.groups:
        for r in group.rows:
            a = r.adopter
            if a.start is None or (new_only and a.start < since):
                continue
            g = guidance.get(a.page) if a.page else None
            first = g.first_start if g is not None else None
            exact = first is not None and first.day_known and g.start_month == a.start
            start_day = first.first_day if exact and first and first.first_day else dt.date.fromisoformat(f"{a.start}-01")
            updated = max(as_of, start_day) if start_day <= adopters.today else as_of
            # the guidance page when there is one, else the page of the adopter table that lists the row
            link = f"{site}/{paths.orderer(a.page)}" if a.page else f"{site}/{r.group_url}"
            out.append(FeedEntry(a, r.status, _key(a), start_day, exact, updated, link, r.prefecture_code[:2]))
    out.sort(key=lambda e: (e.start_day, e.adopter.name), reverse=True)
    return out


def _when(e: FeedEntry) -> str:
    if e.exact_day:
        return views.date_ja(e.start_day)
    return views.month_ja(e.adopter.start)


def _title(e: FeedEntry) -> str:
    a = e.adopter
    place = f"（{a.prefecture}）" if a.prefecture else ""
    verb = "電子保証を開始予定" if e.status == "upcoming" else "電子保証を開始"
    return f"{a.name}{place}: {_when(e)}から{verb}"


def _summary(e: FeedEntry, labels: views.Labels, data: Any) -> str:
    a = e.adopter
    source = data.adopters.sources[a.source]
    parts = [
        f"{a.name}（{labels('orderer_kind', a.kind)}）は{_when(e)}から電子保証を"
        f"{'開始する予定です' if e.status == 'upcoming' else '運用しています'}。",
        f"保証事業会社: {'、'.join(data.guarantors[g].name for g in a.guarantor_ids) or '資料に記載なし'}。",
        f"出典: {source.title}。",
    ]
    if not a.confirmed:
        parts.append("資料の読み取りに疑いがあります（未確認）。")
    if a.note:
        parts.append(a.note)
    return "".join(parts)


def _stamp(day: dt.date) -> str:
    return dt.datetime(day.year, day.month, day.day, tzinfo=JST).isoformat()


def atom(items: list[FeedEntry], *, title: str, subtitle: str, feed_id: str, self_url: str, page_url: str,
         tag: str, labels: views.Labels, data: Any, fallback_updated: dt.date) -> bytes:
    """A valid Atom 1.0 document (RFC 4287) for ``items``."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ja"})
    sub(feed, "title", title)
    sub(feed, "subtitle", subtitle)
    sub(feed, "id", feed_id)
    sub(feed, "updated", _stamp(max((e.updated for e in items), default=fallback_updated)))
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = sub(feed, "author")
    sub(author, "name", "電子保証ガイド")
    for e in items:
        entry = sub(feed, "entry")
        sub(entry, "title", _title(e))
        sub(entry, "id", f"{tag}adopter/{e.key}")
        sub(entry, "updated", _stamp(e.updated))
        sub(entry, "link", rel="alternate", type="text/html", href=e.link)
        if e.adopter.prefecture:
            sub(entry, "category", term=e.adopter.prefecture)
        sub(entry, "category", term=labels("status", e.status))
        sub(entry, "summary", _summary(e, labels, data), type="text")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


# --- iCalendar (RFC 5545) ---------------------------------------------------------------------------

def ics_escape(text: str) -> str:
    """TEXT value escaping: backslash, semicolon, comma and newlines."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1)."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def icalendar(items: list[FeedEntry], *, uid_domain: str, stamp: dt.datetime, labels: views.Labels,
              data: Any) -> str:
    """An iCalendar file with one all-day event per adopter's start day, CRLF line ends, folded lines."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//esurety-guide//adopter start dates//JA",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:" + ics_escape("電子保証の開始日（採用団体）"),
        "X-WR-TIMEZONE:Asia/Tokyo",
    ]
    dtstamp = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for e in sorted(items, key=lambda e: (e.start_day, e.adopter.name)):
        a = e.adopter
        note = "" if e.exact_day else "（資料にあるのは開始年月だけのため、月の初日に置いています）"
        place = f"（{a.prefecture}）" if a.prefecture else ""
        lines += [
            "BEGIN:VEVENT",
            f"UID:adopter-{e.key.replace('/', '-')}@{uid_domain}",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART;VALUE=DATE:{e.start_day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{e.start_day + dt.timedelta(days=1):%Y%m%d}",
            "SUMMARY:" + ics_escape(f"{a.name}{place} 電子保証の開始"),
            "DESCRIPTION:" + ics_escape(_summary(e, labels, data) + note),
            f"URL:{e.link}" if e.link.startswith("http") else "",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines if line)


# --- writing ----------------------------------------------------------------------------------------

def feed_links(data: Any) -> list[tuple[str, str]]:
    """(label, path) of every feed: the whole country first, then each of the 47 prefectures."""
    links = [("全国", FEED_PATH)]
    links += [(p["name"], paths.prefecture_feed(p["code"])) for p in data.prefectures]
    return links


class Feeds(FamilyGenerator):
    """The site-wide Atom feed, one feed per prefecture (empty ones too, so subscriptions stay valid), and the ICS."""

    writes: ClassVar[tuple[str, ...]] = (FEED_PATH, PREFECTURE_FEED_PATH, ICS_PATH)

    def render(self) -> None:
        write_feeds(self, self._site.data, self._site.adopters)


def write_feeds(generator: Any, data: Any, adopters: views.AdopterView) -> None:
    settings = generator.settings
    site = settings.get("SITEURL", "")
    labels = views.Labels(data.vocabulary)
    tag = f"tag:{authority(settings)},{TAG_DATE}:"
    new = entries(data, adopters, settings, new_only=True)
    subtitle = (f"開始予定の団体と、過去{NEW_MONTHS}か月に電子保証を始めた団体（{views.date_ja(adopters.today)}時点）。"
                f"資料の時点: {views.date_ja(data.adopters.as_of)}。")
    common = {"labels": labels, "data": data, "fallback_updated": data.adopters.as_of}
    generator.data_file(FEED_PATH, atom(
        new, title="電子保証の採用団体（新規・開始予定）", subtitle=subtitle, feed_id=f"{tag}feeds/adopters",
        self_url=f"{site}/{FEED_PATH}", page_url=f"{site}/{paths.url(paths.ADOPTERS)}", tag=tag, **common))
    for p in data.prefectures:
        code = p["code"][:2]
        path = paths.prefecture_feed(code)
        generator.data_file(path, atom(
            [e for e in new if e.adopter.prefecture == p["name"]],
            title=f"電子保証の採用団体（{p['name']}、新規・開始予定）", subtitle=subtitle,
            feed_id=f"{tag}feeds/adopters/{code}", self_url=f"{site}/{path}",
            page_url=f"{site}/{paths.prefecture_group(code)}", tag=tag, **common))
    stamp = dt.datetime(adopters.today.year, adopters.today.month, adopters.today.day, tzinfo=JST)
    everything = entries(data, adopters, settings, new_only=False)
    generator.data_file(ICS_PATH, icalendar(
        everything, uid_domain=authority(settings), stamp=stamp, labels=labels, data=data))
    logger.info("wrote feeds (%d new or upcoming adopters) and %d calendar events", len(new), len(everything))
