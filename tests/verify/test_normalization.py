"""Input as people type it: full width, spaces, dashes of every kind; errors that name the field."""

from __future__ import annotations

import pytest

from lambda_verify.normalization import InvalidInput, normalize_key, normalize_number, normalize_pair


@pytest.mark.parametrize("typed, canonical", [
    ("2070004426", "2070004426"),
    ("２０７０００４４２６", "2070004426"),             # full-width digits
    ("  2070004426\u3000", "2070004426"),              # spaces, ideographic space around
    ("2070 004 426", "2070004426"),                    # spaces inside
    ("\u200b2070004426", "2070004426"),                # zero-width space from a PDF
    ("00000-000000", "00000-000000"),
    ("00000ー000000", "00000-000000"),                 # katakana long vowel mark
    ("00000－000000", "00000-000000"),                 # full-width hyphen-minus
    ("00000‐000000", "00000-000000"),                  # U+2010 hyphen
    ("00000−000000", "00000-000000"),                  # U+2212 minus sign
    ("００００１ｰ０００１２３", "00001-000123"),        # half-width katakana long vowel, full-width digits
    ("00000000000", "00000-000000"),                   # EJCS typed without its hyphen
    (" 99001 - 000101 ", "99001-000101"),
])
def test_numbers_are_normalized(typed: str, canonical: str) -> None:
    assert normalize_number(typed) == canonical


@pytest.mark.parametrize("typed", ["207000442", "207000442611", "2070OO4426", "0000-000000", "000000-00000",
                                   "abc", "2070004426x", "٢٠٧٠٠٠٤٤٢٦"])
def test_malformed_numbers_name_the_field(typed: str) -> None:
    with pytest.raises(InvalidInput) as err:
        normalize_number(typed)
    (error,) = err.value.errors
    assert error.field == "guarantee_number"
    assert "保証契約番号" in error.message


@pytest.mark.parametrize("typed", [None, "", "   ", "\u3000"])
def test_empty_number_asks_for_it(typed: str | None) -> None:
    with pytest.raises(InvalidInput) as err:
        normalize_number(typed)
    assert err.value.errors[0].message == "保証契約番号を入力してください。"


def test_overlong_input_is_refused_before_anything_else() -> None:
    with pytest.raises(InvalidInput) as err:
        normalize_number("1" * 101)
    assert "長すぎます" in err.value.errors[0].message


@pytest.mark.parametrize("typed, canonical", [
    ("K7QWMP3RX9TB4HNC", "K7QWMP3RX9TB4HNC"),
    ("Ｋ７ＱＷＭＰ３ＲＸ９ＴＢ４ＨＮＣ", "K7QWMP3RX9TB4HNC"),   # full width
    (" K7QW-MP3R-X9TB-4HNC ", "K7QWMP3RX9TB4HNC"),            # grouped as printed, spaces around
    ("K7QW MP3R X9TB 4HNC", "K7QWMP3RX9TB4HNC"),
    ("Hq4mT8vR2nWx", "Hq4mT8vR2nWx"),                          # case is kept
])
def test_keys_are_normalized_but_case_is_kept(typed: str, canonical: str) -> None:
    assert normalize_key(typed) == canonical


def test_keys_are_case_sensitive() -> None:
    assert normalize_key("hq4mt8vr2nwx") != normalize_key("Hq4mT8vR2nWx")


@pytest.mark.parametrize("typed", ["short", "K7QW!MP3R", "鍵鍵鍵鍵鍵鍵鍵鍵", "K" * 65])
def test_malformed_keys_name_the_field(typed: str) -> None:
    with pytest.raises(InvalidInput) as err:
        normalize_key(typed)
    (error,) = err.value.errors
    assert error.field == "access_key"
    assert "認証キー" in error.message


def test_both_fields_are_reported_together() -> None:
    with pytest.raises(InvalidInput) as err:
        normalize_pair("12", "")
    assert [e.field for e in err.value.errors] == ["guarantee_number", "access_key"]
