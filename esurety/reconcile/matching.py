"""Match printed entries with real orderers: the reference list for local governments, the table for others.

For each entry the matcher decides one of three things:

- **resolved**: the name exists where it was printed (a name found in several prefectures, such as
  府中市 or 小国町, is resolved by the row's prefecture);
- **corrected**: it proposes a correction — the right prefecture for a name printed in a shifted
  row (the 大分 row holding 熊本県's towns), or the closest real name for a misreading
  (すまみ町 → すさみ町 by reading, 始良市 → 姶良市 by spelling);
- **unresolved**: nothing can be proposed with confidence; the closest names are listed.

A name printed twice (志布志市) is marked on its first print. A proposed correction that lands on a
name printed elsewhere in the same list is not trusted (天来市 → 天草市 when 天草市 is also printed).
"""

from __future__ import annotations

import difflib
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from esurety.reconcile.entry import Entry, name_key
from esurety.reconcile.prefectures import PREFECTURES
from esurety.reconcile.reference import Candidate, Municipality, ReferenceList

logger = logging.getLogger(__name__)

__all__ = ["LOCAL_SUFFIXES", "Correction", "Matcher", "Resolution"]

LOCAL_SUFFIXES = ("市", "町", "村", "区")
#: Share of a row's municipalities that must sit in one other prefecture to call the row shifted.
SHIFT_SHARE = 0.6
#: Spelling similarity above which a non-local name is taken for a misreading of a table row's name.
TABLE_NAME_RATIO = 0.75


@dataclass(frozen=True)
class Correction:
    """A change from what is printed to what is real."""

    kind: str  # "name" | "prefecture" | "duplicate"
    printed: str
    proposed: str
    reason: str


@dataclass
class Resolution:
    """What a printed entry stands for."""

    entry: Entry
    name: str | None
    prefecture: str | None
    kind: str
    municipality: Municipality | None = None
    start: str | None = None
    corrections: list[Correction] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Other prints of the same orderer (only on the first print; the others have ``repeat_of``).
    repeats: list[Entry] = field(default_factory=list)
    repeat_of: Entry | None = None

    @property
    def status(self) -> str:
        if self.name is None:
            return "unresolved"
        if any(c.kind in ("name", "prefecture") for c in self.corrections):
            return "corrected"
        return "resolved"

    @property
    def starts(self) -> list[str | None]:
        """Every start month printed for this orderer (more than one when printed twice)."""
        return [self.entry.start] + [e.start for e in self.repeats]


def _is_local_name(name: str) -> bool:
    return name in PREFECTURES or (name.endswith(LOCAL_SUFFIXES) and 2 <= len(name) <= 10)


def _one_glyph_apart(a: str, b: str) -> bool:
    """Same length, one character different (始良市 / 姶良市), or same stem with another suffix."""
    if len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1:
        return True
    return a[:-1] == b[:-1] and a[-1:] in LOCAL_SUFFIXES and b[-1:] in LOCAL_SUFFIXES


class Matcher:
    """Resolves a list of entries against the reference list and the names already in the table."""

    def __init__(self, reference: ReferenceList, known: dict[str, list[str]] | None = None) -> None:
        self.reference = reference
        #: Adopter kind → names in the table (for 国・独立行政法人等・その他公共的団体, absent from the reference).
        self.known = known or {}

    # ------------------------------------------------------------------ rows
    def shifted_rows(self, entries: Iterable[Entry]) -> dict[tuple[str, int], str]:
        """(file, line) of each leaflet row whose municipalities belong to another prefecture → that prefecture."""
        rows: dict[tuple[str, int], list[Entry]] = defaultdict(list)
        for e in entries:
            if e.section == "local" and e.prefecture and e.cell in ("municipal", ""):
                if e.name != e.prefecture:
                    rows[(e.file, e.line)].append(e)
        shifted = {}
        for key, row in rows.items():
            printed = row[0].prefecture
            counts: Counter[str] = Counter()
            for e in row:
                for pref in {m.prefecture for m in self.reference.named(e.name)}:
                    counts[pref] += 1
            if not counts:
                continue
            best, n = max(((p, c) for p, c in counts.items() if p != printed), key=lambda pc: (pc[1], pc[0]),
                          default=(None, 0))
            if best and n >= 3 and n >= SHIFT_SHARE * len(row) and counts[printed] <= 0.25 * len(row):
                logger.info("%s:%s: row 「%s」 holds %s of %s names of %s", key[0], key[1], printed, n, len(row), best)
                shifted[key] = best
        return shifted

    # ------------------------------------------------------------------ entries
    def resolve(self, entries: list[Entry]) -> list[Resolution]:
        shifted = self.shifted_rows(entries)
        out = []
        for e in entries:
            if e.section == "local" and _is_local_name(e.name):
                out.append(self._local(e, shifted.get((e.file, e.line)) if e.cell in ("municipal", "") else None))
            else:
                out.append(self._named(e))
        self._distrust_collisions(out)
        self._mark_repeats(out)
        return out

    def _local(self, e: Entry, row_is: str | None) -> Resolution:
        printed = e.prefecture
        scope = row_is or printed
        r = Resolution(e, None, None, "city", start=e.start)
        r.problems += list(e.remarks)
        if e.name in PREFECTURES:
            m = self.reference.named(e.name)[0]
            return self._found(r, m, printed)
        here = self.reference.named(e.name, scope) if scope else self.reference.named(e.name)
        if scope and not here and row_is and printed:
            here_printed = self.reference.named(e.name, printed)
            if here_printed:
                return self._found(r, here_printed[0], printed)
        if len(here) == 1:
            return self._found(r, here[0], printed, row_is=row_is)
        if len(here) > 1:  # no prefecture printed (news lines) and the name exists in several
            r.candidates = [Candidate(m, "name", 1.0) for m in here]
            r.problems.append(f"「{e.name}」は{'・'.join(m.prefecture for m in here)}にあります。どの団体か資料で確かめてください。")
            return r
        elsewhere = self.reference.named(e.name)
        pool = self.reference.closest(e.name, scope, limit=12)
        candidates = pool[:3]
        proposal = self._proposal(e.name, pool, real_elsewhere=bool(elsewhere))
        if elsewhere:
            where = "・".join(m.prefecture for m in elsewhere)
            r.problems.append(f"{scope}に「{e.name}」はありません（{where}にあります）。")
            r.candidates = [Candidate(m, "prefecture", 1.0) for m in elsewhere] + candidates
        else:
            r.problems.append(f"「{e.name}」は全国地方公共団体コードの一覧にありません。")
            r.candidates = candidates or self.reference.closest(e.name, None)
        if proposal is not None:
            m = proposal.municipality
            by = "よみ" if proposal.how == "reading" else "字形"
            r.corrections.append(Correction("name", e.name, m.name,
                                            f"{scope}で{by}が最も近い実在の名前は「{m.name}」（{m.reading}）です。"))
            self._found(r, m, printed, row_is=row_is)
        return r

    @staticmethod
    def _proposal(printed: str, pool: list[Candidate], *, real_elsewhere: bool) -> Candidate | None:
        """The one correction worth proposing, or None.

        Same stem, other suffix first (北広島市 → 北広島町, 府中町 → 府中市); a name real in another
        prefecture (天童市) gets no other proposal. A misreading gets the closest by reading, then one
        glyph apart (始良市 → 姶良市).
        """
        same_stem = [c for c in pool if c.municipality.name[:-1] == printed[:-1]]
        if same_stem or real_elsewhere:
            return same_stem[0] if same_stem else None
        return next((c for c in pool if c.how == "reading"), None) or next(
            (c for c in pool if _one_glyph_apart(printed, c.municipality.name)), None)

    def _found(self, r: Resolution, m: Municipality, printed: str | None, row_is: str | None = None) -> Resolution:
        r.name, r.prefecture, r.kind, r.municipality = m.name, m.prefecture, m.kind, m
        if printed and m.prefecture != printed:
            reason = (f"資料では「{printed[:-1] if printed != '北海道' else printed}」の行に印字されていますが、"
                      f"{m.name}は{m.prefecture}の団体です" + ("（この行の市町村の欄は1行ずれています）。" if row_is else "。"))
            r.corrections.append(Correction("prefecture", printed, m.prefecture, reason))
        elif printed is None and not m.is_prefecture:
            r.notes.append(f"都道府県は全国地方公共団体コードの一覧から {m.prefecture} としました。")
        others = [x.prefecture for x in self.reference.named(m.name) if x.prefecture != m.prefecture]
        if others and printed:
            r.notes.append(f"同じ名前の団体が{'・'.join(others)}にもあります。行の都道府県（{m.prefecture}）で特定しました。")
        return r

    def _named(self, e: Entry) -> Resolution:
        """国・独立行政法人等・その他公共的団体: matched by name with the table's rows of the same kind."""
        kind = e.section if e.section != "local" else "public_body"
        r = Resolution(e, None, None, kind, start=e.start)
        r.problems += list(e.remarks)
        pool = self.known.get(kind, [])
        by_key = {name_key(n): n for n in pool}
        key = name_key(e.name)
        if key in by_key:
            r.name = by_key[key]
        else:
            close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=TABLE_NAME_RATIO)
            if close:
                best = by_key[close[0]]
                r.name = best
                r.corrections.append(Correction("name", e.name, best,
                                                f"一覧にある「{best}」の読み誤りと考えられます（字形が近い）。"))
            else:
                r.name = e.name
        r.prefecture = e.prefecture if kind == "public_body" else None
        if kind == "public_body" and r.prefecture is None:
            r.prefecture = self._prefecture_in_name(r.name)
        return r

    def _prefecture_in_name(self, name: str) -> str | None:
        """滋賀県道路公社 → 滋賀県; 延岡市土地開発公社 → 宮崎県 (a municipality's name found once nationwide)."""
        for p in PREFECTURES:
            if name.startswith(p):
                return p
        m = re.match(r"^(.{1,6}?[市町村])", name)
        if m:
            found = self.reference.named(m.group(1))
            if len(found) == 1:
                return found[0].prefecture
        return None

    # ------------------------------------------------------------------ across the list
    def _distrust_collisions(self, out: list[Resolution]) -> None:
        printed = {(r.prefecture, r.name): r.entry for r in out if r.status == "resolved" and r.name}
        for r in out:
            fix = next((c for c in r.corrections if c.kind == "name"), None)
            if fix is None or (r.prefecture, r.name) not in printed or r.entry.section != "local":
                continue
            other = printed[(r.prefecture, r.name)]
            r.problems.append(f"候補の「{r.name}」は {other.where} に別に印字されているため、読み誤りとは決められません。")
            r.corrections = [c for c in r.corrections if c.kind != "name"]
            r.name, r.prefecture, r.municipality = None, None, None

    def _mark_repeats(self, out: list[Resolution]) -> None:
        first: dict[tuple[str | None, str], Resolution] = {}
        for r in out:
            if r.name is None:
                continue
            key = (r.prefecture, name_key(r.name))
            if key not in first:
                first[key] = r
                continue
            head = first[key]
            head.repeats.append(r.entry)
            r.repeat_of = head.entry
        for head in first.values():
            if not head.repeats:
                continue
            starts = sorted({s for s in head.starts if s}) or ["開始年月なし"]
            where = "、".join(e.where for e in [head.entry, *head.repeats])
            head.corrections.append(Correction("duplicate", head.entry.name, head.name or head.entry.name,
                                               f"資料に{len(head.repeats) + 1}回記載されています（{where}）。"))
            if len(starts) > 1:
                head.problems.append(f"開始年月が {'と'.join(starts)} の{len(starts)}通りに印字されています。"
                                     "どちらが正しいか、一方が別の団体の読み誤りかを資料で確かめてください。")
