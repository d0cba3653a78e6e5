"""The data model: what an orderer's guidance, an adopter row and a guarantor are.

One source of truth: the build validates with these classes, `make check` reports their errors,
and the JSON Schemas under schemas/ are generated from them (scripts/gen_schemas.py). Every closed
set of values is a ``Literal`` whose keys have their Japanese labels in data/vocabulary.yaml.
Variation between orderers is expressed as data (lists of rules, free notes with sources), never
as new code. Titles and descriptions are Japanese because editors show them to guarantor staff
while they type.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

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
#: The 47 prefectures by their official names, in code order; `make check` verifies this list
#: against data/local_governments.json. A Literal so that editors offer the names while typing.
PrefectureName = Literal[
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
]

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


def _only_dates(value: Any) -> Any:
    """Refuse numbers and true/false: pydantic would read 20260401 as seconds since 1970."""
    if isinstance(value, (bool, int, float)):
        raise PydanticCustomError("date_type", "Input should be a valid date")
    return value


Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60,
                            description="URL に使う英小文字・数字・ハイフンの名前（例: taketa）", examples=["taketa"])]
SourceId = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60,
                                description="資料ID: 英小文字・数字・ハイフン（例: wjcs-saga-2026）", examples=["wjcs-saga-2026"])]
Kana = Annotated[str, Field(pattern=r"^[ぁ-ゖー・ 　]+$", max_length=80, description="ひらがなのよみ（例: たけたし）",
                            examples=["たけたし"])]
LgCode = Annotated[str, Field(pattern=r"^\d{6}$", description="全国地方公共団体コード（6桁、検査数字を含む）。引用符で囲んで書く（例: \"442089\"）",
                              examples=["442089"])]
YearMonth = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="開始年月を西暦の 年-月 で（例: 2026-04）",
                                 examples=["2026-04"])]
Date = Annotated[dt.date, BeforeValidator(_only_dates),
                 Field(description="西暦の 年-月-日 で書く（例: 2026-04-01）。和暦は使えません", examples=["2026-04-01"])]
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


class Strict(BaseModel):
    """Unknown fields are errors: a misspelt key must not silently drop a rule."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Source(Strict):
    """A public document a fact was taken from."""

    model_config = ConfigDict(title="出典", json_schema_extra={"description": "情報の出典となった公開資料"})

    title: ShortText = Field(title="資料名", description="資料の題名（例: 電子保証のご案内）")
    publisher: ShortText | None = Field(default=None, title="発行者", description="資料を出した会社・団体")
    date: Date | None = Field(default=None, title="資料の日付", description="資料の日付を 2026-04-01 の形式で（わからなければ書かない）")
    url: Url | None = Field(default=None, title="URL", description="資料の URL（https:// で始まる）")
    note: Text | None = Field(default=None, title="メモ", description="資料についての補足（例: 資料に発行日の記載なし）")


class Start(Strict):
    """When e-surety starts and which date of a project decides whether it is in."""

    model_config = ConfigDict(title="開始日と判断基準",
                              json_schema_extra={"description": "電子保証を始める日と、案件が対象かどうかを決める日付"})

    date: Date = Field(title="開始日", description="開始日を西暦の 年-月-日 で（例: 2026-04-01）。和暦は使えません")
    basis: DateBasis = Field(title="判断基準", description="どの日付で対象かを判断するか（例: contract_conclusion = 契約締結日）")
    trial: bool = Field(default=False, title="試行", description="試行として始まる場合は true")
    wording: Text | None = Field(default=None, title="資料の文言", description="開始日・対象について資料の文言そのまま")


class Scope(Strict):
    """Which projects are covered."""

    model_config = ConfigDict(title="対象案件", json_schema_extra={"description": "電子保証の対象となる案件"})

    project_types: list[ProjectType] = Field(min_length=1, title="対象業種",
                                             description="対象の業種（construction = 工事、consulting = 建設コンサルタント業務 など）")
    wording: Text | None = Field(default=None, title="資料の文言", description="対象について資料の文言そのまま")
    departments: Text | None = Field(default=None, title="発注課の限定", description="発注課などの限定があれば")
    procurement_methods: list[ProcurementMethod] = Field(default_factory=list, title="対象の契約方式",
                                                         description="契約方式の限定があれば、その方式")
    excluded_procurement_methods: list[ProcurementMethod] = Field(default_factory=list, title="対象外の契約方式",
                                                                  description="対象外となる契約方式があれば")
    exclusions: list[Text] = Field(default_factory=list, title="対象外の案件", description="対象外となる案件（資料の文言）")


class Certificates(Strict):
    """Which certificates may be electronic."""

    model_config = ConfigDict(title="対象の保証証書",
                              json_schema_extra={"description": "電子保証の対象になる保証証書と、ならない保証証書"})

    covered: list[CertificateType] = Field(min_length=1, title="対象",
                                           description="電子保証の対象になる保証（契約保証予約 contract_reservation は書けません）")
    excluded: list[CertificateType] = Field(default_factory=list, title="対象外", description="対象外の保証")

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

    model_config = ConfigDict(title="認証キー等の提出方法",
                              json_schema_extra={"description": "どの保証証書について、どの方法で、どこへ提出するか"})

    certificates: list[CertificateType] = Field(min_length=1, title="対象の保証", description="この提出方法が当てはまる保証")
    contract_stages: list[ContractStage] = Field(default_factory=lambda: ["initial", "change"], title="契約の段階",
                                                 description="当初契約 initial・変更契約 change（書かなければ両方）")
    methods: list[SubmissionMethod] = Field(min_length=1, title="提出方法",
                                            description="提出方法（資料に書かれていなければ unspecified）")
    recipient: ShortText | None = Field(default=None, title="提出先", description="提出先の部署")
    email: Email | None = Field(default=None, title="提出先メールアドレス", description="メールアドレス（「mailto:」は付けない）")
    address_note: Text | None = Field(default=None, title="送付先の確かめ方", description="送付先の確かめ方など")
    url: Url | None = Field(default=None, title="提出先 URL", description="ウェブフォーム・電子契約システムの URL")
    subject_format: ShortText | None = Field(default=None, title="メール件名の書式", description="メール件名の書式")
    printout: PrintoutRule = Field(default="unspecified", title="印刷したものの扱い",
                                   description="電子証書を印刷したものの扱い（書かなければ unspecified）")
    documents: list[DocumentKind] = Field(default_factory=lambda: ["key_notice"], title="提出する書類",
                                          description="提出する書類（書かなければ key_notice = 認証キー等のお知らせ）")
    wording: Text | None = Field(default=None, title="資料の文言", description="提出方法について資料の文言そのまま")
    note: Text | None = Field(default=None, title="補足", description="補足")


class Rule(Strict):
    """A titled rule in free text, for variations that have no field of their own."""

    model_config = ConfigDict(title="決まり", json_schema_extra={"description": "専用の項目がない決まり（見出しと本文）"})

    title: ShortText = Field(title="見出し")
    text: Text = Field(title="本文")


class Contact(Strict):
    """Where contractors ask."""

    model_config = ConfigDict(title="問い合わせ先", json_schema_extra={"description": "問い合わせ先の部署と連絡方法"})

    name: ShortText = Field(title="部署名", description="部署名（例: 契約検査室）")
    organization: ShortText | None = Field(default=None, title="団体名", description="団体名（例: 竹田市）")
    phone: Phone | None = Field(default=None, title="電話番号")
    email: Email | None = Field(default=None, title="メールアドレス")
    url: Url | None = Field(default=None, title="URL")
    hours: ShortText | None = Field(default=None, title="受付時間", description="受付時間（例: 平日 8:30〜17:15）")
    note: Text | None = Field(default=None, title="補足")


class EContract(Strict):
    """The orderer's own electronic contract system, where it runs one (鳥栖市: GMOサイン)."""

    model_config = ConfigDict(title="電子契約", json_schema_extra={"description": "発注者が電子契約システムを使う場合の決まり"})

    system: ShortText = Field(title="システム名", description="電子契約システムの名前（例: GMOサイン）")
    applies_from: Date | None = Field(default=None, title="適用開始日", description="電子契約の開始日（例: 2026-04-01）")
    basis: DateBasis | None = Field(default=None, title="判断基準", description="どの日付で対象かを判断するか")
    wording: Text | None = Field(default=None, title="資料の文言")
    scope: Text | None = Field(default=None, title="対象", description="電子契約の対象（資料の文言）")
    consent_form: ShortText | None = Field(default=None, title="承諾書", description="利用承諾書の名前")
    signing_deadline: Text | None = Field(default=None, title="署名の期限")
    back_dating: Text | None = Field(default=None, title="日付の扱い", description="契約日の扱い（遡りなど）")
    change_contracts: Text | None = Field(default=None, title="変更契約", description="変更契約の扱い")
    rules: list[Rule] = Field(default_factory=list, title="その他の決まり")
    contacts: list[Contact] = Field(default_factory=list, title="問い合わせ先")


class FaqEntry(Strict):
    """A question and answer as the orderer or guarantor published it."""

    model_config = ConfigDict(title="よくある質問", json_schema_extra={"description": "質問と回答（資料の文言）"})

    question: Text = Field(title="質問")
    answer: Text = Field(title="回答")


class Note(Strict):
    """A fact worth telling that has no field of its own."""

    model_config = ConfigDict(title="注意事項", json_schema_extra={"description": "専用の項目がない注意事項"})

    text: Text = Field(title="本文")
    source: ShortText | None = Field(default=None, title="出典", description="出典（資料名）")


class Guidance(Strict):
    """One orderer's detailed guidance (one file in content/municipalities/)."""

    model_config = ConfigDict(
        title="発注者ごとの電子保証の案内",
        json_schema_extra={"description": "content/municipalities/<slug>.yaml: 1つの発注者の電子保証の案内。"
                                          "資料で確かめた事実だけを書き、確かめられなかった点は unconfirmed に書く"},
    )

    slug: Slug = Field(title="slug（ページ名）", description="URL とファイル名に使う英小文字・数字・ハイフン（ファイル名 <slug>.yaml と同じ）")
    name: ShortText = Field(title="団体名", description="発注者の正式名（例: 竹田市）", examples=["竹田市"])
    reading: Kana = Field(title="よみ", description="団体名のよみ（ひらがな）")
    prefecture: Prefecture | None = Field(default=None, title="都道府県",
                                          description="都道府県名を正式名で（国・独立行政法人等は書かない）")
    kind: OrdererKind = Field(title="団体の種類", description="団体の種類（city = 市、town = 町 など）")
    lg_code: LgCode | None = Field(default=None, title="団体コード",
                                   description="全国地方公共団体コード（6桁）を引用符で囲んで（例: \"442089\"）")
    guarantors: list[GuarantorId] = Field(min_length=1, title="保証事業会社",
                                          description="電子保証を扱う保証事業会社（wjcs / ejcs / hokkaido）")
    start: Start = Field(title="開始日と判断基準")
    scope: Scope = Field(title="対象案件")
    certificates: Certificates = Field(title="対象の保証証書")
    submissions: list[Submission] = Field(min_length=1, title="認証キー等の提出方法",
                                          description="提出方法（対象の保証ごとに、少なくとも1つ）")
    paper_documents: list[DocumentKind] = Field(default_factory=list, title="紙のまま残る書類")
    electronic_documents: list[DocumentKind] = Field(default_factory=list, title="電子化される書類")
    notes: list[Note] = Field(default_factory=list, title="注意事項")
    e_contract: EContract | None = Field(default=None, title="電子契約", description="発注者の電子契約システム（あれば）")
    contacts: list[Contact] = Field(default_factory=list, title="問い合わせ先")
    faq: list[FaqEntry] = Field(default_factory=list, title="よくある質問")
    sources: list[Source] = Field(min_length=1, title="出典", description="この案内の出典（少なくとも1つ）")
    unconfirmed: list[Text] = Field(default_factory=list, title="未確認の点", description="資料で確かめられなかった点")

    @field_validator("submissions")
    @classmethod
    def _submissions_cover_certificates(cls, value: list[Submission], info: ValidationInfo) -> list[Submission]:
        """A field validator (not a model one) so that the error points at submissions, not the file."""
        certificates = info.data.get("certificates")
        if certificates is None:
            return value
        missing = [c for c in certificates.covered if not any(c in s.certificates for s in value)]
        if missing:
            raise ValueError(f"certificates.covered にある {', '.join(missing)} の提出方法が submissions にありません。"
                             "資料に書かれていなければ methods: [unspecified] として書き、unconfirmed にも書いてください。")
        return value

    @property
    def start_month(self) -> str:
        return f"{self.start.date.year:04d}-{self.start.date.month:02d}"


class Adopter(Strict):
    """One row of the adopter table."""

    model_config = ConfigDict(title="採用団体", json_schema_extra={"description": "採用団体一覧の1行（1つの発注者）"})

    name: ShortText = Field(title="団体名", description="発注者の正式名（例: 竹田市）")
    reading: Kana | None = Field(default=None, title="よみ", description="団体名のよみ（ひらがな）")
    prefecture: Prefecture | None = Field(default=None, title="都道府県",
                                          description="都道府県名を正式名で（国・独立行政法人等は書かない）")
    kind: OrdererKind = Field(title="団体の種類", description="団体の種類（city = 市、town = 町 など）")
    capital: bool = Field(default=False, title="県庁所在地", description="都道府県庁所在地なら true")
    lg_code: LgCode | None = Field(default=None, title="団体コード", description="全国地方公共団体コード（6桁）を引用符で囲んで")
    start: YearMonth | None = Field(default=None, title="開始年月", description="開始年月を 2026-04 の形式で（資料にない場合は書かない）")
    guarantors: list[GuarantorId] = Field(min_length=1, title="保証事業会社", description="wjcs / ejcs / hokkaido")
    page: Slug | None = Field(default=None, title="案内ページ", description="案内ページがある場合、その slug（content/municipalities/<slug>.yaml）")
    source: SourceId = Field(title="出典ID", description="このファイルの sources に書いた資料ID")
    confirmed: bool = Field(default=True, title="確認済み", description="資料で確かめられていなければ false")
    note: Text | None = Field(default=None, title="補足")


class AdopterTable(Strict):
    """data/adopters.yaml."""

    model_config = ConfigDict(title="採用団体一覧",
                              json_schema_extra={"description": "data/adopters.yaml: 電子保証を採用した発注者の一覧"})

    as_of: Date = Field(title="時点", description="一覧の時点（例: 2026-02-02）")
    sources: dict[SourceId, Source] = Field(min_length=1, title="出典",
                                       description="資料ID（英小文字・数字・ハイフン）ごとの出典。各行の source で参照する")
    adopters: list[Adopter] = Field(min_length=1, title="採用団体")


class Guarantor(Strict):
    """One construction surety company."""

    model_config = ConfigDict(title="保証事業会社", json_schema_extra={"description": "保証事業会社とそのオンラインサービス"})

    id: GuarantorId = Field(title="ID", description="wjcs / ejcs / hokkaido")
    name: ShortText = Field(title="会社名", description="正式名（例: 西日本建設業保証株式会社）")
    short_name: ShortText = Field(title="略称")
    service: ShortText | None = Field(default=None, title="申込サービス", description="保証申込のオンラインサービス名（例: e-Net保証）")
    url: Url | None = Field(default=None, title="URL")
    lookup_service: ShortText | None = Field(default=None, title="確認サービス", description="発注者が電子証書を確かめるサービス名")
    number_format: ShortText | None = Field(default=None, title="保証契約番号の形式")
    key_notice_name: ShortText | None = Field(
        default=None, title="認証キーのお知らせの名称",
        description="この会社が発行する認証キーのお知らせ（PDF）の名称。会社ごとに名称が違うため。")
    guide_page: Slug | None = Field(default=None, title="申込の案内ページ", description="content/pages の slug")
    sources: list[Source] = Field(default_factory=list, title="出典")


class GuarantorList(Strict):
    """data/guarantors.yaml."""

    model_config = ConfigDict(title="保証事業会社の一覧", json_schema_extra={"description": "data/guarantors.yaml: 保証事業会社の一覧"})

    guarantors: list[Guarantor] = Field(min_length=1, title="保証事業会社")


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


class Vocabulary(BaseModel):
    """data/vocabulary.yaml: the Japanese label of every key."""

    model_config = ConfigDict(extra="forbid", title="表示名の一覧",
                              json_schema_extra={"description": "data/vocabulary.yaml: 各キーの日本語の表示名（ページに表示される）"})

    orderer_kind: dict[OrdererKind, ShortText] = Field(title="団体の種類")
    date_basis: dict[DateBasis, ShortText] = Field(title="判断基準の日付")
    certificate_type: dict[CertificateType, ShortText] = Field(title="保証の種類")
    project_type: dict[ProjectType, ShortText] = Field(title="業種")
    procurement_method: dict[ProcurementMethod, ShortText] = Field(title="契約方式")
    contract_stage: dict[ContractStage, ShortText] = Field(title="契約の段階")
    submission_method: dict[SubmissionMethod, ShortText] = Field(title="提出方法")
    printout_rule: dict[PrintoutRule, ShortText] = Field(title="印刷したものの扱い")
    document: dict[DocumentKind, ShortText] = Field(title="書類")
    guarantor: dict[GuarantorId, ShortText] = Field(title="保証事業会社")
    status: dict[Literal["active", "upcoming"], ShortText] = Field(title="状態")


#: Data files and their models, for schema generation and validation.
FILE_MODELS: dict[str, type[BaseModel]] = {
    "guidance": Guidance,
    "adopters": AdopterTable,
    "guarantors": GuarantorList,
    "vocabulary": Vocabulary,
    "usage": UsageTable,
}
