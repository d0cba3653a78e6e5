"""Read dated news lines: 「2024年4月1日 中野区、葛飾区、川越市等の取扱いを開始しました」.

Guarantors (EJCS's お知らせ, press articles) announce adopters a few at a time. Each line that
announces a start gives a date (西暦 or 和暦) and names separated by 、; names may carry their
prefecture (埼玉県川越市). Such a list is never complete, so the reconciliation does not report
rows missing from it. Lines that announce nothing are skipped; an announcement whose date cannot
be read is invalid input.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from esurety.reconcile.entry import Entry, InputError, parse_month
from esurety.reconcile.leaflet import split_items
from esurety.reconcile.prefectures import PREFECTURES

logger = logging.getLogger(__name__)

__all__ = ["read_news"]

_ANNOUNCE_RE = re.compile(
    r"(?:等|など|ほか)?(?:の|で|に|において|にて)?\s*(?:電子保証の?)?"
    r"(?:取扱い|取り扱い|取扱|運用|導入|利用|受付)(?:を|が)?\s*(?:開始|始ま|スタート)")
_DATE_RE = re.compile(
    r"(?:(?:令和|平成|R|H)\s*(?:元|\d{1,2})|\d{4})\s*[年./\-]\s*\d{1,2}\s*(?:[月./\-]\s*\d{1,2}\s*日?|月)?")


def _names(text: str) -> list[tuple[int, str]]:
    text = re.sub(r"^[\s、,:：]+", "", text)
    out = []
    for at, item in split_items(text.replace("・", "、")):
        item = re.sub(r"^(?:から|より|は|に|、)+", "", item).strip("「」『』 　")
        if item:
            out.append((at, item))
    return out


def read_news(text: str, path: str) -> list[Entry]:
    """Entries named in announcement lines, each with the announced start month."""
    entries: list[Entry] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        norm = unicodedata.normalize("NFKC", line)
        announce = _ANNOUNCE_RE.search(norm)
        if not announce:
            continue
        date = _DATE_RE.search(norm)
        start = parse_month(date.group(0)) if date else None
        if start is None:
            raise InputError(path, lineno, (date.start() + 1) if date else 1,
                             "お知らせの日付が読めません。行の先頭に「2024年4月1日」や「令和6年4月1日」のように書いてください。")
        if date.end() <= announce.start():
            body_at, body = date.end(), norm[date.end():announce.start()]
        else:
            body_at, body = 0, norm[:date.start()]
        body = re.sub(r"^\s*[)）\]】]?\s*", "", body)
        body = re.sub(r"(?:から|より)$", "", body.strip())
        for _at, name in _names(body):
            prefecture = next((p for p in PREFECTURES if name.startswith(p) and len(name) > len(p)), None)
            short = name[len(prefecture):] if prefecture else name
            column = body_at + norm[body_at:].find(name) + 1
            entries.append(Entry(name=short, prefecture=prefecture, start=start, file=path, line=lineno,
                                 column=max(column, 1), section="local", raw=line.strip()))
    if not entries:
        raise InputError(path, 1, 1, "「…の取扱いを開始しました」のようなお知らせの行が見つかりません（--format news）。")
    return entries
