"""Guarantee numbers (保証契約番号): what each guarantor's numbers look like, from the glossary.

Each guarantor's numbers are groups of digits (``number_groups`` in data/guarantors.yaml: WJCS [10],
EJCS [5, 6] → ``00000-000000``). A number is typed with or without its hyphens; typed hyphens must
sit where the guarantor puts them. Standard library only (the lookup uses it).
"""

from __future__ import annotations

import re

from esurety.kernel.glossary import Glossary, glossary

__all__ = ["canonical", "format_hint", "guarantor_of"]

_DIGITS = re.compile(r"[0-9]+(?:-[0-9]+)*")


def _grouped(digits: str, groups: tuple[int, ...]) -> str:
    out, i = [], 0
    for n in groups:
        out.append(digits[i:i + n])
        i += n
    return "-".join(out)


def canonical(text: str, g: Glossary | None = None) -> str | None:
    """The canonical number (hyphens where the guarantor puts them), or None if no guarantor numbers so.

    ``text`` is already cleaned (half-width, no spaces, dashes unified to "-").
    """
    g = g or glossary()
    if not _DIGITS.fullmatch(text):
        return None
    digits = text.replace("-", "")
    for guarantor in g.guarantors.values():
        groups = guarantor.number_groups
        if not groups or sum(groups) != len(digits):
            continue
        shaped = _grouped(digits, groups)
        if "-" not in text or text == shaped:
            return shaped
    return None


def guarantor_of(number: str, g: Glossary | None = None) -> str | None:
    """Which guarantor numbers a canonical number this way."""
    g = g or glossary()
    digits = number.replace("-", "")
    for gid, guarantor in g.guarantors.items():
        groups = guarantor.number_groups
        if groups and sum(groups) == len(digits) and _grouped(digits, groups) == number:
            return gid
    return None


def format_hint(g: Glossary | None = None) -> str:
    """保証契約番号 formats in words, one per guarantor that numbers its certificates (for messages and forms)."""
    g = g or glossary()
    parts = []
    for gu in g.guarantors.values():
        if gu.number_format:
            extra = "。".join(x for x in (f"例: {gu.number_example}" if gu.number_example else "", gu.number_note or "") if x)
            parts.append(f"{gu.short_name}は{gu.number_format}" + (f"（{extra}）" if extra else ""))
    return "、".join(parts)
