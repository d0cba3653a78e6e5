"""The national reference list (data/local_governments.json) and the closest real names to a misprint.

Two ways to be close: by spelling (the OCR confuses similar glyphs: 始良市 for 姶良市) and by reading
(kana names lose or change a kana: すまみ町 for すさみ町, うま市 for うるま市). Readings are compared
without the suffix's reading (し, ちょう/まち, そん/むら, く) and with small kana folded.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from esurety.kernel.kana import fold

logger = logging.getLogger(__name__)

__all__ = ["SUFFIXES", "Candidate", "Municipality", "ReferenceList"]

#: Suffix of a local government's name → readings it can have at the end of the reading.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "市": ("し",), "町": ("ちょう", "まち"), "村": ("そん", "むら"), "区": ("く",),
    "県": ("けん",), "府": ("ふ",), "都": ("と",), "道": ("どう",),
}
_KANA_RE = re.compile(r"^[ぁ-ゖァ-ヺー]+$")


@dataclass(frozen=True)
class Municipality:
    """One entry of the reference list (a prefecture or a municipality)."""

    code: str
    name: str
    reading: str
    prefecture: str
    designated_city: bool = False
    is_prefecture: bool = False

    @property
    def kind(self) -> str:
        if self.is_prefecture:
            return "prefecture"
        if self.designated_city:
            return "designated_city"
        return {"市": "city", "町": "town", "村": "village", "区": "city"}.get(self.name[-1:], "city")

    @property
    def stem_reading(self) -> str:
        reading = fold(self.reading)
        for tail in map(fold, SUFFIXES.get(self.name[-1:], ())):
            if reading.endswith(tail) and len(reading) > len(tail):
                return reading[: -len(tail)]
        return reading


@dataclass(frozen=True)
class Candidate:
    """A real name close to a printed one, and why."""

    municipality: Municipality
    how: str  # "spelling" | "reading"
    score: float

    @property
    def label(self) -> str:
        return f"{self.municipality.prefecture} {self.municipality.name}（{self.municipality.reading}）"


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


class ReferenceList:
    """Names, codes and readings of every prefecture and municipality, indexed for matching."""

    def __init__(self, items: list[Municipality]) -> None:
        self.items = items
        self.by_name: dict[str, list[Municipality]] = {}
        self.by_prefecture: dict[str, list[Municipality]] = {}
        for m in items:
            self.by_name.setdefault(m.name, []).append(m)
            self.by_prefecture.setdefault(m.prefecture, []).append(m)

    @classmethod
    def read(cls, path: Path) -> ReferenceList:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        items = [Municipality(p["code"], p["name"], p["reading"], p["name"], is_prefecture=True)
                 for p in data["prefectures"]]
        items += [Municipality(lg["code"], lg["name"], lg["reading"], lg["prefecture"],
                               bool(lg.get("designated_city"))) for lg in data["local_governments"]]
        logger.debug("reference list %s: %s entries", path, len(items))
        return cls(items)

    def named(self, name: str, prefecture: str | None = None) -> list[Municipality]:
        found = self.by_name.get(unicodedata.normalize("NFKC", name), [])
        return [m for m in found if prefecture is None or m.prefecture == prefecture]

    def closest(self, name: str, prefecture: str | None = None, *, limit: int = 3) -> list[Candidate]:
        """The closest real names, by spelling and (for names printed in kana) by reading, best first."""
        pool = self.by_prefecture.get(prefecture, []) if prefecture else self.items
        pool = [m for m in pool if not m.is_prefecture]
        name = unicodedata.normalize("NFKC", name)
        found: dict[str, Candidate] = {}

        def offer(c: Candidate) -> None:
            key = c.municipality.code
            old = found.get(key)
            if old is None:
                found[key] = c
            elif "reading" in (c.how, old.how):  # close by reading says more than close by spelling
                found[key] = Candidate(c.municipality, "reading", max(c.score, old.score))
            elif old.score < c.score:
                found[key] = c

        for m in pool:
            ratio = difflib.SequenceMatcher(None, name, m.name).ratio()
            if ratio >= 0.5:
                offer(Candidate(m, "spelling", round(ratio, 3)))
        stem, suffix = name[:-1], name[-1:]
        if suffix in SUFFIXES and stem and _KANA_RE.match(stem):
            printed = fold(stem)
            for m in pool:
                if m.name[-1:] != suffix:
                    continue
                target = m.stem_reading
                distance = _levenshtein(printed, target)
                if distance <= max(1, len(target) // 4):
                    offer(Candidate(m, "reading", round(1 - distance / max(len(printed), len(target)), 3)))
        ranked = sorted(found.values(), key=lambda c: (-(c.score + (0.05 if c.municipality.name[-1:] == suffix else 0)),
                                                       c.municipality.code))
        return ranked[:limit]
