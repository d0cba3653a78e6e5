"""The broken-data corpus: every file under tests/data/broken/ is rejected with a precise message.

Each case names the file, and for every error expected in it the line, the column and a piece of
the Japanese explanation. A case must produce exactly these errors: no silence, and no noise that
would send staff looking in the wrong place. The corpus is in the guidance file format 2
(docs/guidance-format.md); a few ok-*.yaml files show what staff may write and must be accepted.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from esurety.data import model, yamlsource
from esurety.data.dataset import check_file, load_dataset
from esurety.data.errors import DataError, DataErrors

from .conftest import BROKEN, ROOT, make_project

Expected = tuple[int, int, str]

#: Single files, checked on their own (kind = folder name). Files named ok-*.yaml (and html-in-text)
#: are what staff write that must be accepted: they expect no error.
FILE_CASES: dict[str, list[Expected]] = {
    # dates: a day, or only a month where the source gives no day
    "guidance/wareki-in-date.yaml": [(14, 11, "start[0].from に「令和8年4月1日」とありますが、2026-04-01 の形式で書いてください")],
    "guidance/date-not-exist.yaml": [(14, 11, "「2026-02-30」という日付は存在しません（2026年2月は28日までです）")],
    "guidance/wareki-not-exist.yaml": [(14, 11, "「令和8年2月30日」という日付は存在しません")],
    "guidance/date-slashes.yaml": [(14, 11, "「2026/4/1」とありますが、2026-04-01 の形式で書いてください")],
    "guidance/date-month-13.yaml": [(14, 11, "「2026-13-01」という日付は存在しません（13月という月はありません）")],
    "guidance/date-as-number.yaml": [(14, 11, "数字「20260401」とありますが、日付は 2026-04-01 の形式")],
    "guidance/start-month-13.yaml": [(14, 11, "「2025-13」という年月は存在しません（13月という月はありません）。日が資料にないときは、年-月だけでも書けます")],
    "guidance/ok-month-start.yaml": [],
    "guidance/ok-month-start-unquoted.yaml": [],
    "guidance/ok-unstated-start.yaml": [],
    "guidance/ok-alternatives-basis.yaml": [],
    "adopters/start-full-date.yaml": [(14, 12, "「2024-10-01」とありますが、開始年月は 2024-10 の形式")],
    "adopters/start-wareki.yaml": [(14, 12, "「令和6年10月」とありますが、2024-10 の形式")],
    "adopters/start-month-13.yaml": [(14, 12, "「2024-13」という年月は存在しません")],
    # missing fields and wrong types
    "guidance/missing-field.yaml": [(14, 5, "必須の項目「basis」がありません。start[0] の中に「basis:」の行を書いてください。"
                                            "どの日付で対象かを判断するかを書きます。資料に書かれていなければ basis: unstated")],
    "guidance/missing-section.yaml": [(3, 1, "必須の項目「submissions」がありません")],
    "guidance/start-not-list.yaml": [(13, 1, "start は一覧（「- 」で始まる行、または [a, b] の形）で書いてください")],
    "guidance/wrong-type-list.yaml": [(19, 11, "scope.certificates.only は一覧（「- 」で始まる行、または [a, b] の形）で書いてください（いまは advance_payment）")],
    "guidance/wrong-type-bool.yaml": [(16, 12, "start[0].trial には true か false を書いてください（いまは たぶん）")],
    "guidance/wrong-type-mapping.yaml": [(8, 1, "sources には項目の集まり（字下げした「名前: 値」の行）を書いてください（いまは 一覧）")],
    "guidance/unquoted-code.yaml": [(8, 10, "「442089」は数として読まれました。文字として書くため、引用符で囲んでください")],
    "guidance/empty-value.yaml": [(4, 6, "name が空です")],
    "guidance/empty-list.yaml": [(23, 15, "submissions[0].documents が空です")],
    "guidance/unstated-as-text.yaml": [(22, 14, "（いまは 記載なし）。資料に書かれていなければ unstated と書いてください")],
    "guidance/empty.yaml": [(1, 1, "ファイルが空です")],
    "guidance/not-a-mapping.yaml": [(3, 1, "ファイル全体を「名前: 値」の行で書いてください（いまは一覧になっています）")],
    "usage/count-as-text.yaml": [(12, 28, "advance_payment_count には整数を書いてください（いまは 1,870件）")],
    "usage/negative-count.yaml": [(12, 28, "-1870 は小さすぎます（0 以上）")],
    "usage/more-electronic-than-total.yaml": [(13, 23, "電子保証利用件数 1954 が前払金保証件数 1870 を超えています")],
    # unknown fields and values outside the vocabulary
    "guidance/unknown-field.yaml": [(3, 1, "必須の項目「submissions」がありません"),
                                    (21, 1, "「sumbissions」という項目はここには書けません。「submissions」の書き間違いではありませんか")],
    "guidance/unknown-prefecture.yaml": [(6, 13, "「大分」は47都道府県の名前ではありません。「大分県」ではありませんか")],
    "guidance/unknown-kind.yaml": [(7, 7, "「市」は表示名です。キーの city を書いてください")],
    "guidance/unknown-basis.yaml": [(15, 12, "「contract_date」とありますが、この値は使えません。")],
    "guidance/label-as-key.yaml": [(15, 12, "「契約締結日」は表示名です。キーの contract_conclusion を書いてください")],
    "guidance/misspelt-key.yaml": [(22, 15, "「e-mail」は使えません。「email」（電子メール）の書き間違いではありませんか")],
    "guidance/unknown-certificate.yaml": [(19, 29, "「bid_bond」とありますが、この値は使えません")],
    "guidance/unknown-method.yaml": [(22, 15, "「post」とありますが、この値は使えません。次のどれかを書いてください: email（電子メール）")],
    "guidance/unknown-guarantor.yaml": [(22, 12, "「nishinihon」とありますが、この値は使えません。次のどれかを書いてください: wjcs（西日本建設業保証）")],
    "guidance/printout-no.yaml": [(24, 15, "printout に「no」とありますが、この値は使えません。次のどれかを書いてください: accepted（印刷したものでも可）")],
    "guidance/ok-yes-no-words.yaml": [],
    "guarantors/unknown-id.yaml": [(4, 9, "「kyushu」とありますが、この値は使えません")],
    # provenance: every claim names a source of the file, or is the site's inference with whom to ask
    "guidance/claim-source-and-inference.yaml": [(18, 3, "出典（source: 資料ID）か、サイトの推論（inference: 理由）のどちらか一方を書いてください")],
    "guidance/claim-without-provenance.yaml": [(18, 3, "出典（source: 資料ID）か、サイトの推論（inference: 理由）のどちらか一方を書いてください")],
    "guidance/unknown-source-id.yaml": [(16, 13, "資料ID「wjcs-takta」が sources にありません（あるのは wjcs-taketa）")],
    "guidance/source-without-checked-on.yaml": [(9, 3, "必須の項目「checked_on」がありません。sources.wjcs-taketa の中に「checked_on:」の行を書いてください。"
                                                      "この資料を原本と見比べて最後に確かめた日を")],
    "guidance/ask-without-inference.yaml": [(14, 5, "ask（確認先）は inference（サイトの推論）と一緒に書いてください")],
    "guidance/ok-inference.yaml": [],
    "guarantors/rule-unknown-source.yaml": [(9, 17, "資料ID「wjcs-saga」がこの会社の sources にありません")],
    # names, codes and readings against the reference list
    "guidance/bad-slug.yaml": [(3, 7, "「Taketa_City」は使えない文字を含んでいます。英小文字・数字・ハイフンだけで書いてください（例: taketa-city）")],
    "guidance/slug-not-filename.yaml": [(3, 7, "slug「taketa」とファイル名「slug-not-filename.yaml」が違います")],
    "guidance/katakana-reading.yaml": [(5, 10, "「タケタシ」はカタカナです。ひらがなで書いてください（例: たけたし）")],
    "guidance/wrong-reading.yaml": [(5, 10, "よみ「たけだし」が全国地方公共団体コードの一覧の「たけたし」と違います")],
    "guidance/unknown-city.yaml": [(4, 7, "大分県に「竹田氏」という市区町村はありません。「竹田市」ではありませんか")],
    "guidance/code-mismatch.yaml": [(8, 10, "コード 422053 は 長崎県 大村市 のものです")],
    "adopters/designated-city-as-city.yaml": [(19, 11, "福岡市 は政令指定都市です。kind: designated_city にしてください")],
    "adopters/national-with-prefecture.yaml": [(18, 17, "国の機関には prefecture を書かないでください")],
    "adopters/unknown-source.yaml": [(16, 13, "資料ID「wjcs-nowhere」が sources にありません")],
    "adopters/bad-source-id.yaml": [(5, 3, "sources の項目名「Wjcs_Saga」は使えません")],
    "adopters/duplicate-name.yaml": [(17, 11, "大分県竹田市 は")],
    "guarantors/duplicate-id.yaml": [(3, 1, "vocabulary.yaml の issuer「ejcs」（保証事業会社）が guarantors にありません"),
                                     (7, 9, "保証事業会社 wjcs は")],
    # rules of the domain: scope, routes, issuers
    "guidance/reservation-covered.yaml": [(19, 29, "契約保証予約（入札ボンド）（contract_reservation）は西日本建設業保証の電子保証の対象になりません")],
    "guidance/submission-missing.yaml": [(21, 1, "scope.certificates で対象とした contract_performance の提出方法が submissions にありません")],
    "guidance/submission-not-covered.yaml": [(26, 22, "contract_performance は scope.certificates で対象になっていません")],
    "guidance/issuer-twice.yaml": [(22, 24, "「wjcs」が2回書かれています。1回にしてください")],
    "guidance/insurer-advance-payment.yaml": [(24, 17, "損害保険会社（insurer）は前払金保証（advance_payment）を発行しません")],
    "guidance/email-without-email-method.yaml": [(22, 5, "email（アドレス）は methods に email があるときだけ書けます")],
    # mail addresses and URLs
    "guidance/mailto-email.yaml": [(23, 12, "「mailto:」を付けずに、アドレスだけを書いてください（例: keiyaku@city.taketa.oita.jp）")],
    "guidance/fullwidth-email.yaml": [(23, 12, "全角の文字（＠ など）が含まれています")],
    "guidance/incomplete-email.yaml": [(23, 12, "「keiyaku@city」はメールアドレスの形式ではありません。「@」の後ろ（ドメイン名）が不完全です")],
    "guidance/url-without-scheme.yaml": [(23, 10, "先頭に https:// を付けてください（例: https://www.city.taketa.oita.jp/keiyaku/）")],
    "guidance/javascript-url.yaml": [(23, 10, "使える URL は http:// または https:// で始まるものだけです")],
    # what the YAML reader refuses
    "guidance/tabs.yaml": [(15, 1, "字下げにタブ文字が使われています")],
    "guidance/bad-indentation.yaml": [(15, 11, "字下げがずれていないか")],
    "guidance/colon-in-value.yaml": [(23, 18, "ここに「:」は書けません")],
    "guidance/unclosed-quote.yaml": [(4, 7, "この行で始まる引用符")],
    "guidance/duplicate-key.yaml": [(8, 1, "項目「name」が2回書かれています（最初は 4 行目）")],
    "guidance/two-documents.yaml": [(25, 1, "1つのファイルに書ける文書は1つだけです")],
    "guidance/python-tag.yaml": [(4, 7, "型の指定「!!python/object/apply:os.system」は使えません")],
    "guidance/alias-bomb.yaml": [(27, 5, "アンカー・エイリアス"), (28, 5, "アンカー・エイリアス"), (29, 5, "アンカー・エイリアス")],
    "guidance/non-utf8.yaml": [(4, 7, "UTF-8 ではない文字が含まれています（Shift_JIS で保存されているようです）")],
    "guidance/control-char.yaml": [(7, 3, "使えない制御文字（U+0007）")],
    "guidance/long-line.yaml": [(24, 2001, "行が長すぎます（3,046 文字、上限 2,000 文字）")],
    # several independent mistakes in one file: all of them, in one run
    "guidance/several-errors.yaml": [
        (6, 13, "「大分」は47都道府県の名前ではありません"),
        (14, 11, "start[0].from に「令和8年4月1日」とありますが、2026-04-01 の形式で書いてください"),
        (23, 12, "「mailto:」を付けずに"),
        (26, 1, "「contact」という項目はここには書けません。「contacts」の書き間違いではありませんか"),
    ],
    # markup in text is data, not an error: the build escapes it (tests/data/test_build_safety.py)
    "guidance/html-in-text.yaml": [],
}

#: Cases the check does not catch yet: each stays in the corpus and fails loudly once it is caught.
NOT_CAUGHT_YET: dict[str, str] = {
}

#: Mistakes in the vocabulary, made in a copy of the real data/vocabulary.yaml at test time (the
#: real file grows with every new key, so a stored copy would go stale): the line as it is in the
#: real file, the line as staff break it, the column expected, and a fragment of the message.
#: The line expected is the broken line's; a ``None`` column means the group's key (its line, column 1).
VOCABULARY_CASES: dict[str, tuple[str, str, int | None, str, str]] = {
    "unknown-key": ("  village: {label: 村, description: 村}\n",
                    "  village: {label: 村, description: 村}\n  ward: {label: 区, description: 特別区}\n",
                    3, "  ward:", "orderer_kind に「ward」という項目は書けません。書けるのは次の項目です: national"),
    "missing-key": ("  town: {label: 町, description: 町}\n", "", None, "orderer_kind:",
                    "orderer_kind に「town」がありません。「town: {label: 表示名, description: 説明}」の行を書いてください"),
    "missing-label": ("  town: {label: 町, description: 町}\n", "  town: {description: 町}\n", 3, "  town:",
                      "必須の項目「label」がありません。orderer_kind.town の中に「label:」の行を書いてください"),
}

#: Files laid over the fixture project; the whole project is then checked (cross-file rules).
CROSS_CASES: dict[str, list[tuple[str, int, int, str]]] = {
    "duplicate-slug": [
        ("taketa-copy.yaml", 5, 7, "slug「taketa」とファイル名「taketa-copy.yaml」が違います"),
        ("taketa.yaml", 4, 7, "slug「taketa」は content/municipalities/taketa-copy.yaml:5:7 と重複しています"),
        ("taketa.yaml", 5, 7, "大分県竹田市 の案内は content/municipalities/taketa-copy.yaml:6:7 にもあります"),
    ],
    "start-month-mismatch": [
        ("taketa.yaml", 22, 11, "開始年月 2024-11（いちばん早い start の from）が採用団体一覧 data/adopters.yaml:37:12 の start: 2024-10 と違います"),
    ],
    "prefecture-mismatch": [
        ("taketa.yaml", 7, 13, "都道府県「大分県」が採用団体一覧 data/adopters.yaml:35:17 の「熊本県」と違います"),
        ("adopters.yaml", 33, 11, "熊本県に「竹田市」という市区町村はありません。竹田市 は 大分県 にあります"),
    ],
    "kind-mismatch": [("taketa.yaml", 9, 7, "kind: town が採用団体一覧 data/adopters.yaml:35:11 の kind: city と違います")],
    "name-mismatch": [
        ("taketa.yaml", 6, 7, "名前「竹田町」が採用団体一覧 data/adopters.yaml:32:11 の「竹田市」と違います"),
        ("taketa.yaml", 10, 10, "コード 442089 は 大分県 竹田市 のものです"),
    ],
    "missing-row": [("omura.yaml", 5, 7, "採用団体一覧 data/adopters.yaml に page: omura の行がありません")],
    "missing-page": [("adopters.yaml", 31, 11, "案内ページ「oita-ken」がありません")],
    "guarantor-mismatch": [
        ("taketa.yaml", 37, 3, "採用団体一覧 data/adopters.yaml:39:17 の保証事業会社 ejcs が、案内の scope.issuers（wjcs）にありません"),
    ],
    "issuers-not-in-row": [
        ("omura.yaml", 36, 3, "採用団体一覧 data/adopters.yaml:47:17 の保証事業会社 wjcs が、案内の scope.issuers（ejcs）にありません"),
    ],
    "guarantor-twice": [("adopters.yaml", 39, 24, "保証事業会社 wjcs が2回書かれています。1回にしてください")],
    "page-twice": [("adopters.yaml", 31, 11, "案内ページ「taketa」を指す行が data/adopters.yaml:41:11 にもあります")],
    "two-files-broken": [
        ("omura.yaml", 55, 12, "「mailto:」を付けずに"),
        ("taketa.yaml", 22, 11, "start[0].from に「令和6年10月1日」とありますが、2024-10-01 の形式で書いてください"),
    ],
}


def _matches(errors: list[DataError], expected: list[tuple[str, int, int, str]]) -> None:
    shown = "\n".join(map(str, errors))
    assert len(errors) == len(expected), f"expected {len(expected)} errors, got:\n{shown}"
    for name, line, column, fragment in expected:
        assert any(Path(e.file).name == name and (e.line, e.column) == (line, column) and fragment in str(e)
                   for e in errors), f"no error {name}:{line}:{column} with「{fragment}」in:\n{shown}"


def test_corpus_is_large_enough_and_every_file_has_expectations() -> None:
    assert len(list(BROKEN.rglob("*.yaml"))) >= 90
    on_disk = {str(p.relative_to(BROKEN)) for p in BROKEN.glob("*/*.yaml")}
    assert on_disk == set(FILE_CASES), f"files without expectations: {sorted(on_disk ^ set(FILE_CASES))}"
    assert set(CROSS_CASES) == {p.name for p in (BROKEN / "cross").iterdir()}
    assert set(NOT_CAUGHT_YET) <= set(FILE_CASES)
    # every broken file says what mistake it is, in its second line
    for path in BROKEN.glob("guidance/*.yaml"):
        if path.name not in ("empty.yaml", "non-utf8.yaml"):
            assert path.read_text(encoding="utf-8").splitlines()[1].startswith("# 壊れたデータ: ") or \
                path.name.startswith("ok-") or path.name == "html-in-text.yaml", path


def _file_case(case: str) -> object:
    reason = NOT_CAUGHT_YET.get(case)
    return pytest.param(case, marks=pytest.mark.xfail(reason=reason, strict=True)) if reason else case


@pytest.mark.parametrize("case", [_file_case(c) for c in sorted(FILE_CASES)])
def test_broken_file(case: str, fixture_root: Path) -> None:
    path = BROKEN / case
    kind = case.split("/")[0]
    errors = check_file(path, kind, root=fixture_root)
    _matches(errors, [(path.name, line, col, fragment) for line, col, fragment in FILE_CASES[case]])
    for e in errors:
        assert str(e).startswith(f"{path}:{e.line}:{e.column}: "), "file:line:column comes first"


@pytest.mark.parametrize("case", sorted(CROSS_CASES))
def test_broken_project(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "project")
    shutil.copytree(BROKEN / "cross" / case, root, dirs_exist_ok=True)
    monkeypatch.chdir(root)
    with pytest.raises(DataErrors) as info:
        load_dataset(Path("."))  # relative paths, as `make check` shows them
    _matches(info.value.errors, CROSS_CASES[case])


def _real_vocabulary_errors(fixture_root: Path) -> set[tuple[str, str]]:
    """Problems the real vocabulary has right now (reported by `make check` on the real data, not here)."""
    return {(e.field, e.message) for e in check_file(ROOT / "data/vocabulary.yaml", "vocabulary", root=fixture_root)}


@pytest.mark.parametrize("case", sorted(VOCABULARY_CASES))
def test_broken_vocabulary(case: str, fixture_root: Path, tmp_path: Path) -> None:
    real, broken, column, anchor, fragment = VOCABULARY_CASES[case]
    text = (ROOT / "data/vocabulary.yaml").read_text(encoding="utf-8")
    assert text.count(real) == 1, f"the real vocabulary no longer has the line {real!r}: update this case"
    text = text.replace(real, broken)
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, written in enumerate(text.splitlines(), start=1) if written.startswith(anchor))
    own = _real_vocabulary_errors(fixture_root)
    errors = [e for e in check_file(path, "vocabulary", root=fixture_root) if (e.field, e.message) not in own]
    _matches(errors, [(path.name, line, column or 1, fragment)])


#: What the accepted files mean once read: (file, attribute path, value).
VALID_READINGS: list[tuple[str, tuple[object, ...], object]] = [
    ("ok-month-start.yaml", ("start", 0, "from_"), "2025-04"),
    ("ok-month-start-unquoted.yaml", ("start", 0, "from_"), "2025-04"),
    ("ok-month-start.yaml", ("start", 0, "day_known"), False),
    ("ok-month-start.yaml", ("start", 0, "last_day"), dt.date(2025, 4, 30)),
    ("ok-month-start.yaml", ("start_month",), "2025-04"),
    ("ok-unstated-start.yaml", ("start", 0, "from_"), model.UNSTATED),
    ("ok-unstated-start.yaml", ("start", 0, "basis"), model.UNSTATED),
    ("ok-unstated-start.yaml", ("start_month",), None),
    ("ok-alternatives-basis.yaml", ("start", 0, "basis"), "public_or_designation_notice"),
    ("ok-yes-no-words.yaml", ("start", 0, "trial"), True),
    ("ok-yes-no-words.yaml", ("submissions", 0, "recipient"), "on"),
    ("ok-yes-no-words.yaml", ("submissions", 0, "note"), "no"),
    ("ok-inference.yaml", ("scope", "certificates", 0, "source"), None),
    ("ok-inference.yaml", ("scope", "certificates", 0, "ask"), "竹田市 契約検査室"),
    ("ok-inference.yaml", ("submissions", 0, "methods"), model.UNSTATED),
    ("ok-inference.yaml", ("submissions", 0, "recipient"), model.UNSTATED),
]


@pytest.mark.parametrize("name,path,value", VALID_READINGS)
def test_accepted_files_mean_what_staff_wrote(name: str, path: tuple[object, ...], value: object,
                                              fixture_root: Path) -> None:
    vocabulary = model.Vocabulary.model_validate(yamlsource.load(fixture_root / "data/vocabulary.yaml").data)
    item: object = model.Guidance.model_validate(yamlsource.load(BROKEN / "guidance" / name).data,
                                                 context={"vocabulary": vocabulary})
    for part in path:
        item = item[part] if isinstance(part, int) else getattr(item, str(part))  # type: ignore[index]
    assert item == value


def test_alternatives_basis_is_one_of_two_dates(fixture_root: Path) -> None:
    vocabulary = model.Vocabulary.model_validate(yamlsource.load(fixture_root / "data/vocabulary.yaml").data)
    assert vocabulary.date_basis["public_or_designation_notice"].alternatives == ["public_notice", "designation_notice"]


def test_fixture_itself_is_valid(fixture_root: Path) -> None:
    data = load_dataset(fixture_root)
    assert {g.slug for g in data.guidance} == {"taketa", "omura"}


def test_every_broken_file_fails_the_whole_check_too(tmp_path: Path) -> None:
    """The same files dropped into a project are caught by load_dataset, all in one run."""
    root = make_project(tmp_path / "project")
    names = ["wareki-in-date", "date-not-exist", "mailto-email", "tabs", "alias-bomb", "non-utf8"]
    for name in names:
        shutil.copy(BROKEN / "guidance" / f"{name}.yaml", root / "content" / "municipalities" / f"{name}.yaml")
    with pytest.raises(DataErrors) as info:
        load_dataset(root)
    files = {Path(e.file).stem for e in info.value.errors}
    assert set(names) <= files
    assert info.value.report().endswith("件の誤りがあります。")


class _MemoryCache:
    """The smallest FileCache: what the preview server's cache does, without the hashing."""

    def __init__(self) -> None:
        self.stored: dict[tuple[str, type], object] = {}
        self.hits = 0

    def get(self, path: Path, cls: type) -> object | None:
        hit = self.stored.get((str(path), cls))
        self.hits += hit is not None
        return hit

    def put(self, path: Path, cls: type, loaded: object) -> None:
        self.stored[(str(path), cls)] = loaded

    def keep_only(self, paths: set[str]) -> None:
        self.stored = {k: v for k, v in self.stored.items() if k[0] in paths}


def test_cache_reuses_valid_files_and_never_hides_errors(project: Path) -> None:
    cache = _MemoryCache()
    first = load_dataset(project, cache=cache)
    assert len(cache.stored) == 6  # vocabulary, guarantors, adopters, two guidance files, one usage table
    again = load_dataset(project, cache=cache)
    assert cache.hits == 6 and again.guidance_by_slug().keys() == first.guidance_by_slug().keys()
    broken = project / "content" / "municipalities" / "wareki-in-date.yaml"
    shutil.copy(BROKEN / "guidance" / "wareki-in-date.yaml", broken)
    for _ in range(2):  # a file with errors is never cached: reported on every run
        with pytest.raises(DataErrors) as info:
            load_dataset(project, cache=cache)
        assert any(Path(e.file).name == "wareki-in-date.yaml" for e in info.value.errors)
    broken.unlink()
    load_dataset(project, cache=cache)
    assert str(broken) not in {k[0] for k in cache.stored}
