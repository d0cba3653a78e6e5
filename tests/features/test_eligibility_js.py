"""The page's script answers exactly like the Python rule, for every orderer and every choice.

theme/static/js/eligibility.js only looks answers up in rules.json; this runs its ``evaluate`` in Node
(or, without Node, in Chromium) over every certificate × project type × contract stage × date around
the start, and in the browser drives the real form, with and without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from esurety.rules import eligibility

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "theme" / "static" / "js" / "eligibility.js"

NODE_RUNNER = """
const { evaluate } = require(process.argv[1]);
let input = "";
process.stdin.on("data", (c) => (input += c));
process.stdin.on("end", () => {
  const { rules, cases } = JSON.parse(input);
  const out = cases.map(([slug, c, p, s, d]) => evaluate(rules[slug], c, p, s, d));
  process.stdout.write(JSON.stringify(out));
});
"""


def _cases(data) -> list[list[str]]:
    cases = []
    for g in data.guidance:
        start = g.start.date
        days = [start - dt.timedelta(days=3650), start - dt.timedelta(days=1), start, start + dt.timedelta(days=1),
                start + dt.timedelta(days=400), dt.date(2099, 12, 31)]
        for c in eligibility.CERTIFICATES:
            for p in eligibility.PROJECT_TYPES:
                for s in eligibility.STAGES:
                    cases += [[g.slug, c, p, s, d.isoformat()] for d in days]
    return cases


def _run_js(rules: dict, cases: list, browser_factory) -> list:
    """Run ``evaluate`` over ``cases`` in Node, or in Chromium (``browser_factory()``) when Node is missing."""
    payload = json.dumps({"rules": rules, "cases": cases}, ensure_ascii=False)
    node = shutil.which("node")
    if node:
        done = subprocess.run([node, "-e", NODE_RUNNER, str(SCRIPT)], input=payload, capture_output=True,
                              text=True, timeout=60, check=True)
        return json.loads(done.stdout)
    def steps(page):
        page.set_content("<!doctype html><title>t</title>")
        page.add_script_tag(content="var module = {exports: {}};\n" + SCRIPT.read_text(encoding="utf-8"))
        return page.evaluate("""(p) => { const {rules, cases} = JSON.parse(p);
            return cases.map(([slug, c, pr, s, d]) => module.exports.evaluate(rules[slug], c, pr, s, d)); }""", payload)

    return browser_factory().run(steps)


def test_script_answers_like_python_for_every_case(site: Path, dataset, request):
    data, labels = dataset
    rules = {g.slug: json.loads((site / "municipalities" / g.slug / "rules.json").read_text(encoding="utf-8"))
             for g in data.guidance}
    cases = _cases(data)
    by_slug = {g.slug: g for g in data.guidance}

    answers = _run_js(rules, cases, lambda: request.getfixturevalue("browser"))
    assert len(answers) == len(cases)
    for (slug, c, p, s, d), js in zip(cases, answers):
        py = eligibility.decide(by_slug[slug], labels, c, p, s, dt.date.fromisoformat(d))
        expected = {"status": py.status, "reasons": list(py.reasons), "notes": list(py.notes),
                    "submission": py.submission_index}
        assert js == expected, (slug, c, p, s, d)


def test_script_without_a_date_answers_only_what_the_date_cannot_change(site: Path, dataset, request):
    data, _ = dataset
    g = next(iter(data.guidance))
    rules = {g.slug: json.loads((site / "municipalities" / g.slug / "rules.json").read_text(encoding="utf-8"))}
    cases = [[g.slug, "contract_reservation", "construction", "initial", ""],
             [g.slug, g.certificates.covered[0], g.scope.project_types[0], "initial", ""]]
    answers = _run_js(rules, cases, lambda: request.getfixturevalue("browser"))
    assert answers[0]["status"] == "not_applies"
    assert answers[1]["status"] == "pending"


@pytest.mark.browser
def test_form_on_omura_page_shows_where_to_send_the_key(browser, base_url):
    def steps(page):
        page.goto(f"{base_url}/municipalities/omura/")
        page.wait_for_selector("#elig-form:not([hidden])")
        page.select_option("#elig-cert", "contract_performance")
        page.select_option("#elig-project", "construction")
        page.fill("#elig-date", "2026-04-01")
        result = page.locator("#elig-result")
        assert "電子保証の対象です" in result.inner_text()
        assert page.locator('#elig-submission dd[data-slot="email"] a').get_attribute("href") == \
            "mailto:keiyakumain@city.omura.nagasaki.jp"
        assert "財政部契約課" in page.locator('#elig-submission dd[data-slot="recipient"]').inner_text()
        page.fill("#elig-date", "2026-03-31")
        assert "電子保証の対象外です" in result.inner_text()
        assert page.locator("#elig-submission").is_hidden()
        page.check('input[name="stage"][value="change"]')
        assert page.locator("#elig-date-label").inner_text() == "当初契約の契約締結日"
        assert "資料に記載なし" in result.inner_text()

    browser.run(steps)


@pytest.mark.browser
def test_check_page_loads_the_chosen_orderer(browser, base_url):
    def steps(page):
        page.goto(f"{base_url}/check/?orderer=taketa")
        page.wait_for_selector("#elig-form:not([hidden])")
        page.select_option("#elig-cert", "advance_payment")
        page.check('input[name="stage"][value="change"]')
        page.fill("#elig-date", "2024-09-30")
        expect(page.locator("#elig-result")).to_be_visible()
        expect(page.locator('[data-slot="name"]')).to_have_text("竹田市")
        text = page.locator("#elig-result").inner_text()
        assert "竹田市" in text and "電子保証の対象外です" in text and "変更契約も対象外" in text
        page.select_option("#elig-orderer", "omura")
        page.select_option("#elig-cert", "contract_reservation")
        expect(page.locator('[data-slot="name"]')).to_have_text("大村市")
        assert "電子保証の対象外です" in page.locator("#elig-result").inner_text()

    browser.run(steps)


@pytest.mark.browser
def test_without_javascript_the_table_is_there_and_the_form_is_not(browser, base_url):
    def steps(page):
        page.goto(f"{base_url}/municipalities/taketa/")
        assert page.locator("#elig-form").is_hidden()
        table = page.locator("table.elig-table")
        assert table.is_visible()
        text = table.inner_text()
        assert "持参" in text and "契約保証予約" in text and "対象外" in text
        page.goto(f"{base_url}/check/")
        assert page.locator("#elig-form").is_hidden()
        assert page.locator('a[href="/municipalities/taketa/#eligibility"]').is_visible()

    browser.run(steps, javascript=False)
