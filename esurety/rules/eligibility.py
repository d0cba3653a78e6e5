"""Does e-surety apply to a contractor's case, and where does the key go? One rule, decided here.

A contractor picks an orderer, a certificate type, a project type, initial or change contract and
the date that orderer goes by (``start.basis``). :func:`decide` answers from the guidance data only:
「対象」, 「対象外」 where the data says so, and 「資料に記載なし — 発注者に確認」 where it is silent —
it never fills a gap with a guess.

The page's script does not re-implement this. :func:`export_rules` runs :func:`decide` for every
choice, once with a date before the start and once with the start date itself (the decision depends
on the date only through ``date >= start.date``), and writes the answers as a compact table; the
script looks the answer up and compares one date. The no-script table (:func:`rule_table`) is made
from the same calls. tests/features checks that the script and this module agree for every case.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, get_args

from esurety.data import model

from esurety.site import views

logger = logging.getLogger(__name__)

__all__ = ["Outcome", "decide", "export_rules", "rules_json", "rule_table", "eligibility_view", "date_label", "choices",
           "write_outputs"]

Status = Literal["applies", "not_applies", "unknown"]
#: ``document_labels(guidance, keys)``: document names as the orderer's guarantor words them
#: (views.document_labels; the key notice PDF is named differently by each company).
DocumentLabels = Callable[[model.Guidance, list[str]], list[str]]

CERTIFICATES: tuple[str, ...] = get_args(model.CertificateType)
PROJECT_TYPES: tuple[str, ...] = get_args(model.ProjectType)
STAGES: tuple[str, ...] = get_args(model.ContractStage)

#: Bases that name one date of the whole project: a change contract is judged by that same date.
PROJECT_DATES: frozenset[str] = frozenset({"initial_contract", "tender_notice", "public_notice"})
#: Bases that name a date of each contract: for a change contract the form asks for the initial one.
CONTRACT_DATES: frozenset[str] = frozenset({"contract_conclusion", "application"})

#: Version of the exported rule format; the script refuses other versions.
FORMAT = 1

#: The sentences of an answer. Labels come from data/vocabulary.yaml; only the glue is here.
TEXT: dict[str, str] = {
    "never": "{cert}は電子保証の対象になりません。",
    "cert_covered": "{cert}は{name}の電子保証の対象です。",
    "cert_excluded": "{name}では、{cert}は電子保証の対象外です（資料に記載）。",
    "cert_silent": "{cert}が{name}の電子保証の対象かどうかは、資料に記載がありません。発注者にご確認ください。",
    "project_covered": "{project}は対象案件です。",
    "project_silent": "{project}が対象かどうかは、資料に記載がありません（資料に書かれた対象: {covered}）。発注者にご確認ください。",
    "basis_silent": "どの日付で判断するかは、資料に記載がありません。発注者にご確認ください。",
    "date_on_or_after": "{date_label}が{start}以降です。",
    "date_before": "{date_label}が{start}より前のため、対象外です。",
    "change_project_after": "変更契約も、案件の{basis}（{start}以降）で判断します。",
    "change_project_before": "{basis}が{start}より前の案件のため、変更契約も対象外です。",
    "change_contract_before": (
        "当初契約の{basis}が{start}より前の案件の変更契約を対象とするかは、資料に記載がありません。発注者にご確認ください。"
    ),
    "stage_silent": "{stage}での認証キーの提出方法は、資料に記載がありません。発注者にご確認ください。",
    "trial": "{start}からの試行です。",
    "procurement_only": "対象の契約方式: {methods}。",
    "procurement_excluded": "対象外の契約方式: {methods}。",
    "departments": "発注課などの限定: {text}",
    "exclusion": "対象外となる案件: {text}",
}

#: What the form calls the date, when the guidance does not say which date counts.
UNSPECIFIED_DATE_LABEL = "契約日など（判断する日付は資料に記載なし）"


@dataclass(frozen=True)
class Outcome:
    """The answer for one case: status, the reasons in order, caveats, and how to submit the key."""

    status: Status
    reasons: tuple[str, ...]
    notes: tuple[str, ...] = ()
    submission: model.Submission | None = None
    submission_index: int | None = None

    @property
    def applies(self) -> bool:
        return self.status == "applies"


def date_label(g: model.Guidance, labels: views.Labels, stage: str) -> str:
    """The name of the date the form asks for: the basis, and for a change contract the initial one."""
    basis = g.start.basis
    if basis == "unspecified":
        return UNSPECIFIED_DATE_LABEL
    label = labels("date_basis", basis)
    if stage == "change" and basis in CONTRACT_DATES:
        return f"当初契約の{label}"
    return label


def _submission_for(g: model.Guidance, certificate: str, stage: str) -> tuple[int, model.Submission] | None:
    for i, s in enumerate(g.submissions):
        if certificate in s.certificates and stage in s.contract_stages:
            return i, s
    return None


def _notes(g: model.Guidance, labels: views.Labels, start: str) -> tuple[str, ...]:
    notes = []
    if g.start.trial:
        notes.append(TEXT["trial"].format(start=start))
    if g.scope.procurement_methods:
        notes.append(TEXT["procurement_only"].format(
            methods="、".join(labels.many("procurement_method", g.scope.procurement_methods))))
    if g.scope.excluded_procurement_methods:
        notes.append(TEXT["procurement_excluded"].format(
            methods="、".join(labels.many("procurement_method", g.scope.excluded_procurement_methods))))
    if g.scope.departments:
        notes.append(TEXT["departments"].format(text=g.scope.departments))
    notes.extend(TEXT["exclusion"].format(text=x) for x in g.scope.exclusions)
    return tuple(notes)


def decide(g: model.Guidance, labels: views.Labels, certificate: str, project_type: str, stage: str,
           day: dt.date) -> Outcome:
    """Decide one case from the guidance data; ``day`` is the date named by ``g.start.basis``.

    For a change contract, ``day`` is the initial contract's date where the basis is a date of each
    contract (契約締結日): the change belongs to that contract. Where the basis is a date of the whole
    project (当初契約の締結日, 入札公告日), it is that date, as for the initial contract.
    """
    if certificate not in CERTIFICATES or project_type not in PROJECT_TYPES or stage not in STAGES:
        raise ValueError(f"unknown choice: {certificate}, {project_type}, {stage}")
    cert = labels("certificate_type", certificate)
    start = views.date_ja(g.start.date)
    basis = g.start.basis
    refused: list[str] = []
    silent: list[str] = []
    fine: list[str] = []

    if certificate in model.NEVER_ELECTRONIC:
        return Outcome("not_applies", (TEXT["never"].format(cert=cert),))
    if certificate in g.certificates.excluded:
        refused.append(TEXT["cert_excluded"].format(name=g.name, cert=cert))
    elif certificate in g.certificates.covered:
        fine.append(TEXT["cert_covered"].format(name=g.name, cert=cert))
    else:
        silent.append(TEXT["cert_silent"].format(name=g.name, cert=cert))

    project = labels("project_type", project_type)
    if project_type in g.scope.project_types:
        fine.append(TEXT["project_covered"].format(project=project))
    else:
        covered = "、".join(labels.many("project_type", g.scope.project_types))
        silent.append(TEXT["project_silent"].format(project=project, covered=covered))

    on_or_after = day >= g.start.date
    if basis == "unspecified":
        silent.append(TEXT["basis_silent"])
    elif stage == "initial" or basis in PROJECT_DATES:
        label = date_label(g, labels, stage)
        if on_or_after:
            fine.append(TEXT["date_on_or_after"].format(date_label=label, start=start))
            if stage == "change":
                fine.append(TEXT["change_project_after"].format(basis=labels("date_basis", basis), start=start))
        elif stage == "change":
            refused.append(TEXT["change_project_before"].format(basis=labels("date_basis", basis), start=start))
        else:
            refused.append(TEXT["date_before"].format(date_label=label, start=start))
    else:  # a change contract, judged by a date of each contract
        if on_or_after:
            fine.append(TEXT["date_on_or_after"].format(date_label=date_label(g, labels, stage), start=start))
        else:
            silent.append(TEXT["change_contract_before"].format(basis=labels("date_basis", basis), start=start))

    found = _submission_for(g, certificate, stage) if certificate in g.certificates.covered else None
    if certificate in g.certificates.covered and found is None:
        silent.append(TEXT["stage_silent"].format(stage=labels("contract_stage", stage)))

    if refused:
        return Outcome("not_applies", tuple(refused))
    notes = _notes(g, labels, start)
    index, submission = found if found else (None, None)
    if silent:
        return Outcome("unknown", tuple(silent + fine), notes, submission, index)
    return Outcome("applies", tuple(fine), notes, submission, index)


def submission_fields(g: model.Guidance, s: model.Submission, labels: views.Labels,
                      document_labels: DocumentLabels | None = None) -> dict[str, str]:
    """A submission rule as display strings, keyed like the result slots of the form."""
    documents = (document_labels(g, list(s.documents)) if document_labels
                 else labels.many("document", list(s.documents)))
    fields = {
        "methods": "、".join(labels.many("submission_method", s.methods)),
        "recipient": s.recipient or "",
        "email": s.email or "",
        "address": s.address_note or "",
        "url": s.url or "",
        "subject": s.subject_format or "",
        "documents": "、".join(documents),
        "printout": labels("printout_rule", s.printout),
        "note": s.note or "",
        "wording": s.wording or "",
    }
    return fields


def _probe_days(g: model.Guidance) -> tuple[dt.date, dt.date]:
    """A date before the start and the start itself: every date decides like one of these two."""
    return g.start.date - dt.timedelta(days=1), g.start.date


def export_rules(g: model.Guidance, labels: views.Labels,
                 document_labels: DocumentLabels | None = None) -> dict[str, Any]:
    """Every answer of :func:`decide` for this orderer, as compact data for the page's script.

    ``m`` holds one outcome index per (certificate, project type, stage, date ≥ start), in the order
    of ``certs``, ``projects`` and ``stages``: index = ((c * P + p) * S + s) * 2 + (1 if on/after).
    Sentences are stored once in ``texts`` and referred to by number.
    """
    texts: list[str] = []
    text_index: dict[str, int] = {}
    outcomes: list[list[Any]] = []
    outcome_index: dict[tuple[Any, ...], int] = {}

    def t(sentence: str) -> int:
        if sentence not in text_index:
            text_index[sentence] = len(texts)
            texts.append(sentence)
        return text_index[sentence]

    matrix: list[int] = []
    before, on = _probe_days(g)
    for c in CERTIFICATES:
        for p in PROJECT_TYPES:
            for s in STAGES:
                for day in (before, on):
                    o = decide(g, labels, c, p, s, day)
                    key = (o.status, tuple(t(r) for r in o.reasons), tuple(t(n) for n in o.notes),
                           -1 if o.submission_index is None else o.submission_index)
                    if key not in outcome_index:
                        outcome_index[key] = len(outcomes)
                        outcomes.append([key[0], list(key[1]), list(key[2]), key[3]])
                    matrix.append(outcome_index[key])
    return {
        "v": FORMAT,
        "slug": g.slug,
        "name": g.name,
        "prefecture": g.prefecture or "",
        "start": g.start.date.isoformat(),
        "dateLabel": {s: date_label(g, labels, s) for s in STAGES},
        "certs": [[c, labels("certificate_type", c)] for c in CERTIFICATES],
        "projects": [[p, labels("project_type", p)] for p in PROJECT_TYPES],
        "stages": [[s, labels("contract_stage", s)] for s in STAGES],
        "subs": [submission_fields(g, s, labels, document_labels) for s in g.submissions],
        "texts": texts,
        "outcomes": outcomes,
        "m": matrix,
    }


def rules_json(g: model.Guidance, labels: views.Labels, document_labels: DocumentLabels | None = None) -> str:
    """The exported rules as JSON (``<``, ``>``, ``&`` escaped, so it may also sit inside HTML)."""
    text = json.dumps(export_rules(g, labels, document_labels), ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class TableRow:
    """One line of the no-script table: a certificate at the contract stages that share one answer."""

    certificate: str
    stages: tuple[str, ...]
    outcome: Outcome
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleTable:
    """The rules for the covered project types on or after the start, and what differs otherwise."""

    condition: str
    rows: list[TableRow]
    otherwise: list[str]
    columns: frozenset[str]


def rule_table(g: model.Guidance, labels: views.Labels, document_labels: DocumentLabels | None = None) -> RuleTable:
    """The rules as a table people read without the script, made from the same :func:`decide` calls.

    A certificate gets one row when the initial and the change contract have the same answer, else
    one row per stage. Columns no row fills (e.g. 件名) are left out to keep the page small.
    """
    before, on = _probe_days(g)
    project = g.scope.project_types[0]
    rows: list[TableRow] = []
    for c in CERTIFICATES:
        answers = [(s, decide(g, labels, c, project, s, on)) for s in STAGES]
        fields = [submission_fields(g, o.submission, labels, document_labels) if o.submission else {}
                  for _, o in answers]
        if all(o.status == answers[0][1].status and f == fields[0] for (_, o), f in zip(answers, fields)):
            rows.append(TableRow(c, STAGES, answers[0][1], fields[0]))
        else:
            rows.extend(TableRow(c, (s,), o, f) for (s, o), f in zip(answers, fields))
    # What changes for other cases: the reasons a covered certificate gets that the table rows do not show.
    shown = {r for row in rows for r in row.outcome.reasons}
    probe = g.certificates.covered[0]
    others = [decide(g, labels, probe, project, s, before) for s in STAGES]
    otherwise = list(dict.fromkeys(r for o in others for r in o.reasons if r not in shown))
    silent = [p for p in PROJECT_TYPES if p not in g.scope.project_types]
    if silent:  # one sentence for all project types the data does not name, worded as decide() words each
        otherwise.append(TEXT["project_silent"].format(
            project="・".join(labels.many("project_type", silent)),
            covered="、".join(labels.many("project_type", g.scope.project_types))))
    if g.start.basis == "unspecified":
        condition = f"{'・'.join(labels.many('project_type', g.scope.project_types))}の場合（判断する日付は資料に記載なし）"
    else:
        condition = (f"{date_label(g, labels, 'initial')}が{views.date_ja(g.start.date)}以降の"
                     f"{'・'.join(labels.many('project_type', g.scope.project_types))}の場合")
    columns = frozenset(k for row in rows for k, v in row.fields.items() if v)
    return RuleTable(condition=condition, rows=rows, otherwise=otherwise, columns=columns)


@dataclass(frozen=True)
class EligibilityView:
    """What the eligibility partial of a guidance page shows."""

    guidance: model.Guidance
    table: RuleTable
    date_labels: dict[str, str]
    choices: dict[str, list[tuple[str, str]]]


def eligibility_view(g: model.Guidance, labels: views.Labels,
                     document_labels: DocumentLabels | None = None) -> EligibilityView:
    """Template global: the check form's data and the no-script table for one guidance page."""
    return EligibilityView(
        guidance=g,
        table=rule_table(g, labels, document_labels),
        date_labels={s: date_label(g, labels, s) for s in STAGES},
        choices=choices(labels),
    )


def choices(labels: views.Labels) -> dict[str, list[tuple[str, str]]]:
    """The form's options (key, label) in the order of the exported rules."""
    return {
        "certificates": [(c, labels("certificate_type", c)) for c in CERTIFICATES],
        "projects": [(p, labels("project_type", p)) for p in PROJECT_TYPES],
        "stages": [(s, labels("contract_stage", s)) for s in STAGES],
    }


def write_outputs(generator: Any, writer: Any, data: Any, adopters: Any) -> None:
    """Write each orderer's rules.json (read by the site-wide check page) and the page /check/."""
    from esurety.site import outfiles

    labels = views.Labels(data.vocabulary)
    documents = functools.partial(views.document_labels, data)
    code = {p["name"]: p["code"] for p in data.prefectures}
    guidance = sorted(data.guidance, key=lambda g: (code.get(g.prefecture or "", ""), g.reading))
    groups: dict[str, list[model.Guidance]] = {}
    for g in guidance:
        outfiles.write_text(generator, f"municipalities/{g.slug}/rules.json", rules_json(g, labels, documents))
        groups.setdefault(g.prefecture or f"{labels('orderer_kind', g.kind)}など", []).append(g)
    writer.write_file(
        "check/index.html", generator.get_template("eligibility_check"), generator.context,
        guidance_list=guidance, orderer_groups=list(groups.items()), choices=choices(labels),
        **outfiles.page_context(generator, "check/"),
    )
    logger.info("wrote eligibility rules for %d orderers", len(guidance))
