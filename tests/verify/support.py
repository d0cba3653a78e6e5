"""Helpers shared by the lookup's tests: a hand-moved clock, certificates, events, an App, calls at once."""

from __future__ import annotations

import json
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar

from lambda_verify.config import Settings
from lambda_verify.events import build_event
from lambda_verify.handler import App
from lambda_verify.keys import hash_key
from lambda_verify.limits import Limits
from lambda_verify.model import Certificate
from lambda_verify.service import LookupService
from lambda_verify.stores.base import CertificateStore, StoredCertificate

ROOT = Path(__file__).resolve().parents[2]

#: A moment at the start of a 600-second window (1790000400 = 600 × 2983334), plus one minute.
T0 = 1_790_000_400.0 + 60


@dataclass
class FakeClock:
    """Wall and monotonic time that move only when a test (or a sleep) moves them."""

    now: float = T0
    mono: float = 5_000.0
    slept: list[float] = field(default_factory=list)

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.mono += seconds


# ---------------------------------------------------------------------- certificates


def certificate_doc(number: str = "2099000101", **overrides: Any) -> dict[str, Any]:
    """A complete certificate document (new + one change), for tests that need one."""
    ejcs = "-" in number
    doc: dict[str, Any] = {
        "guarantee_number": number,
        "certificate_type": "advance_payment",
        "certificate_type_label": "前払金保証",
        "guarantor": {"id": "ejcs" if ejcs else "wjcs",
                      "name": "東日本建設業保証株式会社" if ejcs else "西日本建設業保証株式会社",
                      "branch": "秋田支店" if ejcs else "大阪支店",
                      "phone": "018-863-1000" if ejcs else "06-6543-2711"},
        "versions": [
            {"seq": 0, "issued_on": "2026-04-10",
             "contractor": {"name": "テスト建設株式会社", "address": "テスト県テスト市1丁目1番1号", "jv_name": None},
             "orderer": "テスト市長", "work_name": "テスト道路改良工事",
             "contract_amount": 100_000_000, "guaranteed_amount": 40_000_000,
             "guarantee_period": {"start": "2026-04-10", "end": "2027-03-31"},
             "work_period": {"start": "2026-04-10", "end": "2027-03-31"},
             "contract_date": "2026-04-08", "deposit_bank": "テスト銀行 本店"},
            {"seq": 1, "issued_on": "2026-09-01",
             "contractor": {"name": "テスト建設株式会社", "address": "テスト県テスト市1丁目1番1号", "jv_name": None},
             "orderer": "テスト市長", "work_name": "テスト道路改良工事",
             "contract_amount": 120_000_000, "guaranteed_amount": 48_000_000,
             "guarantee_period": {"start": "2026-04-10", "end": "2027-06-30"},
             "work_period": {"start": "2026-04-10", "end": "2027-06-30"},
             "contract_date": "2026-04-08", "deposit_bank": "テスト銀行 本店"},
        ],
        "cancellation": None,
        "demo": False,
    }
    doc.update(overrides)
    return doc


KEY = "K7QWMP3RX9TB4HNC"
NUMBER = "2099000101"
EJCS_NUMBER = "99001-000101"
EJCS_KEY = "Hq4mT8vR2nWx"


def put_certificate(store: CertificateStore, doc: dict[str, Any], key: str) -> StoredCertificate:
    """Store a certificate as the loader would (canonical JSON, hashed key)."""
    cert = Certificate.from_dict(doc)
    document = json.dumps(cert.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    stored = StoredCertificate(cert.guarantee_number, hash_key(cert.guarantee_number, key), document,
                               uuid.uuid4().hex[:20], cert.demo, "2026-11-01T00:00:00Z")
    store.put(stored, expected_revision=None)
    return stored


# ---------------------------------------------------------------------- the handler


def make_app(store: CertificateStore, clock: Any, *, floor: float = 0.0, limits: Limits | None = None) -> App:
    return App(LookupService(store, clock, limits or Limits()), Settings(failure_floor=floor), clock)


def json_event(payload: Any, *, ip: str = "198.51.100.7", headers: dict[str, str] | None = None,
               base64_body: bool | None = None) -> dict[str, Any]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    return build_event("POST", "/api/verify", {"content-type": "application/json", **(headers or {})}, body,
                       source_ip=ip, base64_body=base64_body)


def form_event(fields: dict[str, str] | bytes, *, ip: str = "198.51.100.7", headers: dict[str, str] | None = None,
               base64_body: bool | None = None) -> dict[str, Any]:
    body = fields if isinstance(fields, bytes) else urllib.parse.urlencode(fields).encode()
    return build_event("POST", "/api/verify",
                       {"content-type": "application/x-www-form-urlencoded", "accept": "text/html", **(headers or {})},
                       body, source_ip=ip, base64_body=base64_body)


def body_json(result: dict[str, Any]) -> dict[str, Any]:
    return json.loads(result["body"])


# ---------------------------------------------------------------------- faults on a real DynamoDB client


class InjectedFault:
    """Make one DynamoDB operation of a real client fail with ``code`` (the rest still reach moto_server).

    A botocore ``before-call`` hook answers in place of the endpoint, so what the store sees is exactly
    what a throttled or denied request looks like: a ClientError with that code. ``when`` picks the
    requests by their JSON body; ``times`` limits how many fail.
    """

    def __init__(self, client: Any, operation: str, code: str, *, when: Any = None, times: int | None = None,
                 extra: dict[str, Any] | None = None):
        self.client, self.operation, self.code, self.extra = client, operation, code, extra or {}
        self.when, self.times, self.failed = when, times, 0
        self.event = f"before-call.dynamodb.{operation}"

    def _hook(self, params: dict[str, Any], **_: Any) -> Any:
        from types import SimpleNamespace

        body = params.get("body") or b""
        text = body.decode() if isinstance(body, bytes) else str(body)
        if self.when is not None and not self.when(text):
            return None
        if self.times is not None and self.failed >= self.times:
            return None
        self.failed += 1
        return (SimpleNamespace(status_code=400, headers={}, content=b""),
                {"Error": {"Code": self.code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": 400},
                 **self.extra})

    def __enter__(self) -> InjectedFault:
        self.client.meta.events.register(self.event, self._hook, unique_id=f"fault-{id(self)}")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.client.meta.events.unregister(self.event, unique_id=f"fault-{id(self)}")


# ---------------------------------------------------------------------- pages as a reader meets them


class Outline(HTMLParser):
    """Each element's opening tag with the attributes in ``keep`` (all of them when None), and each text, in order."""

    def __init__(self, keep: Iterable[str] | None = None) -> None:
        super().__init__()
        self.keep = None if keep is None else frozenset(keep)
        self.items: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kept = " ".join(k if v is None else f"{k}={v}" for k, v in attrs if self.keep is None or k in self.keep)
        self.items.append(f"<{tag}{' ' + kept if kept else ''}>")

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.items.append(" ".join(data.split()))


def outline(html: str, keep: Iterable[str] | None = None) -> list[str]:
    """The outline of ``html``: opening tags (with the attributes in ``keep``, all when None) and texts."""
    parser = Outline(keep)
    parser.feed(html)
    return parser.items


# ---------------------------------------------------------------------- concurrency

T = TypeVar("T")


def at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run every call in its own thread, all released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results
