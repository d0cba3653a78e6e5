"""The eligibility rule and its decision table, case by case on small made-up orderers.

Written against what mutation testing (`make mutation`) showed untested: each test names a behaviour
of esurety/rules/eligibility.py or export.py and fails when it breaks. The orderers here are built
in the test (model.Guidance from a dict) so each rule branch is reached on purpose; the vocabulary
and the guarantors' general rules are the real ones.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from esurety.data import model
from esurety.rules import eligibility as el
from esurety.rules import export
from esurety.rules.eligibility import OTHER, Case, Context, Memo, decide

ROOT = Path(__file__).resolve().parents[2]
D = dt.date


@pytest.fixture(scope="module")
def vocab() -> model.Vocabulary:
    return model.Vocabulary.model_validate(yaml.safe_load((ROOT / "data" / "vocabulary.yaml").read_text("utf-8")))


@pytest.fixture(scope="module")
def ctx(vocab: model.Vocabulary) -> Context:
    listed = model.GuarantorList.model_validate(yaml.safe_load((ROOT / "data" / "guarantors.yaml").read_text("utf-8")))
    return Context(vocabulary=vocab, guarantors={g.id: g for g in listed.guarantors})


def orderer(**over: Any) -> model.Guidance:
    """A city whose leaflet says: from 2026-04-01 by the contract conclusion date, key notice by e-mail."""
    base: dict[str, Any] = {
        "name": "テスト市", "reading": "てすとし", "prefecture": "大分県", "kind": "city", "slug": "test-shi",
        "sources": {"leaflet": {"title": "電子保証のご案内", "kind": "orderer", "checked_on": "2026-12-01"}},
        "start": [{"from": "2026-04-01", "basis": "contract_conclusion", "source": "leaflet", "where": "p.1"}],
        "submissions": [{"methods": ["email"], "documents": ["key_notice"], "source": "leaflet"}],
        "scope": {"certificates": {"only": ["advance_payment", "contract_performance"], "source": "leaflet"},
                  "issuers": {"only": ["wjcs", "ejcs"], "source": "leaflet"},
                  "project_types": {"only": ["construction"], "source": "leaflet"}},
        "contacts": [{"name": "契約検査課", "source": "leaflet"}],
    }
    for key, value in over.items():
        if key.startswith("scope_"):
            base["scope"] = {**base["scope"], key[6:]: value}
            if value is None:
                del base["scope"][key[6:]]
        else:
            base[key] = value
    return model.Guidance.model_validate(base)


def case(day: str | None = "2026-05-01", **over: Any) -> Case:
    values: dict[str, Any] = {"certificate": "advance_payment", "issuer": "wjcs", "project_type": "construction",
                              **over}
    return Case(day=D.fromisoformat(day) if day else None, **values)


def codes(outcome: el.Outcome) -> list[str]:
    return [r.code for r in outcome.reasons]


def start(from_: str, basis: str, **more: Any) -> dict[str, Any]:
    return {"from": from_, "basis": basis, "source": "leaflet", **more}


# --- the date ---------------------------------------------------------------------------------

@pytest.mark.parametrize("day, status, code", [
    ("2026-03-31", "not_applies", "date_before"),
    ("2026-04-01", "applies", "date_on_or_after"),     # the start day itself counts
    ("2027-01-01", "applies", "date_on_or_after"),
])
def test_a_contract_date_against_the_start(ctx: Context, day: str, status: str, code: str) -> None:
    out = decide(orderer(), ctx, case(day))
    assert out.status == status
    assert out.applies is (status == "applies")
    assert codes(out)[0] == code
    date_reason = next(r for r in out.reasons if r.code == code)
    assert date_reason.param("date_label") == ("date_basis", "contract_conclusion")
    assert date_reason.param("start") == D(2026, 4, 1)
    assert (date_reason.origin, date_reason.source, date_reason.where) == ("orderer", "leaflet", "p.1")


def test_no_date_yet_is_asked_not_guessed(ctx: Context) -> None:
    out = decide(orderer(), ctx, case(None))
    assert out.status == "unknown"
    missing = next(r for r in out.reasons if r.code == "date_missing")
    assert missing.params == (("date_label", ("date_basis", "contract_conclusion")),)
    assert (missing.origin, missing.source, missing.where) == ("orderer", "leaflet", "p.1")
    assert out.asks == ("テスト市 契約検査課",)


@pytest.mark.parametrize("day, status, code", [
    ("2026-03-31", "not_applies", "date_before"),
    ("2026-04-01", "unknown", "date_in_start_month"),   # the leaflet says only 令和8年4月
    ("2026-04-30", "unknown", "date_in_start_month"),
    ("2026-05-01", "applies", "date_on_or_after"),
])
def test_a_start_known_only_to_the_month(ctx: Context, day: str, status: str, code: str) -> None:
    out = decide(orderer(start=[start("2026-04", "contract_conclusion")]), ctx, case(day))
    assert (out.status, codes(out)[0]) == (status, code)
    assert out.reasons[0].param("date_label") == ("date_basis", "contract_conclusion")
    assert out.reasons[0].param("start") == "2026-04"


def test_a_trial_is_a_remark_not_a_reason(ctx: Context) -> None:
    out = decide(orderer(start=[start("2026-04-01", "contract_conclusion", trial=True)]), ctx, case("2026-05-01"))
    assert out.status == "applies"
    assert [n.code for n in out.notes] == ["trial"]
    assert out.notes[0].param("start") == D(2026, 4, 1)
    assert "trial" not in codes(out)
    before = decide(orderer(start=[start("2026-04-01", "contract_conclusion", trial=True)]), ctx, case("2026-03-01"))
    assert before.status == "not_applies" and [n.code for n in before.notes] == ["trial"]


def test_an_unstated_basis_or_start_is_asked(ctx: Context) -> None:
    out = decide(orderer(start=[start("2026-04-01", "unstated")]), ctx, case())
    assert out.status == "unknown" and "basis_unstated" in codes(out)
    out = decide(orderer(start=[start("unstated", "contract_conclusion")]), ctx, case())
    reason = next(r for r in out.reasons if r.code == "dimension_unstated")
    assert out.status == "unknown" and reason.param("dimension") == "開始日" and reason.source == "leaflet"


# --- change contracts -------------------------------------------------------------------------

@pytest.mark.parametrize("day, status, code", [
    ("2026-03-31", "unknown", "change_unstated_before"),
    ("2026-04-01", "unknown", "change_unstated_after"),
])
def test_a_change_contract_under_a_project_date_the_orderer_does_not_address_is_asked(
        ctx: Context, day: str, status: str, code: str) -> None:
    out = decide(orderer(start=[start("2026-04-01", "tender_notice")]), ctx, case(day, stage="change"))
    assert (out.status, codes(out)[0]) == (status, code)
    reason = out.reasons[0]
    assert reason.origin == "inference" and reason.source is None
    assert "入札公告日" in reason.inference and "変更契約" in reason.inference
    assert reason.ask == "テスト市 契約検査課"
    assert reason.param("start") == D(2026, 4, 1)


def test_a_basis_that_itself_covers_change_contracts_is_the_orderers_word(ctx: Context) -> None:
    g = orderer(start=[start("2026-04-01", "initial_contract", where="対象")])
    out = decide(g, ctx, case("2026-04-01", stage="change"))
    assert (out.status, codes(out)[0]) == ("applies", "change_follows_project")
    reason = out.reasons[0]
    assert (reason.origin, reason.source, reason.where, reason.inference, reason.ask) == (
        "orderer", "leaflet", "対象", None, None)
    assert codes(decide(g, ctx, case("2026-03-31", stage="change")))[0] == "change_project_before"


def test_a_change_contract_in_a_start_month_known_only_to_the_month(ctx: Context) -> None:
    out = decide(orderer(start=[start("2026-04", "tender_notice")]), ctx, case("2026-04-15", stage="change"))
    assert (out.status, codes(out)[0]) == ("unknown", "date_in_start_month")
    assert dict(out.reasons[0].params) == {"date_label": ("date_basis", "tender_notice"), "start": "2026-04"}


@pytest.mark.parametrize("day, status, code", [
    ("2026-03-31", "unknown", "change_contract_before"),
    ("2026-04-01", "applies", "date_on_or_after"),
])
def test_a_change_contract_under_a_contract_date_is_judged_by_the_initial_contract(
        ctx: Context, day: str, status: str, code: str) -> None:
    out = decide(orderer(), ctx, case(day, stage="change"))
    assert (out.status, codes(out)[0]) == (status, code)
    reason = out.reasons[0]
    assert reason.origin == "orderer" and reason.source == "leaflet"
    expected = ("initial_of", "contract_conclusion") if status == "applies" else ("date_basis", "contract_conclusion")
    assert reason.param("date_label") == expected


# --- which start -------------------------------------------------------------------------------

def test_the_most_specific_start_governs(ctx: Context) -> None:
    g = orderer(start=[start("2026-04-01", "contract_conclusion"),
                       start("2025-10-01", "contract_conclusion", **{"for": {"project_types": ["construction"]}})],
                scope_project_types={"includes": ["construction"], "source": "leaflet"})
    assert el.start_for(g, case()).first_day == D(2025, 10, 1)
    assert el.start_for(g, case(project_type="consulting")).first_day == D(2026, 4, 1)
    assert el.start_for(g, case(project_type=None)).first_day == D(2025, 10, 1)   # not asked: the filter holds
    assert decide(g, ctx, case("2025-11-01")).status == "applies"
    assert decide(g, ctx, case("2025-11-01", project_type="consulting")).status == "not_applies"


def test_a_case_no_start_is_for_is_asked_naming_the_case(ctx: Context) -> None:
    g = orderer(start=[start("2026-04-01", "contract_conclusion",
                             **{"for": {"departments": ["土木課"], "project_types": ["construction"]}})],
                scope_departments={"only": ["土木課", "建築課"], "source": "leaflet"})
    out = decide(g, ctx, case(department="建築課"))
    reason = next(r for r in out.reasons if r.code == "start_not_for_case")
    assert out.status == "unknown" and reason.param("case") == ("建築課", ("project_type", "construction"))
    assert (reason.origin, reason.source) == ("orderer", None)
    assert el._describe(case(department=OTHER, project_type=OTHER)) == (("other", "departments"),
                                                                          ("other", "project_types"))
    assert el._describe(case(department=None, project_type=None)) == "この案件"


# --- the scope dimensions ----------------------------------------------------------------------

def test_only_covers_what_it_names(ctx: Context) -> None:
    out = decide(orderer(), ctx, case())
    assert out.status == "applies"
    covered = [r for r in out.reasons if r.code == "covered"]
    assert [r.param("dimension") for r in covered] == ["certificates", "issuers", "project_types"]
    assert covered[0].param("value") == ("certificate_type", "advance_payment")
    assert covered[0].param("listed") == (("certificate_type", "advance_payment"),
                                          ("certificate_type", "contract_performance"))
    out = decide(orderer(), ctx, case(project_type="surveying"))
    assert out.status == "not_applies" and codes(out) == ["not_in_only"]


def test_not_applies_keeps_only_the_excluding_reasons(ctx: Context) -> None:
    out = decide(orderer(start=[start("2026-04-01", "contract_conclusion", trial=True)]), ctx,
                 case("2026-01-01", project_type="surveying"))
    assert out.status == "not_applies"
    assert codes(out) == ["date_before", "not_in_only"]
    assert [n.code for n in out.notes] == ["trial"]
    assert out.route is None and out.asks == ()


def test_includes_leaves_the_rest_to_be_asked(ctx: Context) -> None:
    g = orderer(scope_project_types={"includes": ["construction"], "source": "leaflet"})
    assert decide(g, ctx, case()).status == "applies"
    out = decide(g, ctx, case(project_type="consulting"))
    assert out.status == "unknown" and codes(out)[0] == "not_listed"
    assert dict(out.reasons[0].params) == {"dimension": "project_types", "value": ("project_type", "consulting"),
                                           "listed": (("project_type", "construction"),)}
    covered = next(r for r in decide(g, ctx, case()).reasons if r.param("dimension") == "project_types")
    assert covered.code == "covered" and covered.param("listed") == (("project_type", "construction"),)


def test_excludes_wins(ctx: Context) -> None:
    g = orderer(scope_certificates={"excludes": ["contract_performance"], "source": "leaflet"})
    out = decide(g, ctx, case(certificate="contract_performance"))
    assert out.status == "not_applies" and codes(out) == ["excluded"]
    # only exclusions are stated: anything else is asked, saying so
    out = decide(g, ctx, case(certificate="advance_payment"))
    reason = next(r for r in out.reasons if r.code == "not_listed")
    assert out.status == "unknown" and reason.param("listed") == ("（対象外の記載のみ）",)


def test_exclusions_only_of_an_open_dimension_limit_nothing_else(ctx: Context) -> None:
    g = orderer(scope_departments={"excludes": ["水道課"], "source": "leaflet"})
    assert decide(g, ctx, case(department="土木課")).status == "applies"
    assert decide(g, ctx, case(department="水道課")).status == "not_applies"
    shown = decide(g, ctx, case(department="水道課")).reasons[0]
    assert shown.param("value") == "水道課" and shown.param("listed") == ()
    other = decide(orderer(scope_departments={"only": ["土木課"], "source": "leaflet"}), ctx, case(department=OTHER))
    assert other.reasons[0].param("value") == ("other", "departments")
    assert other.reasons[0].param("listed") == ("土木課",)


@pytest.mark.parametrize("dimension, status", [
    ("certificates", "unknown"), ("issuers", "unknown"), ("project_types", "unknown"),
])
def test_an_unstated_core_dimension_is_asked(ctx: Context, dimension: str, status: str) -> None:
    out = decide(orderer(**{f"scope_{dimension}": None}), ctx, case())
    assert out.status == status
    reason = next(r for r in out.reasons if r.code == "dimension_unstated")
    assert reason.param("dimension") == dimension and reason.origin == "orderer"


def test_an_unstated_issuer_listed_in_the_adopter_table_is_taken_from_the_table(ctx: Context) -> None:
    listed = Context(vocabulary=ctx.vocabulary, guarantors=ctx.guarantors, listed_guarantors=("wjcs",),
                     listed_source="wjcs-list")
    g = orderer(scope_issuers=None)
    out = decide(g, listed, case())
    reason = next(r for r in out.reasons if r.code == "issuer_listed")
    assert out.status == "applies"
    assert (reason.origin, reason.source, reason.param("value")) == ("adopters", "wjcs-list", ("issuer", "wjcs"))
    assert decide(g, listed, case(issuer="ejcs")).status == "unknown"


def test_the_memo_of_a_decision_table_gives_the_same_listed_issuer_answer(ctx: Context) -> None:
    """GIVEN an orderer silent on issuers whose adopters row lists WJCS WHEN cases are decided through one memo
    (as a decision table does) THEN each answer equals the one decided alone: WJCS from the table, EJCS asked."""
    listed = Context(vocabulary=ctx.vocabulary, guarantors=ctx.guarantors, listed_guarantors=("wjcs",),
                     listed_source="wjcs-list")
    g = orderer(scope_issuers=None)
    memo = Memo()
    for issuer in ("wjcs", "ejcs", "wjcs"):
        through_memo = decide(g, listed, case(issuer=issuer), memo)
        assert through_memo == decide(g, listed, case(issuer=issuer))
    assert decide(g, listed, case(issuer="wjcs"), memo).status == "applies"
    assert any(r.code == "issuer_listed" for r in decide(g, listed, case(issuer="wjcs"), memo).reasons)


@pytest.mark.parametrize(("held", "before", "after"), [
    ({"from": "2026-10-01"}, "unknown", "not_applies"),   # a limit from a date, and no other limit
    ({"until": "2026-09-30"}, "not_applies", "unknown"),  # a limit until a date, and no other limit
])
def test_a_dimension_whose_only_limit_is_dated_is_decided_on_each_day(ctx: Context, vocab: model.Vocabulary,
                                                                      held: dict[str, str], before: str,
                                                                      after: str) -> None:
    """GIVEN kinds of work limited to construction only from, or only until, a date (the dimension's one limit)
    WHEN other work is decided before and after that date, alone and in the decision table
    THEN the limit counts only on the days it holds; on the others the kind of work is simply unstated."""
    g = orderer(scope_project_types=[{"only": ["construction"], "source": "leaflet", **held}])
    on = {"2026-09-01": before, "2026-11-01": after}
    table = export.decision_table(g, ctx)
    for day, status in on.items():
        alone = decide(g, ctx, case(day, project_type=OTHER))
        assert alone.status == status, (held, day, codes(alone))
        cell = table.cells[table.index({"certificates": "advance_payment", "issuers": "wjcs",
                                        "project_types": OTHER, "contract_stages": "initial"}, D.fromisoformat(day))]
        assert table.outcomes[cell] == alone


def test_a_dated_issuer_limit_that_has_lapsed_leaves_the_adopter_table_to_answer(ctx: Context) -> None:
    """GIVEN issuers limited to WJCS until 2026-06-30 only, and an adopters row listing WJCS
    WHEN a WJCS case after that day is decided THEN the table answers for the issuer (the rule reads the context)."""
    listed = Context(vocabulary=ctx.vocabulary, guarantors=ctx.guarantors, listed_guarantors=("wjcs",),
                     listed_source="wjcs-list")
    g = orderer(scope_issuers=[{"only": ["wjcs"], "until": "2026-06-30", "source": "leaflet"}])
    late = decide(g, listed, case("2026-08-01"))
    assert "issuer_listed" in codes(late) and late.status == "applies"
    early = decide(g, listed, case("2026-05-01"))
    assert "issuer_listed" not in codes(early) and "covered" in codes(early)
    assert el.decide_days(g, listed, case(None), [D(2026, 5, 1), D(2026, 8, 1)]) == [early, late]


def test_limits_of_other_dimensions_stated_nowhere_limit_nothing(ctx: Context) -> None:
    out = decide(orderer(), ctx, case(department="土木課", procurement_method="negotiated"))
    assert out.status == "applies"
    assert {r.param("dimension") for r in out.reasons if r.param("dimension")} == {
        "certificates", "issuers", "project_types"}


def test_a_dimension_the_form_did_not_ask_is_not_judged(ctx: Context) -> None:
    out = decide(orderer(), ctx, case(project_type=None))
    assert out.status == "applies"
    assert "project_types" not in [r.param("dimension") for r in out.reasons]


def test_limits_hold_only_on_their_dates(ctx: Context) -> None:
    g = orderer(scope_project_types=[
        {"only": ["construction"], "until": "2026-09-30", "source": "leaflet"},
        {"only": ["construction", "consulting"], "from": "2026-10-01", "source": "leaflet"}])
    assert decide(g, ctx, case("2026-09-30", project_type="consulting")).status == "not_applies"
    assert decide(g, ctx, case("2026-10-01", project_type="consulting")).status == "applies"
    assert decide(g, ctx, case("2026-10-01", project_type="surveying")).status == "not_applies"
    undated = decide(g, ctx, case(None, project_type="consulting"))
    assert undated.status == "not_applies" and codes(undated) == ["not_in_only"]   # no date: every limit counts


# --- the guarantors' rules ---------------------------------------------------------------------

def test_a_bid_bond_is_never_electronic_at_wjcs(ctx: Context) -> None:
    g = orderer(scope_certificates={"only": ["advance_payment", "contract_reservation"], "source": "leaflet"})
    out = decide(g, ctx, case(certificate="contract_reservation"))
    assert out.status == "not_applies" and codes(out) == ["never_electronic"]
    reason = out.reasons[0]
    assert reason.origin == "guarantor" and reason.source == "wjcs-saga-2026-02"
    assert reason.param("value") == ("certificate_type", "contract_reservation")
    assert reason.param("guarantor") == "西日本建設業保証株式会社"
    # an issuer that is not a guarantor has no such rule
    assert "never_electronic" not in codes(decide(g, ctx, case(certificate="contract_reservation", issuer="insurer")))


# --- routes and asks ---------------------------------------------------------------------------

def test_the_first_submission_that_matches_is_the_route(ctx: Context) -> None:
    subs = [{"for": {"certificates": ["contract_performance"]}, "methods": ["in_person"], "documents": ["key_notice"],
             "source": "leaflet"},
            {"for": {"contract_stages": ["initial"]}, "methods": ["email"], "documents": ["key_notice"],
             "source": "leaflet"},
            {"methods": ["mail"], "documents": ["key_notice"], "source": "leaflet"}]
    g = orderer(submissions=subs)
    assert decide(g, ctx, case(certificate="contract_performance")).route == 0
    assert decide(g, ctx, case()).route == 1
    assert decide(g, ctx, case(stage="change")).route == 2


def test_no_route_for_the_case_is_asked(ctx: Context) -> None:
    g = orderer(submissions=[{"for": {"contract_stages": ["initial"]}, "methods": ["email"],
                              "documents": ["key_notice"], "source": "leaflet"}])
    out = decide(g, ctx, case(stage="change"))
    assert out.status == "unknown" and out.route is None
    assert out.reasons[0] == el.Reason("route_unstated", (), "orderer")
    assert out.asks == ("テスト市 契約検査課",)


def test_deciding_reasons_come_first_and_asks_are_unique(ctx: Context) -> None:
    g = orderer(scope_certificates=None, scope_project_types={"includes": ["construction"], "source": "leaflet"})
    out = decide(g, ctx, case(project_type="consulting"))
    assert out.status == "unknown"
    effects = [r.effect for r in out.reasons]
    assert effects == sorted(effects, key=lambda e: e != "unknown")
    assert effects[0] == "unknown" and "applies" in effects
    assert out.asks == ("テスト市 契約検査課",)
    inferred = orderer(scope_certificates=None, start=[start("2026-04-01", "tender_notice")])
    out = decide(inferred, ctx, case(stage="change"))
    assert out.asks == ("テスト市 契約検査課",)


def test_an_inferred_limit_asks_whom_it_names(ctx: Context) -> None:
    g = orderer(scope_project_types={"includes": ["construction"], "inference": "工事の例しかない", "ask": "管財課",
                                     "where": "対象工事の例"})
    out = decide(g, ctx, case(project_type="consulting"))
    reason = out.reasons[0]
    assert (reason.code, reason.origin, reason.inference, reason.ask, reason.source, reason.where) == (
        "not_listed", "inference", "工事の例しかない", "管財課", None, "対象工事の例")
    assert reason.param("dimension") == "project_types" and reason.param("value") == ("project_type", "consulting")
    assert out.asks == ("管財課",)


def test_ask_whom_the_orderers_own_desk() -> None:
    assert el.ask_whom(orderer()) == "テスト市 契約検査課"
    named = [{"name": "契約課", "organization": "テスト市", "source": "leaflet"}]
    assert el.ask_whom(orderer(contacts=named)) == "テスト市 契約課"
    # a guarantor's desk is not the orderer's: the route's recipient, else the orderer itself
    guarantor = [{"name": "営業部", "organization": "西日本建設業保証", "source": "leaflet"}] + named
    assert el.ask_whom(orderer(contacts=guarantor)) == "テスト市 契約課"
    routed = [{"methods": ["email"], "documents": ["key_notice"], "source": "leaflet"},
              {"methods": ["email"], "recipient": "管財課", "documents": ["key_notice"], "source": "leaflet"}]
    assert el.ask_whom(orderer(contacts=guarantor[:1], submissions=routed)) == "テスト市 管財課"
    assert el.ask_whom(orderer(contacts=[])) == "テスト市"


def test_a_reason_reads_its_params() -> None:
    r = el.Reason("covered", (("dimension", "issuers"),))
    assert r.param("dimension") == "issuers" and r.param("missing") is None and r.effect == "applies"
    assert el.Reason("trial").effect is None


# --- what the form asks ------------------------------------------------------------------------

def test_asked_dimensions(ctx: Context) -> None:
    assert el.asked_dimensions(orderer(scope_project_types=None)) == ["certificates", "issuers", "contract_stages"]
    assert el.asked_dimensions(orderer()) == ["certificates", "issuers", "project_types", "contract_stages"]
    by_filter = orderer(scope_project_types=None, submissions=[
        {"for": {"procurement_methods": ["negotiated"]}, "methods": ["email"], "documents": ["key_notice"],
         "source": "leaflet"}], start=[start("2026-04-01", "contract_conclusion", **{"for": {"departments": ["土木課"]}})])
    assert el.asked_dimensions(by_filter) == ["certificates", "issuers", "departments", "procurement_methods",
                                              "contract_stages"]


def test_dimension_values(ctx: Context, vocab: model.Vocabulary) -> None:
    g = orderer(scope_departments={"only": ["土木課"], "excludes": ["水道課"], "source": "leaflet"},
                start=[start("2026-04-01", "contract_conclusion", **{"for": {"departments": ["建築課", "土木課"]}})],
                submissions=[{"for": {"departments": ["農林課"]}, "methods": ["email"], "documents": ["key_notice"],
                              "source": "leaflet"},
                             {"methods": ["email"], "documents": ["key_notice"], "source": "leaflet"}])
    assert el.dimension_values(g, vocab, "departments") == ["土木課", "水道課", "建築課", "農林課", OTHER]
    assert el.dimension_values(g, vocab, "project_types") == ["construction", OTHER]
    assert el.dimension_values(g, vocab, "certificates") == vocab.keys("certificate_type")
    everything = orderer(scope_project_types={"includes": vocab.keys("project_type"), "source": "leaflet"})
    assert el.dimension_values(everything, vocab, "project_types") == vocab.keys("project_type")
    reordered = orderer(scope_project_types={"only": ["consulting", "construction"], "source": "leaflet"})
    assert el.dimension_values(reordered, vocab, "project_types") == ["construction", "consulting", OTHER]


# --- the decision table ------------------------------------------------------------------------

def test_breakpoints_cut_time_where_an_answer_can_change() -> None:
    g = orderer(start=[start("2026-04", "contract_conclusion"),
                       start("2025-10-01", "contract_conclusion", **{"for": {"project_types": ["construction"]}})],
                scope_issuers=[{"only": ["wjcs"], "until": "2026-06-30", "source": "leaflet"},
                               {"only": ["wjcs", "ejcs"], "from": "2026-07-01", "source": "leaflet"}])
    assert export.breakpoints(g) == [D(2025, 10, 1), D(2026, 4, 1), D(2026, 5, 1), D(2026, 7, 1)]
    assert export.breakpoints(orderer(start=[start("unstated", "contract_conclusion")])) == []
    assert export.breakpoints(orderer()) == [D(2026, 4, 1)]


@pytest.mark.parametrize("day, slot", [(None, 0), ("2020-01-01", 1), ("2026-03-31", 1), ("2026-04-01", 2),
                                       ("2026-04-30", 2), ("2026-05-01", 3), ("2030-01-01", 3)])
def test_day_slot(day: str | None, slot: int) -> None:
    breaks = [D(2026, 4, 1), D(2026, 5, 1)]
    assert export.day_slot(breaks, D.fromisoformat(day) if day else None) == slot


def test_representative_days() -> None:
    breaks = [D(2026, 4, 1), D(2026, 5, 1)]
    assert [export._representative(breaks, s) for s in range(4)] == [None, D(2026, 3, 31), D(2026, 4, 1),
                                                                     D(2026, 5, 1)]
    assert export._representative([], 1) == D(2000, 1, 1)


def test_compatible(vocab: model.Vocabulary) -> None:
    assert export.compatible(vocab, "advance_payment", "wjcs")
    assert not export.compatible(vocab, "advance_payment", "insurer")
    assert export.compatible(vocab, "performance_bond", "insurer")
    assert not export.compatible(vocab, "performance_bond", "ejcs")


def every_cell_decides_alone(g: model.Guidance, ctx: Context, vocab: model.Vocabulary, table: export.DecisionTable,
                             days: list[dt.date | None]) -> tuple[set[tuple[str, int | None]], int]:
    """Assert that each cell of ``table``, on each of ``days``, holds what decide() answers for that case alone, and
    that each impossible pair is -1; the (status, route) pairs seen and the impossible cells counted."""
    names = [d for d, _ in table.dimensions]
    statuses: set[tuple[str, int | None]] = set()
    impossible = 0
    for combo in itertools.product(*(v for _, v in table.dimensions)):
        chosen = dict(zip(names, combo))
        for day in days:
            cell = table.cells[table.index(chosen, day)]
            if not export.compatible(vocab, chosen["certificates"], chosen["issuers"]):
                assert cell == -1
                impossible += 1
                continue
            alone = decide(g, ctx, Case(chosen["certificates"], chosen["issuers"], chosen["contract_stages"],
                                        chosen.get("project_types"), chosen.get("departments"),
                                        chosen.get("procurement_methods"), day))
            assert table.outcomes[cell] == alone, (chosen, day)
            statuses.add((alone.status, alone.route))
    return statuses, impossible


def test_the_table_answers_every_input_as_the_rule_does_on_any_day(ctx: Context, vocab: model.Vocabulary) -> None:
    g = orderer(start=[start("2026-04", "contract_conclusion", trial=True)],
                scope_issuers=[{"only": ["wjcs"], "until": "2026-06-30", "source": "leaflet"},
                               {"only": ["wjcs", "ejcs"], "from": "2026-07-01", "source": "leaflet"}])
    table = export.decision_table(g, ctx)
    assert [d for d, _ in table.dimensions] == ["certificates", "issuers", "project_types", "contract_stages"]
    assert table.breaks == [D(2026, 4, 1), D(2026, 5, 1), D(2026, 7, 1)]
    sizes = [len(v) for _, v in table.dimensions]
    assert len(table.cells) == sizes[0] * sizes[1] * sizes[2] * sizes[3] * (len(table.breaks) + 2)
    assert len(set(table.outcomes)) == len(table.outcomes)        # each distinct answer stored once
    days = [None, D(2020, 1, 1), D(2026, 3, 31), D(2026, 4, 1), D(2026, 4, 30), D(2026, 5, 1), D(2026, 6, 30),
            D(2026, 7, 1), D(2030, 1, 1)]
    _, seen_impossible = every_cell_decides_alone(g, ctx, vocab, table, days)
    assert seen_impossible > 0
    # spot checks in words
    ejcs = {"certificates": "advance_payment", "issuers": "ejcs", "project_types": "construction",
            "contract_stages": "initial"}
    assert table.outcomes[table.cells[table.index(ejcs, D(2026, 6, 1))]].status == "not_applies"
    assert table.outcomes[table.cells[table.index(ejcs, D(2026, 7, 1))]].status == "applies"
    assert table.outcomes[table.cells[table.index(ejcs, D(2026, 4, 2))]].status == "not_applies"
    assert table.outcomes[table.cells[table.index({**ejcs, "issuers": "wjcs"}, D(2026, 4, 2))]].status == "unknown"


#: Orderers whose every part of the rule varies across a table's cells: starts for some departments or kinds
#: of work only (and none for the rest), routes chosen by certificate, stage and department, limits that hold
#: until or from a date, a certificate a guarantor never issues electronically, and a start known to the month.
VARIED = {
    "starts-and-routes-by-case": dict(
        start=[start("2026-04-01", "contract_conclusion", **{"for": {"departments": ["土木課"]}}),
               start("2025-10", "contract_conclusion", **{"for": {"departments": ["建築課"]}})],
        submissions=[{"for": {"certificates": ["contract_performance"]}, "methods": ["in_person"],
                      "documents": ["key_notice"], "source": "leaflet"},
                     {"for": {"contract_stages": ["change"], "departments": ["建築課"]}, "methods": ["mail"],
                      "documents": ["key_notice"], "source": "leaflet"}],
        scope_departments={"only": ["土木課", "建築課"], "source": "leaflet"},
        scope_certificates={"only": ["advance_payment", "contract_performance", "contract_reservation"],
                            "source": "leaflet"}),
    "limits-on-dates": dict(  # and, for construction, a basis of the project that says nothing of changes
        start=[start("2026-04-01", "contract_conclusion"),
               start("2025-10-01", "tender_notice", **{"for": {"project_types": ["construction"]}})],
        scope_project_types=[{"only": ["construction"], "until": "2026-09-30", "source": "leaflet"},
                             {"only": ["construction", "consulting"], "from": "2026-10-01", "source": "leaflet"}],
        scope_issuers=[{"only": ["wjcs"], "until": "2026-06-30", "source": "leaflet"},
                       {"only": ["wjcs", "ejcs"], "from": "2026-07-01", "source": "leaflet"}]),
    # the same start for two departments, a trial for one only: the same reasons, different remarks
    "a-trial-for-one-department": dict(
        start=[start("2026-04-01", "contract_conclusion", trial=True, **{"for": {"departments": ["土木課"]}}),
               start("2026-04-01", "contract_conclusion", **{"for": {"departments": ["建築課"]}})],
        scope_certificates={"only": ["advance_payment", "contract_reservation"], "source": "leaflet"}),
}


@pytest.mark.parametrize("name", sorted(VARIED))
def test_every_cell_of_a_varied_table_is_what_decide_answers_alone(name: str, ctx: Context,
                                                                   vocab: model.Vocabulary) -> None:
    """GIVEN an orderer whose starts, routes, dates and limits differ from cell to cell WHEN its decision table is
    made (one memo across every cell) THEN each possible cell holds what decide() answers for that case alone, on
    every day of the cell's interval, and each impossible pair is -1."""
    listed = Context(vocabulary=ctx.vocabulary, guarantors=ctx.guarantors, listed_guarantors=("wjcs",),
                     listed_source="wjcs-list")
    g = orderer(**VARIED[name])
    table = export.decision_table(g, listed)
    days = [None, *(b + dt.timedelta(days=k) for b in table.breaks for k in (-1, 0, 1)), D(2030, 1, 1)]
    statuses, _ = every_cell_decides_alone(g, listed, vocab, table, days)
    assert {status for status, _ in statuses} == {"applies", "not_applies", "unknown"}  # it really varies


def test_the_table_of_a_departmental_orderer_asks_departments(ctx: Context) -> None:
    g = orderer(scope_departments={"only": ["土木課"], "source": "leaflet"}, scope_project_types=None)
    table = export.decision_table(g, ctx)
    assert dict(table.dimensions)["departments"] == ["土木課", OTHER]
    chosen = {"certificates": "advance_payment", "issuers": "wjcs", "departments": OTHER,
              "contract_stages": "initial"}
    out = table.outcomes[table.cells[table.index(chosen, D(2026, 5, 1))]]
    assert out.status == "not_applies" and out.reasons[0].code == "not_in_only"
    assert table.outcomes[table.cells[table.index({**chosen, "departments": "土木課"}, D(2026, 5, 1))]].status == \
        "unknown"   # project type unstated


def test_the_table_of_an_orderer_limited_by_procurement_method(ctx: Context) -> None:
    g = orderer(scope_procurement_methods={"only": ["general_competitive"], "source": "leaflet"})
    table = export.decision_table(g, ctx)
    assert dict(table.dimensions)["procurement_methods"] == ["general_competitive", "designated_competitive",
                                                               "negotiated"]
    chosen = {"certificates": "advance_payment", "issuers": "wjcs", "project_types": "construction",
              "procurement_methods": "negotiated", "contract_stages": "initial"}
    assert table.outcomes[table.cells[table.index(chosen, D(2026, 5, 1))]].status == "not_applies"
    general = {**chosen, "procurement_methods": "general_competitive"}
    assert table.outcomes[table.cells[table.index(general, D(2026, 5, 1))]].status == "applies"


def test_the_table_logs_its_size(ctx: Context, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("DEBUG", logger=export.__name__):
        table = export.decision_table(orderer(), ctx)
    assert [r.getMessage() for r in caplog.records if r.name == export.__name__] == [
        f"test-shi: {len(table.cells)} cells, {len(table.outcomes)} distinct outcomes"]
