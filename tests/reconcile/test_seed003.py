"""On seed 003's table the import finds every correction data/adopters.yaml records, and no false one.

The expected corrections are read from data/adopters.yaml itself, not typed here: its notes record
each misreading (資料の表記は「すまみ町」（読み誤り）), each row moved out of a shifted row (「大分」の
行に印字されている…所在の熊本県とした), each name printed twice (2回記載), and the source note lists
the names left out (一覧に含めていない名称: 天童市・天来市（…）、…). Figures:

    .venv/bin/python -m tests.reconcile.test_seed003
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from esurety.reconcile.leaflet import read_leaflet
from esurety.reconcile.prefectures import prefecture_of_label
from esurety.reconcile.reconcile import Plan, SourceInfo, reconcile
from esurety.reconcile.reference import ReferenceList
from esurety.reconcile.table import AdopterTable

from .conftest import ROOT, SEED003_TABLE

#: The source id data/adopters.yaml gives the rows read from seed 003's table.
SEED_SOURCE = "wjcs-saga-2026-02"


@dataclass
class Expected:
    names: set[tuple[str, str]] = field(default_factory=set)          # (as printed, corrected)
    shifts: set[tuple[str, str, str]] = field(default_factory=set)    # (name, printed row, real prefecture)
    twice: set[str] = field(default_factory=set)
    left_out: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)                    # wjcs rows the table does not print

    @property
    def total(self) -> int:
        return len(self.names) + len(self.shifts) + len(self.twice) + len(self.left_out)


def _unbracket(text: str) -> str:
    while True:
        stripped = re.sub(r"（[^（）]*）", "", text)
        if stripped == text:
            return text
        text = stripped


def _printed_in(name: str, text: str) -> bool:
    """The name stands as a whole cell or list item in the text (延岡市 is not in 延岡市土地開発公社)."""
    words = r"\s*".join(re.escape(part) for part in unicodedata.normalize("NFKC", name).split())
    return re.search(rf"(?:^|[\s、\t.\d])({words})(?:$|[\s、\t])", text, re.M) is not None


def expected_from_table(path: Path) -> Expected:
    """The corrections data/adopters.yaml records as made by hand from seed 003."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    seed = unicodedata.normalize("NFKC", SEED003_TABLE.read_text(encoding="utf-8"))
    out = Expected()
    for row in doc["adopters"]:
        note = row.get("note") or ""
        printed = re.search(r"資料の表記は「(.+?)」", note)
        if printed and "読み誤り" in note:
            out.names.add((printed.group(1), row["name"]))
        shifted = re.search(r"「(.+?)」の行に印字されている.*?所在の(.+?)とした", note)
        if shifted:
            out.shifts.add((row["name"], prefecture_of_label(shifted.group(1)), shifted.group(2)))
        if "2回記載" in note:
            out.twice.add(row["name"])
        spellings = {row["name"], *(printed.groups() if printed else ())}
        if "wjcs" in row.get("guarantors", []) and not any(_printed_in(n, seed) for n in spellings):
            out.missing.add(row["name"])  # taken from another document, or from another part of the leaflet
    for source in doc["sources"].values():
        note = source.get("note") or ""
        if "含めていない名称" in note:
            listed = _unbracket(note.split("含めていない名称", 1)[1]).lstrip(":：").split("。", 1)[0]
            out.left_out |= {n.strip() for n in re.split(r"[、・]", listed) if n.strip()}
    return out


@functools.cache
def run(table_path: Path = ROOT / "data" / "adopters.yaml") -> Plan:
    entries = read_leaflet(SEED003_TABLE.read_text(encoding="utf-8"), str(SEED003_TABLE.name))
    return reconcile(entries, AdopterTable.read(table_path), ReferenceList.read(ROOT / "data" / "local_governments.json"),
                     guarantor="wjcs", source=SourceInfo(SEED_SOURCE), complete=True)


@dataclass
class Figures:
    expected: int
    found: int
    false: list[str]
    missed: list[str]


def figures(plan: Plan, want: Expected) -> Figures:
    found, false, missed = 0, [], []
    names, shifts, twice = set(), set(), set()
    for f in plan.findings:
        if f.action in ("add", "change"):
            false.append(f"{f.action} {f.id} {f.message}")
        r = f.resolution
        if r is None:
            continue
        printed = r.entry.name
        if printed in want.left_out:
            continue  # judged below: it must wait for a person
        for c in r.corrections:
            if c.kind == "name":
                names.add((c.printed, c.proposed))
                if (c.printed, c.proposed) not in want.names:
                    false.append(f"name {f.id} {c.printed} → {c.proposed}")
            elif c.kind == "prefecture":
                shifts.add((r.name, c.printed, c.proposed))
                if (r.name, c.printed, c.proposed) not in want.shifts:
                    false.append(f"prefecture {f.id} {r.name}: {c.printed} → {c.proposed}")
            elif c.kind == "duplicate":
                twice.add(c.proposed)
                if c.proposed not in want.twice:
                    false.append(f"twice {f.id} {c.proposed}")
        if f.action == "check" and not any(c.kind == "duplicate" for c in r.corrections):
            false.append(f"check {f.id} {printed}: {f.message}")
    found += len(names & want.names) + len(shifts & want.shifts) + len(twice & want.twice)
    missed += [f"name {p} → {c}" for p, c in sorted(want.names - names)]
    missed += [f"prefecture {n}: {a} → {b}" for n, a, b in sorted(want.shifts - shifts)]
    missed += [f"twice {n}" for n in sorted(want.twice - twice)]
    held = {f.entry.name for f in plan.findings if f.entry and f.action == "check" and f.entry.name in want.left_out}
    found += len(held)
    missed += [f"left out {n}" for n in sorted(want.left_out - held)]
    return Figures(want.total, found, false, missed)


def test_expected_corrections_are_read_from_the_table() -> None:
    # GIVEN data/adopters.yaml  WHEN its hand corrections are read  THEN the known ones are there
    want = expected_from_table(ROOT / "data" / "adopters.yaml")
    assert {("すまみ町", "すさみ町"), ("始良市", "姶良市"), ("うま市", "うるま市"), ("あさぎ町", "あさぎり町")} <= want.names
    assert ("小国町", "大分県", "熊本県") in want.shifts and ("竹田市", "宮崎県", "大分県") in want.shifts
    assert "志布志市" in want.twice
    assert {"天童市", "天来市", "河内町", "名瀬市"} <= want.left_out


def test_seed003_finds_every_recorded_correction_and_no_false_one() -> None:
    # GIVEN seed 003's table and today's data/adopters.yaml
    want = expected_from_table(ROOT / "data" / "adopters.yaml")
    # WHEN the table is reconciled
    plan = run()
    got = figures(plan, want)
    # THEN every recorded correction is found, none is invented, and nothing would be written
    assert got.missed == []
    assert got.false == []
    assert got.found == got.expected
    assert plan.group("add") == [] and plan.group("change") == []


def test_seed003_reports_the_rows_the_leaflet_does_not_print() -> None:
    want = expected_from_table(ROOT / "data" / "adopters.yaml")
    missing = {f.row.name for f in run().findings if f.what == "missing" and f.row}
    assert missing == want.missing


def test_seed003_left_out_names_wait_for_a_person() -> None:
    # GIVEN the names the table left out  THEN each is in 確認が必要 and none is added without --accept
    plan = run()
    want = expected_from_table(ROOT / "data" / "adopters.yaml")
    held = {f.entry.name: f for f in plan.group("check") if f.entry}
    assert want.left_out <= set(held)
    assert not any(f.entry and f.entry.name in want.left_out for f in plan.group("add"))


def main() -> int:
    want = expected_from_table(ROOT / "data" / "adopters.yaml")
    got = figures(run(), want)
    print(f"seed 003: found {got.found} / expected {got.expected} / false {len(got.false)}"
          f"  (names {len(want.names)}, shifted rows {len(want.shifts)}, printed twice {len(want.twice)},"
          f" left out {len(want.left_out)}; rows not printed {len(want.missing)})")
    for line in got.missed:
        print("  missed:", line)
    for line in got.false:
        print("  false:", line)
    return 0 if not got.missed and not got.false else 1


if __name__ == "__main__":
    sys.exit(main())
