"""The page's script answers exactly like the Python rule, for every orderer and every input.

theme/static/js/eligibility.js only looks answers up in the exported rules.json. This runs its
``evaluate`` in Node over every orderer's export × every combination of the values its form offers ×
no date and two dates inside each interval between the orderer's breakpoints, and compares each
answer with :func:`esurety.rules.eligibility.decide` on the same case, worded by
:class:`esurety.site.wording.Words` — the oracle is the rule itself, not the exported table.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from esurety.data.dataset import Dataset
from esurety.rules.context import context_for
from esurety.rules.eligibility import Case, Outcome, asked_dimensions, decide, dimension_values
from esurety.rules.export import breakpoints, compatible
from esurety.site.eligibility import rules_json
from esurety.site.wording import Words

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "theme" / "static" / "js" / "eligibility.js"

#: Reads {rules, cases: [[values, date]]}; writes the distinct answers and each case's index into them.
NODE_RUNNER = """
const { evaluate } = require(process.argv[1]);
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => (input += c));
process.stdin.on("end", () => {
  const { rules, cases } = JSON.parse(input);
  const uniq = [], seen = new Map(), idx = [];
  for (const [values, date] of cases) {
    const key = JSON.stringify(evaluate(rules, values, date));
    if (!seen.has(key)) { seen.set(key, uniq.length); uniq.push(key); }
    idx.push(seen.get(key));
  }
  process.stdout.write(JSON.stringify({ uniq, idx }));
});
"""


def days_to_try(g) -> list[dt.date | None]:
    """No date, and two days inside each interval the orderer's dates cut time into."""
    breaks = breakpoints(g)
    days: list[dt.date | None] = [None]
    edges = [dt.date(2001, 1, 1)] + breaks + [dt.date(2099, 12, 31) + dt.timedelta(days=1)]
    for lo, hi in zip(edges, edges[1:]):
        days += sorted({lo, hi - dt.timedelta(days=1)})
    return days


def inputs(data: Dataset, g) -> list[tuple[dict[str, str], dt.date | None]]:
    """Every combination of the form's values (every cell of the table) with every day to try."""
    dims = [(d, dimension_values(g, data.vocabulary, d)) for d in asked_dimensions(g)]
    names = [d for d, _ in dims]
    return [(dict(zip(names, combo)), day)
            for combo in itertools.product(*(v for _, v in dims)) for day in days_to_try(g)]


def python_answer(words: Words, outcome: Outcome) -> dict[str, Any]:
    w = words.outcome(outcome)
    return {"status": w["status"], "reasons": [list(p) for p in w["reasons"]], "notes": [list(p) for p in w["notes"]],
            "route": w["route"], "asks": w["asks"]}


def run_node(rules: dict[str, Any], cases: list[list[Any]]) -> list[Any]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: apt-get install -y nodejs")
    payload = json.dumps({"rules": rules, "cases": cases}, ensure_ascii=False)
    done = subprocess.run([node, "-e", NODE_RUNNER, str(SCRIPT)], input=payload, capture_output=True, text=True,
                          timeout=300, check=True)
    out = json.loads(done.stdout)
    uniq = [json.loads(k) for k in out["uniq"]]
    return [uniq[i] for i in out["idx"]]


def _slugs() -> list[str]:
    return sorted(p.stem for p in (ROOT / "content" / "municipalities").glob("*.yaml"))


@pytest.mark.parametrize("slug", _slugs())
def test_script_answers_like_decide(data: Dataset, slug: str) -> None:
    """GIVEN an orderer's exported rules WHEN the script evaluates every input THEN each answer is decide()'s,
    worded: status, reasons with provenance, remarks, whom to ask and the route."""
    g = next(g for g in data.guidance if g.slug == slug)
    ctx = context_for(data, g)
    words = Words(data, g)
    rules = json.loads(rules_json(data, g))
    cases = inputs(data, g)

    answers = run_node(rules, [[values, day.isoformat() if day else ""] for values, day in cases])

    assert len(answers) == len(cases)
    worded: dict[Outcome, dict[str, Any]] = {}
    compared = 0
    for (values, day), js in zip(cases, answers):
        if not compatible(data.vocabulary, values["certificates"], values["issuers"]):
            assert js is None, (slug, values, "an impossible pair has no answer")
            continue
        outcome = decide(g, ctx, Case(values["certificates"], values["issuers"], values["contract_stages"],
                                      values.get("project_types"), values.get("departments"),
                                      values.get("procurement_methods"), day))
        expected = worded.get(outcome) or worded.setdefault(outcome, python_answer(words, outcome))
        assert js == expected, (slug, values, day)
        compared += 1
    assert compared


def test_script_refuses_an_unknown_choice_and_another_format(data: Dataset) -> None:
    """GIVEN an export WHEN asked for a value the form does not offer, or given another format THEN no answer."""
    g = next(g for g in data.guidance if g.slug == "omura")
    rules = json.loads(rules_json(data, g))
    values = {d: v[0] for d, v in ((d, dimension_values(g, data.vocabulary, d)) for d in asked_dimensions(g))}
    old = {**rules, "v": 1}
    assert run_node(rules, [[{**values, "certificates": "no_such_certificate"}, ""]]) == [None]
    assert run_node(old, [[values, ""]]) == [None]
    assert run_node(rules, [[values, ""]])[0]["status"] == decide(g, context_for(data, g), Case(
        values["certificates"], values["issuers"], values["contract_stages"], values.get("project_types"))).status
