"""Matching printed names with real orderers: exact, misread, shifted rows, twice printed, two prefectures."""

from __future__ import annotations

import pytest

from esurety.reconcile.entry import Entry
from esurety.reconcile.matching import Matcher


def row(prefecture: str | None, *cells: str, line: int = 1, start: str = "2024-04") -> list[Entry]:
    """Entries of one printed row (municipal cells); prefecture None = a news line without prefectures."""
    return [Entry(name, prefecture, start, "t.txt", line, 10 * i + 1, cell="municipal" if prefecture else "")
            for i, name in enumerate(cells)]


@pytest.mark.parametrize("prefecture, printed, name, resolved_in", [
    ("広島県", "府中町", "府中町", "広島県"),      # 府中町 exists only in 広島県
    ("広島県", "府中市", "府中市", "広島県"),      # 府中市: 東京都 and 広島県 → the row's
    ("東京都", "府中市", "府中市", "東京都"),
    ("広島県", "北広島町", "北広島町", "広島県"),
    ("北海道", "北広島市", "北広島市", "北海道"),
    ("熊本県", "小国町", "小国町", "熊本県"),      # 小国町: 山形県 and 熊本県
    (None, "川越市", "川越市", "埼玉県"),          # a news line: the only 川越市
])
def test_exact_names_resolved_by_the_rows_prefecture(reference, prefecture, printed, name, resolved_in) -> None:
    # GIVEN a real name printed in a row  WHEN matched  THEN that orderer, no correction
    (r,) = Matcher(reference).resolve(row(prefecture, printed))
    assert (r.status, r.name, r.prefecture) == ("resolved", name, resolved_in)
    assert r.corrections == [] and r.problems == []


@pytest.mark.parametrize("prefecture, printed, proposed, how", [
    ("和歌山県", "すまみ町", "すさみ町", "よみ"),
    ("和歌山県", "みなみ町", "みなべ町", "よみ"),
    ("沖縄県", "うま市", "うるま市", "よみ"),
    ("熊本県", "あさぎ町", "あさぎり町", "よみ"),
    ("鹿児島県", "始良市", "姶良市", "字形"),
    ("広島県", "北広島市", "北広島町", "字形"),   # 北広島市 is in 北海道; the row says 広島県
    ("東京都", "府中町", "府中市", "字形"),       # 府中町 is in 広島県; the row says 東京都
])
def test_misreadings_get_the_closest_real_name(reference, prefecture, printed, proposed, how) -> None:
    # GIVEN a name that does not exist in the row's prefecture  WHEN matched  THEN the closest real name is proposed
    (r,) = Matcher(reference).resolve(row(prefecture, printed))
    assert r.status == "corrected"
    (fix,) = [c for c in r.corrections if c.kind == "name"]
    assert (fix.printed, fix.proposed, r.prefecture) == (printed, proposed, prefecture)
    assert how in fix.reason
    assert r.problems  # a suspect: a person confirms it


def test_closest_names_by_reading_and_by_spelling(reference) -> None:
    # GIVEN すまみ町  WHEN the closest names are asked for  THEN すさみ町 first, found by its reading
    best = reference.closest("すまみ町", "和歌山県")
    assert (best[0].municipality.name, best[0].how) == ("すさみ町", "reading")
    assert reference.closest("始良市", "鹿児島県")[0].municipality.name == "姶良市"


def test_shifted_row_gets_the_right_prefecture(reference) -> None:
    # GIVEN the 大分 row printing 熊本県's towns (the seed's one-row shift)
    entries = row("大分県", "小国町", "益城町", "山都町", "氷川町", "あさぎ町", line=7)
    entries.insert(0, Entry("大分市", "大分県", "2025-04", "t.txt", 7, 1, cell="major"))
    # WHEN matched
    out = Matcher(reference).resolve(entries)
    # THEN the major-city cell stays in 大分県 and every municipality moves to 熊本県, the misread one too
    assert [(r.name, r.prefecture) for r in out] == [
        ("大分市", "大分県"), ("小国町", "熊本県"), ("益城町", "熊本県"), ("山都町", "熊本県"), ("氷川町", "熊本県"),
        ("あさぎり町", "熊本県")]
    assert all(any(c.kind == "prefecture" and c.proposed == "熊本県" for c in r.corrections) for r in out[1:])
    assert out[0].corrections == []


def test_one_stray_name_does_not_shift_a_row(reference) -> None:
    # GIVEN 天童市 (山形県) among 熊本県's cities  WHEN matched  THEN it alone is suspect, with 山形県 named
    out = Matcher(reference).resolve(row("熊本県", "人吉市", "天童市", "八代市", "玉名市"))
    assert [r.status for r in out] == ["resolved", "unresolved", "resolved", "resolved"]
    assert "山形県" in out[1].problems[0]


@pytest.mark.parametrize("starts, doubtful", [(("2022-10", "2023-04"), True), (("2023-04", "2023-04"), False)])
def test_name_printed_twice(reference, starts, doubtful) -> None:
    # GIVEN 志布志市 printed twice  WHEN matched  THEN the first print records the repeat; two months are suspect
    entries = [Entry("志布志市", "鹿児島県", s, "t.txt", 1, 10 * i + 1, cell="municipal") for i, s in enumerate(starts)]
    first, second = Matcher(reference).resolve(entries)
    assert second.repeat_of == first.entry and first.repeats == [second.entry]
    assert [c.kind for c in first.corrections] == ["duplicate"]
    assert bool(first.problems) is doubtful


def test_correction_onto_a_name_printed_elsewhere_is_not_trusted(reference) -> None:
    # GIVEN 天来市 beside 天草市 in one row  WHEN matched  THEN 天来市 is not taken for 天草市
    out = Matcher(reference).resolve(row("熊本県", "天草市", "天来市"))
    assert out[1].status == "unresolved"
    assert "t.txt:1:1" in out[1].problems[-1]
    assert [c.municipality.name for c in out[1].candidates][0] == "天草市"


def test_name_in_two_prefectures_without_a_row_is_suspect(reference) -> None:
    # GIVEN a news line naming 府中市 without a prefecture  WHEN matched  THEN both are offered, none chosen
    (r,) = Matcher(reference).resolve(row(None, "府中市"))
    assert r.status == "unresolved"
    assert sorted(c.municipality.prefecture for c in r.candidates) == ["広島県", "東京都"]


@pytest.mark.parametrize("printed, name, corrected", [
    ("崎門教育大学", "鳴門教育大学", True),
    ("国立大学法人 大阪大学", "大阪大学", False),
    ("中国高速道路", "中日本高速道路", True),
    ("土木研究所", "土木研究所", False),
    ("新しい研究所", "新しい研究所", False),   # not close to any row: a new orderer
])
def test_orderers_outside_the_reference_match_the_table(reference, printed, name, corrected) -> None:
    known = {"agency": ["鳴門教育大学", "大阪大学", "西日本高速道路", "中日本高速道路", "土木研究所"]}
    (r,) = Matcher(reference, known).resolve([Entry(printed, None, None, "t.txt", 1, 1, section="agency")])
    assert r.name == name
    assert (r.status == "corrected") is corrected
