"""Load certificates from the guarantor's export into the lookup's store, and write their key notices.

    python -m scripts.load_certificates export.yaml            # or .csv / .json
    python -m scripts.load_certificates export.csv --dry-run   # show what would change, write nothing

Input (YAML / JSON: a list, or ``{demo: …, certificates: [...]}``; CSV: one row per version):

* per certificate: ``guarantee_number``, ``guarantor`` (wjcs / ejcs), ``certificate_type``
  (advance_payment / interim_advance_payment / contract_performance), optional ``access_key`` (a key
  already issued; without one a key is generated), ``branch``, ``branch_phone``, ``branch_fax``,
  ``branch_address``, and for a cancelled certificate ``cancelled_on`` and ``cancel_reason``;
* per version (YAML/JSON: ``versions: [...]``; CSV: the ``version`` column, 0 = 新規): ``issued_on``,
  ``contractor_name``, ``contractor_address``, ``jv_name``, ``orderer``, ``work_name``,
  ``contract_amount``, ``guaranteed_amount``, ``guarantee_start``, ``guarantee_end``, ``work_start``,
  ``work_end``, ``contract_date``, ``deposit_bank``. A change (変更) lists what changed and its own
  ``issued_on``; everything else is carried over from the version before.

Rules: a second run with the same file changes nothing. New versions and a new cancellation are
added to a stored certificate; anything else that differs is refused unless ``--overwrite``, and a
different key unless ``--rotate-key``. Nothing is written when any certificate is refused or
invalid. Keys are stored only as hashes, so a notice is written only when a key is known to this
run: a new certificate, or a rotated key. Exit status: 0 done, 1 refused, 2 invalid input, 3 store
unavailable.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "plugins") not in sys.path:
    sys.path.insert(0, str(ROOT / "plugins"))

from lambda_verify.clock import iso_utc  # noqa: E402
from lambda_verify.config import Settings  # noqa: E402
from lambda_verify.keys import generate_key, hash_key, keys_match  # noqa: E402
from lambda_verify.model import Certificate, ModelError  # noqa: E402
from lambda_verify.normalization import InvalidInput, guarantor_of, normalize_key, normalize_number  # noqa: E402
from lambda_verify.stores import CertificateStore, StoreConflict, StoredCertificate, StoreUnavailable  # noqa: E402

logger = logging.getLogger(__name__)

VOCABULARY = ROOT / "data" / "vocabulary.yaml"
STYLESHEET = ROOT / "theme" / "static" / "css" / "certificate.css"
DEFAULT_NOTICES = ROOT / "var" / "notices"
DEMO_SITE_URL = "http://127.0.0.1:8000"

CERT_FIELDS = ("guarantee_number", "guarantor", "certificate_type", "access_key", "branch", "branch_phone",
               "branch_fax", "branch_address", "cancelled_on", "cancel_reason")
VERSION_FIELDS = ("version", "issued_on", "contractor_name", "contractor_address", "jv_name", "orderer",
                  "work_name", "contract_amount", "guaranteed_amount", "guarantee_start", "guarantee_end",
                  "work_start", "work_end", "contract_date", "deposit_bank")
_DATE_FIELDS = {"issued_on", "guarantee_start", "guarantee_end", "work_start", "work_end", "contract_date",
                "cancelled_on"}
_AMOUNT_FIELDS = {"contract_amount", "guaranteed_amount"}
_REQUIRED_FIRST = ("issued_on", "contractor_name", "orderer", "work_name", "contract_amount", "guaranteed_amount",
                   "guarantee_end")

EXIT_OK, EXIT_REFUSED, EXIT_INVALID, EXIT_UNAVAILABLE = 0, 1, 2, 3


class InputError(Exception):
    """One problem in the input, tied to where it is (file:line or file:record)."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


# ---------------------------------------------------------------------- reading the export


@dataclass
class Record:
    """One certificate as read from a file, before validation: where, its fields, its versions."""

    where: str
    fields: dict[str, Any]
    versions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_yaml(path: Path) -> tuple[Any, dict[tuple, int]]:
    """Strict YAML (the project's own reader: no tabs, aliases or duplicate keys) with line numbers."""
    from esurety.errors import DataError
    from esurety.yamlsource import read

    doc, problems = read(path)
    if problems or doc is None:
        first: DataError = problems[0]
        raise InputError(f"{first.file}:{first.line}:{first.column}", first.message)
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


def _read_csv(path: Path) -> list[Record]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp932")  # exports from Japanese office software are often Shift_JIS
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    unknown = set(columns) - set(CERT_FIELDS) - set(VERSION_FIELDS)
    if unknown:
        raise InputError(f"{path}:1", f"知らない列です: {', '.join(sorted(unknown))}")
    for needed in ("guarantee_number", "version"):
        if needed not in columns:
            raise InputError(f"{path}:1", f"{needed} の列が必要です")
    records: dict[str, Record] = {}
    for row in reader:
        row = {(k or "").strip(): v for k, v in row.items()}
        where = f"{path}:{reader.line_num}"
        number_text = row.get("guarantee_number")
        try:
            number = normalize_number(number_text)
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


def read_export(path: Path) -> tuple[bool | None, list[Record]]:
    """Records from a YAML, JSON or CSV file (chosen by extension); ``demo`` as the file declares it."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(str(path), "ファイルがありません")
    if suffix in (".yaml", ".yml"):
        data, lines = _read_yaml(path)
        return _records_from_tree(path, data, lines)
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except ValueError as exc:
            raise InputError(str(path), f"JSON として読めません（{exc}）") from None
        return _records_from_tree(path, data, {})
    if suffix == ".csv":
        return None, _read_csv(path)
    raise InputError(str(path), "対応する形式は .yaml / .yml / .json / .csv です")


# ---------------------------------------------------------------------- values


def _parse_date(value: Any, where: str, name: str) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text) or re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            pass
    else:
        from esurety.wareki import parse_wareki

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
        return value
    text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace("円", "").replace(" ", "")
    if re.fullmatch(r"\d+", text):
        return int(text)
    raise InputError(where, f"{name}: 金額（円）として読めません: {value!r}")


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    return unicodedata.normalize("NFKC", str(value)).strip() if not isinstance(value, str) else value.strip()


def _vocabulary() -> dict[str, dict[str, str]]:
    from esurety.yamlsource import load

    return load(VOCABULARY).data


@dataclass
class Incoming:
    """A validated certificate from the export and the key that came with it (canonical, or None)."""

    where: str
    certificate: Certificate
    access_key: str | None


def build_certificate(rec: Record, *, demo: bool, vocabulary: dict[str, dict[str, str]]) -> Incoming:
    """Turn one record into a model Certificate: parse values, carry fields over from version to version."""
    f = rec.fields
    try:
        number = normalize_number(_text(f.get("guarantee_number")))
    except InvalidInput as exc:
        raise InputError(rec.where, f"guarantee_number: {exc.errors[0].message}") from None
    guarantor = _text(f.get("guarantor"))
    if guarantor not in ("wjcs", "ejcs", "hokkaido"):
        raise InputError(rec.where, f"guarantor は wjcs / ejcs / hokkaido のいずれかです: {guarantor!r}")
    if guarantor == "hokkaido":
        raise InputError(rec.where, "北海道建設業信用保証の保証契約番号の形式にはまだ対応していません")
    if guarantor_of(number) != guarantor:
        raise InputError(rec.where, f"保証契約番号 {number} は {guarantor} の番号の形式ではありません")
    ctype = _text(f.get("certificate_type"))
    labels = vocabulary.get("certificate_type", {})
    if ctype not in ("advance_payment", "interim_advance_payment", "contract_performance"):
        raise InputError(rec.where, f"certificate_type は advance_payment / interim_advance_payment / "
                                    f"contract_performance のいずれかです: {ctype!r}")
    key = None
    if not _blank(f.get("access_key")):
        try:
            key = normalize_key(str(f.get("access_key")))
        except InvalidInput as exc:
            raise InputError(rec.where, f"access_key: {exc.errors[0].message}") from None

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
                value = _text(value)
            if value is not None:
                values[name] = value
        if "issued_on" not in values:
            raise InputError(where, "issued_on（証書発行日）は新規にも変更にも必要です")
        current = {**current, **values}
        if i == 0:
            missing = [n for n in _REQUIRED_FIRST if n not in current]
            if missing:
                raise InputError(where, f"新規に必要な項目がありません: {', '.join(missing)}")
        versions.append(_version_dict(i, current))
    cancelled_on = _parse_date(f.get("cancelled_on"), rec.where, "cancelled_on")
    if cancelled_on is None and not _blank(f.get("cancel_reason")):
        raise InputError(rec.where, "cancel_reason だけでは解約になりません。cancelled_on（解約日）を書いてください")
    document = {
        "guarantee_number": number,
        "certificate_type": ctype,
        "certificate_type_label": labels.get(ctype, ctype),
        "guarantor": {
            "id": guarantor,
            "name": vocabulary.get("guarantor", {}).get(guarantor, guarantor),
            "branch": _text(f.get("branch")),
            "phone": _text(f.get("branch_phone")),
            "fax": _text(f.get("branch_fax")),
            "address": _text(f.get("branch_address")),
        },
        "versions": versions,
        "cancellation": {"on": cancelled_on, "reason": _text(f.get("cancel_reason"))} if cancelled_on else None,
        "demo": demo,
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


# ---------------------------------------------------------------------- planning


def canonical_document(certificate: Certificate) -> str:
    """The stored JSON: sorted keys, no spaces, so equal certificates give equal text."""
    return json.dumps(certificate.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def revision_of(document: str, key_hash: str) -> str:
    return hashlib.sha256(f"{document}\x00{key_hash}".encode()).hexdigest()[:20]


@dataclass
class Plan:
    """What loading one certificate would do."""

    incoming: Incoming
    action: str  # create / unchanged / update
    changes: list[str] = field(default_factory=list)
    refused: str | None = None
    record: StoredCertificate | None = None
    expected_revision: str | None = None
    #: The key in clear when this run knows it and the holder needs a (new) notice.
    notice_key: str | None = None

    @property
    def number(self) -> str:
        return self.incoming.certificate.guarantee_number


def _describe_difference(old: Certificate, new: Certificate) -> tuple[list[str], list[str]]:
    """(additions that need no flag, differences that need --overwrite)."""
    additions: list[str] = []
    conflicts: list[str] = []
    for name, label in (("certificate_type", "保証の種類"), ("guarantor", "保証事業会社・支店"), ("demo", "デモの印")):
        if getattr(old, name) != getattr(new, name):
            conflicts.append(label)
    n = len(old.versions)
    if new.versions[:n] == old.versions and len(new.versions) > n:
        additions.extend(f"変更{v.seq}を追加" for v in new.versions[n:])
    elif new.versions != old.versions:
        conflicts.append("登録済みの版（新規・変更）の内容" if len(new.versions) >= n else "版の数が減っています")
    if old.cancellation != new.cancellation:
        if old.cancellation is None:
            additions.append("解約を記録")
        else:
            conflicts.append("解約の記録")
    return additions, conflicts


def plan_one(incoming: Incoming, existing: StoredCertificate | None, *, demo: bool, overwrite: bool,
             rotate_key: bool, now: float) -> Plan:
    cert = incoming.certificate
    number = cert.guarantee_number
    document = canonical_document(cert)
    loaded_at = iso_utc(now)
    if existing is None:
        key = incoming.access_key or generate_key()
        key_hash = hash_key(number, key)
        record = StoredCertificate(number, key_hash, document, revision_of(document, key_hash), cert.demo, loaded_at)
        return Plan(incoming, "create", ["新規登録" + ("（認証キーを生成）" if not incoming.access_key else "")],
                    record=record, notice_key=key)

    if existing.demo and not demo and not overwrite:
        return Plan(incoming, "update", refused="デモの証書が登録されている番号です。実際の証書で置き換えるには --overwrite を付けてください")
    if not existing.demo and demo:
        return Plan(incoming, "update", refused="実際の証書が登録されている番号です。デモの証書では置き換えません")
    allow_overwrite = overwrite or (demo and existing.demo)
    allow_rotate = rotate_key or (demo and existing.demo)
    try:
        old = Certificate.from_dict(json.loads(existing.document))
    except (ValueError, ModelError) as exc:
        if not allow_overwrite:
            return Plan(incoming, "update", refused=f"登録済みの内容が読めません（{exc}）。--overwrite で置き換えられます")
        old = None
    additions, conflicts = _describe_difference(old, cert) if old else ([], ["登録済みの内容"])
    changes = list(additions)
    if conflicts:
        if not allow_overwrite:
            return Plan(incoming, "update", changes=conflicts,
                        refused=f"登録済みの内容と違います（{'、'.join(conflicts)}）。上書きするには --overwrite を付けてください")
        changes.append(f"上書き（{'、'.join(conflicts)}）")

    key_hash = existing.key_hash
    notice_key = None
    if incoming.access_key is not None and not keys_match(existing.key_hash, number, incoming.access_key):
        if not allow_rotate:
            return Plan(incoming, "update", changes=changes,
                        refused="認証キーが登録済みのものと違います。認証キーを変更するには --rotate-key を付けてください")
        key_hash = hash_key(number, incoming.access_key)
        notice_key = incoming.access_key
        changes.append("認証キーを変更")
    elif incoming.access_key is None and rotate_key:
        notice_key = generate_key()
        key_hash = hash_key(number, notice_key)
        changes.append("認証キーを変更（生成）")

    if not changes:
        return Plan(incoming, "unchanged")
    record = StoredCertificate(number, key_hash, document, revision_of(document, key_hash), cert.demo, loaded_at)
    return Plan(incoming, "update", changes=changes, record=record, expected_revision=existing.revision,
                notice_key=notice_key)


# ---------------------------------------------------------------------- notices


def write_notice(plan: Plan, notices_dir: Path, *, site_url: str, today: dt.date) -> Path:
    """The notice page for a certificate whose key this run knows; readable by its owner only."""
    from lambda_verify.notice import render_notice

    assert plan.notice_key is not None
    notices_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    css = notices_dir / "certificate.css"
    if STYLESHEET.exists() and (not css.exists() or css.read_bytes() != STYLESHEET.read_bytes()):
        css.write_bytes(STYLESHEET.read_bytes())
    html_file = notices_dir / f"{plan.number}.html"
    html = render_notice(plan.incoming.certificate, plan.notice_key, site_url=site_url, issued_on=today)
    fd = os.open(html_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(html)
    return html_file


def _pdf_printer(args: argparse.Namespace, needed: bool) -> str | None:
    """Chromium's path when PDFs are wanted: always with --pdf, never with --no-pdf, otherwise when
    Chromium is installed and the run is not a demo (``make run`` should not wait for a browser)."""
    if not needed or args.pdf is False or (args.pdf is None and args.demo):
        return None
    from lambda_verify.notice import chromium_path

    chromium = chromium_path()
    if chromium is None and args.pdf:
        print("Chromium が見つからないため PDF は作りませんでした（HTML のお知らせを印刷してください）。",
              file=sys.stderr)
    return chromium


# ---------------------------------------------------------------------- command line


def open_target(args: argparse.Namespace) -> CertificateStore:
    """The store named on the command line, else the one the environment names (as the function does)."""
    settings = Settings.from_env()
    table = args.table or (None if args.db else settings.table)
    if table:
        from lambda_verify.stores.dynamodb import DynamoDbStore, create_table

        store = DynamoDbStore(table)
        if args.create_table:
            try:
                store.client.describe_table(TableName=table)
            except store.client.exceptions.ResourceNotFoundException:
                create_table(store.client, table)
        return store
    from lambda_verify.stores.sqlite import SqliteStore

    return SqliteStore(args.db or settings.db_path, busy_timeout=5.0)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.load_certificates",
        description="保証事業会社のシステムから書き出した証書（YAML / CSV / JSON）を照会用のストアに登録し、"
                    "認証キー等のお知らせを書き出します。",
    )
    parser.add_argument("files", nargs="+", type=Path, help="書き出したファイル（.yaml .yml .json .csv）")
    parser.add_argument("--dry-run", action="store_true", help="何が変わるかを表示するだけで、何も書き込まない")
    parser.add_argument("--overwrite", action="store_true", help="登録済みの証書と内容が違っても置き換える")
    parser.add_argument("--rotate-key", action="store_true",
                        help="認証キーを変える（ファイルにキーがあればそれに、なければ新しく生成）")
    parser.add_argument("--demo", action="store_true",
                        help="デモ用の証書として登録する（ファイルに demo: true が必要。登録済みのデモ証書は置き換えてよい）")
    parser.add_argument("--db", type=Path, help="SQLite ファイル（既定: 環境変数 VERIFY_DB または var/verify.sqlite3）")
    parser.add_argument("--table", help="DynamoDB のテーブル（既定: 環境変数 CERTIFICATES_TABLE）")
    parser.add_argument("--create-table", action="store_true", help="DynamoDB のテーブルがなければ作る（ローカルの検証用）")
    parser.add_argument("--notices", type=Path, default=DEFAULT_NOTICES, help="お知らせを書き出すフォルダ（既定: var/notices）")
    parser.add_argument("--no-notices", action="store_true", help="お知らせを書き出さない")
    parser.add_argument("--site-url", default=os.environ.get("SITE_URL"),
                        help="お知らせの QR コードに載せるサイトのアドレス（例: https://guide.example.jp）")
    pdf = parser.add_mutually_exclusive_group()
    pdf.add_argument("--pdf", dest="pdf", action="store_true", default=None,
                     help="お知らせの PDF も作る（Chromium が必要）")
    pdf.add_argument("--no-pdf", dest="pdf", action="store_false", help="PDF は作らない")
    parser.add_argument("--quiet", action="store_true", help="誤りと拒否だけを表示する")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    say = (lambda *a: None) if args.quiet else print  # noqa: E731

    # 1. read and validate everything first: one bad record stops the whole run
    incoming: list[Incoming] = []
    errors: list[str] = []
    try:
        vocabulary = _vocabulary()
    except Exception as exc:  # noqa: BLE001 - the vocabulary file is part of the project
        print(f"{VOCABULARY}: 読めません（{exc}）", file=sys.stderr)
        return EXIT_INVALID
    for path in args.files:
        try:
            declared, records = read_export(path)
        except InputError as exc:
            errors.append(str(exc))
            continue
        if bool(declared) != args.demo:
            errors.append(f"{path}: " + ("デモの証書のファイル（demo: true）です。--demo を付けてください"
                                         if declared else
                                         "--demo で読み込めるのは、先頭に demo: true と書いたファイルだけです"))
            continue
        for rec in records:
            try:
                incoming.append(build_certificate(rec, demo=args.demo, vocabulary=vocabulary))
            except InputError as exc:
                errors.append(str(exc))
    seen: dict[str, str] = {}
    for item in incoming:
        number = item.certificate.guarantee_number
        if number in seen:
            errors.append(f"{item.where}: 保証契約番号 {number} が {seen[number]} にもあります")
        seen.setdefault(number, item.where)
    if errors:
        for line in errors:
            print(line, file=sys.stderr)
        print(f"{len(errors)} 件の誤りがあります。何も登録していません。", file=sys.stderr)
        return EXIT_INVALID

    notices = not args.no_notices
    site_url = args.site_url or (DEMO_SITE_URL if args.demo else None)
    if notices and not site_url and not args.dry_run:
        print("お知らせに載せる確認ページのアドレスを --site-url で指定してください"
              "（お知らせが不要なら --no-notices）。", file=sys.stderr)
        return EXIT_INVALID

    # 2. plan against the store
    store = open_target(args)
    try:
        now = time.time()
        plans = [plan_one(item, store.get(item.certificate.guarantee_number), demo=args.demo,
                          overwrite=args.overwrite, rotate_key=args.rotate_key, now=now) for item in incoming]
        refused = [p for p in plans if p.refused]
        for p in plans:
            if p.refused:
                print(f"{p.incoming.where}: {p.number}: 拒否 — {p.refused}", file=sys.stderr)
            elif p.action == "unchanged":
                say(f"{p.number}: 変更なし")
            else:
                say(f"{p.number}: {'、'.join(p.changes)}")
        if refused:
            print(f"{len(refused)} 件を拒否しました。何も登録していません。", file=sys.stderr)
            return EXIT_REFUSED
        todo = [p for p in plans if p.record is not None]
        if args.dry_run:
            say(f"--dry-run: {len(todo)} 件が変わります（書き込みはしていません）。")
            return EXIT_OK

        # 3. notices first, then the store: a generated key exists only in this run, so its notice must be
        #    on disk before the hash is stored (a notice without a stored hash is merely useless)
        today = dt.datetime.fromtimestamp(now, dt.timezone(dt.timedelta(hours=9))).date()
        with_notice = [p for p in todo if notices and p.notice_key]
        html_files = {p.number: write_notice(p, args.notices, site_url=site_url or DEMO_SITE_URL, today=today)
                      for p in with_notice}
        for p in todo:
            assert p.record is not None
            store.put(p.record, expected_revision=p.expected_revision)
        for p in with_notice:
            say(f"{p.number}: お知らせ {html_files[p.number]}")
        chromium = _pdf_printer(args, bool(with_notice))
        for p in with_notice if chromium else []:
            from lambda_verify.notice import write_pdf

            pdf_file = html_files[p.number].with_suffix(".pdf")
            try:
                write_pdf(html_files[p.number], pdf_file, chromium=chromium)
                os.chmod(pdf_file, 0o600)
                say(f"{p.number}: お知らせ {pdf_file}")
            except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
                print(f"{p.number}: PDF を作れませんでした（{exc}）。HTML のお知らせを印刷してください。", file=sys.stderr)
        created = sum(p.action == "create" for p in todo)
        say(f"登録 {created} 件、更新 {len(todo) - created} 件、変更なし {len(plans) - len(todo)} 件。")
        return EXIT_OK
    except StoreConflict as exc:
        print(f"ほかの処理が同時に書き換えました（{exc}）。もう一度実行してください。", file=sys.stderr)
        return EXIT_REFUSED
    except StoreUnavailable as exc:
        print(f"ストアに接続できません（{exc}）。", file=sys.stderr)
        return EXIT_UNAVAILABLE
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
