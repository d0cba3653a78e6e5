"""Planning a load: what each incoming certificate would change in the store, refused or not.

Pure functions of (incoming certificate, what the store holds): nothing here writes. A second run
with the same file plans nothing; new versions and a new cancellation are additions; anything else
needs ``--overwrite``, a different key ``--rotate-key``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from lambda_verify.clock import iso_utc
from lambda_verify.keys import generate_key, hash_key, keys_match
from lambda_verify.model import Certificate, ModelError
from lambda_verify.stores import StoredCertificate

from .reading import Incoming

__all__ = ["Plan", "canonical_document", "plan_one", "revision_of"]


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
