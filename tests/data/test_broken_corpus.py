"""The broken-data corpus: every file under tests/data/broken/ is rejected with a precise message.

Each case names the file, and for every error expected in it the line, the column and a piece of
the Japanese explanation. A case must produce exactly these errors: no silence, and no noise that
would send staff looking in the wrong place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from esurety.data.dataset import check_file, load_dataset
from esurety.data.errors import DataError, DataErrors

from .conftest import BROKEN, make_project

Expected = tuple[int, int, str]

#: Single files, checked on their own (kind = folder name).
FILE_CASES: dict[str, list[Expected]] = {
    # dates
    "guidance/wareki-in-date.yaml": [(10, 9, "start.date に「令和8年4月1日」とありますが、2026-04-01 の形式で書いてください")],
    "guidance/date-not-exist.yaml": [(10, 9, "「2026-02-30」という日付は存在しません（2026年2月は28日までです）")],
    "guidance/wareki-not-exist.yaml": [(10, 9, "「令和8年2月30日」という日付は存在しません")],
    "guidance/date-slashes.yaml": [(10, 9, "「2026/4/1」とありますが、2026-04-01 の形式で書いてください")],
    "guidance/date-month-13.yaml": [(10, 9, "「2026-13-01」という日付は存在しません（13月という月はありません）")],
    "guidance/date-as-number.yaml": [(10, 9, "数字「20260401」とありますが、日付は 2026-04-01 の形式")],
    "adopters/start-full-date.yaml": [(12, 12, "「2024-10-01」とありますが、開始年月は 2024-10 の形式")],
    "adopters/start-wareki.yaml": [(12, 12, "「令和6年10月」とありますが、2024-10 の形式")],
    "adopters/start-month-13.yaml": [(12, 12, "「2024-13」という年月は存在しません")],
    # missing fields and wrong types
    "guidance/missing-field.yaml": [(9, 1, "必須の項目「basis」がありません。start の中に")],
    "guidance/missing-section.yaml": [(3, 1, "必須の項目「submissions」がありません")],
    "guidance/wrong-type-list.yaml": [(8, 13, "guarantors は一覧（「- 」で始まる行、または [a, b] の形）で書いてください")],
    "guidance/wrong-type-bool.yaml": [(12, 10, "start.trial には true か false を書いてください（いまは たぶん）")],
    "guidance/wrong-type-mapping.yaml": [(9, 8, "start には項目の集まり")],
    "guidance/unquoted-code.yaml": [(8, 10, "「442089」は数として読まれました。文字として書くため、引用符で囲んでください")],
    "guidance/empty-value.yaml": [(4, 6, "name が空です")],
    "guidance/empty-list.yaml": [(8, 12, "guarantors が空です")],
    "guidance/empty.yaml": [(1, 1, "ファイルが空です")],
    "guidance/not-a-mapping.yaml": [(3, 1, "ファイル全体を「名前: 値」の行で書いてください（いまは一覧になっています）")],
    "usage/count-as-text.yaml": [(11, 28, "advance_payment_count には整数を書いてください（いまは 1,870件）")],
    "usage/negative-count.yaml": [(11, 28, "-1870 は小さすぎます（0 以上）")],
    "usage/more-electronic-than-total.yaml": [(12, 23, "電子保証利用件数 1954 が前払金保証件数 1870 を超えています")],
    # unknown fields and values outside the vocabulary
    "guidance/unknown-field.yaml": [(3, 1, "必須の項目「submissions」がありません"),
                                    (16, 1, "「sumbissions」という項目はここには書けません。「submissions」の書き間違いではありませんか")],
    "guidance/unknown-prefecture.yaml": [(6, 13, "「大分」は47都道府県の名前ではありません。「大分県」ではありませんか")],
    "guidance/unknown-kind.yaml": [(7, 7, "「市」は表示名です。キーの city を書いてください")],
    "guidance/unknown-basis.yaml": [(11, 10, "「contract_date」とありますが、この値は使えません。次のどれかを書いてください: "
                                             "contract_conclusion（契約締結日）")],
    "guidance/unknown-certificate.yaml": [(15, 30, "「bid_bond」とありますが、この値は使えません")],
    "guidance/unknown-method.yaml": [(18, 15, "「fax」とありますが、この値は使えません。次のどれかを書いてください: email（電子メール）")],
    "guidance/unknown-guarantor.yaml": [(8, 14, "「nishinihon」とありますが、この値は使えません")],
    "guarantors/unknown-id.yaml": [(4, 9, "「kyushu」とありますが、この値は使えません")],
    "vocabulary/unknown-key.yaml": [(12, 3, "orderer_kind に「ward」という項目は書けません")],
    "vocabulary/missing-label.yaml": [(3, 1, "orderer_kind に「town」の日本語の表示名がありません")],
    # names, codes and readings against the reference list
    "guidance/bad-slug.yaml": [(3, 7, "「Taketa_City」は使えない文字を含んでいます。英小文字・数字・ハイフンだけで書いてください（例: taketa-city）")],
    "guidance/slug-not-filename.yaml": [(3, 7, "slug「taketa」とファイル名「slug-not-filename.yaml」が違います")],
    "guidance/katakana-reading.yaml": [(5, 10, "「タケタシ」はカタカナです。ひらがなで書いてください（例: たけたし）")],
    "guidance/wrong-reading.yaml": [(5, 10, "よみ「たけだし」が全国地方公共団体コードの一覧の「たけたし」と違います")],
    "guidance/unknown-city.yaml": [(4, 7, "大分県に「竹田氏」という市区町村はありません。「竹田市」ではありませんか")],
    "guidance/code-mismatch.yaml": [(8, 10, "コード 422053 は 長崎県 大村市 のものです")],
    "adopters/designated-city-as-city.yaml": [(17, 11, "福岡市 は政令指定都市です。kind: designated_city にしてください")],
    "adopters/national-with-prefecture.yaml": [(16, 17, "国の機関・独立行政法人等には prefecture を書かないでください")],
    "adopters/unknown-source.yaml": [(14, 13, "資料ID「wjcs-nowhere」が sources にありません")],
    "adopters/bad-source-id.yaml": [(5, 3, "sources の項目名「Wjcs_Saga」は使えません")],
    "adopters/duplicate-name.yaml": [(15, 11, "大分県竹田市 は")],
    "guarantors/duplicate-id.yaml": [(7, 9, "保証事業会社 wjcs は")],
    # rules of the domain
    "guidance/reservation-covered.yaml": [(15, 12, "契約保証予約（contract_reservation）は電子保証の対象になりません")],
    "guidance/submission-missing.yaml": [(16, 1, "certificates.covered にある contract_performance の提出方法が submissions にありません")],
    # mail addresses and URLs
    "guidance/mailto-email.yaml": [(19, 12, "「mailto:」を付けずに、アドレスだけを書いてください（例: keiyaku@city.taketa.oita.jp）")],
    "guidance/fullwidth-email.yaml": [(19, 12, "全角の文字（＠ など）が含まれています")],
    "guidance/incomplete-email.yaml": [(19, 12, "「keiyaku@city」はメールアドレスの形式ではありません。「@」の後ろ（ドメイン名）が不完全です")],
    "guidance/url-without-scheme.yaml": [(21, 10, "先頭に https:// を付けてください（例: https://www.city.taketa.oita.jp/keiyaku/）")],
    "guidance/javascript-url.yaml": [(21, 10, "使える URL は http:// または https:// で始まるものだけです")],
    # what the YAML reader refuses
    "guidance/tabs.yaml": [(11, 1, "字下げにタブ文字が使われています")],
    "guidance/bad-indentation.yaml": [(11, 9, "字下げがずれていないか")],
    "guidance/colon-in-value.yaml": [(19, 18, "ここに「:」は書けません")],
    "guidance/unclosed-quote.yaml": [(4, 7, "この行で始まる引用符")],
    "guidance/duplicate-key.yaml": [(8, 1, "項目「name」が2回書かれています（最初は 4 行目）")],
    "guidance/two-documents.yaml": [(21, 1, "1つのファイルに書ける文書は1つだけです")],
    "guidance/python-tag.yaml": [(4, 7, "型の指定「!!python/object/apply:os.system」は使えません")],
    "guidance/alias-bomb.yaml": [(23, 5, "アンカー・エイリアス"), (24, 5, "アンカー・エイリアス"), (25, 5, "アンカー・エイリアス")],
    "guidance/non-utf8.yaml": [(4, 7, "UTF-8 ではない文字が含まれています（Shift_JIS で保存されているようです）")],
    "guidance/control-char.yaml": [(6, 16, "使えない制御文字（U+0007）")],
    "guidance/long-line.yaml": [(12, 2001, "行が長すぎます（2,771 文字、上限 2,000 文字）")],
    # several independent mistakes in one file: all of them, in one run
    "guidance/several-errors.yaml": [
        (6, 13, "「大分」は47都道府県の名前ではありません"),
        (10, 9, "start.date に「令和8年4月1日」とありますが、2026-04-01 の形式で書いてください"),
        (19, 12, "「mailto:」を付けずに"),
        (20, 1, "「contact」という項目はここには書けません。「contacts」の書き間違いではありませんか"),
    ],
    # markup in text is data, not an error: the build escapes it (tests/data/test_build_safety.py)
    "guidance/html-in-text.yaml": [],
}

#: Files laid over the fixture project; the whole project is then checked (cross-file rules).
CROSS_CASES: dict[str, list[tuple[str, int, int, str]]] = {
    "duplicate-slug": [
        ("taketa-copy.yaml", 3, 7, "slug「taketa」とファイル名「taketa-copy.yaml」が違います"),
        ("taketa.yaml", 4, 7, "slug「taketa」は content/municipalities/taketa-copy.yaml:3:7 と重複しています"),
        ("taketa.yaml", 5, 7, "大分県竹田市 の案内は content/municipalities/taketa-copy.yaml:4:7 にもあります"),
    ],
    "start-month-mismatch": [
        ("taketa.yaml", 14, 9, "開始年月 2024-11（start.date: 2024-11-01）が採用団体一覧 data/adopters.yaml:31:12 の start: 2024-10 と違います"),
    ],
    "prefecture-mismatch": [
        ("taketa.yaml", 7, 13, "都道府県「大分県」が採用団体一覧 data/adopters.yaml:29:17 の「熊本県」と違います"),
        ("adopters.yaml", 27, 11, "熊本県に「竹田市」という市区町村はありません。竹田市 は 大分県 にあります"),
    ],
    "missing-row": [("omura.yaml", 4, 7, "採用団体一覧 data/adopters.yaml に page: omura の行がありません")],
    "missing-page": [("adopters.yaml", 26, 11, "案内ページ「oita-ken」がありません")],
    "guarantor-mismatch": [
        ("taketa.yaml", 10, 13, "保証事業会社 [wjcs] が採用団体一覧 data/adopters.yaml:33:17 の [wjcs, ejcs] と違います"),
    ],
    "page-twice": [("adopters.yaml", 26, 11, "案内ページ「taketa」を指す行が data/adopters.yaml:35:11 にもあります")],
    "two-files-broken": [
        ("omura.yaml", 37, 12, "「mailto:」を付けずに"),
        ("taketa.yaml", 14, 9, "start.date に「令和6年10月1日」とありますが、2024-10-01 の形式で書いてください"),
    ],
}


def _matches(errors: list[DataError], expected: list[tuple[str, int, int, str]]) -> None:
    shown = "\n".join(map(str, errors))
    assert len(errors) == len(expected), f"expected {len(expected)} errors, got:\n{shown}"
    for name, line, column, fragment in expected:
        assert any(Path(e.file).name == name and (e.line, e.column) == (line, column) and fragment in str(e)
                   for e in errors), f"no error {name}:{line}:{column} with「{fragment}」in:\n{shown}"


def test_corpus_is_large_enough_and_every_file_has_expectations() -> None:
    assert len(list(BROKEN.rglob("*.yaml"))) >= 30
    on_disk = {str(p.relative_to(BROKEN)) for p in BROKEN.glob("*/*.yaml")}
    assert on_disk == set(FILE_CASES), f"files without expectations: {sorted(on_disk ^ set(FILE_CASES))}"
    assert set(CROSS_CASES) == {p.name for p in (BROKEN / "cross").iterdir()}


@pytest.mark.parametrize("case", sorted(FILE_CASES))
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
