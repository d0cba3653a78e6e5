"""The kernel's behaviour at the edges that mutation testing (`make mutation`) found untested.

Era boundaries and 元年, number groups, content types for files outside the table, kana folding.
The wareki functions are cached (lru_cache): each test here starts from empty caches, so a test
sees the code it runs, not an answer an earlier test left behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest

from esurety.kernel import content_types, glossary, kana, numbering, paths, wareki

D = dt.date


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    for cached in (wareki.era_date, wareki.era_date_and_iso, wareki.era_month_and_iso):
        cached.cache_clear()
    yield
    for cached in (wareki.era_date, wareki.era_date_and_iso, wareki.era_month_and_iso):
        cached.cache_clear()


# --- wareki -------------------------------------------------------------------------------------

@pytest.mark.parametrize("day, era", [
    (D(2019, 5, 1), ("令和", 1)),     # the first day of an era belongs to the new era
    (D(2019, 4, 30), ("平成", 31)),
    (D(2026, 11, 20), ("令和", 8)),
    (D(1989, 1, 8), ("平成", 1)),
    (D(1989, 1, 7), ("昭和", 64)),
    (D(1926, 12, 25), ("昭和", 1)),
])
def test_era_of_counts_years_from_the_era_start(day: dt.date, era: tuple[str, int]) -> None:
    assert wareki.era_of(day) == era


def test_era_of_refuses_a_day_before_showa_and_names_it() -> None:
    with pytest.raises(ValueError, match="1926-12-24"):
        wareki.era_of(D(1926, 12, 24))
    assert wareki.era_date(D(1926, 12, 24)) == "1926年12月24日"


@pytest.mark.parametrize("day, text", [
    (D(2019, 5, 1), "令和元年5月1日"),     # never 令和1年
    (D(2019, 12, 31), "令和元年12月31日"),
    (D(2020, 1, 1), "令和2年1月1日"),      # never 令和元年 again
    (D(2021, 4, 1), "令和3年4月1日"),
    (D(1926, 12, 25), "昭和元年12月25日"),
])
def test_first_year_is_gannen_and_only_the_first(day: dt.date, text: str) -> None:
    assert wareki.era_date(day) == text
    assert wareki.era_date_and_iso(day) == f"{text} ({day.isoformat()})"


@pytest.mark.parametrize("year, month, text", [
    (2019, 4, "平成31年4月 (2019-04)"),
    (2019, 5, "令和元年5月 (2019-05)"),
    (2020, 5, "令和2年5月 (2020-05)"),
])
def test_era_month_at_the_boundary(year: int, month: int, text: str) -> None:
    assert wareki.era_month_and_iso(year, month) == text


@pytest.mark.parametrize("text, day", [
    ("平成31年4月30日", D(2019, 4, 30)),
    ("平成31年5月1日", None),          # that day is 令和元年5月1日: 平成 ended the day before
    ("令和元年5月1日", D(2019, 5, 1)),
    # 平成 began that day; parse_wareki takes the era after 昭和 to be 令和 (ERAS runs newest first, and it
    # picks the first later start, not the earliest): fix `nxt` with min(..., default=None)
    ("昭和64年1月8日", None),   # 平成 began that day
    ("昭和70年1月1日", None),
    ("昭和64年1月7日", D(1989, 1, 7)),
    ("H1.1.8", D(1989, 1, 8)),
    ("Ｒ８．４．１", D(2026, 4, 1)),      # full-width, as staff paste it
])
def test_parse_wareki_at_era_ends(text: str, day: dt.date | None) -> None:
    assert wareki.parse_wareki(text) == day


# --- numbering ----------------------------------------------------------------------------------

def _glossary_with_groups(*groups: int) -> glossary.Glossary:
    g = glossary.Guarantor(id="x", name="X保証", short_name="X", lookup_service=None, number_format="3-3-3",
                           number_groups=groups, number_example=None, key_notice_name=None)
    return glossary.Glossary(labels={}, guarantors={"x": g})


def test_numbers_of_three_groups_are_cut_at_each_group() -> None:
    g = _glossary_with_groups(3, 2, 4)
    assert numbering.canonical("123456789", g) == "123-45-6789"
    assert numbering.canonical("123-45-6789", g) == "123-45-6789"
    assert numbering.canonical("1234-5-6789", g) is None
    assert numbering.guarantor_of("123-45-6789", g) == "x"


@pytest.mark.parametrize("number", ["12345", "20700044260", "2070-004426", "0000000000-0"])
def test_a_number_no_guarantor_uses_has_no_guarantor(number: str) -> None:
    assert numbering.guarantor_of(number) is None


def test_format_hint_names_each_numbering_guarantor_once() -> None:
    hint = numbering.format_hint()
    assert hint == ("西日本建設業保証は10桁の数字（例: 2070004426）、"
                    "東日本建設業保証は5桁-6桁の数字（例: 00000-000000。ハイフンは省いても構いません）")
    assert "北海道" not in hint   # Hokkaido states no number format


def test_format_hint_of_a_given_glossary() -> None:
    assert numbering.format_hint(_glossary_with_groups(3, 3, 3)) == "Xは3-3-3"


def test_glossary_keys_in_vocabulary_order() -> None:
    g = glossary.Glossary(labels={"certificate_type": {"b": "B", "a": "A"}}, guarantors={})
    assert g.keys("certificate_type") == ["b", "a"]
    real = glossary.glossary().keys("certificate_type")
    assert real[:3] == ["advance_payment", "interim_advance_payment", "contract_performance"]


# --- content types ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, found", [
    ("feeds/adopters.atom.xml", [".atom.xml", ".xml"]),
    ("a.b/c.d/index.html", [".html"]),          # dots in folder names are not endings
    ("x/y.z/README", []),
    ("Site.HTML", [".html"]),
    ("a.b.atom.xml", [".b.atom.xml", ".atom.xml", ".xml"]),
])
def test_endings_of_the_file_name_only(name: str, found: list[str]) -> None:
    assert content_types.endings(name) == found


def test_a_type_outside_the_table_comes_from_the_platform_with_charset_for_text() -> None:
    assert content_types.content_type_for("tools/run.py") == "text/x-python; charset=utf-8"
    assert content_types.content_type_for("x.d/archive.tar") == "application/x-tar"
    # non-strict (common but unofficial) types count too
    assert content_types.content_type_for("tune.midi") == "audio/midi"


def test_an_unknown_type_is_octet_stream_with_a_warning_naming_the_file(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=content_types.__name__):
        assert content_types.content_type_for("data/blob.zzq") == "application/octet-stream"
    assert [r.getMessage() for r in caplog.records] == [
        "no content type known for data/blob.zzq; using application/octet-stream"]


def test_a_known_type_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=content_types.__name__):
        assert content_types.content_type_for("a/README") == "application/octet-stream"
        caplog.clear()
        content_types.content_type_for("index.html")
    assert caplog.records == []


# --- paths --------------------------------------------------------------------------------------

def test_page_paths() -> None:
    assert paths.url("feeds/adopters.atom.xml") == "feeds/adopters.atom.xml"
    assert paths.url("index.html") == ""
    assert paths.orderer_page("taketa") == "municipalities/taketa/index.html"
    assert paths.orderer_rules("taketa") == "municipalities/taketa/rules.json"
    assert paths.check_for("taketa") == "check/?orderer=taketa"
    assert paths.adopter_group("pref-44") == "adopters/pref-44/"
    assert paths.apply_page("wjcs") == "wjcs/"


# --- kana ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, folded", [
    ("タケタ", "たけた"),
    ("ﾀｹﾀ", "たけた"),                 # half-width katakana
    ("ァイ", "あい"),                   # the first katakana of the range, small → full size
    ("竹田 市", "竹田市"),
    ("ＡＢＣ　d", "abcd"),              # full-width Latin and an ideographic space
    ("ヵヶ", "ヵヶ"),                   # counters, not kana to fold
    ("きゅう", "きゆう"),
    ("ヴ", "ゔ"),
])
def test_fold(typed: str, folded: str) -> None:
    assert kana.fold(typed) == folded


def test_large() -> None:
    assert kana.large("りゅうがさき") == "りゆうがさき"
    assert kana.large("ッ") == "ッ"   # only hiragana have full-size forms here


def test_further_page_families() -> None:
    assert paths.adopter_group_page("pref-44") == "adopters/pref-44/index.html"
    assert paths.prefecture_group("442089") == "adopters/pref-44/"
    assert paths.prefecture_group("01") == "adopters/pref-01/"
    assert paths.start_year("2026") == "adopters/by-start/2026/"
    assert paths.start_year_page("2026") == "adopters/by-start/2026/index.html"
    assert paths.prefecture_feed("440001") == "feeds/adopters/44.atom.xml"
    assert paths.chart("usage-1") == "adopters/charts/usage-1.svg"
    assert [paths.search_bundle(i) for i in range(3)] == ["pagefind/", "pagefind-2/", "pagefind-3/"]


# ------------------------------------------------------------------------------------ certificate wording

WORDING_DATA = {"head_office_address": "本店の所在地", "statements": {"advance_payment": "当会社は、…その責に任じます。"},
                "notes": ["【注1】 一つ目", "【注2】 二つ目"], "terms_text": "約款の案内", "terms_url": "https://example.jp/"}


def test_certificate_wording_from_data_keeps_every_part() -> None:
    """GIVEN a guarantor's wording as glossary.json holds it WHEN it is read THEN every part is kept as written,
    the notes as a tuple in their order."""
    w = glossary.CertificateWording.from_data(dict(WORDING_DATA))
    assert w == glossary.CertificateWording(head_office_address="本店の所在地",
                                            statements={"advance_payment": "当会社は、…その責に任じます。"},
                                            notes=("【注1】 一つ目", "【注2】 二つ目"), terms_text="約款の案内",
                                            terms_url="https://example.jp/")
    assert isinstance(w.notes, tuple)


@pytest.mark.parametrize("data", [None, {}])
def test_no_wording_is_none(data: dict[str, object] | None) -> None:
    assert glossary.CertificateWording.from_data(data) is None


def test_wording_without_optional_parts_has_empty_ones() -> None:
    w = glossary.CertificateWording.from_data({"head_office_address": "本店"})
    assert w == glossary.CertificateWording(head_office_address="本店", statements={}, notes=(), terms_text=None,
                                            terms_url=None)


def test_glossary_text_carries_each_guarantors_wording_or_none() -> None:
    """GIVEN plain data for two guarantors, one with wording WHEN glossary.json is written THEN the one has its
    five parts and the other has none; nothing else of the guarantor's data leaks in."""
    import json

    base = {"id": "a", "name": "A株式会社", "short_name": "A", "lookup_service": None, "number_format": None,
            "number_groups": None, "number_example": None, "number_note": None, "key_notice_name": None}
    text = glossary.build({"orderer_kind": {"city": {"label": "市"}}},
                          [{**base, "certificate": {**WORDING_DATA, "source": "x", "where": "y"}},
                           {**base, "id": "b", "certificate": None}])
    out = json.loads(text)
    assert out["guarantors"][0]["certificate"] == WORDING_DATA
    assert out["guarantors"][1]["certificate"] is None
    assert text.endswith("}\n") and "本店の所在地" in text  # UTF-8 as is, not \u escapes


def test_the_shipped_glossary_reads_the_wording_of_data_guarantors_yaml() -> None:
    """The glossary read afresh (not from the cache) holds WJCS's and EJCS's wording as glossary.json has it."""
    import json

    glossary.glossary.cache_clear()
    try:
        read = glossary.glossary()
    finally:
        glossary.glossary.cache_clear()
    raw = {g["id"]: g for g in json.loads(glossary.GLOSSARY_FILE.read_text(encoding="utf-8"))["guarantors"]}
    for gid in ("wjcs", "ejcs"):
        w = read.guarantors[gid].certificate
        assert w is not None and w.statements == raw[gid]["certificate"]["statements"]
        assert w.notes == tuple(raw[gid]["certificate"]["notes"]) and len(w.notes) >= 2
        assert w.head_office_address == raw[gid]["certificate"]["head_office_address"]
    assert read.guarantors["hokkaido"].certificate is None


@pytest.mark.parametrize(("save_as", "path"), [("lookup/index.html", "/lookup/"), ("adopters/adopters.csv",
                                                                                 "/adopters/adopters.csv")])
def test_root_url_is_the_page_url_from_the_host_root(save_as: str, path: str) -> None:
    assert paths.root_url(save_as) == path
