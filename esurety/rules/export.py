"""Every answer of the rule for one orderer, as a table the page's script looks up.

The rule depends on the case's date only through comparisons with a few dates of the orderer's
file (starts, the end of a start known only to the month, limits valid from/until). Those dates cut
time into intervals; :func:`decision_table` decides once per interval (and once for "no date yet")
and per combination of the values the form offers, so the script never decides anything itself.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from dataclasses import dataclass

from esurety.data import model
from esurety.rules.eligibility import (
    Case,
    Context,
    Memo,
    Outcome,
    asked_dimensions,
    decide_days,
    dimension_values,
)

logger = logging.getLogger(__name__)

__all__ = ["DecisionTable", "breakpoints", "compatible", "day_slot", "decision_table"]


def breakpoints(g: model.Guidance) -> list[dt.date]:
    """The first days of the intervals in which the answer cannot change."""
    days: set[dt.date] = set()
    for s in g.start:
        if s.first_day is not None:
            days.add(s.first_day)
            if s.last_day is not None and s.last_day != s.first_day:
                days.add(s.last_day + dt.timedelta(days=1))
    for dimension in model.DIMENSIONS:
        for lim in g.scope.limits(dimension):
            if lim.from_ is not None:
                days.add(lim.from_)
            if lim.until is not None:
                days.add(lim.until + dt.timedelta(days=1))
    return sorted(days)


def day_slot(breaks: list[dt.date], day: dt.date | None) -> int:
    """0 for no date; else 1 + the number of breakpoints on or before ``day``."""
    if day is None:
        return 0
    return 1 + sum(1 for b in breaks if b <= day)


def _representative(breaks: list[dt.date], slot: int) -> dt.date | None:
    if slot == 0:
        return None
    if slot == 1:
        return (breaks[0] - dt.timedelta(days=1)) if breaks else dt.date(2000, 1, 1)
    return breaks[slot - 2]


def compatible(vocab: model.Vocabulary, certificate: str, issuer: str) -> bool:
    """Whether an issuer can issue the certificate at all (an insurer issues no 前払金保証)."""
    return vocab.issuer[issuer].kind in vocab.certificate_type[certificate].issuer_kinds


@dataclass(frozen=True)
class DecisionTable:
    """Answers for every input: ``cells[i]`` indexes ``outcomes`` (or is -1 for an impossible pair).

    ``i`` is the mixed-radix number of the chosen value of each dimension in ``dimensions`` (in
    order), then the day slot (:func:`day_slot`).
    """

    dimensions: list[tuple[str, list[str]]]
    breaks: list[dt.date]
    outcomes: list[Outcome]
    cells: list[int]

    def index(self, values: dict[str, str], day: dt.date | None) -> int:
        i = 0
        for name, options in self.dimensions:
            i = i * len(options) + options.index(values[name])
        return i * (len(self.breaks) + 2) + day_slot(self.breaks, day)


def decision_table(g: model.Guidance, ctx: Context) -> DecisionTable:
    """Decide every combination the form can send (:func:`decide_days`: each case on every representative day)."""
    vocab = ctx.vocabulary
    dims = [(d, dimension_values(g, vocab, d)) for d in asked_dimensions(g)]
    names = [d for d, _ in dims]
    breaks = breakpoints(g)
    days = [_representative(breaks, slot) for slot in range(len(breaks) + 2)]
    impossible = [-1] * len(days)
    possible = {(c, i): compatible(vocab, c, i) for c in dict(dims)["certificates"] for i in dict(dims)["issuers"]}
    outcomes: list[Outcome] = []
    seen: dict[Outcome, int] = {}
    by_id: dict[int, int] = {}  # the memo keeps every outcome alive, so ids stay theirs
    cells: list[int] = []
    memo = Memo()
    for combo in itertools.product(*(values for _, values in dims)):
        chosen = dict(zip(names, combo))
        certificate, issuer = chosen["certificates"], chosen["issuers"]
        if not possible[certificate, issuer]:
            cells += impossible
            continue
        case = Case(certificate=certificate, issuer=issuer, stage=chosen["contract_stages"],
                    project_type=chosen.get("project_types"), department=chosen.get("departments"),
                    procurement_method=chosen.get("procurement_methods"))
        for outcome in decide_days(g, ctx, case, days, memo):
            index = by_id.get(id(outcome))  # the memo gives the same object for the same parts
            if index is None:
                index = by_id[id(outcome)] = seen.setdefault(outcome, len(outcomes))  # equal outcomes, one index
                if index == len(outcomes):
                    outcomes.append(outcome)
            cells.append(index)
    logger.debug("%s: %d cells, %d distinct outcomes", g.slug, len(cells), len(outcomes))
    return DecisionTable(dims, breaks, outcomes, cells)
