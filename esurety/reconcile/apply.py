"""Write the accepted findings into data/adopters.yaml, round-trip, then validate — or roll back.

ruamel.yaml keeps every comment, the order of rows and keys, quoting and flow lists of the rows it
does not touch; a row added after another takes over the comment block that followed that row (the
next prefecture's ``# ----`` heading), so headings stay above their own rows. Nothing is written
when nothing is accepted, so a second run with the same input changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from esurety.reconcile.reconcile import Finding, Plan, SourceInfo, choose

logger = logging.getLogger(__name__)

__all__ = ["KEY_ORDER", "ApplyResult", "apply_plan", "select"]

#: The order of keys in an adopters row (as data/adopters.yaml writes them).
KEY_ORDER = ("name", "reading", "prefecture", "kind", "capital", "lg_code", "start", "guarantors", "page",
             "source", "confirmed", "note")

#: Runs the project's check and returns (exit status, what it printed).
Check = Callable[[], tuple[int, str]]


@dataclass
class ApplyResult:
    """What --apply did."""

    written: bool = False
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    source_added: bool = False
    check_status: int | None = None
    check_output: str = ""
    rolled_back: bool = False


def select(plan: Plan, accept: set[str], skip: set[str]) -> tuple[list[Finding], list[str]]:
    """The findings to write: every add and change not skipped, plus accepted check items; and warnings.

    An accepted item is ``line:column`` (take the report's proposal) or ``line:column=choice`` (take
    the candidate named: ``3:18=広島県`` for a 府中市 printed without its prefecture).
    """
    wanted: dict[str, str | None] = {}
    for item in accept:
        key, _, choice = item.partition("=")
        wanted[key.strip()] = choice.strip() or None
    by_id = plan.by_id()
    warnings = []
    for key in sorted(set(wanted) | skip):
        if key not in by_id:
            warnings.append(f"番号 {key} は今回の報告にありません（資料の 行:列 を書いてください）。")
    chosen = []
    for f in plan.findings:
        if f.action in ("add", "change") and f.id not in skip:
            chosen.append(f)
        elif f.id in wanted:
            choice = wanted[f.id]
            picked = choose(plan, f, choice) if choice and f.action == "check" else None
            if picked is not None:
                chosen.append(picked)
            elif choice and f.action == "check":
                warnings.append(f"番号 {f.id} の「{choice}」は候補にないか、一覧とすでに同じです。")
            elif f.action == "check" and f.proposal:
                chosen.append(f)
            elif f.action == "check":
                warnings.append(f"番号 {f.id}（{f.entry.name if f.entry else ''}）には書き込める案がありません。"
                                "候補を「番号=都道府県名」で選ぶか、手で直してください。")
            else:
                logger.info("accepted %s is already %s", f.id, f.action)
    return chosen, warnings


def _flow(items: list[str]) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _map(row: dict[str, Any]) -> Any:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    out = CommentedMap()
    for key in KEY_ORDER:
        if key not in row:
            continue
        value = row[key]
        if key == "lg_code":
            value = DoubleQuotedScalarString(value)
        elif key == "guarantors":
            value = _flow(list(value))
        out[key] = value
    return out


def _take_trailing_comment(prev: Any, new: Any) -> None:
    """Move the comment lines after ``prev`` (a mapping) to after ``new``, keeping prev's end-of-line comment."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.scalarstring import ScalarString
    from ruamel.yaml.tokens import CommentToken

    if not len(prev):
        return
    last = list(prev.keys())[-1]
    slot = prev.ca.items.get(last)
    if not slot or len(slot) < 3 or slot[2] is None:
        return
    token = slot[2]
    value = token.value
    if isinstance(prev[last], ScalarString) and type(prev[last]).__name__ in ("FoldedScalarString", "LiteralScalarString"):
        keep, move = "", value  # a block scalar ends its own line: everything after it is comment lines
    else:
        cut = value.find("\n")
        keep, move = (value[: cut + 1], value[cut + 1:]) if cut >= 0 else (value, "")
    if not move.strip():
        return
    if keep.strip():
        token.value = keep
    else:
        slot[2] = None
    new.ca.items[list(new.keys())[-1]] = [None, None, CommentToken("\n" + move, CommentMark(0), None), None]


def _heading(new: Any, prev: Any, text: str) -> None:
    """Put a ``# ---- …`` heading line before ``new`` (as the comment after ``prev``)."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    last = list(prev.keys())[-1]
    slot = prev.ca.items.setdefault(last, [None, None, None, None])
    while len(slot) < 4:
        slot.append(None)
    before = slot[2].value if slot[2] is not None else "\n"
    slot[2] = CommentToken(before + f"\n  # ---- {text}\n", CommentMark(0), None)


def _insert_row(rows: Any, row: dict[str, Any], source_id: str) -> int:
    """Insert after the last row of the same prefecture (local) or kind (others); returns the index."""
    local = "reading" in row or row["kind"] in ("prefecture", "designated_city", "city", "town", "village")
    same = [i for i, r in enumerate(rows)
            if (local and r.get("prefecture") == row.get("prefecture") and r.get("kind") not in ("public_body",))
            or (not local and r.get("kind") == row["kind"])]
    new = _map(row)
    if same:
        at = same[-1] + 1
        _take_trailing_comment(rows[at - 1], new)
        rows.insert(at, new)
        return at
    rows.append(new)
    if len(rows) > 1:
        _take_trailing_comment(rows[-2], new)
        _heading(new, rows[-2], f"{row.get('prefecture') or row['kind']}（{source_id} から取り込み）")
    return len(rows) - 1


def _set_key(mapping: Any, key: str, value: Any) -> None:
    if key in mapping:
        mapping[key] = value
        return
    before = [k for k in KEY_ORDER[: KEY_ORDER.index(key)] if k in mapping]
    position = list(mapping.keys()).index(before[-1]) + 1 if before else 0
    mapping.insert(position, key, value)


def _source_fields() -> set[str]:
    """Fields of the data model's Source (what a new source entry may hold)."""
    from esurety.data.model import Source

    return set(Source.model_fields)


def _add_source(doc: Any, source: SourceInfo, today: dt.date) -> bool:
    from ruamel.yaml.comments import CommentedMap

    sources = doc["sources"]
    if source.id in sources:
        return False
    known = _source_fields()
    entry = CommentedMap()
    if "kind" in known:
        entry["kind"] = source.kind
    if "checked_on" in known:  # imported from the original today: checked today
        entry["checked_on"] = today
    entry["title"] = source.title or source.id
    for key in ("publisher", "date", "url", "note"):
        value = getattr(source, key)
        if value:
            entry[key] = value
    last = list(sources.keys())[-1] if sources else None
    sources[source.id] = entry
    if last is not None:
        _take_trailing_comment(sources[last], entry)
    return True


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def apply_plan(plan: Plan, chosen: list[Finding], *, check: Check | None = None,
               today: dt.date | None = None) -> ApplyResult:
    """Write ``chosen`` into the table file, then run ``check``; restore the file if the check fails."""
    result = ApplyResult()
    if not chosen:
        logger.info("nothing accepted: %s left as it is", plan.table.path)
        return result
    table = plan.table
    rows = table.doc["adopters"]
    originals = list(rows)  # row objects stay the same while inserting; indices of TableRow refer to these
    for f in chosen:
        if f.new_row is not None and f.row is None:
            _insert_row(rows, f.new_row, plan.source.id)
            result.added.append(f"{f.new_row.get('prefecture', '')}{f.new_row['name']}")
        elif f.row is not None and f.changes:
            target = originals[f.row.index]
            for key, (_old, new) in f.changes.items():
                _set_key(target, key, _flow(list(new)) if key == "guarantors" else new)
            result.changed.append(f"{f.row.prefecture or ''}{f.row.name}")
    if any(f.new_row is not None or "source" in f.changes for f in chosen):
        result.source_added = _add_source(table.doc, plan.source, today or dt.date.today())
    text = table.dump()
    if text == table.text:
        return result
    _write(table.path, text)
    result.written = True
    logger.info("wrote %s: %s added, %s changed", table.path, len(result.added), len(result.changed))
    if check is not None:
        result.check_status, result.check_output = check()
        if result.check_status != 0:
            _write(table.path, table.text)
            result.rolled_back = True
            logger.warning("check failed (status %s): %s restored", result.check_status, table.path)
    return result
