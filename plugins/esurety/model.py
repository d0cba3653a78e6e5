"""The data model: what an orderer's guidance, an adopter row and a guarantor are.

One source of truth: the build validates with these classes, `make check` reports their errors,
and the JSON Schemas under schemas/ are generated from them. Every closed set of values is a
``Literal`` whose keys have their Japanese labels in data/vocabulary.yaml. Variation between
orderers is expressed as data (lists of rules, free notes with sources), never as new code.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

OrdererKind = Literal["national", "agency", "public_body", "prefecture", "designated_city", "city", "town", "village"]
DateBasis = Literal["contract_conclusion", "initial_contract", "tender_notice", "public_notice", "application", "unspecified"]
CertificateType = Literal["advance_payment", "interim_advance_payment", "contract_performance", "contract_reservation"]
ProjectType = Literal["construction", "consulting", "surveying", "maintenance", "other_services"]
ProcurementMethod = Literal["general_competitive", "designated_competitive", "negotiated"]
ContractStage = Literal["initial", "change"]
SubmissionMethod = Literal["email", "in_person", "e_contract_upload", "web_form", "paper", "unspecified"]
PrintoutRule = Literal["accepted", "required", "refused", "unspecified"]
DocumentKind = Literal["key_notice", "certificate_printout", "invoice", "customer_copy", "fee_statement",
                       "fee_receipt", "consent_form"]
GuarantorId = Literal["wjcs", "ejcs", "hokkaido"]

#: Vocabulary groups and the Literal that lists their keys; `make check` verifies each key has a label.
VOCABULARY_GROUPS: dict[str, object] = {
    "orderer_kind": OrdererKind,
    "date_basis": DateBasis,
    "certificate_type": CertificateType,
    "project_type": ProjectType,
    "procurement_method": ProcurementMethod,
    "contract_stage": ContractStage,
    "submission_method": SubmissionMethod,
    "printout_rule": PrintoutRule,
    "document": DocumentKind,
    "guarantor": GuarantorId,
}

#: Certificates that can never be electronic (契約保証予約 / bid bond).
NEVER_ELECTRONIC: frozenset[str] = frozenset({"contract_reservation"})

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s<>\"]*)?$")

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60,
                            description="URL に使う英小文字・数字・ハイフンの名前（例: taketa）")]
Kana = Annotated[str, Field(pattern=r"^[ぁ-ゖー・ 　]+$", max_length=80, description="ひらがなのよみ（例: たけたし）")]
LgCode = Annotated[str, Field(pattern=r"^\d{6}$", description="全国地方公共団体コード（6桁、検査数字を含む）")]
YearMonth = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="開始年月（例: 2026-04）")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(pattern=EMAIL_RE.pattern, max_length=254, description="メールアドレス")]
Url = Annotated[str, Field(pattern=URL_RE.pattern, max_length=500, description="http:// または https:// で始まるURL")]
Phone = Annotated[str, Field(pattern=r"^[0-9０-９()（）\-‐ー－ ]{6,20}$", description="電話番号（例: 018-863-1000）")]


class Strict(BaseModel):
    """Unknown fields are errors: a misspelt key must not silently drop a rule."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Source(Strict):
    """A public document a fact was taken from."""

    title: ShortText
    publisher: ShortText | None = None
    date: dt.date | None = Field(default=None, description="資料の日付（わからなければ書かない）")
    url: Url | None = None
    note: Text | None = None


class Start(Strict):
    """When e-surety starts and which date of a project decides whether it is in."""

    date: dt.date = Field(description="開始日（例: 2026-04-01）")
    basis: DateBasis = Field(description="どの日付で判断するか")
    trial: bool = Field(default=False, description="試行として始まる場合は true")
    wording: Text | None = Field(default=None, description="資料の文言そのまま")


class Scope(Strict):
    """Which projects are covered."""

    project_types: list[ProjectType] = Field(min_length=1)
    wording: Text | None = Field(default=None, description="資料の文言そのまま")
    departments: Text | None = Field(default=None, description="発注課などの限定があれば")
    procurement_methods: list[ProcurementMethod] = Field(default_factory=list, description="限定があれば、その方式")
    excluded_procurement_methods: list[ProcurementMethod] = Field(default_factory=list)
    exclusions: list[Text] = Field(default_factory=list, description="対象外となる案件（文言）")


class Certificates(Strict):
    covered: list[CertificateType] = Field(min_length=1)
    excluded: list[CertificateType] = Field(default_factory=list)

    @field_validator("covered")
    @classmethod
    def _never_electronic(cls, value: list[str]) -> list[str]:
        bad = NEVER_ELECTRONIC.intersection(value)
        if bad:
            raise ValueError("契約保証予約（contract_reservation）は電子保証の対象になりません。covered から外し、excluded に書いてください。")
        return value

    @model_validator(mode="after")
    def _disjoint(self) -> "Certificates":
        both = set(self.covered) & set(self.excluded)
        if both:
            raise ValueError(f"{', '.join(sorted(both))} が covered と excluded の両方にあります。")
        return self


class Submission(Strict):
    """How the key notice reaches the orderer, for some certificate types and contract stages."""

    certificates: list[CertificateType] = Field(min_length=1)
    contract_stages: list[ContractStage] = Field(default_factory=lambda: ["initial", "change"])
    methods: list[SubmissionMethod] = Field(min_length=1)
    recipient: ShortText | None = Field(default=None, description="提出先の部署")
    email: Email | None = None
    address_note: Text | None = Field(default=None, description="送付先の確かめ方など")
    url: Url | None = None
    subject_format: ShortText | None = Field(default=None, description="メール件名の書式")
    printout: PrintoutRule = "unspecified"
    documents: list[DocumentKind] = Field(default_factory=lambda: ["key_notice"])
    wording: Text | None = Field(default=None, description="資料の文言そのまま")
    note: Text | None = None


class Rule(Strict):
    """A titled rule in free text, for variations that have no field of their own."""

    title: ShortText
    text: Text


class Contact(Strict):
    name: ShortText
    organization: ShortText | None = None
    phone: Phone | None = None
    email: Email | None = None
    url: Url | None = None
    hours: ShortText | None = None
    note: Text | None = None


class EContract(Strict):
    """The orderer's own electronic contract system, where it runs one (鳥栖市: GMOサイン)."""

    system: ShortText
    applies_from: dt.date | None = None
    basis: DateBasis | None = None
    wording: Text | None = None
    scope: Text | None = None
    consent_form: ShortText | None = None
    signing_deadline: Text | None = None
    back_dating: Text | None = None
    change_contracts: Text | None = None
    rules: list[Rule] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)


class FaqEntry(Strict):
    question: Text
    answer: Text


class Note(Strict):
    text: Text
    source: ShortText | None = None


class Guidance(Strict):
    """One orderer's detailed guidance (one file in content/municipalities/)."""

    slug: Slug
    name: ShortText
    reading: Kana
    prefecture: ShortText | None = Field(default=None, description="都道府県名（国・独立行政法人等は書かない）")
    kind: OrdererKind
    lg_code: LgCode | None = None
    guarantors: list[GuarantorId] = Field(min_length=1)
    start: Start
    scope: Scope
    certificates: Certificates
    submissions: list[Submission] = Field(min_length=1)
    paper_documents: list[DocumentKind] = Field(default_factory=list)
    electronic_documents: list[DocumentKind] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    e_contract: EContract | None = None
    contacts: list[Contact] = Field(default_factory=list)
    faq: list[FaqEntry] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    unconfirmed: list[Text] = Field(default_factory=list, description="資料で確かめられなかった点")

    @model_validator(mode="after")
    def _submissions_cover_certificates(self) -> "Guidance":
        missing = [c for c in self.certificates.covered
                   if not any(c in s.certificates for s in self.submissions)]
        if missing:
            raise ValueError(f"submissions に {', '.join(missing)} の提出方法がありません。")
        return self

    @property
    def start_month(self) -> str:
        return f"{self.start.date.year:04d}-{self.start.date.month:02d}"


class Adopter(Strict):
    """One row of the adopter table."""

    name: ShortText
    reading: Kana | None = None
    prefecture: ShortText | None = None
    kind: OrdererKind
    capital: bool = Field(default=False, description="都道府県庁所在地")
    lg_code: LgCode | None = None
    start: YearMonth | None = Field(default=None, description="開始年月（資料にない場合は書かない）")
    guarantors: list[GuarantorId] = Field(min_length=1)
    page: Slug | None = Field(default=None, description="案内ページがある場合、その slug")
    source: Slug = Field(description="sources の中の資料ID")
    confirmed: bool = True
    note: Text | None = None


class AdopterTable(Strict):
    """data/adopters.yaml."""

    as_of: dt.date
    sources: dict[str, Source] = Field(min_length=1)
    adopters: list[Adopter] = Field(min_length=1)


class Guarantor(Strict):
    id: GuarantorId
    name: ShortText
    short_name: ShortText
    service: ShortText | None = None
    url: Url | None = None
    lookup_service: ShortText | None = None
    number_format: ShortText | None = None
    guide_page: Slug | None = None
    sources: list[Source] = Field(default_factory=list)


class GuarantorList(Strict):
    guarantors: list[Guarantor] = Field(min_length=1)


class UsageRow(Strict):
    """One orderer's e-surety usage figures (seed: 佐賀県内電子保証導入自治体における利用実績)."""

    name: ShortText
    start: YearMonth
    advance_payment_count: int = Field(ge=0, description="前払金保証件数")
    electronic_count: int = Field(ge=0, description="うち、電子保証利用件数")
    stated_rate: float | None = Field(default=None, ge=0, le=100, description="資料に記載の利用率（%）")

    @model_validator(mode="after")
    def _consistent(self) -> "UsageRow":
        if self.electronic_count > self.advance_payment_count:
            raise ValueError("電子保証利用件数が前払金保証件数を超えています。")
        return self

    @property
    def rate(self) -> float:
        return 100.0 * self.electronic_count / self.advance_payment_count if self.advance_payment_count else 0.0


class UsageTable(Strict):
    """data/usage/*.yaml: usage statistics published by a guarantor for one region."""

    title: ShortText
    region: ShortText
    as_of: ShortText = Field(description="集計時点（資料の文言、例: 2026年1月末現在）")
    unit: ShortText = "件"
    source: Source
    rows: list[UsageRow] = Field(min_length=1)


class Vocabulary(BaseModel):
    """data/vocabulary.yaml: the Japanese label of every key."""

    model_config = ConfigDict(extra="forbid")

    orderer_kind: dict[OrdererKind, ShortText]
    date_basis: dict[DateBasis, ShortText]
    certificate_type: dict[CertificateType, ShortText]
    project_type: dict[ProjectType, ShortText]
    procurement_method: dict[ProcurementMethod, ShortText]
    contract_stage: dict[ContractStage, ShortText]
    submission_method: dict[SubmissionMethod, ShortText]
    printout_rule: dict[PrintoutRule, ShortText]
    document: dict[DocumentKind, ShortText]
    guarantor: dict[GuarantorId, ShortText]
    status: dict[Literal["active", "upcoming"], ShortText]


#: Data files and their models, for schema generation and validation.
FILE_MODELS: dict[str, type[BaseModel]] = {
    "guidance": Guidance,
    "adopters": AdopterTable,
    "guarantors": GuarantorList,
    "vocabulary": Vocabulary,
    "usage": UsageTable,
}
