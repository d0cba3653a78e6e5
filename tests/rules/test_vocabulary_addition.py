"""A new date basis and a new submission method are a data change only (issue 12, item 1).

On a copy of the project, data/vocabulary.yaml gains a basis (工事発注通知日) and a method (宅配便)
and one guidance file (大村市) uses both. With no code change the checker accepts them, the site
shows their labels, the rule decides by the new basis and the exported rules carry it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

import scripts.build as build
from esurety.data.dataset import Dataset, load_dataset
from esurety.data.errors import DataErrors
from esurety.rules.context import context_for
from esurety.rules.eligibility import Case, decide
from esurety.site.wording import Words

ROOT = Path(__file__).resolve().parents[2]
NEW_BASIS = "work_order_notice"
NEW_BASIS_LABEL = "工事発注通知日"
NEW_METHOD = "courier"
NEW_METHOD_LABEL = "宅配便"


def _add_after(path: Path, anchor: str, text: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert source.count(anchor) == 1, anchor
    path.write_text(source.replace(anchor, anchor + text), encoding="utf-8")


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    source = path.read_text(encoding="utf-8")
    assert old in source, old
    path.write_text(source.replace(old, new, count), encoding="utf-8")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the project whose vocabulary has the new keys and whose 大村市 file uses them."""
    for name in ("content", "data", "theme"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pelicanconf.py", tmp_path / "pelicanconf.py")
    vocabulary = tmp_path / "data" / "vocabulary.yaml"
    _add_after(vocabulary, "date_basis:\n", f"  {NEW_BASIS}:\n    label: {NEW_BASIS_LABEL}\n"
                                            "    description: 発注者が工事の発注を通知した日（試験用の新しい基準）。\n"
                                            "    applies_to: project\n")
    _add_after(vocabulary, "submission_method:\n", f"  {NEW_METHOD}: {{label: {NEW_METHOD_LABEL}, "
                                                   "description: 宅配便で送る（試験用の新しい方法）}\n")
    omura = tmp_path / "content" / "municipalities" / "omura.yaml"
    _replace(omura, "    basis: contract_conclusion", f"    basis: {NEW_BASIS}")
    _replace(omura, "    methods: [email]", f"    methods: [email, {NEW_METHOD}]", count=2)
    return tmp_path


def _omura(data: Dataset):
    return next(g for g in data.guidance if g.slug == "omura")


def test_checker_accepts_the_new_keys(project: Path) -> None:
    """GIVEN the new keys in the vocabulary WHEN the data is checked THEN the file using them is valid."""
    g = _omura(load_dataset(project))
    assert g.start[0].basis == NEW_BASIS
    assert NEW_METHOD in g.submissions[0].methods


def test_checker_still_refuses_a_key_the_vocabulary_lacks(project: Path) -> None:
    """GIVEN a basis that is in no vocabulary WHEN checked THEN it is an error at its file and line."""
    omura = project / "content" / "municipalities" / "omura.yaml"
    _replace(omura, f"    basis: {NEW_BASIS}", "    basis: no_such_basis")
    line = omura.read_text(encoding="utf-8").splitlines().index("    basis: no_such_basis") + 1
    with pytest.raises(DataErrors) as info:
        load_dataset(project)
    assert f"omura.yaml:{line}:" in info.value.report()


def test_rule_decides_by_the_new_basis(project: Path) -> None:
    """GIVEN 大村市 under the new basis WHEN a case on and before its start is decided THEN the new basis decides
    (a date of the project: a change contract goes by the same date, as the site's reading)."""
    data = load_dataset(project)
    g = _omura(data)
    ctx, words = context_for(data, g), Words(data, g)
    start = g.start[0].first_day
    on = decide(g, ctx, Case("contract_performance", "wjcs", "initial", "construction", day=start))
    before = decide(g, ctx, Case("contract_performance", "wjcs", "initial", "construction",
                                 day=start - dt.timedelta(days=1)))
    change = decide(g, ctx, Case("contract_performance", "wjcs", "change", "construction", day=start))

    assert on.status == "applies"
    assert any(r.code == "date_on_or_after" and NEW_BASIS_LABEL in words.reason(r) for r in on.reasons)
    assert before.status == "not_applies" and NEW_BASIS_LABEL in words.reason(before.reasons[0])
    assert change.status == "unknown" and any(r.origin == "inference" for r in change.reasons)
    route = words.route(g.submissions[on.route])
    assert NEW_METHOD_LABEL in route.fields["methods"]


def test_site_shows_and_exports_the_new_keys(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the copy WHEN the site is built from it THEN 大村市's page and rules.json use the new labels."""
    monkeypatch.setattr(build, "ROOT", project)
    monkeypatch.setattr(build, "POST_BUILD_STEPS", [])
    out = build.build_site(project / "output", project / "pelicanconf.py")
    html = (out / "municipalities" / "omura" / "index.html").read_text(encoding="utf-8")
    assert NEW_BASIS_LABEL in html and NEW_METHOD_LABEL in html
    rules = json.loads((out / "municipalities" / "omura" / "rules.json").read_text(encoding="utf-8"))
    assert rules["dateInputs"] == [[NEW_BASIS, NEW_BASIS_LABEL]]
    assert any(NEW_METHOD_LABEL in r["fields"]["methods"] for r in rules["routes"])
