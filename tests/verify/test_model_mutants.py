"""The certificate model, at the edges mutation testing (`make mutation`) found: what a change changed."""

from __future__ import annotations

from lambda_verify.model import VERSION_FIELDS, Certificate, Period, changed_fields

from .support import certificate_doc


def test_changed_fields_names_what_a_change_changed_in_display_order() -> None:
    # GIVEN the test certificate (変更1 raised the amounts and moved both ends)
    cert = Certificate.from_dict(certificate_doc())
    new, change = cert.versions
    # WHEN compared THEN exactly those fields, in the order the page shows them
    assert changed_fields(new, change) == ["guaranteed_amount", "contract_amount", "guarantee_period",
                                           "work_period"]
    assert changed_fields(new, new) == []


def test_changed_fields_sees_every_field() -> None:
    new = Certificate.from_dict(certificate_doc()).versions[0]
    other = {"contractor": new.contractor._replace(name="別建設株式会社"), "orderer": "別市長",
             "work_name": "別工事", "guaranteed_amount": 1, "contract_amount": 2,
             "guarantee_period": Period(end=new.guarantee_period.end.replace(year=2030)),
             "work_period": None, "contract_date": None, "deposit_bank": "別銀行"}
    assert set(other) == set(VERSION_FIELDS)
    for name, value in other.items():
        assert changed_fields(new, new._replace(**{name: value})) == [name]
    assert changed_fields(new, new._replace(**other)) == list(VERSION_FIELDS)


# --- reading a stored document: every refusal names its place and says why ---------------------

import copy  # noqa: E402
import datetime as dt  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from lambda_verify.model import (  # noqa: E402
    ELECTRONIC_TYPES,
    GUARANTORS,
    Cancellation,
    Contractor,
    Guarantor,
    ModelError,
    Version,
)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set ``a.b.0.c`` in a document (``0`` indexes a list); ``...=DELETE`` removes the key."""
    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is DELETE:
            del node[last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value
    return change


DELETE = object()

REFUSALS = [
    # (change, path, message)
    (_set("schema", 2), "schema", "この版では読めない形式です: 2"),
    (_set("certificate_type", "bid_bond"), "certificate_type",
     f"電子証書にできる保証は {', '.join(ELECTRONIC_TYPES)} です: 'bid_bond'"),
    (_set("versions", []), "versions", "少なくとも1つ（新規）が必要です"),
    (_set("versions", {"seq": 0}), "versions", "少なくとも1つ（新規）が必要です"),
    (_set("versions.1.seq", 2), "versions[1].seq", "1 のはずです（新規が0、変更が1, 2, …と続きます）"),
    (_set("versions.0.seq", -1), "versions[0].seq", "0（新規）以上の整数です"),
    (_set("versions.0.seq", True), "versions[0].seq", "0（新規）以上の整数です"),
    (_set("versions.0.seq", "0"), "versions[0].seq", "0（新規）以上の整数です"),
    (_set("versions.1.issued_on", "2026-04-09"), "versions[1].issued_on", "前の版より前の日付です"),
    (_set("versions.0.issued_on", "2026-13-01"), "versions[0].issued_on", "日付ではありません: '2026-13-01'"),
    (_set("versions.0.issued_on", 20260410), "versions[0].issued_on", "日付ではありません: 20260410"),
    (_set("versions.0.orderer", "  "), "versions[0].orderer", "必須です"),
    (_set("versions.0.orderer", None), "versions[0].orderer", "必須です"),
    (_set("versions.0.work_name", 5), "versions[0].work_name", "文字列ではありません: 5"),
    (_set("versions.0.work_name", "工" * 301), "versions[0].work_name", "300文字を超えています"),
    (_set("versions.0.contract_amount", 0), "versions[0].contract_amount", "金額は1円以上です"),
    (_set("versions.0.contract_amount", True), "versions[0].contract_amount", "金額（円、整数）ではありません: True"),
    (_set("versions.0.guaranteed_amount", 1.5), "versions[0].guaranteed_amount",
     "金額（円、整数）ではありません: 1.5"),
    (_set("versions.0.guarantee_period", {"start": "2027-01-01", "end": "2026-12-31"}),
     "versions[0].guarantee_period", "開始日が終了日より後です"),
    (_set("versions.0.guarantee_period", {"start": "2026-01-01"}), "versions[0].guarantee_period.end",
     "日付ではありません: None"),
    (_set("versions.0.work_period", {"end": "x"}), "versions[0].work_period.end", "日付ではありません: 'x'"),
    (_set("versions.0.work_period", {"end": "2027-01-01", "start": "x"}), "versions[0].work_period.start",
     "日付ではありません: 'x'"),
    (_set("versions.0.contract_date", "x"), "versions[0].contract_date", "日付ではありません: 'x'"),
    (_set("versions.0.deposit_bank", 1), "versions[0].deposit_bank", "文字列ではありません: 1"),
    (_set("versions.0.contractor", "テスト建設"), "versions[0].contractor", "項目の組（マッピング）ではありません"),
    (_set("versions.0.contractor.name", ""), "versions[0].contractor.name", "必須です"),
    (_set("versions.0.contractor.address", 3), "versions[0].contractor.address", "文字列ではありません: 3"),
    (_set("versions.0.contractor.jv_name", 3), "versions[0].contractor.jv_name", "文字列ではありません: 3"),
    (_set("versions.0.contractor.kana", "x"), "versions[0].contractor", "知らない項目です: kana"),
    (_set("versions.0.extra", 1), "versions[0]", "知らない項目です: extra"),
    (_set("guarantor.id", "nobody"), "guarantor.id",
     f"保証事業会社は {', '.join(GUARANTORS)} のいずれかです: 'nobody'"),
    (_set("guarantor.name", None), "guarantor.name", "必須です"),
    (_set("guarantor.branch", 1), "guarantor.branch", "文字列ではありません: 1"),
    (_set("guarantor.phone", "0" * 31), "guarantor.phone", "30文字を超えています"),
    (_set("guarantor.fax", "0" * 31), "guarantor.fax", "30文字を超えています"),
    (_set("guarantor.address", 1), "guarantor.address", "文字列ではありません: 1"),
    (_set("guarantor.x", 1), "guarantor", "知らない項目です: x"),
    (_set("cancellation", {"on": "2026-04-09"}), "cancellation.on", "新規の発行日より前です"),
    (_set("cancellation", {"on": "x"}), "cancellation.on", "日付ではありません: 'x'"),
    (_set("cancellation", {"on": "2026-05-01", "reason": 1}), "cancellation.reason", "文字列ではありません: 1"),
    (_set("guarantee_number", None), "guarantee_number", "必須です"),
    (_set("guarantee_number", "2" * 21), "guarantee_number", "20文字を超えています"),
    (_set("certificate_type_label", ""), "certificate_type_label", "必須です"),
    (_set("demo", "yes"), "demo", "true か false です"),
    (_set("zzz", 1), "", "知らない項目です: zzz"),
    (_set("cancellation", "解約"), "cancellation", "項目の組（マッピング）ではありません"),
    (_set("cancellation", {"on": "2026-05-01", "why": "x"}), "cancellation", "知らない項目です: why"),
    (_set("guarantor", "wjcs"), "guarantor", "項目の組（マッピング）ではありません"),
    (_set("versions.1", "変更"), "versions[1]", "項目の組（マッピング）ではありません"),
    (_set("versions.0.guarantee_period", "1年"), "versions[0].guarantee_period", "項目の組（マッピング）ではありません"),
    (_set("versions.0.work_period", {"end": "2027-01-01", "days": 3}), "versions[0].work_period",
     "知らない項目です: days"),
    (_set("notes", "一文"), "notes", "文の並びです"),
    (_set("notes", ["一文", 1]), "notes[1]", "文字列ではありません: 1"),
    (_set("notes", [""]), "notes[0]", "必須です"),
    (_set("statement", 1), "statement", "文字列ではありません: 1"),
    (_set("terms_text", 1), "terms_text", "文字列ではありません: 1"),
    (_set("terms_url", "http://example.test/terms"), "terms_url",
     "https:// で始まる URL です: 'http://example.test/terms'"),
    (_set("terms_url", "https://" + "a" * 493), "terms_url", "500文字を超えています"),
    (_set("guarantor.head_office_address", 1), "guarantor.head_office_address", "文字列ではありません: 1"),
    (_set("guarantor.representative", 1), "guarantor.representative", "文字列ではありません: 1"),
]


@pytest.mark.parametrize("change, path, message", REFUSALS,
                         ids=[f"{i}-{p or 'top'}" for i, (_, p, _m) in enumerate(REFUSALS)])
def test_a_broken_document_is_refused_with_its_place_and_reason(change: Callable[[dict[str, Any]], None],
                                                                 path: str, message: str) -> None:
    # GIVEN the test certificate with one thing broken
    doc = copy.deepcopy(certificate_doc())
    change(doc)
    # WHEN it is read THEN the refusal names exactly where and why
    with pytest.raises(ModelError) as caught:
        Certificate.from_dict(doc)
    assert (caught.value.path, caught.value.message) == (path, message)
    assert str(caught.value) == (f"{path}: {message}" if path else message)


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ModelError) as caught:
        Certificate.from_dict(["not", "a", "mapping"])
    assert (caught.value.path, str(caught.value)) == ("", "項目の組（マッピング）ではありません")


def test_several_unknown_fields_are_named_in_order() -> None:
    with pytest.raises(ModelError) as caught:
        Certificate.from_dict({**certificate_doc(), "b": 1, "a": 2})
    assert caught.value.message == "知らない項目です: a, b"


def test_a_full_document_reads_back_to_the_same_dict() -> None:
    doc = certificate_doc(cancellation={"on": "2026-10-01", "reason": "契約解除"}, demo=True)
    doc["guarantor"] = {**doc["guarantor"], "fax": "06-0000-0000", "address": "大阪市"}
    doc["versions"][0]["contractor"]["jv_name"] = "テストJV"
    cert = Certificate.from_dict(doc)
    again = Certificate.from_dict(cert.to_dict())
    assert again == cert
    out = cert.to_dict()
    assert out["schema"] == 1 and out["demo"] is True
    assert out["cancellation"] == {"on": "2026-10-01", "reason": "契約解除"}
    assert out["versions"][0] == {
        "seq": 0, "issued_on": "2026-04-10",
        "contractor": {"name": "テスト建設株式会社", "address": "テスト県テスト市1丁目1番1号", "jv_name": "テストJV"},
        "orderer": "テスト市長", "work_name": "テスト道路改良工事", "contract_amount": 100_000_000,
        "guaranteed_amount": 40_000_000, "guarantee_period": {"start": "2026-04-10", "end": "2027-03-31"},
        "work_period": {"start": "2026-04-10", "end": "2027-03-31"}, "contract_date": "2026-04-08",
        "deposit_bank": "テスト銀行 本店"}
    assert out["guarantor"]["fax"] == "06-0000-0000" and out["guarantor"]["address"] == "大阪市"
    assert cert.current is cert.versions[-1] and cert.cancelled is True
    assert cert.cancellation == Cancellation(dt.date(2026, 10, 1), "契約解除")


def test_optional_parts_read_as_none_and_write_as_none() -> None:
    doc = certificate_doc()
    v = doc["versions"][0]
    v.update(work_period=None, contract_date=None, deposit_bank="  ")
    v["guarantee_period"] = {"end": "2027-03-31"}
    v["contractor"] = {"name": " 名前 "}
    del doc["demo"]
    cert = Certificate.from_dict(doc)
    first = cert.versions[0]
    assert first.work_period is None and first.contract_date is None and first.deposit_bank is None
    assert first.guarantee_period.start is None and first.contractor == Contractor("名前")
    assert first.to_dict()["work_period"] is None and first.to_dict()["contract_date"] is None
    assert first.guarantee_period.to_dict() == {"start": None, "end": "2027-03-31"}
    assert cert.demo is False and cert.cancelled is False and cert.to_dict()["cancellation"] is None
    assert cert.guarantor == Guarantor("wjcs", "西日本建設業保証株式会社", "大阪支店", "06-6543-2711")


def test_dates_may_be_dates_or_datetimes_and_text_is_trimmed() -> None:
    doc = certificate_doc()
    doc["versions"][0]["issued_on"] = dt.datetime(2026, 4, 10, 9, 30)
    doc["versions"][0]["contract_date"] = dt.date(2026, 4, 8)
    doc["versions"][0]["orderer"] = "  テスト市長 "
    doc["versions"][0]["work_name"] = "工" * 300
    first = Certificate.from_dict(doc).versions[0]
    assert first.issued_on == dt.date(2026, 4, 10) and type(first.issued_on) is dt.date
    assert first.contract_date == dt.date(2026, 4, 8)
    assert first.orderer == "テスト市長" and len(first.work_name) == 300


def test_a_version_says_its_kind_and_label() -> None:
    new, change = Certificate.from_dict(certificate_doc()).versions
    assert (new.kind, new.label) == ("new", "新規")
    assert (change.kind, change.label) == ("change", "変更1")
    assert Version(**{**change._asdict(), "seq": 12}).label == "変更12"


def test_a_same_day_change_and_a_cancellation_on_the_issue_day_are_accepted() -> None:
    doc = certificate_doc(cancellation={"on": "2026-04-10"})
    doc["versions"][1]["issued_on"] = "2026-04-10"
    doc["versions"][0]["guarantee_period"] = {"start": "2026-04-10", "end": "2026-04-10"}
    cert = Certificate.from_dict(doc)
    assert cert.cancellation == Cancellation(dt.date(2026, 4, 10)) and cert.versions[1].issued_on == dt.date(2026, 4, 10)


@pytest.mark.parametrize("amount", [1, 10**12])
def test_any_whole_positive_amount_is_accepted(amount: int) -> None:
    doc = certificate_doc()
    doc["versions"][0]["contract_amount"] = amount
    assert Certificate.from_dict(doc).versions[0].contract_amount == amount


def test_the_guarantors_wording_reads_back() -> None:
    doc = certificate_doc(statement="当会社は、その責に任じます。", notes=["注一", " 注二 "], terms_text="約款",
                          terms_url="https://example.test/" + "a" * 479)
    doc["guarantor"] = {**doc["guarantor"], "head_office_address": "大阪市中央区", "representative": "代表者"}
    cert = Certificate.from_dict(doc)
    assert (cert.statement, cert.notes, cert.terms_text) == ("当会社は、その責に任じます。", ("注一", "注二"), "約款")
    assert cert.terms_url == doc["terms_url"] and len(cert.terms_url) == 500
    assert (cert.guarantor.head_office_address, cert.guarantor.representative) == ("大阪市中央区", "代表者")
    out = cert.to_dict()
    assert out["notes"] == ["注一", "注二"] and out["statement"] == cert.statement
    assert (out["terms_text"], out["terms_url"]) == ("約款", cert.terms_url)
    assert (out["guarantor"]["head_office_address"], out["guarantor"]["representative"]) == ("大阪市中央区", "代表者")
    assert Certificate.from_dict(out) == cert
    plain = Certificate.from_dict(certificate_doc())
    assert (plain.statement, plain.notes, plain.terms_text, plain.terms_url) == (None, (), None, None)
    assert plain.to_dict()["notes"] == []


def test_a_guarantor_needs_only_its_id_and_name() -> None:
    doc = certificate_doc()
    doc["guarantor"] = {"id": "wjcs", "name": "西日本建設業保証株式会社"}
    assert Certificate.from_dict(doc).guarantor == Guarantor("wjcs", "西日本建設業保証株式会社")


def test_documents_read_the_same_before_the_field_names_are_known(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model keeps each class's field names after the first read; a fresh process has none yet."""
    from lambda_verify import model

    monkeypatch.setattr(model, "_NAMES", {})
    cert = Certificate.from_dict(certificate_doc())
    assert cert == Certificate.from_dict(certificate_doc())
    assert model._NAMES[Certificate] == frozenset(Certificate._fields)
    with pytest.raises(ModelError) as caught:
        Certificate.from_dict({**certificate_doc(), "zzz": 1})
    assert caught.value.message == "知らない項目です: zzz"


def test_a_cancellation_is_judged_against_the_first_issue_only() -> None:
    # GIVEN a cancellation after 新規 but before 変更1 THEN it is accepted: only 新規 bounds it
    cert = Certificate.from_dict(certificate_doc(cancellation={"on": "2026-05-01"}))
    assert cert.cancellation == Cancellation(dt.date(2026, 5, 1))
    single = certificate_doc(cancellation={"on": "2026-04-10"})
    single["versions"] = single["versions"][:1]
    assert Certificate.from_dict(single).cancelled is True
