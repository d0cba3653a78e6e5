"""The eligibility rule (esurety/eligibility.py) against the real guidance data.

Cases come from the leaflets: 大村市 goes by the contract conclusion date (令和8年4月1日), 竹田市 by the
initial contract (令和6年10月1日, trial), 鳥栖市 by the tender notice (令和8年3月1日); 契約保証予約 is never
electronic; what a leaflet does not say is answered 「資料に記載なし」, never guessed.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from pathlib import Path

import pytest

from esurety.rules import eligibility

from esurety.data import model

from esurety.site import views

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def guidance(dataset):
    data, labels = dataset
    return {g.slug: g for g in data.guidance}, labels


def decide(guidance, slug, cert, project, stage, day):
    by_slug, labels = guidance
    if slug not in by_slug:
        pytest.fail(f"content/municipalities/{slug}.yaml is missing")
    return eligibility.decide(by_slug[slug], labels, cert, project, stage, D(day))


@pytest.mark.parametrize(("slug", "cert", "project", "stage", "day", "status"), [
    # 大村市: 契約締結日, 工事・建設コンサルタント業務
    ("omura", "contract_performance", "construction", "initial", "2026-04-01", "applies"),
    ("omura", "contract_performance", "construction", "initial", "2026-03-31", "not_applies"),
    ("omura", "advance_payment", "consulting", "initial", "2026-05-10", "applies"),
    ("omura", "interim_advance_payment", "construction", "change", "2026-04-01", "applies"),
    ("omura", "advance_payment", "surveying", "initial", "2026-05-10", "unknown"),
    # a change contract of a contract concluded before the start: the leaflet does not say
    ("omura", "advance_payment", "construction", "change", "2026-03-31", "unknown"),
    # 竹田市: 当初契約の締結日, 工事 only
    ("taketa", "advance_payment", "construction", "initial", "2024-10-01", "applies"),
    ("taketa", "advance_payment", "construction", "initial", "2024-09-30", "not_applies"),
    ("taketa", "contract_performance", "construction", "change", "2025-06-01", "applies"),
    ("taketa", "contract_performance", "construction", "change", "2024-09-30", "not_applies"),
    ("taketa", "advance_payment", "consulting", "initial", "2025-01-01", "unknown"),
    # 鳥栖市: 入札公告日
    ("tosu", "advance_payment", "construction", "initial", "2026-03-01", "applies"),
    ("tosu", "advance_payment", "construction", "initial", "2026-02-28", "not_applies"),
    ("tosu", "contract_performance", "consulting", "change", "2026-02-28", "not_applies"),
    # 大仙市: the leaflet names only 前払金保証 and 契約保証
    ("daisen", "interim_advance_payment", "construction", "initial", "2024-01-01", "unknown"),
    ("daisen", "advance_payment", "construction", "initial", "2023-12-01", "applies"),
    ("daisen", "advance_payment", "construction", "initial", "2023-11-30", "not_applies"),
])
def test_decisions(guidance, slug, cert, project, stage, day, status):
    outcome = decide(guidance, slug, cert, project, stage, day)
    assert outcome.status == status, outcome.reasons
    assert outcome.applies is (status == "applies")
    assert outcome.reasons, "every answer says why"
    if status == "not_applies":
        assert re.search("対象外|対象になりません", outcome.reasons[0])
    if status == "unknown":
        assert "資料に記載がありません" in outcome.reasons[0] and "発注者にご確認ください" in outcome.reasons[0]


def test_omura_contract_performance_goes_by_email_to_the_contract_section(guidance):
    o = decide(guidance, "omura", "contract_performance", "construction", "initial", "2026-04-01")
    assert o.submission is not None
    assert o.submission.methods == ["email"]
    assert o.submission.recipient == "財政部契約課"
    assert o.submission.email == "keiyakumain@city.omura.nagasaki.jp"


def test_omura_advance_payment_goes_to_the_works_section_whose_address_is_on_the_city_site(guidance):
    o = decide(guidance, "omura", "advance_payment", "construction", "initial", "2026-04-01")
    assert o.submission.recipient == "工事担当課"
    assert o.submission.email is None
    assert "HP" in (o.submission.address_note or "")


def test_omura_before_start_has_no_submission_and_names_the_date(guidance):
    o = decide(guidance, "omura", "contract_performance", "construction", "initial", "2026-03-31")
    assert o.submission is None
    assert "契約締結日" in o.reasons[0] and "令和8年4月1日" in o.reasons[0]


def test_taketa_is_in_person_with_printout(guidance):
    o = decide(guidance, "taketa", "advance_payment", "construction", "initial", "2025-01-01")
    assert o.submission.methods == ["in_person"]
    assert o.submission.printout == "required"
    assert "certificate_printout" in o.submission.documents
    assert "契約検査室" in (o.submission.wording or "") + (o.submission.recipient or "")
    assert any("試行" in n for n in o.notes)


def test_taketa_change_contract_of_an_earlier_initial_contract_is_out(guidance):
    o = decide(guidance, "taketa", "advance_payment", "construction", "change", "2024-09-30")
    assert o.status == "not_applies"
    assert "当初契約の締結日" in o.reasons[0] and "変更契約も対象外" in o.reasons[0]


def test_taketa_consulting_is_not_in_the_leaflet(guidance):
    o = decide(guidance, "taketa", "advance_payment", "consulting", "initial", "2025-01-01")
    assert o.status == "unknown"
    assert "資料に記載がありません" in o.reasons[0] and "発注者にご確認ください" in o.reasons[0]


def test_contract_reservation_is_never_electronic(dataset):
    data, labels = dataset
    for g in data.guidance:
        for project in eligibility.PROJECT_TYPES:
            for stage in eligibility.STAGES:
                for day in (g.start.date - dt.timedelta(days=1), g.start.date, D("2099-12-31")):
                    o = eligibility.decide(g, labels, "contract_reservation", project, stage, day)
                    assert o.status == "not_applies" and o.submission is None, (g.slug, project, stage, day)


def test_silence_is_never_an_answer(dataset):
    """Where the guidance neither covers nor excludes a certificate, the answer is 'ask', not yes or no."""
    data, labels = dataset
    for g in data.guidance:
        for cert in eligibility.CERTIFICATES:
            if cert in g.certificates.covered or cert in g.certificates.excluded or cert in model.NEVER_ELECTRONIC:
                continue
            o = eligibility.decide(g, labels, cert, g.scope.project_types[0], "initial", g.start.date)
            assert o.status == "unknown", (g.slug, cert)


def test_every_applying_case_says_where_the_key_goes(dataset):
    data, labels = dataset
    for g in data.guidance:
        for cert in g.certificates.covered:
            for project in g.scope.project_types:
                o = eligibility.decide(g, labels, cert, project, "initial", g.start.date)
                assert o.status == "applies" and o.submission is not None, (g.slug, cert, project)


def test_the_date_matters_only_through_the_start(dataset):
    """The export assumes it: every date decides like the day before the start or like the start."""
    data, labels = dataset
    for g in data.guidance:
        before = g.start.date - dt.timedelta(days=1)
        for day in (g.start.date - dt.timedelta(days=800), before, g.start.date, g.start.date + dt.timedelta(days=1),
                    g.start.date + dt.timedelta(days=900)):
            probe = before if day < g.start.date else g.start.date
            for cert in eligibility.CERTIFICATES:
                for project in eligibility.PROJECT_TYPES:
                    for stage in eligibility.STAGES:
                        assert eligibility.decide(g, labels, cert, project, stage, day) == \
                            eligibility.decide(g, labels, cert, project, stage, probe)


def test_rules_json_is_written_for_every_guidance_page(site: Path, dataset):
    data, labels = dataset
    documents = functools.partial(views.document_labels, data)
    for g in data.guidance:
        shipped = json.loads((site / "municipalities" / g.slug / "rules.json").read_text(encoding="utf-8"))
        assert shipped == eligibility.export_rules(g, labels, documents)
        n = len(shipped["certs"]) * len(shipped["projects"]) * len(shipped["stages"]) * 2
        assert len(shipped["m"]) == n


def test_guidance_page_has_a_hidden_form_and_the_rules_as_a_table(site: Path, dataset):
    data, labels = dataset
    for g in data.guidance:
        html = (site / "municipalities" / g.slug / "index.html").read_text(encoding="utf-8")
        assert re.search(r'<form class="elig-form" id="elig-form" hidden', html), g.slug
        assert f'data-rules-src="/municipalities/{g.slug}/rules.json"' in html or \
            f'/municipalities/{g.slug}/rules.json"' in html
        table = html[html.index('<table class="elig-table">'):html.index("</table>", html.index('<table class="elig-table">'))]
        for cert in eligibility.CERTIFICATES:
            assert labels("certificate_type", cert) in table, (g.slug, cert)
        for cert in g.certificates.covered:
            for s in g.submissions:
                if cert in s.certificates:
                    for method in s.methods:
                        assert labels("submission_method", method) in table


def test_no_inline_script_or_style_in_the_pages_that_carry_the_check(site: Path):
    for path in [*site.glob("municipalities/*/index.html"), site / "check" / "index.html"]:
        html = path.read_text(encoding="utf-8")
        assert " style=" not in html, path
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)


def test_check_page_lists_every_orderer(site: Path, dataset):
    data, _ = dataset
    html = (site / "check" / "index.html").read_text(encoding="utf-8")
    for g in data.guidance:
        assert f'<option value="{g.slug}">{g.name}</option>' in html
        assert f'/municipalities/{g.slug}/#eligibility' in html


def test_key_notice_is_named_as_the_guarantor_names_it(site: Path, dataset):
    """大仙市 (東日本建設業保証) gets its own key notice name, in the table and in rules.json."""
    data, _ = dataset
    daisen = next(g for g in data.guidance if g.slug == "daisen")
    name = data.guarantors[daisen.guarantors[0]].key_notice_name
    rules = json.loads((site / "municipalities" / "daisen" / "rules.json").read_text(encoding="utf-8"))
    assert all(name in s["documents"] for s in rules["subs"])
