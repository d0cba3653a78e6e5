"""The eligibility rule (esurety/rules/eligibility.py) against the real orderers' own rules.

Each row is a case a contractor could bring, on an orderer whose guidance file states the rule the row
is about; the expected answer is read from that orderer's document (the ``where`` of the claim), not
from the rule. A row asserts the status, the reason codes that decide it and their provenance: whose
statement it is (``orderer`` = a source of the guidance file, ``guarantor`` = a guarantor's general
rule in data/guarantors.yaml, ``inference`` = the site's reading with whom to ask) and which source.

Rows marked ``issue 12`` are the wrong answers issue 12 lists, on orderers of our data with those rules.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from esurety.data.dataset import Dataset
from esurety.rules.context import context_for
from esurety.rules.eligibility import OTHER, Case, decide
from esurety.rules.export import _representative as representative
from esurety.rules.export import breakpoints, compatible, decision_table
from esurety.rules.reasons import APPLIES, NOT_APPLIES, REASONS, UNKNOWN
from esurety.site.eligibility import export_rules
from esurety.site.wording import Words

from .conftest import decide_for

#: (code, origin, source id or None) — one reason the answer must give.
Expect = tuple[str, str, str | None]


def row(slug: str, status: str, reasons: list[Expect], *, id: str, **fields: Any) -> Any:
    return pytest.param(slug, fields, status, reasons, id=id)


CASES = [
    # --- department limits -----------------------------------------------------------------------
    row("gifu", NOT_APPLIES, [("not_in_only", "orderer", "gifu-page")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", department=OTHER, day="2025-11-01",
        id="issue12-gifu-department-not-listed-is-out"),
    row("gifu", APPLIES, [("covered", "orderer", "gifu-page"), ("date_on_or_after", "orderer", "gifu-page")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", department="行政部契約課",
        day="2025-11-01", id="gifu-listed-department-is-in"),
    row("hirosaki", NOT_APPLIES, [("not_in_only", "orderer", "hirosaki-page")],
        certificate="advance_payment", issuer="ejcs", project_type="construction", department=OTHER, day="2024-04-01",
        id="hirosaki-only-keiyakuka"),
    row("itoigawa", NOT_APPLIES, [("not_in_only", "orderer", "itoigawa-page")],
        certificate="advance_payment", issuer="ejcs", department=OTHER, day="2026-02-01",
        id="itoigawa-only-zaiseika"),
    row("hokkaido-kensetsu", NOT_APPLIES, [("not_in_only", "orderer", "hokkaido-kensetsu-page")],
        certificate="contract_performance", issuer="hokkaido", project_type="construction", department=OTHER,
        day="2024-02-01", id="hokkaido-only-kensetsu-kanri-bu"),
    # 北九州市 states a start only for 技術監理局契約部契約課's orders: another department's start is not published
    row("kitakyushu", UNKNOWN, [("start_not_for_case", "orderer", None)],
        certificate="advance_payment", issuer="wjcs", project_type="construction", department=OTHER, day="2024-04-01",
        id="kitakyushu-start-of-other-departments-unstated"),
    row("kitakyushu", APPLIES, [("date_on_or_after", "orderer", "kitakyushu-page")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", department="技術監理局契約部契約課",
        day="2024-02-01", id="kitakyushu-keiyakuka-from-its-start"),
    # --- issuer (guarantor) limits ---------------------------------------------------------------
    row("daisen", NOT_APPLIES, [("not_in_only", "orderer", "ejcs-daisen")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", day="2024-01-01",
        id="issue12-daisen-ejcs-only-refuses-wjcs"),
    row("daisen", APPLIES, [("covered", "orderer", "ejcs-daisen"), ("date_on_or_after", "orderer", "ejcs-daisen")],
        certificate="advance_payment", issuer="ejcs", project_type="construction", day="2024-01-01",
        id="daisen-ejcs-is-in"),
    row("hirosaki", NOT_APPLIES, [("excluded", "orderer", "hirosaki-page")],
        certificate="bank_guarantee", issuer="bank", project_type="construction", department="契約課", day="2024-04-01",
        id="hirosaki-bank-guarantee-excluded"),
    # --- basis: conclusion of the guarantee contract ---------------------------------------------
    # applied for on 2025-10-31, concluded on 2025-11-01: the form asks the conclusion date
    row("gifu", APPLIES, [("date_on_or_after", "orderer", "gifu-page")],
        certificate="contract_performance", issuer="wjcs", project_type="construction", department="行政部契約課",
        day="2025-11-01", id="issue12-gifu-guarantee-concluded-on-start-day"),
    row("gifu", NOT_APPLIES, [("date_before", "orderer", "gifu-page")],
        certificate="contract_performance", issuer="wjcs", project_type="construction", department="行政部契約課",
        day="2025-10-31", id="gifu-guarantee-concluded-before-start"),
    # --- procurement methods ---------------------------------------------------------------------
    row("fukutsu", NOT_APPLIES, [("excluded", "orderer", "fukutsu-page")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", procurement_method="negotiated",
        day="2024-04-01", id="issue12-fukutsu-negotiated-is-out"),
    row("fukutsu", APPLIES, [("covered", "orderer", "fukutsu-page")],
        certificate="advance_payment", issuer="wjcs", project_type="construction",
        procurement_method="designated_competitive", day="2024-04-01", id="fukutsu-designated-is-in"),
    # --- a start known only to the month ---------------------------------------------------------
    row("itoigawa", UNKNOWN, [("date_in_start_month", "orderer", "itoigawa-page")],
        certificate="advance_payment", issuer="ejcs", department="財政課", day="2026-01-15",
        id="itoigawa-inside-start-month"),
    row("itoigawa", UNKNOWN, [("date_in_start_month", "orderer", "itoigawa-page")],
        certificate="advance_payment", issuer="ejcs", department="財政課", day="2026-01-01",
        id="itoigawa-first-of-start-month"),
    row("itoigawa", NOT_APPLIES, [("date_before", "orderer", "itoigawa-page")],
        certificate="advance_payment", issuer="ejcs", department="財政課", day="2025-12-31",
        id="itoigawa-before-start-month"),
    # after the month the date is fine; the kind of work stays unstated (itoigawa names none)
    row("itoigawa", UNKNOWN, [("date_on_or_after", "orderer", "itoigawa-page"), ("dimension_unstated", "orderer", None)],
        certificate="advance_payment", issuer="ejcs", department="財政課", day="2026-02-01",
        id="itoigawa-after-start-month"),
    # --- one of two dates (公告日又は指名通知日) -------------------------------------------------
    row("hirosaki", APPLIES, [("date_on_or_after", "orderer", "hirosaki-page")],
        certificate="advance_payment", issuer="ejcs", project_type="construction", department="契約課",
        day="2024-04-01", id="hirosaki-notice-on-start"),
    row("hirosaki", NOT_APPLIES, [("date_before", "orderer", "hirosaki-page")],
        certificate="advance_payment", issuer="ejcs", project_type="construction", department="契約課",
        day="2024-03-31", id="hirosaki-notice-before-start"),
    row("hirosaki", UNKNOWN, [("date_missing", "orderer", "hirosaki-page")],
        certificate="advance_payment", issuer="ejcs", project_type="construction", department="契約課",
        day=None, id="hirosaki-no-date-yet"),
    row("kitakyushu", NOT_APPLIES, [("date_before", "orderer", "kitakyushu-page")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", department="技術監理局契約部契約課",
        day="2024-01-31", id="kitakyushu-notice-before-start"),
    # --- basis: unstated -------------------------------------------------------------------------
    row("kitashiobara", UNKNOWN, [("basis_unstated", "orderer", "kitashiobara-page")],
        certificate="advance_payment", issuer="ejcs", day="2024-04-01", id="issue12-kitashiobara-basis-unstated"),
    row("chiryu", UNKNOWN, [("basis_unstated", "orderer", "chiryu-page")],
        certificate="advance_payment", issuer="wjcs", day="2025-10-15", id="chiryu-month-start-basis-unstated"),
    # --- the guarantors' general rule (契約保証予約) ----------------------------------------------
    row("omura", NOT_APPLIES, [("never_electronic", "guarantor", "wjcs-saga-2026-02")],
        certificate="contract_reservation", issuer="wjcs", project_type="construction", day="2026-04-01",
        id="issue12-omura-reservation-out-by-wjcs-rule"),
    row("taketa", NOT_APPLIES, [("never_electronic", "guarantor", "wjcs-saga-2026-02")],
        certificate="contract_reservation", issuer="wjcs", project_type="construction", day="2025-01-01",
        id="taketa-reservation-out-by-wjcs-rule"),
    row("tosu", NOT_APPLIES, [("never_electronic", "guarantor", "wjcs-saga-2026-02")],
        certificate="contract_reservation", issuer="wjcs", project_type="construction", day="2026-03-01",
        id="tosu-reservation-out-by-wjcs-rule"),
    # 大仙市 (EJCS): neither its document nor EJCS's says anything about 契約保証予約
    row("daisen", UNKNOWN, [("not_listed", "orderer", "ejcs-daisen")],
        certificate="contract_reservation", issuer="ejcs", project_type="construction", day="2024-01-01",
        id="issue12-daisen-reservation-silent-must-ask"),
    # --- change contracts ------------------------------------------------------------------------
    row("tosu", UNKNOWN, [("change_unstated_before", "inference", None)],
        certificate="advance_payment", issuer="wjcs", project_type="construction", stage="change", day="2026-02-28",
        id="issue12-tosu-change-is-not-a-stated-out"),
    row("tosu", UNKNOWN, [("change_unstated_after", "inference", None)],
        certificate="advance_payment", issuer="wjcs", project_type="construction", stage="change", day="2026-03-01",
        id="tosu-change-after-start-inferred"),
    row("daisen", UNKNOWN, [("change_unstated_before", "inference", None)],
        certificate="advance_payment", issuer="ejcs", project_type="construction", stage="change", day="2023-11-30",
        id="issue12-daisen-change-is-not-a-stated-out"),
    # 当初契約の締結日: the basis itself says a change contract goes by the initial contract
    row("taketa", NOT_APPLIES, [("change_project_before", "orderer", "wjcs-taketa")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", stage="change", day="2024-09-30",
        id="taketa-change-of-earlier-initial-contract-out"),
    row("taketa", APPLIES, [("change_follows_project", "orderer", "wjcs-taketa")],
        certificate="contract_performance", issuer="wjcs", project_type="construction", stage="change",
        day="2025-06-01", id="taketa-change-follows-initial"),
    # 契約締結日 (each contract): the change of a contract concluded before the start is not addressed
    row("omura", UNKNOWN, [("change_contract_before", "orderer", "wjcs-omura")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", stage="change", day="2026-03-31",
        id="omura-change-of-earlier-contract-must-ask"),
    row("omura", APPLIES, [("date_on_or_after", "orderer", "wjcs-omura")],
        certificate="interim_advance_payment", issuer="wjcs", project_type="construction", stage="change",
        day="2026-04-01", id="omura-change-of-later-contract"),
    # --- the seed leaflets' own cases (moved from tests/features/test_eligibility.py) -------------
    row("omura", APPLIES, [("date_on_or_after", "orderer", "wjcs-omura"), ("covered", "orderer", "wjcs-omura")],
        certificate="contract_performance", issuer="wjcs", project_type="construction", day="2026-04-01",
        id="omura-on-start"),
    row("omura", NOT_APPLIES, [("date_before", "orderer", "wjcs-omura")],
        certificate="contract_performance", issuer="wjcs", project_type="construction", day="2026-03-31",
        id="omura-before-start"),
    row("omura", APPLIES, [("covered", "orderer", "wjcs-omura")],
        certificate="advance_payment", issuer="wjcs", project_type="consulting", day="2026-05-10",
        id="omura-consulting"),
    # was 確認が必要 under format 1; 大村市's leaflet names 工事 and 建設コンサルタント業務 as the cases (only)
    row("omura", NOT_APPLIES, [("not_in_only", "orderer", "wjcs-omura")],
        certificate="advance_payment", issuer="wjcs", project_type=OTHER, day="2026-05-10",
        id="omura-other-kind-of-work"),
    row("taketa", APPLIES, [("date_on_or_after", "orderer", "wjcs-taketa")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", day="2024-10-01",
        id="taketa-on-start"),
    row("taketa", NOT_APPLIES, [("date_before", "orderer", "wjcs-taketa")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", day="2024-09-30",
        id="taketa-before-start"),
    # was 確認が必要 under format 1; the trial covers 「竹田市と当初契約を締結する工事」 (only)
    row("taketa", NOT_APPLIES, [("not_in_only", "orderer", "wjcs-taketa")],
        certificate="advance_payment", issuer="wjcs", project_type=OTHER, day="2025-01-01",
        id="taketa-other-kind-of-work"),
    row("tosu", APPLIES, [("date_on_or_after", "orderer", "wjcs-saga-2026-02")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", day="2026-03-01",
        id="tosu-on-start"),
    row("tosu", NOT_APPLIES, [("date_before", "orderer", "wjcs-saga-2026-02")],
        certificate="advance_payment", issuer="wjcs", project_type="construction", day="2026-02-28",
        id="tosu-before-start"),
    row("daisen", UNKNOWN, [("not_listed", "orderer", "ejcs-daisen")],
        certificate="interim_advance_payment", issuer="ejcs", project_type="construction", day="2024-01-01",
        id="daisen-interim-not-named"),
    row("daisen", APPLIES, [("date_on_or_after", "orderer", "ejcs-daisen")],
        certificate="advance_payment", issuer="ejcs", project_type="construction", day="2023-12-01",
        id="daisen-on-start"),
    row("daisen", NOT_APPLIES, [("date_before", "orderer", "ejcs-daisen")],
        certificate="advance_payment", issuer="ejcs", project_type="construction", day="2023-11-30",
        id="daisen-before-start"),
]


def _source_title(data: Dataset, slug: str, source_id: str) -> str:
    g = next(g for g in data.guidance if g.slug == slug)
    if source_id in g.sources:
        return g.sources[source_id].title
    return next(gu.sources[source_id].title for gu in data.guarantors.values() if source_id in gu.sources)


@pytest.mark.parametrize(("slug", "fields", "status", "expected"), CASES)
def test_case(data: Dataset, slug: str, fields: dict[str, Any], status: str, expected: list[Expect]) -> None:
    """GIVEN a case of a real orderer WHEN the rule decides it THEN the status, codes and provenance are the document's."""
    outcome = decide_for(data, slug, fields)

    assert outcome.status == status, [(r.code, r.source) for r in outcome.reasons]
    given = [(r.code, r.origin, r.source) for r in outcome.reasons]
    for want in expected:
        assert want in given, (want, given)
    deciding = [r for r in outcome.reasons if r.effect == status]
    assert deciding, "the deciding reasons come first and there is at least one"
    assert outcome.reasons[0].effect == status
    if status == NOT_APPLIES:
        assert all(r.effect == NOT_APPLIES for r in outcome.reasons), "対象外 lists only what excludes the case"
        assert outcome.route is None
    words = Words(data, next(g for g in data.guidance if g.slug == slug))
    for r in outcome.reasons:
        text = words.provenance(r)
        if r.origin == "inference":
            assert text.startswith("サイトの推論: ") and "確認先: " in text
        elif r.source is not None:
            assert _source_title(data, slug, r.source) in text
        if r.origin == "guarantor":
            assert text.startswith("出典（保証事業会社の資料）")


@pytest.mark.parametrize(("slug", "fields", "status", "expected"), [c for c in CASES if c.values[2] == UNKNOWN])
def test_unknown_names_whom_to_ask(data: Dataset, slug: str, fields: dict[str, Any], status: str,
                                   expected: list[Expect]) -> None:
    """GIVEN a case the documents leave open WHEN decided THEN 確認が必要 says whom to ask."""
    outcome = decide_for(data, slug, fields)
    assert outcome.status == UNKNOWN
    assert outcome.asks and all(a.strip() for a in outcome.asks)


@pytest.mark.parametrize(("slug", "fields", "route"), [
    # 大村市: 契約保証 by email to 財政部契約課; 前払金保証 to the works section, address on the city's site
    ("omura", dict(certificate="contract_performance", issuer="wjcs", project_type="construction", day="2026-04-01"),
     {"recipient": "財政部契約課", "email": "keiyakumain@city.omura.nagasaki.jp", "methods": "電子メール"}),
    ("omura", dict(certificate="advance_payment", issuer="wjcs", project_type="construction", day="2026-04-01"),
     {"recipient": "工事担当課", "email": "資料に記載なし", "note": "ホームページ"}),
    # 竹田市: in person, both printed (the key notice and the STEP 3 screen)
    ("taketa", dict(certificate="advance_payment", issuer="wjcs", project_type="construction", day="2025-01-01"),
     {"methods": "持参", "printout": "印刷して提出", "documents": "電子証書の内容を確認する画面を印刷したもの"}),
    # 岐阜市: 契約保証 from a surety company through the web form to 契約課
    ("gifu", dict(certificate="contract_performance", issuer="wjcs", project_type="construction",
                  department="行政部契約課", day="2025-11-01"),
     {"methods": "ウェブフォーム", "recipient": "契約課"}),
    # 岐阜市: an insurer's PDF bond by email, with the insurer's common address in CC
    ("gifu", dict(certificate="performance_bond", issuer="insurer", project_type="construction",
                  department="行政部契約課", day="2025-11-01"),
     {"email": "keiyaku@city.gifu.gifu.jp", "cc": "共通窓口", "documents": "PDF 形式の保険証券"}),
])
def test_every_applies_comes_with_its_route(data: Dataset, slug: str, fields: dict[str, Any], route: dict[str, str]) -> None:
    """GIVEN a covered case WHEN decided THEN the answer names the orderer's route and its facts."""
    outcome = decide_for(data, slug, fields)
    assert outcome.status == APPLIES and outcome.route is not None
    g = next(g for g in data.guidance if g.slug == slug)
    view = Words(data, g).route(g.submissions[outcome.route])
    for field, text in route.items():
        assert text in view.fields.get(field, ""), (field, view.fields)


# ------------------------------------------------------------------------ properties over every orderer


def _all_outcomes(data: Dataset):
    for g in data.guidance:
        table = decision_table(g, context_for(data, g))
        yield g, table


def test_applies_rests_only_on_stated_facts(data: Dataset) -> None:
    """GIVEN every input of every orderer WHEN the answer is 対象 THEN the date, the certificate and the issuer
    are each confirmed by a reason with a source, no reason is the site's guess, and a route is named."""
    seen = 0
    for g, table in _all_outcomes(data):
        for o in table.outcomes:
            if o.status != APPLIES:
                continue
            seen += 1
            codes = {r.code for r in o.reasons}
            assert codes & {"date_on_or_after", "change_follows_project"}, (g.slug, codes)
            assert any(r.code == "covered" and r.param("dimension") == "certificates" for r in o.reasons), g.slug
            assert any((r.param("dimension") == "issuers" and r.code == "covered") or r.code == "issuer_listed"
                       for r in o.reasons), g.slug
            assert all(r.origin != "inference" and r.source for r in o.reasons), (g.slug, o.reasons)
            assert o.route is not None, g.slug
    assert seen, "some case of the real data is covered"


def test_not_applies_always_names_a_stated_limit(data: Dataset) -> None:
    """GIVEN every input of every orderer WHEN the answer is 対象外 THEN each reason is a stated rule with its
    document (the orderer's or a guarantor's) — never the site's inference."""
    for g, table in _all_outcomes(data):
        for o in table.outcomes:
            if o.status == NOT_APPLIES:
                assert o.reasons and all(r.effect == NOT_APPLIES and r.origin in ("orderer", "guarantor") and r.source
                                         for r in o.reasons), (g.slug, o.reasons)


def test_reservation_from_west_japan_is_never_electronic(data: Dataset) -> None:
    """GIVEN any orderer and a WJCS 契約保証予約 WHEN decided on any date and stage THEN 対象外, with WJCS's document."""
    rule_sources = {r.source for r in data.guarantors["wjcs"].rules if "contract_reservation" in r.excludes_certificates}
    assert rule_sources
    for g in data.guidance:
        ctx = context_for(data, g)
        days = [None] + [b for b in breakpoints(g)] + [dt.date(2099, 12, 31)]
        for stage, day in itertools.product(("initial", "change"), days):
            o = decide(g, ctx, Case("contract_reservation", "wjcs", stage, day=day))
            assert o.status == NOT_APPLIES and o.route is None, (g.slug, stage, day)
            assert any(r.code == "never_electronic" and r.origin == "guarantor" and r.source in rule_sources
                       for r in o.reasons)


def test_silence_about_a_certificate_is_asked_never_answered(data: Dataset) -> None:
    """GIVEN an orderer whose documents neither list nor exclude a certificate (no ``only`` list) WHEN a case
    with that certificate is otherwise covered THEN the answer is 確認が必要, not 対象 or 対象外."""
    checked = 0
    for g in data.guidance:
        limits = g.scope.limits("certificates")
        if any(lim.only for lim in limits):
            continue
        ctx = context_for(data, g)
        named = set(g.scope.named("certificates"))
        table = decision_table(g, ctx)
        for cert in data.vocabulary.keys("certificate_type"):
            if cert in named or any(cert in r.excludes_certificates for gu in data.guarantors.values() for r in gu.rules):
                continue
            for values, day in _covered_inputs(data, g, table):
                if not compatible(data.vocabulary, cert, values["issuers"]):
                    continue
                o = decide(g, ctx, _case({**values, "certificates": cert}, day))
                if any(r.effect == NOT_APPLIES and r.param("dimension") != "certificates" for r in o.reasons):
                    continue  # another stated limit excludes it
                checked += 1
                assert o.status == UNKNOWN, (g.slug, cert, values)
                assert any(r.param("dimension") == "certificates" and r.effect == UNKNOWN for r in o.reasons)
    assert checked


def _case(values: dict[str, str], day: dt.date | None) -> Case:
    return Case(values["certificates"], values["issuers"], values.get("contract_stages", "initial"),
                values.get("project_types"), values.get("departments"), values.get("procurement_methods"), day)


def _covered_inputs(data: Dataset, g, table):
    """Inputs of the table whose answer is 対象, with the day the table decided them on."""
    slots = len(table.breaks) + 2
    names = [d for d, _ in table.dimensions]
    for i, combo in enumerate(itertools.product(*(v for _, v in table.dimensions))):
        for slot in range(slots):
            cell = table.cells[i * slots + slot]
            if cell >= 0 and table.outcomes[cell].status == APPLIES:
                day = None if slot == 0 else (table.breaks[slot - 2] if slot >= 2 else None)
                if day is not None:
                    yield dict(zip(names, combo)), day


def test_the_date_matters_only_through_the_breakpoints(data: Dataset) -> None:
    """GIVEN any orderer WHEN a case is decided on days around and far from each breakpoint THEN it decides like
    the breakpoint interval it falls in (the exported table relies on it)."""
    for g in data.guidance:
        ctx = context_for(data, g)
        breaks = breakpoints(g)
        table = decision_table(g, ctx)
        days = {dt.date(2001, 1, 1), dt.date(2099, 12, 31)}
        for b in breaks:
            days |= {b - dt.timedelta(days=1), b, b + dt.timedelta(days=1), b + dt.timedelta(days=400)}
        names = [d for d, _ in table.dimensions]
        for combo in itertools.product(*(v for _, v in table.dimensions)):
            values = dict(zip(names, combo))
            if not compatible(data.vocabulary, values["certificates"], values["issuers"]):
                continue
            for day in sorted(days):
                expected = table.outcomes[table.cells[table.index(values, day)]]
                assert decide(g, ctx, _case(values, day)) == expected, (g.slug, values, day)


def test_gifu_form_asks_the_conclusion_date_of_the_guarantee(data: Dataset) -> None:
    """GIVEN 岐阜市 (保証契約の締結日) WHEN the form is exported THEN its one date input is that date, not the application."""
    g = next(g for g in data.guidance if g.slug == "gifu")
    exported = export_rules(data, g)
    assert exported["dateInputs"] == [["guarantee_conclusion", data.vocabulary.label("date_basis", "guarantee_conclusion")]]
    assert data.vocabulary.label("date_basis", "guarantee_conclusion") == "保証契約の締結日"


@pytest.mark.parametrize("slug", ["hirosaki", "kitakyushu", "fukutsu"])
def test_two_alternative_dates_are_two_inputs(data: Dataset, slug: str) -> None:
    """GIVEN an orderer whose basis is 公告日又は指名通知日 WHEN the form is exported THEN it asks either date."""
    g = next(g for g in data.guidance if g.slug == slug)
    term = data.vocabulary.date_basis[g.start[0].basis]
    assert term.alternatives
    assert [key for key, _ in export_rules(data, g)["dateInputs"]] == term.alternatives


def test_every_reason_code_has_an_effect() -> None:
    """GIVEN the reason codes WHEN listed THEN each says whether it confirms, excludes, asks or only remarks."""
    assert set(REASONS.values()) <= {APPLIES, NOT_APPLIES, UNKNOWN, None}


@pytest.mark.parametrize("slug", ["kitashiobara", "chiryu", "kunisaki"])
def test_unstated_basis_reads_as_a_clean_sentence(data: Dataset, slug: str) -> None:
    """Issue 12: GIVEN an orderer whose basis is unstated WHEN a case after its start is decided THEN 確認が必要
    says that the date that counts is not in the documents — a sentence, not 「資料に記載なしが…」."""
    g = next(g for g in data.guidance if g.slug == slug)
    assert all(s.basis == "unstated" for s in g.start)
    day = max(s.last_day for s in g.start if s.last_day) + dt.timedelta(days=1)
    issuer = next(iter(g.scope.named("issuers")), "wjcs")
    outcome = decide(g, context_for(data, g), Case("advance_payment", issuer, day=day))
    assert outcome.status == UNKNOWN
    [reason] = [r for r in outcome.reasons if r.code == "basis_unstated"]
    text = Words(data, g).reason(reason)
    assert text == data.vocabulary.reason["basis_unstated"].text
    assert "資料に記載なしが" not in text and text.endswith("。")


def _every_cell(g, table):
    """Each possible cell of the table: the values of its dimensions and the day it was decided on."""
    names = [d for d, _ in table.dimensions]
    slots = len(table.breaks) + 2
    for combo in itertools.product(*(v for _, v in table.dimensions)):
        values = dict(zip(names, combo))
        for slot in range(slots):
            yield values, representative(table.breaks, slot)


@pytest.fixture(scope="module")
def synthetic_data(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    from bench import synthetic
    from esurety.data.dataset import load_dataset

    root = tmp_path_factory.mktemp("synthetic")
    synthetic.make_project(root, 60)
    return load_dataset(root)


@pytest.mark.parametrize("which", ["real", "synthetic"])
def test_the_memo_of_a_table_never_changes_an_answer(which: str, data: Dataset, synthetic_data: Dataset) -> None:
    """GIVEN every orderer (ours, and 60 synthetic ones with other mixes of limits) WHEN its decision table is
    made (one memo across all its cases) THEN every possible cell holds what decide() answers for it alone."""
    chosen = data if which == "real" else synthetic_data
    checked = 0
    for g in chosen.guidance:
        ctx = context_for(chosen, g)
        table = decision_table(g, ctx)
        for values, day in _every_cell(g, table):
            if compatible(chosen.vocabulary, values["certificates"], values["issuers"]):
                assert decide(g, ctx, _case(values, day)) == table.outcomes[table.cells[table.index(values, day)]], \
                    (g.slug, values, day)
                checked += 1
            else:
                assert table.cells[table.index(values, day)] == -1
    assert checked > 1000
