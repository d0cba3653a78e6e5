"""The data model: what an orderer's guidance, an adopter row, a guarantor and the vocabulary are.

One source of truth: the build validates with these classes, `make check` reports their errors,
and the JSON Schemas under schemas/ are generated from them (scripts/gen_schemas.py), with the
allowed keys of every closed set taken from data/vocabulary.yaml. A closed set is a vocabulary
group, not a ``Literal``: adding a date basis, an issuer or a submission method is a data change.
Validation receives the vocabulary as context (``context={"vocabulary": ...}``) and refuses keys
it does not hold.

Every statement of a guidance file is a *claim* with its provenance: a source of the file
(``source:``, the orderer's or a guarantor's document) or the site's own inference (``inference:``
with ``ask:``). What a source does not say is ``unstated`` — never a placeholder. Titles and
descriptions are Japanese because editors show them to guarantor staff while they type.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "DIMENSIONS",
    "FILE_MODELS",
    "UNSTATED",
    "VOCABULARY_GROUPS",
    "Adopter",
    "AdopterTable",
    "CaseFilter",
    "Claim",
    "Contact",
    "EContract",
    "FaqEntry",
    "Guarantor",
    "GuarantorList",
    "Guidance",
    "Limit",
    "Note",
    "Orderer",
    "Scope",
    "Source",
    "Start",
    "Submission",
    "UsageTable",
    "Vocabulary",
    "first_day",
    "is_stated",
    "last_day",
]

#: The value of a fact the sources do not state (shown as 資料に記載なし).
UNSTATED = "unstated"
Unstated = Literal["unstated"]

OrdererKind = Literal["national", "agency", "public_body", "prefecture", "designated_city", "city", "town", "village"]
StatusKey = Literal["active", "upcoming"]
IssuerKind = Literal["guarantor", "insurer", "bank"]
SourceKind = Literal["orderer", "guarantor", "press", "other"]
#: The 47 prefectures by their official names, in code order; `make check` verifies this list
#: against data/local_governments.json. A Literal so that editors offer the names while typing.
PrefectureName = Literal[
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
]

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s<>\"]*)?$")


def _only_dates(value: Any) -> Any:
    """Refuse numbers and true/false: pydantic would read 20260401 as seconds since 1970."""
    if isinstance(value, (bool, int, float)):
        raise PydanticCustomError("date_type", "Input should be a valid date")
    return value


def vocabulary_key(group: str) -> Any:
    """A key of one vocabulary group, checked against the vocabulary passed as validation context."""

    def check(value: str, info: ValidationInfo) -> str:
        vocab = (info.context or {}).get("vocabulary")
        if vocab is not None:
            keys = vocab.keys(group)
            if value not in keys:
                raise PydanticCustomError("literal_error", "Input should be {expected}",
                                          {"expected": " or ".join(f"'{k}'" for k in keys)})
        return value

    return Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60, json_schema_extra={"x-vocabulary": group}),
                     AfterValidator(check)]


DateBasisKey = vocabulary_key("date_basis")
CertificateKey = vocabulary_key("certificate_type")
IssuerKey = vocabulary_key("issuer")
ProjectTypeKey = vocabulary_key("project_type")
ProcurementKey = vocabulary_key("procurement_method")
StageKey = vocabulary_key("contract_stage")
MethodKey = vocabulary_key("submission_method")
PrintoutKey = vocabulary_key("printout_rule")
DocumentKey = vocabulary_key("document")
BodyItemKey = vocabulary_key("body_item")
NoteTopicKey = vocabulary_key("note_topic")

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60,
                            description="URL に使う英小文字・数字・ハイフンの名前（例: taketa）", examples=["taketa"])]
SourceId = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60,
                                description="資料ID: 英小文字・数字・ハイフン（例: wjcs-saga-2026）", examples=["wjcs-saga-2026"])]
Kana = Annotated[str, Field(pattern=r"^[ぁ-ゖー・ 　]+$", max_length=80, description="ひらがなのよみ（例: たけたし）",
                            examples=["たけたし"])]
LgCode = Annotated[str, Field(pattern=r"^\d{6}$", description="全国地方公共団体コード（6桁、検査数字を含む）。引用符で囲んで書く（例: \"442089\"）",
                              examples=["442089"])]
YearMonth = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="年月を西暦の 年-月 で（例: 2026-04）",
                                 examples=["2026-04"])]
Date = Annotated[dt.date, BeforeValidator(_only_dates),
                 Field(description="西暦の 年-月-日 で書く（例: 2026-04-01）。和暦は使えません", examples=["2026-04-01"])]
#: A day, or only a month ("2025-04") where the source gives no day.
DayOrMonth = Annotated[dt.date | YearMonth,
                       Field(union_mode="left_to_right",
                             description="日付（2026-04-01）。資料に月までしかなければ年-月（\"2026-04\"）"),
                       BeforeValidator(_only_dates)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(pattern=EMAIL_RE.pattern, max_length=254,
                             description="メールアドレス（例: keiyaku@city.example.lg.jp）。「mailto:」は付けない",
                             examples=["keiyaku@city.example.lg.jp"])]
Url = Annotated[str, Field(pattern=URL_RE.pattern, max_length=500, description="http:// または https:// で始まるURL",
                           examples=["https://www.city.example.lg.jp/"])]
Phone = Annotated[str, Field(pattern=r"^[0-9０-９()（）\-‐ー－ ]{6,20}$", description="電話番号（例: 018-863-1000）",
                             examples=["018-863-1000"])]
Prefecture = Annotated[PrefectureName, Field(description="都道府県名を正式名で（例: 大分県、東京都、北海道）")]


def is_stated(value: Any) -> bool:
    """True unless the value is ``unstated`` (or absent)."""
    return value is not None and value != UNSTATED


def first_day(value: dt.date | str) -> dt.date:
    """The first day a day-or-month value can mean."""
    if isinstance(value, dt.date):
        return value
    year, month = (int(p) for p in value.split("-"))
    return dt.date(year, month, 1)


def last_day(value: dt.date | str) -> dt.date:
    """The last day a day-or-month value can mean."""
    if isinstance(value, dt.date):
        return value
    year, month = (int(p) for p in value.split("-"))
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


class Strict(BaseModel):
    """Unknown fields are errors: a misspelt key must not silently drop a rule."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, populate_by_name=True)


# ---------------------------------------------------------------------------------------------- sources


class Source(Strict):
    """A public document facts were taken from."""

    model_config = ConfigDict(title="出典", json_schema_extra={"description": "情報の出典となった公開資料"})

    kind: SourceKind = Field(default="other", title="資料の種類",
                             description="orderer = 発注者自身の資料、guarantor = 保証事業会社の資料、press = 報道、other = その他")
    title: ShortText = Field(title="資料名", description="資料の題名（例: 電子保証のご案内）")
    publisher: ShortText | None = Field(default=None, title="発行者", description="資料を出した会社・団体")
    date: Date | None = Field(default=None, title="資料の日付", description="資料に書かれた日付（なければ書かない）")
    url: Url | None = Field(default=None, title="URL", description="資料の URL（https:// で始まる）")
    checked_on: Date = Field(title="最終確認日", description="この資料を原本と照らして最後に確かめた日（例: 2026-12-02）")
    note: Text | None = Field(default=None, title="メモ", description="資料についての補足（例: 資料に発行日の記載なし）")


class Claim(Strict):
    """Provenance of a statement: a source of the file, or the site's own inference (with whom to ask)."""

    source: SourceId | None = Field(default=None, title="出典ID", description="sources に書いた資料ID")
    where: ShortText | None = Field(default=None, title="資料の箇所", description="資料の見出し・ページなど")
    inference: Text | None = Field(default=None, title="サイトの推論",
                                   description="資料に書かれていないことをサイトが推論したとき、その理由")
    ask: ShortText | None = Field(default=None, title="確認先", description="推論を確かめる先（例: 契約検査課）")

    @model_validator(mode="after")
    def _one_provenance(self) -> Claim:
        if (self.source is None) == (self.inference is None):
            raise ValueError("出典（source: 資料ID）か、サイトの推論（inference: 理由）のどちらか一方を書いてください。"
                             "資料に書かれていないことは unstated にします。")
        if self.ask is not None and self.inference is None:
            raise ValueError("ask（確認先）は inference（サイトの推論）と一緒に書いてください。")
        return self


# ------------------------------------------------------------------------------------------------ scope

#: Scope dimensions: field name → the vocabulary group of its values (None: names as the orderer
#: writes them, e.g. departments). The eligibility rule asks for each dimension an orderer limits.
DIMENSIONS: dict[str, str | None] = {
    "certificates": "certificate_type",
    "issuers": "issuer",
    "project_types": "project_type",
    "departments": None,
    "procurement_methods": "procurement_method",
    "contract_stages": "contract_stage",
}


class CaseFilter(Strict):
    """Which cases something applies to; a missing key means all."""

    model_config = ConfigDict(title="当てはまる案件", json_schema_extra={"description": "この決まりが当てはまる案件（書かない項目はすべて）"})

    certificates: list[CertificateKey] | None = Field(default=None, min_length=1, title="保証の種類")
    issuers: list[IssuerKey] | None = Field(default=None, min_length=1, title="発行元")
    project_types: list[ProjectTypeKey] | None = Field(default=None, min_length=1, title="業種")
    departments: list[ShortText] | None = Field(default=None, min_length=1, title="発注課")
    procurement_methods: list[ProcurementKey] | None = Field(default=None, min_length=1, title="契約方式")
    contract_stages: list[StageKey] | None = Field(default=None, min_length=1, title="契約の段階")

    def values(self, dimension: str) -> list[str] | None:
        return getattr(self, dimension)


class Limit(Claim):
    """One limit of one scope dimension: only / includes / excludes, optionally from/until a date.

    Each dimension has its own subclass (:func:`_limit_model`) whose lists hold that dimension's keys.
    """

    model_config = ConfigDict(title="限定", json_schema_extra={
        "description": "only = これだけが対象、includes = 少なくともこれは対象、excludes = これは対象外"})

    only: list[str] | None = Field(default=None, min_length=1, title="これだけが対象")
    includes: list[str] | None = Field(default=None, min_length=1, title="少なくともこれは対象")
    excludes: list[str] | None = Field(default=None, min_length=1, title="これは対象外")
    from_: Date | None = Field(default=None, alias="from", title="適用開始", description="この限定が当てはまる最初の日（案件の日付）")
    until: Date | None = Field(default=None, title="適用終了", description="この限定が当てはまる最後の日（案件の日付）")
    note: Text | None = Field(default=None, title="補足", description="補足（自分の言葉で）")

    @model_validator(mode="after")
    def _something(self) -> Limit:
        if self.only is None and self.includes is None and self.excludes is None:
            raise ValueError("only・includes・excludes の少なくとも1つを書いてください。")
        if self.only is not None and self.includes is not None:
            raise ValueError("only（これだけ）と includes（少なくともこれ）は一緒に書けません。どちらか一方にしてください。")
        inside = set(self.only or []) | set(self.includes or [])
        both = inside & set(self.excludes or [])
        if both:
            raise ValueError(f"{', '.join(sorted(both))} が対象と対象外の両方にあります。")
        if self.from_ and self.until and self.until < self.from_:
            raise ValueError("until が from より前です。")
        return self

    def holds_on(self, day: dt.date) -> bool:
        return (self.from_ is None or day >= self.from_) and (self.until is None or day <= self.until)


def _limit_model(name: str, key: Any) -> type[Limit]:
    """The :class:`Limit` of one dimension, its lists typed with the dimension's keys."""
    lists = {field: (list[key] | None, Field(default=None, min_length=1, title=Limit.model_fields[field].title))
             for field in ("only", "includes", "excludes")}
    return create_model(name, __base__=Limit, __module__=__name__, **lists)  # type: ignore[call-overload, no-any-return]


CertificatesLimit = _limit_model("CertificatesLimit", CertificateKey)
IssuersLimit = _limit_model("IssuersLimit", IssuerKey)
ProjectTypesLimit = _limit_model("ProjectTypesLimit", ProjectTypeKey)
DepartmentsLimit = _limit_model("DepartmentsLimit", ShortText)
ProcurementMethodsLimit = _limit_model("ProcurementMethodsLimit", ProcurementKey)
ContractStagesLimit = _limit_model("ContractStagesLimit", StageKey)


def _as_list(value: Any) -> Any:
    """One limit may be written as a mapping; several (valid on different dates) as a list."""
    return [value] if isinstance(value, dict) else value


def _dimension(cls: type, title: str) -> Any:
    return Annotated[list[cls] | Unstated,  # type: ignore[valid-type]
                     Field(default=UNSTATED, union_mode="left_to_right", title=title,
                           description=f"{title}の限定: 1つなら項目の集まり、日付で変わるなら一覧（資料に書かれていなければ unstated、または書かない）",
                           json_schema_extra={"x-one-or-many": True}),
                     BeforeValidator(_as_list)]


class Scope(Strict):
    """Which cases are covered, dimension by dimension; a missing dimension is unstated."""

    model_config = ConfigDict(title="対象案件", json_schema_extra={"description": "電子保証の対象となる案件（項目ごとの限定と出典）"})

    certificates: _dimension(CertificatesLimit, "保証の種類")  # type: ignore[valid-type]
    issuers: _dimension(IssuersLimit, "発行元")  # type: ignore[valid-type]
    project_types: _dimension(ProjectTypesLimit, "業種")  # type: ignore[valid-type]
    departments: _dimension(DepartmentsLimit, "発注課")  # type: ignore[valid-type]
    procurement_methods: _dimension(ProcurementMethodsLimit, "契約方式")  # type: ignore[valid-type]
    contract_stages: _dimension(ContractStagesLimit, "契約の段階")  # type: ignore[valid-type]

    def limits(self, dimension: str) -> list[Any]:
        value = getattr(self, dimension)
        return [] if value == UNSTATED else list(value)

    def covered(self, dimension: str) -> list[str]:
        """The values some limit of the dimension covers (only / includes) and none excludes, in order."""
        excluded = {v for limit in self.limits(dimension) for v in limit.excludes or []}
        out: list[str] = []
        for limit in self.limits(dimension):
            out += [v for v in (limit.only or []) + (limit.includes or []) if v not in out and v not in excluded]
        return out

    def named(self, dimension: str) -> list[str]:
        """Every value any limit of the dimension names, in order."""
        out: list[str] = []
        for limit in self.limits(dimension):
            for part in (limit.only, limit.includes, limit.excludes):
                out += [v for v in part or [] if v not in out]
        return out


# ------------------------------------------------------------------------------------------------ start


class Start(Claim):
    """When e-surety starts and which date of a case decides whether it is in."""

    model_config = ConfigDict(title="開始日と判断基準",
                              json_schema_extra={"description": "電子保証を始める日と、案件が対象かどうかを決める日付"})

    from_: DayOrMonth | Unstated = Field(alias="from", title="開始日", union_mode="left_to_right",
                                         description="開始日（2026-04-01）。月までしか資料になければ \"2026-04\"。資料になければ unstated")
    basis: DateBasisKey | Unstated = Field(title="判断基準", union_mode="left_to_right",
                                           description="どの日付で対象かを判断するか（資料になければ unstated）")
    trial: StrictBool = Field(default=False, title="試行", description="発注者が試行と呼んでいれば true")
    for_: CaseFilter | None = Field(default=None, alias="for", title="当てはまる案件",
                                    description="この開始日が一部の案件だけのものなら、その案件（発注課・業種など）")
    note: Text | None = Field(default=None, title="補足")

    @property
    def first_day(self) -> dt.date | None:
        return None if self.from_ == UNSTATED else first_day(self.from_)

    @property
    def last_day(self) -> dt.date | None:
        return None if self.from_ == UNSTATED else last_day(self.from_)

    @property
    def day_known(self) -> bool:
        return isinstance(self.from_, dt.date)


# ------------------------------------------------------------------------------------------- submission


class Submission(Claim):
    """How the key notice reaches the orderer, for the cases ``for`` names."""

    model_config = ConfigDict(title="認証キー等の提出方法",
                              json_schema_extra={"description": "どの案件（保証・発行元・契約の段階）について、どの方法で、どこへ提出するか"})

    for_: CaseFilter | None = Field(default=None, alias="for", title="当てはまる案件",
                                    description="この提出方法が当てはまる案件（certificates・issuers・contract_stages など）")
    methods: list[MethodKey] | Unstated = Field(title="提出方法", union_mode="left_to_right",
                                                description="提出方法（いくつかから選べるなら全部）。資料になければ unstated")
    recipient: ShortText | Unstated = Field(default=UNSTATED, title="提出先", union_mode="left_to_right",
                                            description="提出先の部署（資料になければ unstated）")
    email: Email | Unstated | None = Field(default=None, title="提出先メールアドレス", union_mode="left_to_right",
                                           description="メールで送るときのアドレス。資料になければ unstated")
    url: Url | None = Field(default=None, title="提出先 URL", description="ウェブフォーム・電子契約システムの URL")
    cc: list[Email] | Unstated | None = Field(default=None, title="CC", union_mode="left_to_right",
                                              description="CC に入れるアドレス（資料が CC を求めていてアドレスがなければ unstated）")
    cc_note: Text | None = Field(default=None, title="CC の説明", description="CC について資料が書いていること（自分の言葉で）")
    subject: ShortText | Unstated = Field(default=UNSTATED, title="件名の書式", union_mode="left_to_right",
                                          description="メール件名の書式（{工事名} のように受注者が埋める所を {} で）。資料になければ unstated")
    body_items: list[BodyItemKey] | Unstated = Field(default=UNSTATED, title="本文に書くこと", union_mode="left_to_right",
                                                     description="メール本文に書く事項。資料になければ unstated")
    timing: Text | Unstated = Field(default=UNSTATED, title="時期", union_mode="left_to_right",
                                    description="いつ提出するか（自分の言葉で）。資料になければ unstated")
    documents: Annotated[list[DocumentKey], Field(min_length=1)] | Unstated = Field(
        title="提出する書類", union_mode="left_to_right",
                                                    description="提出する書類（key_notice = 認証キー等のお知らせ など）。資料になければ unstated")
    printout: PrintoutKey | Unstated = Field(default=UNSTATED, title="印刷したものの扱い", union_mode="left_to_right",
                                             description="印刷したものの扱い（accepted・required・refused）。資料になければ unstated")
    note: Text | None = Field(default=None, title="補足", description="補足（自分の言葉で）")

    @model_validator(mode="after")
    def _email_needs_email(self) -> Submission:
        if self.email is not None and self.methods != UNSTATED and "email" not in self.methods:
            raise ValueError("email（アドレス）は methods に email があるときだけ書けます。")
        return self


# -------------------------------------------------------------------------------- the rest of a page


class Note(Claim):
    """A fact worth telling that has no field of its own."""

    model_config = ConfigDict(title="注意事項", json_schema_extra={"description": "専用の項目がない注意事項（出典つき）"})

    topic: NoteTopicKey = Field(default="general", title="話題", description="話題（paper_certificates・invoice など）")
    text: Text = Field(title="本文", description="自分の言葉で")


class Contact(Claim):
    """Where contractors ask."""

    model_config = ConfigDict(title="問い合わせ先", json_schema_extra={"description": "問い合わせ先の部署と連絡方法"})

    name: ShortText = Field(title="部署名", description="部署名（例: 契約検査室）")
    organization: ShortText | None = Field(default=None, title="団体名", description="団体名（例: 竹田市）")
    phone: Phone | None = Field(default=None, title="電話番号")
    email: Email | None = Field(default=None, title="メールアドレス")
    url: Url | None = Field(default=None, title="URL")
    hours: ShortText | None = Field(default=None, title="受付時間", description="受付時間（例: 平日 8:30〜17:15）")
    note: Text | None = Field(default=None, title="補足")


class FaqEntry(Claim):
    """A question and answer as a guarantor's leaflet words them."""

    model_config = ConfigDict(title="よくある質問", json_schema_extra={"description": "質問と回答（資料の文言）"})

    question: Text = Field(title="質問")
    answer: Text = Field(title="回答")


class Rule(Strict):
    """A titled rule in free text (e-contract procedures)."""

    model_config = ConfigDict(title="決まり", json_schema_extra={"description": "専用の項目がない決まり（見出しと本文）"})

    title: ShortText = Field(title="見出し")
    text: Text = Field(title="本文")


class EContract(Claim):
    """The orderer's own electronic contract system, where it runs one (鳥栖市: GMOサイン)."""

    model_config = ConfigDict(title="電子契約", json_schema_extra={"description": "発注者が電子契約システムを使う場合の決まり"})

    system: ShortText = Field(title="システム名", description="電子契約システムの名前（例: GMOサイン）")
    applies_from: Date | None = Field(default=None, title="適用開始日", description="電子契約の開始日（例: 2026-04-01）")
    basis: DateBasisKey | None = Field(default=None, title="判断基準", description="どの日付で対象かを判断するか")
    scope: Text | None = Field(default=None, title="対象", description="電子契約の対象")
    consent_form: ShortText | None = Field(default=None, title="承諾書", description="利用承諾書の名前")
    signing_deadline: Text | None = Field(default=None, title="署名の期限")
    back_dating: Text | None = Field(default=None, title="日付の扱い", description="契約日の扱い（遡りなど）")
    change_contracts: Text | None = Field(default=None, title="変更契約", description="変更契約の扱い")
    rules: list[Rule] = Field(default_factory=list, title="その他の決まり")
    contacts: list[Contact] = Field(default_factory=list, title="問い合わせ先")


class Orderer(Strict):
    """Who an orderer is: the identity a guidance file and its adopters row share (and must agree on)."""

    name: ShortText = Field(title="団体名", description="発注者の正式名（例: 竹田市）", examples=["竹田市"])
    reading: Kana | None = Field(default=None, title="よみ", description="団体名のよみ（ひらがな）")
    prefecture: Prefecture | None = Field(default=None, title="都道府県",
                                          description="都道府県名を正式名で（国の機関は書かない）")
    kind: OrdererKind = Field(title="団体の種類", description="団体の種類（city = 市、town = 町 など）")
    lg_code: LgCode | None = Field(default=None, title="団体コード",
                                   description="全国地方公共団体コード（6桁）を引用符で囲んで（例: \"442089\"）")

    @property
    def identity(self) -> tuple[str | None, str]:
        return (self.prefecture, self.name)


class Guidance(Orderer):
    """One orderer's detailed guidance (one file in content/municipalities/)."""

    model_config = ConfigDict(
        title="発注者ごとの電子保証の案内",
        json_schema_extra={"description": "content/municipalities/<slug>.yaml: 1つの発注者の電子保証の案内（書式 2）。"
                                          "すべての記述に出典（source）かサイトの推論（inference）を付け、資料にないことは unstated と書く"},
    )

    slug: Slug = Field(title="slug（ページ名）", description="URL とファイル名に使う英小文字・数字・ハイフン（ファイル名 <slug>.yaml と同じ）")
    reading: Kana = Field(title="よみ", description="団体名のよみ（ひらがな）")
    sources: dict[SourceId, Source] = Field(min_length=1, title="出典",
                                            description="資料ID（英小文字・数字・ハイフン）ごとの出典。各記述の source で参照する")
    start: list[Start] = Field(min_length=1, title="開始日と判断基準", description="開始日と判断基準（発注課・業種ごとに違えば複数）")
    scope: Scope = Field(default_factory=Scope, title="対象案件")
    submissions: list[Submission] = Field(min_length=1, title="認証キー等の提出方法",
                                          description="提出方法（対象の保証ごとに、少なくとも1つ）")
    notes: list[Note] = Field(default_factory=list, title="注意事項")
    e_contract: EContract | None = Field(default=None, title="電子契約", description="発注者の電子契約システム（あれば）")
    contacts: list[Contact] = Field(default_factory=list, title="問い合わせ先")
    faq: list[FaqEntry] = Field(default_factory=list, title="よくある質問")
    unconfirmed: list[Text] = Field(default_factory=list, title="未確認の点", description="資料で確かめられなかった点（確認先も）")

    @property
    def first_start(self) -> Start | None:
        """The earliest start with a published date (None when no start date is published)."""
        known = [s for s in self.start if s.first_day is not None]
        return min(known, key=lambda s: s.first_day or dt.date.max) if known else None

    @property
    def start_month(self) -> str | None:
        first = self.first_start
        if first is None or first.first_day is None:
            return None
        return f"{first.first_day.year:04d}-{first.first_day.month:02d}"

    @property
    def checked_on(self) -> dt.date:
        """最終確認日: the oldest check of any of its sources (every fact was checked by then)."""
        return min(s.checked_on for s in self.sources.values())

    def claims(self) -> list[tuple[tuple[Any, ...], Claim]]:
        """Every claim of the file with its location (for provenance checks)."""
        out: list[tuple[tuple[Any, ...], Claim]] = [(("start", i), s) for i, s in enumerate(self.start)]
        for dimension in DIMENSIONS:
            value = getattr(self.scope, dimension)
            if value != UNSTATED:
                out += [(("scope", dimension, i), limit) for i, limit in enumerate(value)]
        out += [(("submissions", i), s) for i, s in enumerate(self.submissions)]
        out += [(("notes", i), n) for i, n in enumerate(self.notes)]
        out += [(("contacts", i), c) for i, c in enumerate(self.contacts)]
        out += [(("faq", i), f) for i, f in enumerate(self.faq)]
        if self.e_contract:
            out.append((("e_contract",), self.e_contract))
            out += [(("e_contract", "contacts", i), c) for i, c in enumerate(self.e_contract.contacts)]
        return out


# --------------------------------------------------------------------------------------- adopter table


class Adopter(Orderer):
    """One row of the adopter table."""

    model_config = ConfigDict(title="採用団体", json_schema_extra={"description": "採用団体一覧の1行（1つの発注者）"})

    capital: StrictBool = Field(default=False, title="県庁所在地", description="都道府県庁所在地なら true")
    start: YearMonth | None = Field(default=None, title="開始年月", description="開始年月を 2026-04 の形式で（資料にない場合は書かない）")
    guarantors: Annotated[list[IssuerKey], Field(min_length=1)] | Unstated = Field(
        title="保証事業会社", union_mode="left_to_right",
        description="wjcs / ejcs / hokkaido。資料が会社を挙げていなければ unstated")
    page: Slug | None = Field(default=None, title="案内ページ", description="案内ページがある場合、その slug（content/municipalities/<slug>.yaml）")
    source: SourceId = Field(title="出典ID", description="このファイルの sources に書いた資料ID")
    confirmed: StrictBool = Field(default=True, title="確認済み", description="資料で確かめられていなければ false")
    note: Text | None = Field(default=None, title="補足")


    @property
    def guarantor_ids(self) -> list[str]:
        """The guarantors the source names (none when it names none)."""
        return [] if self.guarantors == UNSTATED else list(self.guarantors)


class AdopterTable(Strict):
    """data/adopters.yaml."""

    model_config = ConfigDict(title="採用団体一覧",
                              json_schema_extra={"description": "data/adopters.yaml: 電子保証を採用した発注者の一覧"})

    as_of: Date = Field(title="時点", description="一覧の時点（例: 2026-02-02）")
    sources: dict[SourceId, Source] = Field(min_length=1, title="出典",
                                            description="資料ID（英小文字・数字・ハイフン）ごとの出典。各行の source で参照する")
    adopters: list[Adopter] = Field(min_length=1, title="採用団体")


# ------------------------------------------------------------------------------------------ guarantors


class GuarantorRule(Claim):
    """A guarantor's general rule that holds at every orderer (e.g. 契約保証予約は対象外)."""

    model_config = ConfigDict(title="保証事業会社の一般的な決まり",
                              json_schema_extra={"description": "どの発注者でも当てはまる、保証事業会社の決まり"})

    excludes_certificates: list[CertificateKey] = Field(min_length=1, title="電子保証の対象外の保証")
    note: Text | None = Field(default=None, title="補足")


class CertificateWording(Claim):
    """What this guarantor's certificate prints besides the contract's own fields, as its documents show it.

    The loader copies it into every stored certificate of the guarantor, so the lookup shows (and prints)
    the certificate as the paper one reads. A certificate type without a statement here gets none.
    """

    model_config = ConfigDict(title="保証証書の定型の文言",
                              json_schema_extra={"description": "保証証書に印字される定型の文言と本店（資料のとおり）"})

    head_office_address: ShortText | None = Field(default=None, title="本店所在地",
                                                  description="保証証書に印字される本店の所在地")
    statements: dict[CertificateKey, Text] = Field(
        default_factory=dict, title="保証の文言",
        description="保証の種類ごとに、証書の「当会社は、…その責に任じます。」の文（資料にある種類だけ）")
    notes: list[Text] = Field(default_factory=list, title="注記", description="証書の【注】の文、順に")
    terms_text: Text | None = Field(default=None, title="約款の案内", description="約款についての証書の案内文")
    terms_url: Url | None = Field(default=None, title="約款のURL")


class Guarantor(Strict):
    """One construction surety company."""

    model_config = ConfigDict(title="保証事業会社", json_schema_extra={"description": "保証事業会社とそのオンラインサービス"})

    id: IssuerKey = Field(title="ID", description="vocabulary.yaml の issuer のキー（wjcs / ejcs / hokkaido）")
    name: ShortText = Field(title="会社名", description="正式名（例: 西日本建設業保証株式会社）")
    short_name: ShortText = Field(title="略称")
    service: ShortText | None = Field(default=None, title="申込サービス", description="保証申込のオンラインサービス名（例: e-Net保証）")
    url: Url | None = Field(default=None, title="URL")
    lookup_service: ShortText | None = Field(default=None, title="確認サービス", description="発注者が電子証書を確かめるサービス名")
    number_format: ShortText | None = Field(default=None, title="保証契約番号の形式")
    number_groups: list[Annotated[int, Field(ge=1, le=20)]] | None = Field(
        default=None, min_length=1, title="保証契約番号の桁の区切り",
        description="保証契約番号の数字の桁数を、ハイフンで区切る組ごとに（例: 10桁なら [10]、5桁-6桁なら [5, 6]）")
    number_example: ShortText | None = Field(default=None, title="保証契約番号の例")
    number_note: ShortText | None = Field(default=None, title="保証契約番号の入力の注意", description="例: ハイフンは省いても構いません")
    key_notice_name: ShortText | None = Field(
        default=None, title="認証キーのお知らせの名称",
        description="この会社が発行する認証キーのお知らせ（PDF）の名称。会社ごとに名称が違うため。")
    key_notice_where: ShortText | None = Field(default=None, title="お知らせの取り出し方",
                                               description="認証キーのお知らせをどこで取り出すか（例: e-Net保証の STEP 4 でダウンロードする）")
    look_alike: ShortText | None = Field(default=None, title="取り違えやすい画面",
                                         description="お知らせと取り違えやすいもの（例: STEP 3 で表示する電子証書の内容の画面）")
    guide_page: Slug | None = Field(default=None, title="申込の案内ページ", description="content/pages の slug")
    certificate: CertificateWording | None = Field(default=None, title="保証証書の定型の文言")
    rules: list[GuarantorRule] = Field(default_factory=list, title="一般的な決まり")
    sources: dict[SourceId, Source] = Field(default_factory=dict, title="出典")


class GuarantorList(Strict):
    """data/guarantors.yaml."""

    model_config = ConfigDict(title="保証事業会社の一覧", json_schema_extra={"description": "data/guarantors.yaml: 保証事業会社の一覧"})

    guarantors: list[Guarantor] = Field(min_length=1, title="保証事業会社")


# ---------------------------------------------------------------------------------------------- usage


class UsageRow(Strict):
    """One orderer's e-surety usage figures (seed: 佐賀県内電子保証導入自治体における利用実績)."""

    model_config = ConfigDict(title="利用実績の行", json_schema_extra={"description": "1つの発注者の電子保証の利用実績"})

    name: ShortText = Field(title="団体名")
    start: YearMonth = Field(title="開始年月", description="開始年月を 2026-04 の形式で")
    advance_payment_count: int = Field(ge=0, title="前払金保証件数", description="前払金保証件数")
    electronic_count: int = Field(ge=0, title="電子保証利用件数", description="うち、電子保証利用件数")
    stated_rate: float | None = Field(default=None, ge=0, le=100, title="利用率", description="資料に記載の利用率（%）")

    @field_validator("electronic_count")
    @classmethod
    def _consistent(cls, value: int, info: ValidationInfo) -> int:
        total = info.data.get("advance_payment_count")
        if total is not None and value > total:
            raise ValueError(f"電子保証利用件数 {value} が前払金保証件数 {total} を超えています。")
        return value

    @property
    def rate(self) -> float:
        return 100.0 * self.electronic_count / self.advance_payment_count if self.advance_payment_count else 0.0


class UsageTable(Strict):
    """data/usage/*.yaml: usage statistics published by a guarantor for one region."""

    model_config = ConfigDict(title="電子保証の利用実績",
                              json_schema_extra={"description": "data/usage/*.yaml: 保証事業会社が公表した、地域ごとの利用実績"})

    title: ShortText = Field(title="表題")
    region: ShortText = Field(title="地域", description="地域（例: 佐賀県）")
    as_of: ShortText = Field(title="集計時点", description="集計時点（資料の文言、例: 2026年1月末現在）")
    unit: ShortText = Field(default="件", title="単位")
    source: Source = Field(title="出典")
    rows: list[UsageRow] = Field(min_length=1, title="団体ごとの実績")


# ---------------------------------------------------------------------------------------- vocabulary


class Term(Strict):
    """One key of a closed set: its Japanese label and a plain description."""

    label: ShortText = Field(title="表示名", description="ページに表示する日本語")
    description: Text = Field(title="説明", description="担当者向けのやさしい説明")


class DateBasisTerm(Term):
    applies_to: Literal["project", "contract"] = Field(
        title="日付の単位", description="project = 案件に1つの日付（変更契約も同じ日で判断）、contract = 契約ごとの日付")
    change_follows: StrictBool = Field(
        default=False, title="変更契約も同じ日付", description="この基準そのものが、変更契約も当初と同じ日付で判断すると言っているなら true（当初契約の締結日）")
    alternatives: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(
        default_factory=list, title="二者択一の日付", description="どちらか一方の日付で判断するとき、その2つの基準（例: 公告日又は指名通知日）")


class CertificateTerm(Term):
    issuer_kinds: list[IssuerKind] = Field(min_length=1, title="発行できる者", description="guarantor・insurer・bank")


class IssuerTerm(Term):
    kind: IssuerKind = Field(title="種類", description="guarantor = 保証事業会社、insurer = 損害保険会社、bank = 金融機関")


class ReasonTerm(Strict):
    """The wording of one reason code of the eligibility rule ({…} are filled in by the site)."""

    text: Text = Field(title="文", description="判定の理由の文。{name}（発注者名）などを埋め込める")


VocabKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


class Vocabulary(Strict):
    """data/vocabulary.yaml: every closed set, with labels and what the rules need."""

    model_config = ConfigDict(title="用語の一覧",
                              json_schema_extra={"description": "data/vocabulary.yaml: 各キーの日本語の表示名・説明・判定に使う性質"})

    orderer_kind: dict[OrdererKind, Term] = Field(title="団体の種類")
    date_basis: dict[VocabKey, DateBasisTerm] = Field(min_length=1, title="判断基準の日付")
    certificate_type: dict[VocabKey, CertificateTerm] = Field(min_length=1, title="保証の種類")
    issuer: dict[VocabKey, IssuerTerm] = Field(min_length=1, title="発行元")
    project_type: dict[VocabKey, Term] = Field(min_length=1, title="業種")
    procurement_method: dict[VocabKey, Term] = Field(min_length=1, title="契約方式")
    contract_stage: dict[Literal["initial", "change"], Term] = Field(title="契約の段階")
    submission_method: dict[VocabKey, Term] = Field(min_length=1, title="提出方法")
    printout_rule: dict[VocabKey, Term] = Field(min_length=1, title="印刷したものの扱い")
    document: dict[VocabKey, Term] = Field(min_length=1, title="書類")
    body_item: dict[VocabKey, Term] = Field(min_length=1, title="メール本文に書く事項")
    note_topic: dict[VocabKey, Term] = Field(min_length=1, title="注意事項の話題")
    status: dict[StatusKey, Term] = Field(title="状態")
    reason: dict[VocabKey, ReasonTerm] = Field(min_length=1, title="判定の理由")

    def keys(self, group: str) -> list[str]:
        return list(getattr(self, group))

    def label(self, group: str, key: str) -> str:
        return getattr(self, group)[key].label


#: Vocabulary groups whose keys the data files use (for schema enums and label lookups).
VOCABULARY_GROUPS: tuple[str, ...] = tuple(
    name for name in Vocabulary.model_fields if name != "reason")

#: Data files and their models, for schema generation and validation.
FILE_MODELS: dict[str, type[BaseModel]] = {
    "guidance": Guidance,
    "adopters": AdopterTable,
    "guarantors": GuarantorList,
    "vocabulary": Vocabulary,
    "usage": UsageTable,
}
