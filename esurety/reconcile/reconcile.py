"""Compare a guarantor's list with the adopter table: what to add, what to change, what a person must check.

Each printed orderer ends in one of four groups, and nothing outside 追加する / 変更する is written
unless staff accept it by its place in the input (``--accept 541:84``):

- ``add``       追加する: a real orderer, printed without doubt, not yet in the table;
- ``change``    変更する: in the table with another start month (or without this guarantor);
- ``check``     確認が必要: anything suspect (a misreading, a shifted row, a name printed twice
  with two months, a name in two prefectures), and — for a complete list — table rows of this
  guarantor that the list no longer prints;
- ``unchanged`` 変更なし: in the table as printed, or as printed once corrected.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from esurety.reconcile.entry import Entry
from esurety.reconcile.matching import Correction, Matcher, Resolution
from esurety.reconcile.prefectures import CAPITALS
from esurety.reconcile.reference import ReferenceList
from esurety.reconcile.table import AdopterTable, TableRow

logger = logging.getLogger(__name__)

__all__ = ["ACTIONS", "Finding", "Plan", "SourceInfo", "choose", "reconcile"]

#: Report groups in order, with their Japanese headings.
ACTIONS: dict[str, str] = {"add": "追加する", "change": "変更する", "check": "確認が必要", "unchanged": "変更なし"}


@dataclass(frozen=True)
class SourceInfo:
    """The document the list comes from, as it will be recorded under ``sources:``."""

    id: str
    title: str | None = None
    publisher: str | None = None
    date: dt.date | None = None
    url: str | None = None
    note: str | None = None
    #: orderer / guarantor / press / other (written when the data model has the field).
    kind: str = "guarantor"


@dataclass
class Finding:
    """One line of the report."""

    action: str  # add | change | check | unchanged
    what: str  # new | start | guarantor | suspect | missing | same | corrected
    message: str
    resolution: Resolution | None = None
    row: TableRow | None = None
    #: For add: the row to write. For change: field → (old, new).
    new_row: dict[str, Any] | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Where the entry was printed (line:column): stable across runs, used by --accept / --skip."""
        if self.resolution is not None:
            return f"{self.resolution.entry.line}:{self.resolution.entry.column}"
        return f"row{self.row.line}" if self.row else "?"

    @property
    def entry(self) -> Entry | None:
        return self.resolution.entry if self.resolution else None

    @property
    def proposal(self) -> bool:
        """A check item that can be accepted as it stands."""
        return self.new_row is not None or bool(self.changes)

    @property
    def corrections(self) -> list[Correction]:
        return self.resolution.corrections if self.resolution else []


@dataclass
class Plan:
    """Everything the import found, in report order."""

    input: str
    format: str
    guarantor: str
    source: SourceInfo
    complete: bool
    table: AdopterTable
    findings: list[Finding]
    entries: int

    def group(self, action: str) -> list[Finding]:
        return [f for f in self.findings if f.action == action]

    def by_id(self) -> dict[str, Finding]:
        return {f.id: f for f in self.findings}


def _new_row(r: Resolution, guarantor: str, source: str) -> dict[str, Any]:
    row: dict[str, Any] = {"name": r.name}
    m = r.municipality
    if m is not None:
        row["reading"] = m.reading
    if r.prefecture:
        row["prefecture"] = r.prefecture
    row["kind"] = r.kind
    if m is not None and not m.is_prefecture and CAPITALS.get(m.prefecture) == m.name:
        row["capital"] = True
    if m is not None:
        row["lg_code"] = m.code
    if r.start:
        row["start"] = r.start
    row["guarantors"] = [guarantor]
    row["source"] = source
    notes = []
    for c in r.corrections:
        if c.kind == "name":
            notes.append(f"資料の表記は「{c.printed}」（読み誤り）。")
        elif c.kind == "prefecture" or c.kind == "duplicate":
            notes.append(c.reason)
    if notes:
        row["note"] = "".join(notes)
    return row


def _month(value: str | None) -> str:
    return value or "（なし）"


def _entry_finding(r: Resolution, table: AdopterTable, guarantor: str, source: str) -> Finding:
    e = r.entry
    if r.name is None:
        return Finding("check", "suspect", f"「{e.name}」を実在の団体と決められません。", r)
    row = table.find(r.prefecture, r.name, r.kind)
    starts = {s for s in r.starts if s}
    ambiguous_start = len(starts) > 1
    doubtful = r.status == "corrected" or bool(r.problems)
    if row is None:
        new = None if ambiguous_start else _new_row(r, guarantor, source)
        if doubtful:
            return Finding("check", "new", f"一覧にない団体として追加する案です（{r.prefecture or ''}{r.name}）。", r, new_row=new)
        return Finding("add", "new", f"{r.prefecture or ''}{r.name}（開始 {_month(r.start)}）を追加します。", r, new_row=new)
    changes: dict[str, tuple[Any, Any]] = {}
    if r.start and not ambiguous_start and r.start != row.start:
        changes["start"] = (row.start, r.start)
    if guarantor not in row.guarantors:
        changes["guarantors"] = (list(row.guarantors), [*row.guarantors, guarantor])
    if changes and row.source != source:
        changes["source"] = (row.source, source)
    if ambiguous_start:
        return Finding("check", "suspect", f"{r.name} の開始年月が資料の中で食い違っています（一覧は {_month(row.start)}）。", r, row=row)
    if not changes:
        if r.corrections:
            return Finding("unchanged", "corrected", f"資料の誤りを補正すると一覧の行と一致します（{r.prefecture or ''}{r.name}）。", r, row=row)
        return Finding("unchanged", "same", f"{r.prefecture or ''}{r.name}", r, row=row)
    what = "start" if "start" in changes else "guarantor"
    text = "、".join(f"{k}: {_month(str(a) if a is not None else None)} → {b}" for k, (a, b) in changes.items() if k != "source")
    if doubtful:
        return Finding("check", what, f"補正した上で一覧の行と違います（{text}）。", r, row=row, changes=changes)
    return Finding("change", what, f"{r.prefecture or ''}{r.name}: {text}", r, row=row, changes=changes)


def reconcile(entries: list[Entry], table: AdopterTable, reference: ReferenceList, *, guarantor: str,
              source: SourceInfo, complete: bool, input_name: str = "", fmt: str = "") -> Plan:
    """Match every entry and sort the results into the report's groups."""
    resolutions = Matcher(reference, table.known_names()).resolve(entries)
    findings: list[Finding] = []
    matched: set[int] = set()
    for r in resolutions:
        if r.repeat_of is not None:
            continue  # reported on its first print
        f = _entry_finding(r, table, guarantor, source.id)
        if f.row is not None:
            matched.add(f.row.index)
        findings.append(f)
    if complete:
        for row in table.rows:
            if row.index not in matched and guarantor in row.guarantors:
                findings.append(Finding("check", "missing",
                                        f"一覧にありますが、今回の資料にはありません（{row.prefecture or ''}{row.name}、出典 {row.source}）。",
                                        row=row))
    order = list(ACTIONS)
    findings.sort(key=lambda f: order.index(f.action))  # stable: input order within a group
    logger.info("reconciled %s entries: %s", len(entries),
                {a: sum(1 for f in findings if f.action == a) for a in order})
    return Plan(input_name, fmt, guarantor, source, complete, table, findings, len(entries))


def choose(plan: Plan, finding: Finding, choice: str) -> Finding | None:
    """A check item resolved by staff: ``choice`` names one of its candidates (広島県, 府中市, 広島県府中市).

    Returns the finding the chosen orderer gives (an add or a change), or None when nothing matches
    the choice or the chosen orderer is already in the table as printed.
    """
    r = finding.resolution
    if r is None:
        return None
    picked = [c.municipality for c in r.candidates
              if choice in (c.municipality.prefecture, c.municipality.name, c.municipality.prefecture + c.municipality.name)]
    if len({m.code for m in picked}) != 1:
        return None
    m = picked[0]
    chosen = Resolution(r.entry, m.name, m.prefecture, m.kind, m, start=r.start, repeats=r.repeats,
                        corrections=[c for c in r.corrections if c.kind == "duplicate"])
    if m.name != r.entry.name:
        chosen.corrections.append(Correction("name", r.entry.name, m.name, f"担当者が「{m.name}」を選びました。"))
    if r.entry.prefecture and m.prefecture != r.entry.prefecture:
        chosen.corrections.append(Correction("prefecture", r.entry.prefecture, m.prefecture, "担当者が選びました。"))
    result = _entry_finding(chosen, plan.table, plan.guarantor, plan.source.id)
    return result if result.proposal else None
