"""`make new-city`: a complete, valid, commented guidance file (format 2) and its adopters row; never an overwrite."""

from __future__ import annotations

import builtins
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from esurety.data import model, schemas, yamlsource
from esurety.data.dataset import check_file, load_dataset
from scripts import check, new_city

from .conftest import ROOT

FLAGS = ["--name", "杵築市", "--prefecture", "大分県", "--start", "2026-04-01", "--guarantor", "wjcs", "--slug", "kitsuki",
         "--no-input"]


def _run(root: Path, *args: str) -> int:
    return new_city.main([*args, "--root", str(root)])


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def _guidance(root: Path, slug: str = "kitsuki") -> model.Guidance:
    vocabulary = model.Vocabulary.model_validate(yamlsource.load(root / "data/vocabulary.yaml").data)
    return model.Guidance.model_validate(yamlsource.load(root / f"content/municipalities/{slug}.yaml").data,
                                         context={"vocabulary": vocabulary})


def test_writes_complete_valid_file_and_row(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(project, *FLAGS, "--basis", "contract_conclusion") == 0
    out = capsys.readouterr().out
    assert "make check: 誤りはありません。" in out
    path = project / "content" / "municipalities" / "kitsuki.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../schemas/guidance.schema.json"
    assert check_file(path, "guidance", root=project) == []
    doc = yamlsource.load(path)
    # every section of the model is present in the file
    assert set(doc.data) == set(model.Guidance.model_fields)
    g = _guidance(project)
    assert (g.name, g.prefecture, g.kind, g.lg_code, g.reading) == ("杵築市", "大分県", "city", "442101", "きつきし")
    (start,) = g.start
    assert start.basis == "contract_conclusion" and start.from_ == dt.date(2026, 4, 1) and start.source == "wjcs-kitsuki"
    # the source: kind, title, publisher, checked today; the url only when given
    source = g.sources["wjcs-kitsuki"]
    assert (source.kind, source.publisher, source.checked_on, source.url) == (
        "guarantor", "西日本建設業保証株式会社", dt.date.today(), None)
    # what the scaffold was not told is unstated, never a guess
    route = g.submissions[0]
    assert (route.methods, route.recipient, route.documents, route.printout, route.subject, route.body_items,
            route.timing) == (model.UNSTATED,) * 7
    assert route.for_ is None and route.email is None and route.source == "wjcs-kitsuki"
    for dimension in model.DIMENSIONS:
        if dimension != "issuers":
            assert getattr(g.scope, dimension) == model.UNSTATED, dimension
    # the guarantor's adopter list says this guarantor is accepted, not that it is the only one
    (issuers,) = g.scope.limits("issuers")
    assert (issuers.includes, issuers.only, issuers.source) == (["wjcs"], None, "wjcs-kitsuki")
    assert g.notes == [] and g.contacts == [] and g.faq == [] and g.e_contract is None
    assert g.unconfirmed, "open points are listed as unconfirmed"
    assert "# 要記入" in text
    assert "contract_conclusion = 契約締結日" in text  # allowed values with labels from the vocabulary
    assert "email = 電子メール" in text
    # `make check` passes right away; the lines to look up are listed as warnings
    assert check.main(["--root", str(project)]) == 0
    shown = capsys.readouterr().out
    assert "kitsuki.yaml:" in shown and "要記入（仮の値）: 発注者の資料から書いてください" in shown
    assert "誤りはありません: 案内 3 件" in shown
    data = load_dataset(project)
    row = next(a for a in data.adopters.adopters if a.page == "kitsuki")
    assert (row.name, row.start, row.source) == ("杵築市", "2026-04", "wjcs-kitsuki")
    # the row sits with the other rows of its prefecture, before the next prefecture
    names = [a.name for a in data.adopters.adopters]
    assert names.index("杵築市") == names.index("竹田市") + 1
    assert "wjcs-kitsuki" in data.adopters.sources


def test_wareki_start_is_converted(project: Path) -> None:
    args = [a if a != "2026-04-01" else "令和8年4月1日" for a in FLAGS]
    assert _run(project, *args) == 0
    g = _guidance(project)
    assert g.start[0].from_ == dt.date(2026, 4, 1)
    assert g.start[0].basis == model.UNSTATED  # not given: the honest value, marked to fill in
    assert any("判断する日付" in u for u in g.unconfirmed)
    text = (project / "content/municipalities/kitsuki.yaml").read_text(encoding="utf-8")
    assert "basis: unstated  # 要記入" in text


def test_month_only_start(project: Path) -> None:
    """A source that gives only the month: the file and the row say the month, not an invented day."""
    args = [a if a != "2026-04-01" else "2026年4月" for a in FLAGS]
    assert _run(project, *args) == 0
    g = _guidance(project)
    assert g.start[0].from_ == "2026-04" and not g.start[0].day_known
    row = next(a for a in load_dataset(project).adopters.adopters if a.page == "kitsuki")
    assert row.start == "2026-04"


def test_template_comes_from_the_model(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comments are the generated schema's titles and descriptions, not a second copy of them."""
    schema = schemas.generate("guidance", project)
    schema["$defs"]["Submission"]["properties"]["timing"]["description"] = "説明が変わった（テスト）"
    schema["$defs"]["Source"]["properties"]["checked_on"]["title"] = "確認した日（テスト）"
    monkeypatch.setattr(new_city.schemas, "generate", lambda kind, root: json.loads(json.dumps(schema)))
    assert _run(project, *FLAGS) == 0
    text = (project / "content/municipalities/kitsuki.yaml").read_text(encoding="utf-8")
    assert "    # 時期: 説明が変わった（テスト）\n    timing: unstated\n" in text
    assert "    # 確認した日（テスト）: " in text
    # every field the model documents for a route appears in the template, as a value or a commented example
    for name in model.Submission.model_fields:
        alias = model.Submission.model_fields[name].alias or name
        assert f" {alias}: " in text, alias


def test_refuses_existing_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "content/municipalities/kitsuki.yaml").write_text("# already here\n", encoding="utf-8")
    before = _files(project)
    assert _run(project, *FLAGS) == new_city.REFUSED
    assert "すでにあります。上書きはしません" in capsys.readouterr().err
    assert _files(project) == before


def test_refuses_existing_row(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _files(project)
    args = ["--name", "大分県", "--prefecture", "大分県", "--start", "2024-06-01", "--guarantor", "wjcs",
            "--slug", "oita-ken", "--no-input"]
    assert _run(project, *args) == new_city.REFUSED
    err = capsys.readouterr().err
    assert "採用団体一覧に 大分県大分県 の行がすでにあります" in err and "--use-existing-row" in err
    assert _files(project) == before


def test_refuses_row_with_page_and_slug_in_use(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _files(project)
    args = ["--name", "竹田市", "--prefecture", "大分県", "--start", "2024-10-01", "--guarantor", "wjcs",
            "--slug", "taketa-2", "--no-input", "--use-existing-row"]
    assert _run(project, *args) == new_city.REFUSED
    assert "すでに page: taketa があります" in capsys.readouterr().err
    assert _files(project) == before
    # a slug another row already points at, though its file is not written yet
    adopters = project / "data/adopters.yaml"
    adopters.write_text(adopters.read_text(encoding="utf-8").replace(
        "    start: 2024-06\n", "    start: 2024-06\n    page: oita-ken\n"), encoding="utf-8")
    before = _files(project)
    assert _run(project, *FLAGS[:-2], "oita-ken", "--no-input") == new_city.REFUSED
    assert "採用団体一覧に page: oita-ken の行がすでにあります" in capsys.readouterr().err
    assert _files(project) == before


def test_use_existing_row_adds_only_page(project: Path) -> None:
    adopters = project / "data/adopters.yaml"
    before = adopters.read_text(encoding="utf-8").splitlines()
    args = ["--name", "大分県", "--prefecture", "大分県", "--start", "2024-06-01", "--guarantor", "wjcs",
            "--slug", "oita-ken", "--no-input", "--use-existing-row", "--source", "wjcs-saga-2026-02"]
    assert _run(project, *args) == 0
    after = adopters.read_text(encoding="utf-8").splitlines()
    added = [line for line in after if line not in before]
    assert added == ["    page: oita-ken"]
    data = load_dataset(project)
    g = data.guidance_by_slug()["oita-ken"]
    assert g.kind == "prefecture" and g.sources["wjcs-saga-2026-02"].title == "【公共工事を受注される皆様へ】電子保証のご案内"
    assert g.sources["wjcs-saga-2026-02"].kind == "guarantor" and g.start[0].source == "wjcs-saga-2026-02"


def test_use_existing_row_refuses_a_different_start(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--name", "大分県", "--prefecture", "大分県", "--start", "2026-04-01", "--guarantor", "wjcs",
            "--slug", "oita-ken", "--no-input", "--use-existing-row"]
    assert _run(project, *args) == new_city.REFUSED
    assert "開始年月が違います: --start は 2026-04" in capsys.readouterr().err


@pytest.mark.parametrize("args,message", [
    (["--prefecture", "大分県"], "--name を指定してください"),
    (["--name", "杵築市", "--prefecture", "大分", "--start", "2026-04-01"], "「大分」は47都道府県の名前ではありません"),
    (["--name", "杵築氏", "--prefecture", "大分県"], "「杵築市」ではありませんか"),
    (["--name", "杵築市", "--prefecture", "大分県", "--start", "2026-02-30"], "「2026-02-30」という日付は存在しません"),
    (["--name", "杵築市", "--prefecture", "大分県", "--start", "2026-04-01", "--guarantor", "kyushu"],
     "保証事業会社は次のどれかにしてください: wjcs, ejcs, hokkaido"),
    (["--name", "杵築市", "--prefecture", "大分県", "--start", "2026-04-01", "--guarantor", "wjcs"],
     "--slug を指定してください（slug（URL とファイル名、英小文字・数字・ハイフン））。候補: kitsuki"),
    (["--name", "杵築市", "--prefecture", "大分県", "--start", "2026-04-01", "--guarantor", "wjcs", "--slug", "Kitsuki"],
     "slug「Kitsuki」は英小文字・数字・ハイフンで書いてください"),
    ([*FLAGS[:-1], "--source", "nowhere"], "資料ID「nowhere」が"),
])
def test_bad_input_is_refused_in_japanese(project: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                          message: str) -> None:
    before = _files(project)
    assert _run(project, *args, "--no-input") == new_city.REFUSED
    err = capsys.readouterr().err
    assert err.startswith("作成しませんでした: ") and message in err
    assert _files(project) == before


def test_asks_for_missing_values_in_a_terminal(project: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(["杵築市", "大分", "大分県", "R8.4.1", "wjcs", "tender_notice", "", "電子保証のご案内（杵築市）"])
    asked: list[str] = []

    def fake_input(prompt: str = "") -> str:
        asked.append(prompt)
        return next(answers)

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(builtins, "input", fake_input)
    assert new_city.main(["--root", str(project)]) == 0
    assert "「大分」は47都道府県の名前ではありません" in capsys.readouterr().out  # asked again after a wrong answer
    assert any("[kitsuki]" in p for p in asked), "the suggested slug is offered as the default"
    g = _guidance(project)
    assert (g.start[0].from_, g.start[0].basis, g.sources["wjcs-kitsuki"].title) == (
        dt.date(2026, 4, 1), "tender_notice", "電子保証のご案内（杵築市）")


def test_national_body(project: Path) -> None:
    args = ["--name", "四国地方整備局", "--prefecture", "なし", "--kind", "national", "--reading", "しこくちほうせいびきょく",
            "--start", "2026-04-01", "--guarantor", "wjcs", "--slug", "shikoku-seibi", "--no-input"]
    assert _run(project, *args) == 0
    data = load_dataset(project)
    names = [a.name for a in data.adopters.adopters]
    assert names.index("四国地方整備局") == names.index("九州地方整備局") + 1  # with the other national bodies
    assert data.guidance_by_slug()["shikoku-seibi"].prefecture is None


@pytest.mark.parametrize("name,reading,slug", [
    ("竹田市", "たけたし", "taketa"), ("大村市", "おおむらし", "omura"), ("大仙市", "だいせんし", "daisen"),
    ("芦屋町", "あしやまち", "ashiya"), ("錦江町", "きんこうちょう", "kinko"), ("北海道", "ほっかいどう", "hokkai"),
    ("竜王町", "りゅうおうちょう", "ryuo"), ("八女市", "やめし", "yame"), ("一関市", "いちのせきし", "ichinoseki"),
])
def test_slug_suggestion(name: str, reading: str, slug: str) -> None:
    assert new_city.suggest_slug(name, reading, set()) == slug


def test_slug_suggestion_avoids_taken() -> None:
    assert new_city.suggest_slug("芦屋町", "あしやまち", {"ashiya"}) == "ashiya-machi"
    assert new_city.suggest_slug("芦屋町", "あしやまち", {"ashiya", "ashiya-machi"}) == "ashiya-2"


def test_on_a_copy_of_the_real_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The real adopter table (comments, groups) takes a new row in the right place, and the real data,
    new row included, passes the check (exit status 0: the real data is always clean)."""
    root = tmp_path / "real"
    for name in ("data", "content"):
        shutil.copytree(ROOT / name, root / name)
    real = yamlsource.load(root / "data/adopters.yaml").data
    taken = {(a.get("prefecture"), a.get("name")) for a in real["adopters"]}
    name = next(n for n in ("与那国町", "竹富町", "多良間村", "北大東村") if ("沖縄県", n) not in taken)
    code = new_city.main(["--root", str(root), "--name", name, "--prefecture", "沖縄県", "--start", "2026-04-01",
                          "--guarantor", "wjcs", "--slug", "new-city-test", "--no-input"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "make check: 誤りはありません。" in out
    path = root / "content/municipalities/new-city-test.yaml"
    assert check_file(path, "guidance", root=ROOT) == []
    doc = yamlsource.load(root / "data/adopters.yaml")
    rows = doc.data["adopters"]
    i = next(i for i, r in enumerate(rows) if r.get("page") == "new-city-test")
    assert rows[i - 1]["prefecture"] == "沖縄県"
    assert i + 1 == len(rows) or rows[i + 1]["prefecture"] != "沖縄県"
    original = (ROOT / "data/adopters.yaml").read_text(encoding="utf-8")
    assert original.count("\n#") <= doc.path.read_text(encoding="utf-8").count("\n#"), "comments kept"


def test_errors_elsewhere_in_the_data_exit_1_after_writing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A project whose other files have errors: the new files are written, then the check names each error
    (file:line:column) and the command exits 1, so `make new-city` fails until they are fixed."""
    from .conftest import BROKEN

    shutil.copy(BROKEN / "guidance" / "several-errors.yaml", project / "content" / "municipalities" / "several-errors.yaml")
    assert _run(project, *FLAGS) == 1
    out, err = capsys.readouterr()
    assert "作成しました: " in out and "make check: 誤りはありません。" not in out
    assert "several-errors.yaml:6:13: prefecture:" in err
    assert "上の誤りを直してから make check を実行してください。" in err
    assert (project / "content" / "municipalities" / "kitsuki.yaml").is_file()
    assert _guidance(project).name == "杵築市"


def test_runs_as_make_target_without_a_terminal(project: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "scripts.new_city", *FLAGS[:-3], "--root", str(project)],
                            cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == new_city.REFUSED
    assert "--slug を指定してください" in result.stderr
