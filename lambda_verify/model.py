"""What an electronic certificate (電子証書) holds: the paper certificate's fields and its history.

A certificate is issued once (新規) and may be changed (変更 1, 2, …) when the contract changes; each
version is a complete snapshot, so the page can show any version exactly as it stood and say what
changed. A cancelled certificate keeps its versions and gains a cancellation.

Japanese labels of the certificate type and the guarantor are stored with the certificate (written
by the loader from data/vocabulary.yaml): the record shows what was issued, and the function needs
no vocabulary file at run time. Stored documents are plain JSON (``to_dict`` / ``from_dict``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from esurety.kernel.glossary import glossary

__all__ = [
    "ELECTRONIC_TYPES",
    "GUARANTORS",
    "Cancellation",
    "Certificate",
    "Contractor",
    "Guarantor",
    "ModelError",
    "Period",
    "Version",
    "changed_fields",
]

SCHEMA_VERSION = 1
#: Certificates that can be electronic (契約保証予約 / bid bonds never are).
ELECTRONIC_TYPES = ("advance_payment", "interim_advance_payment", "contract_performance")
GUARANTORS = tuple(glossary().guarantors)


class ModelError(ValueError):
    """A certificate document that breaks the model; ``path`` says where (e.g. ``versions[1].orderer``)."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


def _date(value: Any, path: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ModelError(path, f"日付ではありません: {value!r}")


def _opt_date(value: Any, path: str) -> dt.date | None:
    return None if value is None else _date(value, path)


def _text(value: Any, path: str, *, required: bool = True, max_len: int = 300) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ModelError(path, "必須です")
        return None
    if not isinstance(value, str):
        raise ModelError(path, f"文字列ではありません: {value!r}")
    text: str = value.strip()
    if len(text) > max_len:
        raise ModelError(path, f"{max_len}文字を超えています")
    return text


def _amount(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ModelError(path, f"金額（円、整数）ではありません: {value!r}")
    if value <= 0:
        raise ModelError(path, "金額は1円以上です")
    return value


def _only(data: Any, allowed: frozenset[str], path: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ModelError(path, "項目の組（マッピング）ではありません")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ModelError(path, f"知らない項目です: {', '.join(unknown)}")
    return data


_NAMES: dict[type, frozenset[str]] = {}


def _names(cls: type) -> frozenset[str]:
    """Field names of a model class (kept: the function reads stored documents on every lookup)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = frozenset(cls._fields)  # type: ignore[attr-defined]
    return names


class Period(NamedTuple):
    """保証期間 or 工期: ``start`` may be unknown (paper certificates often print only the end)."""

    end: dt.date
    start: dt.date | None = None

    @classmethod
    def from_dict(cls, data: Any, path: str) -> Period:
        data = _only(data, _names(cls), path)
        period = cls(end=_date(data.get("end"), f"{path}.end"), start=_opt_date(data.get("start"), f"{path}.start"))
        if period.start and period.start > period.end:
            raise ModelError(path, "開始日が終了日より後です")
        return period

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat() if self.start else None, "end": self.end.isoformat()}


class Contractor(NamedTuple):
    """保証契約者 (受注者): the contractor, and for a joint venture the JV's name."""

    name: str
    address: str | None = None
    jv_name: str | None = None

    @classmethod
    def from_dict(cls, data: Any, path: str) -> Contractor:
        data = _only(data, _names(cls), path)
        return cls(
            name=_text(data.get("name"), f"{path}.name"),  # type: ignore[arg-type]
            address=_text(data.get("address"), f"{path}.address", required=False),
            jv_name=_text(data.get("jv_name"), f"{path}.jv_name", required=False),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "address": self.address, "jv_name": self.jv_name}


class Version(NamedTuple):
    """One issue of the certificate: 新規 (seq 0) or 変更 n (seq n), complete in itself."""

    seq: int
    issued_on: dt.date
    contractor: Contractor
    orderer: str
    work_name: str
    contract_amount: int
    guaranteed_amount: int
    guarantee_period: Period
    work_period: Period | None = None
    contract_date: dt.date | None = None
    deposit_bank: str | None = None

    @property
    def kind(self) -> str:
        return "new" if self.seq == 0 else "change"

    @property
    def label(self) -> str:
        """新規 / 変更1 / 変更2 …"""
        return "新規" if self.seq == 0 else f"変更{self.seq}"

    @classmethod
    def from_dict(cls, data: Any, path: str) -> Version:
        data = _only(data, _names(cls), path)
        seq = data.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            raise ModelError(f"{path}.seq", "0（新規）以上の整数です")
        wp = data.get("work_period")
        return cls(
            seq=seq,
            issued_on=_date(data.get("issued_on"), f"{path}.issued_on"),
            contractor=Contractor.from_dict(data.get("contractor"), f"{path}.contractor"),
            orderer=_text(data.get("orderer"), f"{path}.orderer"),  # type: ignore[arg-type]
            work_name=_text(data.get("work_name"), f"{path}.work_name"),  # type: ignore[arg-type]
            contract_amount=_amount(data.get("contract_amount"), f"{path}.contract_amount"),
            guaranteed_amount=_amount(data.get("guaranteed_amount"), f"{path}.guaranteed_amount"),
            guarantee_period=Period.from_dict(data.get("guarantee_period"), f"{path}.guarantee_period"),
            work_period=None if wp is None else Period.from_dict(wp, f"{path}.work_period"),
            contract_date=_opt_date(data.get("contract_date"), f"{path}.contract_date"),
            deposit_bank=_text(data.get("deposit_bank"), f"{path}.deposit_bank", required=False),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "issued_on": self.issued_on.isoformat(),
            "contractor": self.contractor.to_dict(),
            "orderer": self.orderer,
            "work_name": self.work_name,
            "contract_amount": self.contract_amount,
            "guaranteed_amount": self.guaranteed_amount,
            "guarantee_period": self.guarantee_period.to_dict(),
            "work_period": self.work_period.to_dict() if self.work_period else None,
            "contract_date": self.contract_date.isoformat() if self.contract_date else None,
            "deposit_bank": self.deposit_bank,
        }


#: Version fields in display order; ``changed_fields`` reports changes in this order.
VERSION_FIELDS = ("contractor", "orderer", "work_name", "guaranteed_amount", "contract_amount",
                  "guarantee_period", "work_period", "contract_date", "deposit_bank")


def changed_fields(previous: Version, current: Version) -> list[str]:
    """Names of the fields that differ between two versions (what a 変更 changed)."""
    return [name for name in VERSION_FIELDS if getattr(previous, name) != getattr(current, name)]


class Guarantor(NamedTuple):
    """保証事業会社 as the certificate prints it: head office, representative, and the branch that handled it
    (取扱支店) with its address and contact."""

    id: str
    name: str
    branch: str | None = None
    phone: str | None = None
    fax: str | None = None
    address: str | None = None
    head_office_address: str | None = None
    representative: str | None = None

    @classmethod
    def from_dict(cls, data: Any, path: str) -> Guarantor:
        data = _only(data, _names(cls), path)
        gid = data.get("id")
        if gid not in GUARANTORS:
            raise ModelError(f"{path}.id", f"保証事業会社は {', '.join(GUARANTORS)} のいずれかです: {gid!r}")
        return cls(
            id=gid,
            name=_text(data.get("name"), f"{path}.name"),  # type: ignore[arg-type]
            branch=_text(data.get("branch"), f"{path}.branch", required=False),
            phone=_text(data.get("phone"), f"{path}.phone", required=False, max_len=30),
            fax=_text(data.get("fax"), f"{path}.fax", required=False, max_len=30),
            address=_text(data.get("address"), f"{path}.address", required=False),
            head_office_address=_text(data.get("head_office_address"), f"{path}.head_office_address",
                                      required=False),
            representative=_text(data.get("representative"), f"{path}.representative", required=False),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "branch": self.branch, "phone": self.phone, "fax": self.fax,
                "address": self.address, "head_office_address": self.head_office_address,
                "representative": self.representative}


class Cancellation(NamedTuple):
    """The certificate was cancelled (解約) on ``on``."""

    on: dt.date
    reason: str | None = None

    @classmethod
    def from_dict(cls, data: Any, path: str) -> Cancellation:
        data = _only(data, _names(cls), path)
        return cls(on=_date(data.get("on"), f"{path}.on"),
                   reason=_text(data.get("reason"), f"{path}.reason", required=False))

    def to_dict(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "reason": self.reason}


class Certificate(NamedTuple):
    """An electronic certificate: identity, guarantor and every version issued, newest last.

    ``statement`` (当会社は、…その責に任じます。), ``notes`` (【注】) and the terms' pointer are the
    guarantor's fixed wording as its certificate prints it; a certificate registered without them
    shows none.
    """

    guarantee_number: str
    certificate_type: str
    certificate_type_label: str
    guarantor: Guarantor
    versions: tuple[Version, ...]
    cancellation: Cancellation | None = None
    demo: bool = False
    schema: int = SCHEMA_VERSION
    statement: str | None = None
    notes: tuple[str, ...] = ()
    terms_text: str | None = None
    terms_url: str | None = None

    @property
    def current(self) -> Version:
        return self.versions[-1]

    @property
    def cancelled(self) -> bool:
        return self.cancellation is not None

    @classmethod
    def from_dict(cls, data: Any) -> Certificate:
        data = _only(data, _names(cls), "")
        if data.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
            raise ModelError("schema", f"この版では読めない形式です: {data.get('schema')!r}")
        ctype = data.get("certificate_type")
        if ctype not in ELECTRONIC_TYPES:
            raise ModelError("certificate_type", f"電子証書にできる保証は {', '.join(ELECTRONIC_TYPES)} です: {ctype!r}")
        raw_versions = data.get("versions")
        if not isinstance(raw_versions, list) or not raw_versions:
            raise ModelError("versions", "少なくとも1つ（新規）が必要です")
        versions = tuple(Version.from_dict(v, f"versions[{i}]") for i, v in enumerate(raw_versions))
        for i, v in enumerate(versions):
            if v.seq != i:
                raise ModelError(f"versions[{i}].seq", f"{i} のはずです（新規が0、変更が1, 2, …と続きます）")
            if i and v.issued_on < versions[i - 1].issued_on:
                raise ModelError(f"versions[{i}].issued_on", "前の版より前の日付です")
        canc = data.get("cancellation")
        cancellation = None if canc is None else Cancellation.from_dict(canc, "cancellation")
        if cancellation and cancellation.on < versions[0].issued_on:
            raise ModelError("cancellation.on", "新規の発行日より前です")
        number = _text(data.get("guarantee_number"), "guarantee_number", max_len=20)
        demo = data.get("demo", False)
        if not isinstance(demo, bool):
            raise ModelError("demo", "true か false です")
        notes = data.get("notes") or []
        if not isinstance(notes, list):
            raise ModelError("notes", "文の並びです")
        terms_url = _text(data.get("terms_url"), "terms_url", required=False, max_len=500)
        if terms_url is not None and not terms_url.startswith("https://"):
            raise ModelError("terms_url", f"https:// で始まる URL です: {terms_url!r}")
        return cls(
            guarantee_number=number,  # type: ignore[arg-type]
            certificate_type=ctype,
            certificate_type_label=_text(data.get("certificate_type_label"), "certificate_type_label"),  # type: ignore[arg-type]
            guarantor=Guarantor.from_dict(data.get("guarantor"), "guarantor"),
            versions=versions,
            cancellation=cancellation,
            demo=demo,
            statement=_text(data.get("statement"), "statement", required=False),
            notes=tuple(_text(n, f"notes[{i}]") for i, n in enumerate(notes)),  # type: ignore[misc]
            terms_text=_text(data.get("terms_text"), "terms_text", required=False),
            terms_url=terms_url,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "guarantee_number": self.guarantee_number,
            "certificate_type": self.certificate_type,
            "certificate_type_label": self.certificate_type_label,
            "guarantor": self.guarantor.to_dict(),
            "versions": [v.to_dict() for v in self.versions],
            "cancellation": self.cancellation.to_dict() if self.cancellation else None,
            "demo": self.demo,
            "statement": self.statement,
            "notes": list(self.notes),
            "terms_text": self.terms_text,
            "terms_url": self.terms_url,
        }
