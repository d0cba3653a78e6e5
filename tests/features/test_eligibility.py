"""The eligibility check on the built site: each orderer's rules.json, the form, the no-script rules and /check/.

The rule's own cases (dates, limits, guarantors' rules, provenance) are in tests/rules/test_eligibility.py
and the script's agreement with the rule in tests/rules/test_export_js.py; this checks what the build
writes from them: the export every guidance page ships, the hidden form, the readable rules without
JavaScript (the same decisions as :func:`decide`), and the /check/ page listing every orderer.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import math
import re
from pathlib import Path

import pytest

from esurety.rules.context import context_for
from esurety.rules.eligibility import OTHER, Case, decide, dimension_values
from esurety.rules.export import breakpoints, compatible
from esurety.site.eligibility import FORMAT, export_rules

CARD = re.compile(r'<li class="elig-(applies|not-applies|unknown)"><strong>([^<]+)</strong>（([^）]+)）: ([^<]*)</li>')
STATUS = {"applies": "対象", "not-applies": "対象外", "unknown": "確認が必要"}


def _shipped(site: Path, slug: str) -> dict:
    return json.loads((site / "municipalities" / slug / "rules.json").read_text(encoding="utf-8"))


def test_rules_json_is_written_for_every_guidance_page(site: Path, dataset) -> None:
    """GIVEN every orderer WHEN the site is built THEN its rules.json is the export of its rules, with a cell for
    every combination of the form's values and every day interval (no date, and each interval)."""
    data, _ = dataset
    for g in data.guidance:
        shipped = _shipped(site, g.slug)
        assert shipped == json.loads(json.dumps(export_rules(data, g), ensure_ascii=False)), g.slug
        assert shipped["v"] == FORMAT
        combos = math.prod(len(options) for _, _, options in shipped["dims"])
        assert len(shipped["cells"]) == combos * (len(breakpoints(g)) + 2), g.slug
        assert shipped["breaks"] == [b.isoformat() for b in breakpoints(g)]


def _answer(shipped: dict, values: dict[str, str], day: str | None) -> list | None:
    """Look one case up in a shipped rules.json as the page's script does: the mixed-radix number of the chosen
    values in the order of ``dims``, times the day slots (no date, then one per interval), plus the day's slot."""
    i = 0
    for name, _label, options in shipped["dims"]:
        keys = [k for k, _ in options]
        i = i * len(keys) + keys.index(values[name])
    slot = 0 if day is None else 1 + sum(1 for b in shipped["breaks"] if b <= day)
    cell = shipped["cells"][i * (len(shipped["breaks"]) + 2) + slot]
    return None if cell < 0 else shipped["outcomes"][cell]


#: Answers written out by hand from each orderer's own document (the start day and the kinds of work of
#: 大村市's and 竹田市's leaflets, 岐阜市's listed departments, 大仙市's silence on change contracts), and the
#: guarantors' rule that 契約保証予約 is never electronic; None where the pair cannot exist at all.
SHIPPED_CASES = [
    ("omura", dict(certificates="contract_performance", issuers="wjcs", project_types="construction",
                   contract_stages="initial"), "2026-04-01", "applies"),
    ("omura", dict(certificates="contract_performance", issuers="wjcs", project_types="construction",
                   contract_stages="initial"), "2026-03-31", "not_applies"),
    ("omura", dict(certificates="advance_payment", issuers="wjcs", project_types="consulting",
                   contract_stages="initial"), "2026-05-10", "applies"),
    ("omura", dict(certificates="advance_payment", issuers="wjcs", project_types="*",
                   contract_stages="initial"), "2026-05-10", "not_applies"),
    ("omura", dict(certificates="advance_payment", issuers="wjcs", project_types="construction",
                   contract_stages="change"), "2026-03-31", "unknown"),
    ("omura", dict(certificates="contract_reservation", issuers="wjcs", project_types="construction",
                   contract_stages="initial"), "2026-04-01", "not_applies"),
    ("omura", dict(certificates="advance_payment", issuers="insurer", project_types="construction",
                   contract_stages="initial"), "2026-05-10", None),
    ("taketa", dict(certificates="advance_payment", issuers="wjcs", project_types="construction",
                    contract_stages="initial"), "2024-10-01", "applies"),
    ("taketa", dict(certificates="advance_payment", issuers="wjcs", project_types="construction",
                    contract_stages="initial"), "2024-09-30", "not_applies"),
    ("taketa", dict(certificates="advance_payment", issuers="wjcs", project_types="construction",
                    contract_stages="change"), "2024-09-30", "not_applies"),
    ("taketa", dict(certificates="contract_performance", issuers="wjcs", project_types="construction",
                    contract_stages="change"), "2025-06-01", "applies"),
    ("gifu", dict(certificates="advance_payment", issuers="wjcs", project_types="construction",
                  departments="行政部契約課", contract_stages="initial"), "2025-11-01", "applies"),
    ("gifu", dict(certificates="advance_payment", issuers="wjcs", project_types="construction",
                  departments="*", contract_stages="initial"), "2025-11-01", "not_applies"),
    ("gifu", dict(certificates="advance_payment", issuers="wjcs", project_types="construction",
                  departments="行政部契約課", contract_stages="initial"), "2025-10-31", "not_applies"),
    ("daisen", dict(certificates="advance_payment", issuers="ejcs", project_types="construction",
                    contract_stages="change"), "2023-11-30", "unknown"),
    ("daisen", dict(certificates="contract_reservation", issuers="ejcs", project_types="construction",
                    contract_stages="initial"), "2024-01-01", "unknown"),
]


@pytest.mark.parametrize("slug, values, day, status", SHIPPED_CASES)
def test_shipped_rules_answer_the_documents_cases(site: Path, slug: str, values: dict[str, str], day: str,
                                                  status: str | None) -> None:
    """GIVEN a case whose answer the orderer's document gives WHEN looked up in the rules.json the build wrote
    THEN the answer is the document's (an oracle independent of the rule and of its export)."""
    shipped = _shipped(site, slug)
    outcome = _answer(shipped, values, day)
    assert (outcome and outcome[0]) == status, (slug, values, day)
    if status == "applies":   # and says where to send the key
        assert 0 <= outcome[3] < len(shipped["routes"]), outcome
    elif status is not None:
        assert outcome[1], outcome   # a refusal or a question gives its reason


def test_form_offers_each_limited_dimension(site: Path, dataset) -> None:
    """GIVEN an orderer that limits departments, procurement methods or kinds of work WHEN its rules are exported
    THEN the form asks for that dimension, with the values the file names (and その他 for open sets)."""
    data, _ = dataset
    for g in data.guidance:
        asked = {d: [k for k, _ in options] for d, _, options in _shipped(site, g.slug)["dims"]}
        assert {"certificates", "issuers", "contract_stages"} <= set(asked)
        for dimension in ("departments", "procurement_methods", "project_types"):
            if g.scope.limits(dimension):
                assert asked.get(dimension) == dimension_values(g, data.vocabulary, dimension), (g.slug, dimension)
        if g.scope.limits("departments"):
            assert asked["departments"][-1] == OTHER
            assert all(d in asked["departments"] for d in g.scope.named("departments"))


def test_guidance_page_has_a_hidden_form_and_the_rules_without_script(site: Path, dataset) -> None:
    """GIVEN a guidance page WHEN read without JavaScript THEN the form is hidden and points at its rules.json,
    and the rules are there as text: a card per certificate and issuer the orderer takes."""
    data, _labels = dataset
    for g in data.guidance:
        html = (site / "municipalities" / g.slug / "index.html").read_text(encoding="utf-8")
        assert re.search(r'<form class="elig-form" id="elig-form" hidden', html), g.slug
        assert f'data-rules-src="/municipalities/{g.slug}/rules.json"' in html
        cards = CARD.findall(html)
        assert cards, g.slug
        assert "表で見る: " in html


@pytest.mark.parametrize("slug", ["omura", "taketa", "daisen", "gifu", "fukutsu", "hirosaki", "kitashiobara"])
def test_no_script_cards_say_what_decide_says(site: Path, dataset, slug: str) -> None:
    """GIVEN the cards of the no-script rules WHEN compared with decide() for the case they name (the first start
    day, both stages) THEN each card's answer is decide()'s, and a covered card names the route's method."""
    data, labels = dataset
    g = next(g for g in data.guidance if g.slug == slug)
    ctx = context_for(data, g)
    html = (site / "municipalities" / slug / "index.html").read_text(encoding="utf-8")
    first = g.first_start
    day = first.first_day if first and first.day_known else (first.last_day + dt.timedelta(days=1)
                                                            if first and first.last_day else None)
    probe = {d: next((v for v in dimension_values(g, data.vocabulary, d) if v != OTHER), None)
             for d in ("project_types", "departments", "procurement_methods")}
    cert_by_label = {labels("certificate_type", k): k for k in data.vocabulary.keys("certificate_type")}
    issuer_by_label = {labels("issuer", k): k for k in data.vocabulary.keys("issuer")}
    stage_by_label = {labels("contract_stage", k): k for k in data.vocabulary.keys("contract_stage")}
    cards = CARD.findall(html)
    assert cards
    for status, cert_label, where, rest in cards:
        issuer_label, *stage_labels = where.split("・")
        cert, issuer = cert_by_label[htmllib.unescape(cert_label)], issuer_by_label[issuer_label]
        assert compatible(data.vocabulary, cert, issuer)
        assert rest.startswith(STATUS[status])
        for stage in (stage_by_label[s] for s in stage_labels):
            o = decide(g, ctx, Case(cert, issuer, stage, probe["project_types"], probe["departments"],
                                    probe["procurement_methods"], day))
            assert o.status.replace("_", "-") == status, (slug, cert, issuer, stage)
            if o.status == "applies":
                methods = g.submissions[o.route].methods
                if methods != "unstated":
                    assert all(labels("submission_method", m) in rest for m in methods)


def test_no_inline_script_or_style_in_the_pages_that_carry_the_check(site: Path) -> None:
    for path in [*site.glob("municipalities/*/index.html"), site / "check" / "index.html"]:
        html = path.read_text(encoding="utf-8")
        assert " style=" not in html, path
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)


def test_check_page_lists_every_orderer(site: Path, dataset) -> None:
    """GIVEN /check/ WHEN read THEN it offers every orderer in the form and links each one's own check."""
    data, _ = dataset
    html = (site / "check" / "index.html").read_text(encoding="utf-8")
    for g in data.guidance:
        assert f'<option value="{g.slug}">{htmllib.escape(g.name, quote=False)}</option>' in html
        assert f'/municipalities/{g.slug}/#eligibility' in html


def test_key_notice_is_named_as_the_guarantor_names_it(site: Path, dataset) -> None:
    """大仙市 (東日本建設業保証) gets EJCS's own key notice name, on every route of its rules.json."""
    data, _ = dataset
    daisen = next(g for g in data.guidance if g.slug == "daisen")
    assert daisen.scope.named("issuers") == ["ejcs"]
    name = data.guarantors["ejcs"].key_notice_name
    rules = _shipped(site, "daisen")
    assert name and all(name in r["fields"]["documents"] for r in rules["routes"])
    assert all(data.guarantors["wjcs"].key_notice_name not in r["fields"]["documents"] for r in rules["routes"])
