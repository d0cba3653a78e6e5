"""Does e-surety apply to a contractor's case, and where does the key go? One rule, decided here.

:func:`decide` answers one :class:`Case` from one orderer's guidance, the guarantors' general rules and
the adopter table: 対象 (``applies``), 対象外 (``not_applies``) when a stated limit excludes the case,
or 確認が必要 (``unknown``) when a fact it needs is unstated. It never fills a gap with a guess: every
:class:`Reason` carries its provenance (the orderer's or a guarantor's document, the adopter table,
or the site's inference with whom to ask). Reasons are codes (esurety/rules/reasons.py); the site
words them from data/vocabulary.yaml.

The page's script does not re-implement this: esurety/rules/export.py runs :func:`decide` over every
input the form can send and exports the answers.
"""

from __future__ import annotations

import datetime as dt
import logging
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from esurety.data import model
from esurety.rules.reasons import APPLIES, NOT_APPLIES, REASONS, UNKNOWN

logger = logging.getLogger(__name__)

__all__ = [
    "OTHER",
    "UNSTATED_MEANS",
    "Case",
    "Context",
    "Memo",
    "Outcome",
    "Reason",
    "ask_whom",
    "asked_dimensions",
    "decide",
    "decide_days",
    "dimension_values",
    "start_for",
]

#: A value of an open dimension the orderer does not name (その他の課, その他の業種).
OTHER = "*"

#: What an unstated dimension means: for the core facts the answer must be asked; the other
#: dimensions are limits, and an orderer that states none limits nothing.
UNSTATED_MEANS: dict[str, str | None] = {
    "certificates": UNKNOWN,
    "issuers": UNKNOWN,
    "project_types": UNKNOWN,
    "departments": None,
    "procurement_methods": None,
    "contract_stages": None,
}

#: The attribute of :class:`Case` that holds each dimension's value.
CASE_FIELD: dict[str, str] = {
    "certificates": "certificate",
    "issuers": "issuer",
    "project_types": "project_type",
    "departments": "department",
    "procurement_methods": "procurement_method",
    "contract_stages": "stage",
}


#: A case's values in the order of ``model.DIMENSIONS``, as one tuple (the memo's key; the day is not among them).
_case_values = operator.attrgetter(*(CASE_FIELD[d] for d in model.DIMENSIONS))


@dataclass(frozen=True)
class Case:
    """One contractor's case; ``None`` for a dimension the form did not ask."""

    certificate: str
    issuer: str
    stage: str = "initial"
    project_type: str | None = None
    department: str | None = None
    procurement_method: str | None = None
    #: The date the orderer's basis uses (for a change contract under a basis of each contract, the
    #: initial contract's); None when not given yet.
    day: dt.date | None = None

    def value(self, dimension: str) -> str | None:
        return getattr(self, CASE_FIELD[dimension])


@dataclass(frozen=True)
class Context:
    """What the rule needs beyond the orderer's own file."""

    vocabulary: model.Vocabulary
    guarantors: dict[str, model.Guarantor]
    #: Guarantors the adopter table lists for this orderer, and the id of the row's source.
    listed_guarantors: tuple[str, ...] = ()
    listed_source: str | None = None


@dataclass(frozen=True)
class Reason:
    """Why: a code (worded by the site), its parameters and where the statement comes from.

    ``params`` values are plain strings, dates, or ``(vocabulary group, key)`` pairs (and lists of
    them) for the wording to label. ``origin`` says whose statement it is: ``orderer`` (a source of
    the guidance file), ``guarantor`` (a guarantor's document), ``adopters`` (the adopter table) or
    ``inference`` (the site's reading, with ``ask``).
    """

    code: str
    params: tuple[tuple[str, Any], ...] = ()
    origin: str = "orderer"
    source: str | None = None
    where: str | None = None
    inference: str | None = None
    ask: str | None = None

    @property
    def effect(self) -> str | None:
        return REASONS[self.code]

    def param(self, name: str) -> Any:
        return dict(self.params).get(name)


@dataclass(frozen=True)
class Outcome:
    """The answer for one case: status, reasons in order, remarks, and the route for the key."""

    status: str
    reasons: tuple[Reason, ...]
    notes: tuple[Reason, ...] = ()
    route: int | None = None
    asks: tuple[str, ...] = field(default=())

    @property
    def applies(self) -> bool:
        return self.status == APPLIES


def _from_claim(code: str, claim: model.Claim, params: dict[str, Any] | None = None,
                origin: str = "orderer") -> Reason:
    if claim.inference is not None:
        return Reason(code, tuple((params or {}).items()), "inference", None, claim.where, claim.inference, claim.ask)
    return Reason(code, tuple((params or {}).items()), origin, claim.source, claim.where)


def ask_whom(g: model.Guidance) -> str:
    """Whom a contractor asks about what the documents leave open: the orderer's own contact, else the
    first desk a route names, else the orderer."""
    for contact in g.contacts:
        if contact.organization in (None, g.name):
            return f"{g.name} {contact.name}"
    for s in g.submissions:
        if s.recipient != model.UNSTATED:
            return f"{g.name} {s.recipient}"
    return g.name


def _filter_matches(f: model.CaseFilter | None, case: Case) -> bool:
    if f is None:
        return True
    for dimension in model.DIMENSIONS:
        wanted = f.values(dimension)
        value = case.value(dimension)
        if wanted is not None and value is not None and value not in wanted:
            return False
    return True


def start_for(g: model.Guidance, case: Case) -> model.Start | None:
    """The start entry that governs the case: the most specific one whose ``for`` matches."""
    matching = [s for s in g.start if _filter_matches(s.for_, case)]
    specific = [s for s in matching if s.for_ is not None]
    return (specific or matching or [None])[0]


def _date_reasons(g: model.Guidance, ctx: Context, case: Case, start: model.Start) -> list[Reason]:
    """The start and its basis, against the case's date."""
    out: list[Reason] = []
    if start.basis == model.UNSTATED:
        return [_from_claim("basis_unstated", start)]
    term = ctx.vocabulary.date_basis[start.basis]
    label = ("date_basis", start.basis)
    if start.first_day is None:
        return [_from_claim("dimension_unstated", start, {"dimension": "開始日"})]
    params: dict[str, Any] = {"date_label": label, "start": start.from_}
    if start.trial:
        out.append(_from_claim("trial", start, {"start": start.from_}))
    if case.day is None:
        return out + [Reason("date_missing", (("date_label", label),), "orderer", start.source, start.where)]
    before = case.day < start.first_day
    in_month = not before and start.last_day is not None and case.day <= start.last_day and not start.day_known
    if case.stage == "change" and term.applies_to == "project":
        # a change contract belongs to its project: the project's one date decides
        follows = dict(origin="inference", inference=(
            f"変更契約も、当初の案件と同じ{term.label}で判断するものと読みました（資料は変更契約に触れていません）。"),
            ask=ask_whom(g)) if not term.change_follows else dict(
            origin="orderer", source=start.source, where=start.where)
        if in_month:
            return out + [_from_claim("date_in_start_month", start, params)]
        if term.change_follows:
            code = "change_project_before" if before else "change_follows_project"
        else:  # the orderer does not say: the site's reading, to be confirmed
            code = "change_unstated_before" if before else "change_unstated_after"
        return out + [Reason(code, tuple(params.items()), **follows)]  # type: ignore[arg-type]
    if in_month:
        return out + [_from_claim("date_in_start_month", start, params)]
    if case.stage == "change":  # a basis of each contract: the form asked for the initial contract's date
        if before:
            return out + [_from_claim("change_contract_before", start, params)]
        return out + [_from_claim("date_on_or_after", start, {**params, "date_label": ("initial_of", start.basis)})]
    return out + [_from_claim("date_before" if before else "date_on_or_after", start, params)]


def _dimension_reasons(g: model.Guidance, ctx: Context, case: Case, dimension: str) -> list[Reason]:
    """One scope dimension against the case's value."""
    value = case.value(dimension)
    group = model.DIMENSIONS[dimension]
    shown: Any = ("other", dimension) if value == OTHER else (group, value) if group else value
    day = case.day
    limits = [lim for lim in g.scope.limits(dimension) if day is None or lim.holds_on(day)]
    if not limits:
        if dimension == "issuers" and value in ctx.listed_guarantors:
            return [Reason("issuer_listed", (("value", ("issuer", value)),), "adopters", ctx.listed_source)]
        if UNSTATED_MEANS[dimension] is None:
            return []
        return [Reason("dimension_unstated", (("dimension", dimension),), "orderer")]
    if value is None:
        return []
    out: list[Reason] = []
    for lim in limits:
        listed = tuple((group, v) if group else v for v in (lim.only or lim.includes or []))
        params = {"dimension": dimension, "value": shown, "listed": listed}
        if value in (lim.excludes or []):
            out.append(_from_claim("excluded", lim, params))
        elif lim.only is not None:
            out.append(_from_claim("covered" if value in lim.only else "not_in_only", lim, params))
        elif lim.includes is not None:
            out.append(_from_claim("covered" if value in lim.includes else "not_listed", lim, params))
        elif UNSTATED_MEANS[dimension] is not None:  # only exclusions are stated: the rest is open
            out.append(_from_claim("not_listed", lim, {**params, "listed": ("（対象外の記載のみ）",)}))
    return out


def _guarantor_reasons(ctx: Context, case: Case) -> list[Reason]:
    guarantor = ctx.guarantors.get(case.issuer)
    if guarantor is None:
        return []
    return [_from_claim("never_electronic", rule, {"value": ("certificate_type", case.certificate),
                                                   "guarantor": guarantor.name}, origin="guarantor")
            for rule in guarantor.rules if case.certificate in rule.excludes_certificates]


def route_for(g: model.Guidance, case: Case) -> int | None:
    """The first submission whose ``for`` matches the case."""
    for i, s in enumerate(g.submissions):
        if _filter_matches(s.for_, case):
            return i
    return None


Part = tuple[Reason, ...]


class Memo:
    """What :func:`decide` worked out for one orderer and context, kept across the cases of a table.

    The cases of a decision table share most of their values, and each part of the rule depends on
    only some of them: the guarantors' rules on certificate and issuer, the start and the route on
    the case without its day, the date's reasons on the start, the stage and the day, a dimension's
    reasons on its value and the day — on the day only where one of the dimension's limits holds
    from or until a date (:meth:`dated`). Each part is worked out once for what it depends on; equal
    parts are kept as one object (:meth:`one`), so the parts' ids name their contents while the
    memo lives, and an outcome is made once for each combination of parts (for a refusal, of the
    parts' refusing reasons, which are all it keeps).
    """

    __slots__ = ("dated_dimensions", "dates", "dimensions", "filtered", "guarantor", "outcomes", "parts", "refusing",
                 "starts")

    def __init__(self) -> None:
        self.dated_dimensions: dict[str, bool] = {}
        self.filtered: Callable[[tuple[str | None, ...]], Any] | None = None
        self.guarantor: dict[tuple[str, str], Part] = {}
        self.starts: dict[Any, tuple[model.Start | None, int | None]] = {}
        self.dates: dict[tuple[int, str, dt.date | None], tuple[Part, Part]] = {}
        self.dimensions: dict[tuple[str, str | None, dt.date | None], Part] = {}
        self.parts: dict[Part, Part] = {}
        self.refusing: dict[int, Part] = {}
        self.outcomes: dict[tuple[Any, ...], Outcome] = {}

    def dated(self, g: model.Guidance, dimension: str) -> bool:
        """Whether a limit of ``dimension`` holds from or until a date: else its reasons are the same on every day."""
        found = self.dated_dimensions.get(dimension)
        if found is None:
            found = self.dated_dimensions[dimension] = any(
                lim.from_ is not None or lim.until is not None for lim in g.scope.limits(dimension))
        return found

    def start_key(self, g: model.Guidance, values: tuple[str | None, ...]) -> Any:
        """What the start and the route of a case depend on: its values in the dimensions a ``for`` names."""
        if self.filtered is None:
            filters = [s.for_ for s in (*g.start, *g.submissions) if s.for_ is not None]
            named = [i for i, d in enumerate(model.DIMENSIONS) if any(f.values(d) is not None for f in filters)]
            self.filtered = operator.itemgetter(*named) if named else _nothing
        return self.filtered(values)

    def one(self, reasons: list[Reason] | Part) -> Part:
        """The one object kept for these reasons."""
        part = tuple(reasons)
        found = self.parts.setdefault(part, part)
        if id(found) not in self.refusing:
            refusing = tuple(r for r in found if r.effect == NOT_APPLIES)
            self.refusing[id(found)] = found if len(refusing) == len(found) else self.one(refusing)
        return found


def _nothing(values: tuple[str | None, ...]) -> tuple[()]:
    return ()


def _date_parts(g: model.Guidance, ctx: Context, case: Case,
                start: model.Start | None) -> tuple[list[Reason], list[Reason]]:
    """The date's reasons that decide, and those that are remarks only; or why no start governs."""
    if start is None:
        return [Reason("start_not_for_case", (("case", _describe(case)),), "orderer")], []
    reasons: list[Reason] = []
    notes: list[Reason] = []
    for r in _date_reasons(g, ctx, case, start):
        (notes if r.effect is None else reasons).append(r)
    return reasons, notes


def decide(g: model.Guidance, ctx: Context, case: Case, memo: Memo | None = None) -> Outcome:
    """Decide one case; see the module docstring.

    ``memo`` (one per orderer and context) keeps the parts of the rule across the cases of a
    decision table; without one, the case is decided through a fresh one. It is :func:`decide_days`
    for the case's own day, so there is one way to decide and the answer is the same either way.
    """
    return decide_days(g, ctx, case, (case.day,), memo)[0]


def decide_days(g: model.Guidance, ctx: Context, case: Case, days: Sequence[dt.date | None],
                memo: Memo | None = None) -> list[Outcome]:
    """:func:`decide` for ``case`` on each of ``days`` (the case's own ``day`` is not read), in order.

    What does not depend on the day — the start and the route, the guarantors' rules, each dimension
    without a dated limit — is worked out once for all the days.
    """
    if memo is None:
        memo = Memo()
    values = _case_values(case)
    key = memo.start_key(g, values)
    found = memo.starts.get(key)
    if found is None:
        found = memo.starts[key] = (start_for(g, case), route_for(g, case))
    start, route = found
    pair = (case.certificate, case.issuer)
    guarantor = memo.guarantor.get(pair)
    if guarantor is None:
        guarantor = memo.guarantor[pair] = memo.one(_guarantor_reasons(ctx, case))
    undated: list[Part | None] = []  # each dimension's part when it is the same on every day
    for dimension, value in zip(model.DIMENSIONS, values):
        undated.append(None if memo.dated(g, dimension) else
                       _dimension_part(g, ctx, case, memo, dimension, value, None))
    fixed = None if None in undated else _Tail(memo, undated)  # type: ignore[arg-type]
    outcomes = []
    for day in days:
        dates = memo.dates.get((id(start), case.stage, day)) if start is not None else None
        if dates is None:
            reasons, notes = _date_parts(g, ctx, _on(case, day), start)
            dates = (memo.one(reasons), memo.one(notes))
            if start is not None:
                memo.dates[id(start), case.stage, day] = dates
        tail = fixed or _Tail(memo, [part if part is not None else
                                     _dimension_part(g, ctx, case, memo, dimension, value, day)
                                     for part, dimension, value in zip(undated, model.DIMENSIONS, values)])
        first = (memo.refusing[id(guarantor)], memo.refusing[id(dates[0])])
        if first[0] or first[1] or tail.refuses:  # a refusal keeps only its refusing reasons and the remarks
            outcome_key: tuple[Any, ...] = (NOT_APPLIES, id(dates[1]), id(first[0]), id(first[1]), *tail.refusing_ids)
        else:
            outcome_key = (route, id(dates[1]), id(guarantor), id(dates[0]), *tail.ids)
        outcome = memo.outcomes.get(outcome_key)
        if outcome is None:
            outcome = memo.outcomes[outcome_key] = _outcome(g, [guarantor, dates[0], *tail.parts], dates[1], route)
        outcomes.append(outcome)
    return outcomes


class _Tail:
    """The dimensions' parts of one case on one day (or on every day), with what a key needs of them."""

    __slots__ = ("ids", "parts", "refuses", "refusing_ids")

    def __init__(self, memo: Memo, parts: list[Part]) -> None:
        refusing = [memo.refusing[id(part)] for part in parts]
        self.parts = parts
        self.ids = tuple(map(id, parts))
        self.refusing_ids = tuple(map(id, refusing))
        self.refuses = any(refusing)


def _dimension_part(g: model.Guidance, ctx: Context, case: Case, memo: Memo, dimension: str,
                    value: str | None, day: dt.date | None) -> Part:
    """A dimension's reasons for ``value`` on ``day`` (None: on no day, or on every day when no limit is dated)."""
    key = (dimension, value, day)
    part = memo.dimensions.get(key)
    if part is None:
        part = memo.dimensions[key] = memo.one(_dimension_reasons(g, ctx, _on(case, day), dimension))
    return part


def _on(case: Case, day: dt.date | None) -> Case:
    return case if case.day == day else replace(case, day=day)


def _outcome(g: model.Guidance, parts: list[Any], notes: Any, route: int | None) -> Outcome:
    """The answer from its parts (the guarantors' reasons, the date's, each dimension's) and the route."""
    reasons: list[Reason] = [r for part in parts for r in part]
    effects = {r.effect for r in reasons}
    if NOT_APPLIES in effects:
        return Outcome(NOT_APPLIES, tuple(r for r in reasons if r.effect == NOT_APPLIES), tuple(notes))
    if route is None:
        reasons.append(Reason("route_unstated", (), "orderer"))
        effects.add(UNKNOWN)
    unknown = [r for r in reasons if r.effect == UNKNOWN]
    whom = ask_whom(g) if unknown else ""
    asks = tuple(dict.fromkeys(r.ask or whom for r in unknown))
    status = UNKNOWN if UNKNOWN in effects else APPLIES
    ordered = sorted(reasons, key=lambda r: r.effect != status)  # the deciding reasons first
    return Outcome(status, tuple(ordered), tuple(notes), route, asks)


def _describe(case: Case) -> Any:
    """The case's department and kind of work, as values the wording labels (a kind of work is a key)."""
    parts: list[Any] = []
    if case.department:
        parts.append(("other", "departments") if case.department == OTHER else case.department)
    if case.project_type:
        parts.append(("other", "project_types") if case.project_type == OTHER else ("project_type", case.project_type))
    return tuple(parts) or "この案件"


def asked_dimensions(g: model.Guidance) -> list[str]:
    """The dimensions the form asks for this orderer: certificate, issuer and stage always (they choose
    the route), the others where the orderer states a limit (or a start or route depends on them)."""
    asked = ["certificates", "issuers"]
    used_in_filters = {d for s in list(g.start) + list(g.submissions) if s.for_ for d in model.DIMENSIONS
                       if s.for_.values(d) is not None}
    for dimension in ("project_types", "departments", "procurement_methods"):
        if g.scope.limits(dimension) or dimension in used_in_filters:
            asked.append(dimension)
    asked.append("contract_stages")
    return asked


def dimension_values(g: model.Guidance, vocab: model.Vocabulary, dimension: str) -> list[str]:
    """The values the form offers for a dimension, in vocabulary order (OTHER for open sets)."""
    group = model.DIMENSIONS[dimension]
    if group is None:  # departments: the names the file uses, then any other
        names: list[str] = list(g.scope.named(dimension))
        for s in list(g.start) + list(g.submissions):
            for v in (s.for_.values(dimension) or []) if s.for_ else []:
                if v not in names:
                    names.append(v)
        return names + [OTHER]
    keys = vocab.keys(group)
    if dimension == "project_types":
        named = [k for k in keys if k in g.scope.named(dimension)]
        return named + [OTHER] if len(named) < len(keys) else named
    return keys
