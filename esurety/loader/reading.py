"""Reading the guarantor's export: one encoding per file, strict values, Japanese messages with the place.

Every problem is an ``InputError`` naming the file and line (CSV, YAML) or record (JSON), never a
traceback; the CLI turns them into exit status 2. What is refused:

* bytes that are not valid in the file's encoding, or a file mixing encodings (UTF-8 lines beside
  Shift_JIS lines): each file is read in *one* encoding, the one given with ``--encoding`` or else
  the one detected (UTF-8 with or without BOM, else Shift_JIS/cp932), and a line that does not fit
  it is reported with its number;
* JSON or YAML nested deeper than a certificate ever is, CSV fields over ``MAX_FIELD_CHARS``;
* objects, lists or true/false where text belongs; NUL and other control characters in text;
* CSV rows with more fields than the header has columns, unknown columns, duplicate columns;
* a guaranteed amount above the contract amount, amounts that are not positive, periods that end
  before they start.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from esurety.kernel import jsondepth
from esurety.kernel.glossary import glossary
from lambda_verify.model import ELECTRONIC_TYPES, Certificate, ModelError
from lambda_verify.normalization import InvalidInput, guarantor_of, normalize_key, normalize_number

from .keypolicy import assess_key

__all__ = [
    "CERT_FIELDS",
    "VERSION_FIELDS",
    "Incoming",
    "InputError",
    "Record",
    "build_certificate",
    "decode",
    "read_export",
]

CERT_FIELDS = ("guarantee_number", "guarantor", "certificate_type", "access_key", "branch", "branch_phone",
               "branch_fax", "branch_address", "head_office_address", "representative", "cancelled_on",
               "cancel_reason")
VERSION_FIELDS = ("version", "issued_on", "contractor_name", "contractor_address", "jv_name", "orderer",
                  "work_name", "contract_amount", "guaranteed_amount", "guarantee_start", "guarantee_end",
                  "work_start", "work_end", "contract_date", "deposit_bank")
_DATE_FIELDS = {"issued_on", "guarantee_start", "guarantee_end", "work_start", "work_end", "contract_date",
                "cancelled_on"}
_AMOUNT_FIELDS = {"contract_amount", "guaranteed_amount"}
_REQUIRED_FIRST = ("issued_on", "contractor_name", "orderer", "work_name", "contract_amount", "guaranteed_amount",
                   "guarantee_end")
#: A text field of a certificate is a name, an address or a title: never anywhere near this long.
MAX_FIELD_CHARS = 4096
#: A certificate file nests four levels (file, certificates, versions, fields); this is ample.
MAX_DEPTH = 16
#: Largest amount accepted (yen): one quadrillion; anything above is a typo.
MAX_AMOUNT = 10**15
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "cp932": "cp932",
             "shift_jis": "cp932", "sjis": "cp932", "shift-jis": "cp932", "ms932": "cp932"}


class InputError(Exception):
    """One problem in the input, tied to where it is (file:line or file:record)."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass
class Record:
    """One certificate as read from a file, before validation: where, its fields, its versions."""

    where: str
    fields: dict[str, Any]
    versions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------------- bytes → text


def decode(path: Path, raw: bytes, encoding: str | None = None) -> str:
    """The file's text in one encoding: the one given, else UTF-8, else cp932; never a mixture."""
    if encoding is not None:
        codec = ENCODINGS.get(encoding.lower().replace("_", "-")) or ENCODINGS.get(encoding.lower())
        if codec is None:
            raise InputError(str(path), f"--encoding は utf-8 か cp932（Shift_JIS）です: {encoding!r}")
        return _decode_strict(path, raw, codec)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Not UTF-8 as a whole. If some lines with non-ASCII bytes are UTF-8 and others are not, the file
    # mixes encodings: refuse, naming the first line that does not fit the majority.
    utf8_lines, other_lines = [], []
    for number, line in enumerate(raw.splitlines(), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8-sig" if number == 1 else "utf-8")
            utf8_lines.append(number)
        except UnicodeDecodeError:
            other_lines.append(number)
    if utf8_lines:
        first = other_lines[0]
        raise InputError(f"{path}:{first}", "文字コードが混在しています（ほかの行は UTF-8 ですが、この行は UTF-8 ではありません）。"
                                            "ファイル全体を一つの文字コードで保存し直してください")
    return _decode_strict(path, raw, "cp932")


def _decode_strict(path: Path, raw: bytes, codec: str) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        label = "UTF-8" if codec.startswith("utf") else "Shift_JIS（cp932）"
        raise InputError(f"{path}:{line}", f"{label} として読めないバイト（0x{raw[exc.start]:02X}）があります。"
                                           "文字コードを確かめるか --encoding で指定してください") from None


def _control_chars(text: str) -> str | None:
    for ch in text:
        if unicodedata.category(ch) == "Cc":
            return f"U+{ord(ch):04X}"
    return None


def _depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of plain data, without recursion (so a deep file cannot crash the reader)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest




# ---------------------------------------------------------------------- files → records


def _read_yaml(path: Path, text: str) -> tuple[Any, dict[tuple, int]]:
    """Strict YAML (the project's own reader: no tabs, aliases or duplicate keys) with line numbers."""
    from esurety.data.yamlsource import read

    try:
        doc, problems = read(path, text)
    except RecursionError:
        raise InputError(str(path), f"入れ子が深すぎます（{MAX_DEPTH} 段まで）") from None
    if problems or doc is None:
        first = problems[0]
        raise InputError(f"{first.file}:{first.line}:{first.column}", first.message)
    if _depth(doc.data) > MAX_DEPTH:
        raise InputError(str(path), f"入れ子が深すぎます（{MAX_DEPTH} 段まで）")
    lines = {loc: pos[0] for loc, pos in doc.positions.items()}
    return doc.data, lines


def _records_from_tree(path: Path, data: Any, lines: dict[tuple, int]) -> tuple[bool | None, list[Record]]:
    demo = None
    items = data
    prefix: tuple = ()
    if isinstance(data, dict):
        unknown = set(data) - {"demo", "certificates"}
        if unknown:
            raise InputError(f"{path}", f"知らない項目です: {', '.join(sorted(unknown))}（demo と certificates だけ書けます）")
        demo = data.get("demo")
        if demo is not None and not isinstance(demo, bool):
            raise InputError(f"{path}", "demo は true か false です")
        items = data.get("certificates")
        prefix = ("certificates",)
    if not isinstance(items, list):
        raise InputError(f"{path}", "証書の一覧（certificates: のリスト）が見つかりません")

    def where(*loc: Any) -> str:
        full = prefix + tuple(loc)
        while full and full not in lines:
            full = full[:-1]
        line = lines.get(full)
        return f"{path}:{line}" if line else f"{path}:{'.'.join(map(str, prefix + tuple(loc)))}"

    records = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError(where(i), "証書は「項目: 値」の組で書いてください")
        unknown = set(item) - set(CERT_FIELDS) - {"versions"}
        if unknown:
            raise InputError(where(i), f"知らない項目です: {', '.join(sorted(unknown))}")
        versions = item.get("versions")
        if not isinstance(versions, list) or not versions:
            raise InputError(where(i), "versions（新規と変更の一覧）が必要です")
        rec = Record(where(i), {k: item.get(k) for k in CERT_FIELDS})
        for j, v in enumerate(versions):
            if not isinstance(v, dict):
                raise InputError(where(i, "versions", j), "版は「項目: 値」の組で書いてください")
            unknown = set(v) - set(VERSION_FIELDS)
            if unknown:
                raise InputError(where(i, "versions", j), f"知らない項目です: {', '.join(sorted(unknown))}")
            rec.versions.append((where(i, "versions", j), dict(v, version=v.get("version", j))))
        records.append(rec)
    return demo, records




def _read_csv(path: Path, text: str) -> list[Record]:
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        return _csv_records(path, text)
    except csv.Error as exc:
        raise InputError(f"{path}", f"CSV として読めません（{exc}; 1 項目 {MAX_FIELD_CHARS} 文字まで）") from None
    finally:
        csv.field_size_limit(limit)


def _csv_records(path: Path, text: str) -> list[Record]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path}:1", "CSV が空です") from None
    columns = [c.strip() for c in header]
    where_header = f"{path}:1"
    if any(not c for c in columns):
        raise InputError(where_header, "名前のない列があります")
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if doubled:
        raise InputError(where_header, f"同じ名前の列が二つ以上あります: {', '.join(doubled)}")
    unknown = [c for c in columns if c not in CERT_FIELDS and c not in VERSION_FIELDS]
    if unknown:
        raise InputError(where_header, f"知らない列です: {', '.join(unknown)}"
                                       f"（使える列: {', '.join(CERT_FIELDS + VERSION_FIELDS)}）")
    for needed in ("guarantee_number", "version"):
        if needed not in columns:
            raise InputError(where_header, f"{needed} の列が必要です")
    records: dict[str, Record] = {}
    for values in reader:
        where = f"{path}:{reader.line_num}"
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(columns):
            raise InputError(where, f"列が多すぎます（見出しは {len(columns)} 列、この行は {len(values)} 列）")
        row = dict(zip(columns, values + [""] * (len(columns) - len(values)), strict=True))
        for name, value in row.items():
            bad = _control_chars(value)
            if bad:
                raise InputError(where, f"{name}: 使えない制御文字（{bad}）が含まれています")
        try:
            number = normalize_number(row.get("guarantee_number"))
        except InvalidInput as exc:
            raise InputError(where, exc.errors[0].message) from None
        rec = records.get(number)
        if rec is None:
            rec = records[number] = Record(where, {k: row.get(k) for k in CERT_FIELDS})
        else:
            for k in CERT_FIELDS:  # certificate columns may repeat on every row, but must agree
                if not _blank(row.get(k)) and _blank(rec.fields.get(k)):
                    rec.fields[k] = row.get(k)
                elif not _blank(row.get(k)) and str(row.get(k)).strip() != str(rec.fields.get(k)).strip() \
                        and k != "guarantee_number":
                    raise InputError(where, f"{k} が同じ保証契約番号の前の行と違います")
        rec.versions.append((where, {k: row.get(k) for k in VERSION_FIELDS}))
    return list(records.values())


def read_export(path: Path, encoding: str | None = None) -> tuple[bool | None, list[Record]]:
    """Records from a YAML, JSON or CSV file (chosen by extension); ``demo`` as the file declares it."""
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json", ".csv"):
        raise InputError(str(path), "対応する形式は .yaml / .yml / .json / .csv です")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "ファイルがありません") from None
    except OSError as exc:
        raise InputError(str(path), f"読めません（{exc.strerror}）") from None
    text = decode(path, raw, encoding)
    if suffix in (".yaml", ".yml"):
        data, lines = _read_yaml(path, text)
        return _records_from_tree(path, data, lines)
    if suffix == ".json":
        if jsondepth.too_deep(text, MAX_DEPTH):
            raise InputError(str(path), f"入れ子が深すぎます（{MAX_DEPTH} 段まで）")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise InputError(str(path), f"JSON として読めません（{exc}）") from None
        return _records_from_tree(path, data, {})
    return None, _read_csv(path, text)


# ---------------------------------------------------------------------- values

def _parse_date(value: Any, where: str, name: str) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise InputError(where, f"{name}: 日付として読めません: {type(value).__name__}")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text) or re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            pass
    else:
        from esurety.kernel.wareki import parse_wareki

        day = parse_wareki(text)
        if day and re.search(r"日\s*$|\.\d{1,2}\.\d{1,2}\s*$", text):
            return day.isoformat()
    raise InputError(where, f"{name}: 日付として読めません: {value!r}（例: 2026-04-01 または 令和8年4月1日）")


def _parse_amount(value: Any, where: str, name: str) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise InputError(where, f"{name}: 金額ではありません: {value!r}")
    if isinstance(value, int):
        if not 0 < value <= MAX_AMOUNT:
            raise InputError(where, f"{name}: 金額は 1 円以上 {MAX_AMOUNT:,} 円以下です: {value!r}")
        return value
    if not isinstance(value, str):
        raise InputError(where, f"{name}: 金額ではありません: {type(value).__name__}")
    text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace("円", "").replace(" ", "")
    if re.fullmatch(r"\d{1,16}", text) and 0 < int(text) <= MAX_AMOUNT:
        return int(text)
    raise InputError(where, f"{name}: 金額（円）として読めません: {value!r}")


def _text(value: Any, where: str = "", name: str = "") -> str | None:
    """A text field: text (or a plain number, as YAML reads a telephone number), no control characters."""
    if _blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(where, f"{name}: 文字で書いてください（{type(value).__name__} は使えません）")
    text = value.strip() if isinstance(value, str) else str(value)
    if len(text) > MAX_FIELD_CHARS:
        raise InputError(where, f"{name}: 長すぎます（{MAX_FIELD_CHARS} 文字まで）")
    bad = _control_chars(text)
    if bad:
        raise InputError(where, f"{name}: 使えない制御文字（{bad}）が含まれています")
    return text




@dataclass
class Incoming:
    """A validated certificate from the export and the key that came with it (canonical, or None)."""

    where: str
    certificate: Certificate
    access_key: str | None


def build_certificate(rec: Record, *, demo: bool, vocabulary: dict[str, dict[str, str]],
                      accept_issued_keys: bool = False) -> Incoming:
    """Turn one record into a model Certificate: parse values, carry fields over from version to version."""
    f = rec.fields
    try:
        number = normalize_number(_text(f.get("guarantee_number"), rec.where, "guarantee_number"))
    except InvalidInput as exc:
        raise InputError(rec.where, f"guarantee_number: {exc.errors[0].message}") from None
    guarantor = _text(f.get("guarantor"), rec.where, "guarantor")
    known = glossary().guarantors
    if guarantor not in known:
        raise InputError(rec.where, f"guarantor は {' / '.join(known)} のいずれかです: {guarantor!r}")
    company = known[guarantor]
    if not company.number_groups:
        raise InputError(rec.where, f"{company.short_name}の保証契約番号の形式にはまだ対応していません")
    if guarantor_of(number) != guarantor:
        raise InputError(rec.where, f"保証契約番号 {number} は {guarantor} の番号の形式ではありません")
    ctype = _text(f.get("certificate_type"), rec.where, "certificate_type")
    labels = vocabulary.get("certificate_type", {})
    if ctype not in ELECTRONIC_TYPES:
        raise InputError(rec.where, f"certificate_type は {' / '.join(ELECTRONIC_TYPES)} のいずれかです: {ctype!r}")
    key = None
    if not _blank(f.get("access_key")):
        raw_key = f.get("access_key")
        if not isinstance(raw_key, str):
            raise InputError(rec.where, "access_key: 文字で書いてください（数字だけのキーは引用符で囲みます）")
        try:
            key = normalize_key(raw_key)
        except InvalidInput as exc:
            raise InputError(rec.where, f"access_key: {exc.errors[0].message}") from None
        verdict = assess_key(key)
        if not verdict.ok and not accept_issued_keys:
            raise InputError(rec.where, f"access_key: 弱い認証キーです — {verdict.reason}。保証事業会社が発行したキーを"
                                        "そのまま登録する場合に限り --accept-issued-keys を付けてください")

    versions: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    ordered = sorted(rec.versions, key=lambda wv: _seq(wv[1].get("version"), wv[0]))
    for i, (where, raw) in enumerate(ordered):
        seq = _seq(raw.get("version"), where)
        if seq != i:
            raise InputError(where, f"version は 0（新規）から順に 1, 2, … です（{i} が必要なところに {seq}）")
        values: dict[str, Any] = {}
        for name in VERSION_FIELDS[1:]:
            value = raw.get(name)
            if name in _DATE_FIELDS:
                value = _parse_date(value, where, name)
            elif name in _AMOUNT_FIELDS:
                value = _parse_amount(value, where, name)
            else:
                value = _text(value, where, name)
            if value is not None:
                values[name] = value
        if "issued_on" not in values:
            raise InputError(where, "issued_on（証書発行日）は新規にも変更にも必要です")
        current = {**current, **values}
        _check_amounts_and_periods(current, where)
        if i == 0:
            missing = [n for n in _REQUIRED_FIRST if n not in current]
            if missing:
                raise InputError(where, f"新規に必要な項目がありません: {', '.join(missing)}")
        versions.append(_version_dict(i, current))
    cancelled_on = _parse_date(f.get("cancelled_on"), rec.where, "cancelled_on")
    if cancelled_on is None and not _blank(f.get("cancel_reason")):
        raise InputError(rec.where, "cancel_reason だけでは解約になりません。cancelled_on（解約日）を書いてください")
    # The certificate's fixed wording is the guarantor's (data/guarantors.yaml, through the glossary).
    wording = company.certificate
    document = {
        "guarantee_number": number,
        "certificate_type": ctype,
        "certificate_type_label": _label(labels.get(ctype), ctype),
        "guarantor": {
            "id": guarantor,
            "name": _label(vocabulary.get("guarantor", {}).get(guarantor), company.name),
            "branch": _text(f.get("branch"), rec.where, "branch"),
            "phone": _text(f.get("branch_phone"), rec.where, "branch_phone"),
            "fax": _text(f.get("branch_fax"), rec.where, "branch_fax"),
            "address": _text(f.get("branch_address"), rec.where, "branch_address"),
            "head_office_address": _text(f.get("head_office_address"), rec.where, "head_office_address")
            or (wording.head_office_address if wording else None),
            "representative": _text(f.get("representative"), rec.where, "representative"),
        },
        "versions": versions,
        "cancellation": {"on": cancelled_on, "reason": _text(f.get("cancel_reason"), rec.where, "cancel_reason")} if cancelled_on else None,
        "demo": demo,
        "statement": wording.statements.get(ctype) if wording else None,
        "notes": list(wording.notes) if wording else [],
        "terms_text": wording.terms_text if wording else None,
        "terms_url": wording.terms_url if wording else None,
    }
    try:
        certificate = Certificate.from_dict(document)
    except ModelError as exc:
        raise InputError(rec.where, str(exc)) from None
    return Incoming(rec.where, certificate, key)


def _seq(value: Any, where: str) -> int:
    """The version number: 0 / 新規 for the first issue, n / 変更n for the n-th change."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if text == "新規":
        return 0
    m = re.fullmatch(r"(?:変更)?\s*(\d+)", text)
    if m:
        return int(m[1])
    raise InputError(where, f"version（0 または 新規、1 または 変更1 …）が読めません: {value!r}")


def _version_dict(seq: int, v: dict[str, Any]) -> dict[str, Any]:
    work = None
    if v.get("work_end"):
        work = {"start": v.get("work_start"), "end": v["work_end"]}
    return {
        "seq": seq,
        "issued_on": v["issued_on"],
        "contractor": {"name": v.get("contractor_name"), "address": v.get("contractor_address"),
                       "jv_name": v.get("jv_name")},
        "orderer": v.get("orderer"),
        "work_name": v.get("work_name"),
        "contract_amount": v.get("contract_amount"),
        "guaranteed_amount": v.get("guaranteed_amount"),
        "guarantee_period": {"start": v.get("guarantee_start"), "end": v.get("guarantee_end")},
        "work_period": work,
        "contract_date": v.get("contract_date"),
        "deposit_bank": v.get("deposit_bank"),
    }




def _label(entry: Any, fallback: str) -> str:
    """A vocabulary entry's Japanese label (entries are text, or mappings with ``label``)."""
    if isinstance(entry, dict):
        entry = entry.get("label")
    return entry if isinstance(entry, str) and entry else fallback


def _check_amounts_and_periods(v: dict[str, Any], where: str) -> None:
    contract, guaranteed = v.get("contract_amount"), v.get("guaranteed_amount")
    if contract is not None and guaranteed is not None and guaranteed > contract:
        raise InputError(where, f"guaranteed_amount（保証金額 {guaranteed:,} 円）が contract_amount（請負金額 "
                                f"{contract:,} 円）を超えています")
    for start, end, label in (("guarantee_start", "guarantee_end", "保証期間"), ("work_start", "work_end", "工期")):
        if v.get(start) and v.get(end) and v[start] > v[end]:
            raise InputError(where, f"{label}の終わり（{end}: {v[end]}）が始まり（{start}: {v[start]}）より前です")
