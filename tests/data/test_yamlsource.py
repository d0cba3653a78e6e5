"""The strict YAML reader: positions, refusals, and how it reads values the way editors do."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from esurety.data import yamlsource
from esurety.data.errors import DataError, DataErrors


def _read(tmp_path: Path, text: str) -> tuple[yamlsource.Document | None, list[DataError]]:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return yamlsource.read(path)


def test_positions_point_at_values_and_block_keys(tmp_path: Path) -> None:
    doc, problems = _read(tmp_path, "a: 1\nstart:\n  date: 2026-04-01\nlist:\n  - x\n  - y\n")
    assert doc is not None and not problems
    assert doc.where(("a",)) == (1, 4)
    assert doc.where(("start",)) == (2, 1)  # a block mapping is shown at its key
    assert doc.where(("start", "date")) == (3, 9)
    assert doc.where(("start", "basis")) == (2, 1)  # a missing field: the key of its parent
    assert doc.where(("list", 1)) == (6, 5)
    assert doc.data["start"]["date"] == dt.date(2026, 4, 1)


@pytest.mark.parametrize("text,value", [
    ("v: yes", "yes"), ("v: no", "no"), ("v: on", "on"), ("v: true", True), ("v: False", False),
    ("v: 8:30", "8:30"), ("v: 0o17", "0o17"), ("v: 1_000", "1_000"), ("v: 12", 12), ("v: -1.5", -1.5),
    ("v: 2026-02-30", "2026-02-30"), ("v: 2026-04-01", dt.date(2026, 4, 1)), ("v: 令和8年4月1日", "令和8年4月1日"),
    ("v: '442089'", "442089"), ("v:", None), ("v: ~", None),
])
def test_values_read_as_editors_read_them(tmp_path: Path, text: str, value: object) -> None:
    """YAML 1.2 as yaml-language-server reads it: yes/no are words, 8:30 is not 510."""
    doc, problems = _read(tmp_path, text + "\n")
    assert not problems and doc is not None
    assert doc.data["v"] == value


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 30):  # 9**30 strings if expanded
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    started = time.perf_counter()
    _doc, problems = _read(tmp_path, "\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1.0
    assert len(problems) == 29 and all("エイリアス" in p.message for p in problems)
    assert [p.line for p in problems] == list(range(2, 31))


def test_merge_key_and_tags_are_refused(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, "base: &b {x: 1}\nother:\n  <<: *b\nbin: !!binary aGVsbG8=\n")
    messages = " ".join(p.message for p in problems)
    assert "「<<」による取り込みは使えません" in messages
    assert "型の指定「!!binary」は使えません" in messages


def test_every_tab_and_long_line_is_named(tmp_path: Path) -> None:
    text = "a:\n\tb: 1\nc: " + "x" * 2100 + "\nd: 'e\tf'\n"
    _, problems = _read(tmp_path, text)
    assert [(p.line, p.column) for p in problems] == [(2, 1), (3, 2001), (4, 6)]
    assert "字下げにタブ文字" in problems[0].message and "タブ文字が含まれています" in problems[2].message


def test_duplicate_keys_keep_reading(tmp_path: Path) -> None:
    doc, problems = _read(tmp_path, "a: 1\nb: 2\na: 3\nb: 4\n")
    assert doc is not None and doc.data == {"a": 1, "b": 2}
    assert [(p.line, p.field) for p in problems] == [(3, "a"), (4, "b")]
    assert "最初は 1 行目" in problems[0].message


def test_missing_file_and_bom(tmp_path: Path) -> None:
    _, problems = yamlsource.read(tmp_path / "nope.yaml")
    assert problems[0].message == "ファイルがありません。"
    doc, problems = _read(tmp_path, "\ufeffa: 1\n")
    assert doc is not None and doc.data == {"a": 1} and not problems


def test_euc_jp_is_named(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes("a: 1\nname: 竹田市\n".encode("euc_jp"))
    _, problems = yamlsource.read(path)
    assert (problems[0].line, problems[0].column) == (2, 7)
    assert "UTF-8 ではない文字" in problems[0].message


def test_load_raises_one_or_all(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(DataError):
        yamlsource.load(path)
    path.write_text("a: 1\na: 2\nb: 1\nb: 2\n", encoding="utf-8")
    with pytest.raises(DataErrors) as info:
        yamlsource.load(path)
    assert len(info.value.errors) == 2


def test_file_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "MAX_FILE_BYTES", 10)
    _, problems = _read(tmp_path, "a: 12345678901\n")
    assert "ファイルが大きすぎます" in problems[0].message


def test_deep_nesting_is_refused_not_a_crash(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, "a: " + "[\n" * 1500 + "]\n" * 1500)
    assert len(problems) == 1 and "入れ子が深すぎます" in problems[0].message
