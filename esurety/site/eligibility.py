"""The eligibility check on the site: each orderer's rules.json, the /check/ page and the no-script table.

The answers come from esurety/rules (decided once in Python, over every input the form can send);
this module only words them (esurety/site/wording.py) and writes them out. The page's script
(theme/static/js/eligibility.js) looks answers up and never decides.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from esurety.data import model
from esurety.data.dataset import Dataset
from esurety.kernel import paths
from esurety.rules.context import context_for
from esurety.rules.eligibility import OTHER, Case, Memo, Outcome, Reason, decide, dimension_values
from esurety.rules.export import DecisionTable, compatible, decision_table
from esurety.site import views
from esurety.site.family import FamilyGenerator
from esurety.site.wording import DIMENSION_TEXT, RouteView, Words

logger = logging.getLogger(__name__)

__all__ = [
    "FORMAT",
    "EligibilityCheck",
    "eligibility_view",
    "export_rules",
    "route_views",
    "rule_table",
    "rules_json",
]

#: Version of the exported rule format; the script refuses other versions.
FORMAT = 2


def _date_inputs(g: model.Guidance, vocab: model.Vocabulary) -> list[list[str]]:
    """The date fields the form shows: the basis' own date, or each of its two alternatives."""
    bases = [s.basis for s in g.start if s.basis != model.UNSTATED]
    if not bases:
        return [["date", "判断する日付（資料に記載なし）"]]
    term = vocab.date_basis[bases[0]]
    if term.alternatives:
        return [[alt, vocab.label("date_basis", alt)] for alt in term.alternatives]
    return [[bases[0], term.label]]


def _date_labels(g: model.Guidance, vocab: model.Vocabulary) -> dict[str, str]:
    """What the date field is called for an initial and a change contract."""
    bases = [s.basis for s in g.start if s.basis != model.UNSTATED]
    if not bases:
        return {"initial": "判断する日付（資料に記載なし）", "change": "判断する日付（資料に記載なし）"}
    term = vocab.date_basis[bases[0]]
    change = f"当初契約の{term.label}" if term.applies_to == "contract" else term.label
    return {"initial": term.label, "change": change}


def route_views(data: Dataset, g: model.Guidance) -> list[RouteView]:
    words = Words(data, g)
    return [words.route(s) for s in g.submissions]


def export_rules(data: Dataset, g: model.Guidance, table: DecisionTable | None = None) -> dict[str, Any]:
    """Every answer for this orderer, worded, as compact data for the page's script."""
    words = Words(data, g)
    table = table or decision_table(g, context_for(data, g))
    texts: list[str] = []
    index: dict[str, int] = {}

    def t(text: str) -> int:
        if text not in index:
            index[text] = len(texts)
            texts.append(text)
        return index[text]

    outcomes = []
    for o in table.outcomes:
        w = words.outcome(o)
        outcomes.append([o.status, [[t(a), t(b)] for a, b in w["reasons"]], [[t(a), t(b)] for a, b in w["notes"]],
                         -1 if o.route is None else o.route, [t(a) for a in w["asks"]]])
    routes = []
    for s, view in zip(g.submissions, route_views(data, g)):
        routes.append({"title": words.for_text(s), "fields": view.fields, "links": view.links,
                       "provenance": view.provenance, "mail": view.mail})
    vocab = data.vocabulary
    compat = {c: [i for i in vocab.keys("issuer") if compatible(vocab, c, i)] for c in vocab.keys("certificate_type")}
    return {
        "v": FORMAT,
        "slug": g.slug,
        "name": g.name,
        "dims": [[d, DIMENSION_TEXT[d], [[k, words.choice(d, k)] for k in values]] for d, values in table.dimensions],
        "compat": compat,
        "breaks": [b.isoformat() for b in table.breaks],
        "dateInputs": _date_inputs(g, vocab),
        "dateLabels": _date_labels(g, vocab),
        "verdicts": {"applies": "電子保証の対象です", "not_applies": "電子保証の対象外です", "unknown": "確認が必要です"},
        "texts": texts,
        "outcomes": outcomes,
        "routes": routes,
        "cells": table.cells,
    }


def rules_json(data: Dataset, g: model.Guidance, table: DecisionTable | None = None) -> str:
    """The exported rules as JSON (``<``, ``>``, ``&`` escaped, so it may also sit inside HTML);
    ``table`` when the build has already computed the orderer's decisions."""
    text = json.dumps(export_rules(data, g, table), ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---------------------------------------------------------------------------------- no-script table


@dataclass(frozen=True)
class TableRow:
    """One line of the readable table: a certificate from one issuer, at the stages sharing one answer."""

    certificate: str
    issuer: str
    stages: tuple[str, ...]
    status: str
    reason: str
    route: int | None


@dataclass(frozen=True)
class RuleTable:
    condition: str
    rows: list[TableRow]
    otherwise: list[tuple[str, str]]


def _accepted_issuers(data: Dataset, g: model.Guidance) -> list[str]:
    return g.scope.covered("issuers") or views.guidance_guarantors(data, g) or list(data.guarantors)


def rule_table(data: Dataset, g: model.Guidance, table: DecisionTable | None = None) -> RuleTable:
    """The rules as a table people read without the script, from the same decisions.

    Rows: each certificate from each issuer the orderer takes, for a case on its start date with the
    first kind of work, department and method it names. Below: every other reason any input can
    meet (what excludes a case, what must be asked), worded as the check words it.
    """
    ctx = context_for(data, g)
    table = table or decision_table(g, ctx)
    words = Words(data, g)
    vocab = data.vocabulary
    first = g.first_start
    day = first.first_day if first and first.day_known else (first.last_day + dt.timedelta(days=1)
                                                            if first and first.last_day else None)
    probe = {d: next((v for v in dimension_values(g, vocab, d) if v != OTHER), None)
             for d in ("project_types", "departments", "procurement_methods")}
    rows: list[TableRow] = []
    shown: set[str] = set()
    memo = Memo()  # one orderer and context: its cases share their parts
    for cert in vocab.keys("certificate_type"):
        for issuer in _accepted_issuers(data, g):
            if not compatible(vocab, cert, issuer):
                continue
            answers: list[tuple[str, Outcome]] = []
            for stage in vocab.keys("contract_stage"):
                case = Case(cert, issuer, stage, probe["project_types"], probe["departments"],
                            probe["procurement_methods"], day)
                answers.append((stage, decide(g, ctx, case, memo)))
            same = all(o.status == answers[0][1].status and o.route == answers[0][1].route for _, o in answers)
            groups = [(tuple(s for s, _ in answers), answers[0][1])] if same else [((s,), o) for s, o in answers]
            for stages, o in groups:
                first_reason = o.reasons[0] if o.reasons else None
                text = words.reason(first_reason) if first_reason else ""
                shown.update(words.reason(r) for r in o.reasons)
                rows.append(TableRow(cert, issuer, stages, o.status, text, o.route))
    # every other reason, with the values of one limit merged into one sentence
    merged: dict[tuple[Any, ...], tuple[Reason, list[Any]]] = {}
    for o in table.outcomes:
        for r in o.reasons:
            if r.effect not in ("not_applies", "unknown") or r.code == "date_missing" or words.reason(r) in shown:
                continue
            value = r.param("value")
            key = (r.code, r.param("dimension"), r.param("listed"), r.source, r.where, r.inference,
                   None if value is not None and r.param("dimension") else value)
            reason, values = merged.setdefault(key, (r, []))
            if value is not None and value not in values:
                values.append(value)
    otherwise: dict[str, str] = {}
    for reason, values in merged.values():
        if len(values) > 1:
            params = tuple((k, tuple(values) if k == "value" else v) for k, v in reason.params)
            reason = Reason(reason.code, params, reason.origin, reason.source, reason.where, reason.inference, reason.ask)
        otherwise.setdefault(words.reason(reason), words.provenance(reason))
    labels = _date_labels(g, vocab)
    if first is None or first.first_day is None:
        condition = "開始日が資料に記載のない場合の扱い"
    else:
        if any(s.basis != model.UNSTATED for s in g.start):
            condition = f"{labels['initial']}が{views.date_ja(day) if day else ''}以降の案件"
        else:  # no basis to name: never 「資料に記載なしが…以降」
            condition = f"{views.date_ja(day) if day else ''}以降の案件（どの日付で判断するかは資料に記載なし）"
        for d, v in probe.items():
            if v is not None and d in dict(table.dimensions):
                condition += f"（{DIMENSION_TEXT[d]}: {words.choice(d, v)}）"
    return RuleTable(condition, rows, sorted(otherwise.items(), key=lambda kv: kv[0]))


@dataclass(frozen=True)
class EligibilityView:
    """What the eligibility partial of a guidance page shows."""

    guidance: model.Guidance
    table: RuleTable
    routes: list[RouteView]
    rules_url: str


def eligibility_view(data: Dataset, g: model.Guidance, site_url: str,
                     table: DecisionTable | None = None) -> EligibilityView:
    """The no-script table, the routes and the rules' address for one guidance page."""
    return EligibilityView(g, rule_table(data, g, table), route_views(data, g),
                           f"{site_url}/{paths.orderer_rules(g.slug)}")




class EligibilityCheck(FamilyGenerator):
    """Each orderer's rules.json (read by its page's script) and the site-wide check /check/."""

    writes: ClassVar[tuple[str, ...]] = (paths.orderer_rules("<slug>"), paths.CHECK)
    templates: ClassVar[tuple[str, ...]] = ("eligibility_check",)
    per_orderer: ClassVar[bool] = True

    def render_orderer(self, g: model.Guidance) -> None:
        site = self._site
        self.data_file(paths.orderer_rules(g.slug), rules_json(site.data, g, site.decision_table(g)))

    def render(self) -> None:
        data = self._site.data
        guidance = _check_order(data)
        labels = views.Labels(data.vocabulary)
        groups: dict[str, list[model.Guidance]] = {}
        for g in guidance:
            groups.setdefault(g.prefecture or f"{labels('orderer_kind', g.kind)}など", []).append(g)
        self.page(paths.CHECK, "eligibility_check", guidance_list=guidance, orderer_groups=list(groups.items()))
        logger.info("wrote eligibility rules for %d orderers", len(guidance))


def _check_order(data: Dataset) -> list[model.Guidance]:
    code = {p["name"]: p["code"] for p in data.prefectures}
    return sorted(data.guidance, key=lambda g: (code.get(g.prefecture or "", "99"), g.reading))
