"""The origin check: with ORIGIN_VERIFY_SECRET set (production) only requests carrying CloudFront's
secret header are answered, the comparison is constant-time, and the viewer address CloudFront sends
is believed only for such requests."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

import lambda_verify.handler as handler_module
import lambda_verify.origin as origin_module
from lambda_verify.config import Settings
from lambda_verify.handler import App
from lambda_verify.limits import Limits
from lambda_verify.origin import HEADER, OriginCheck, OriginGuard
from lambda_verify.security import SECURITY_HEADERS
from lambda_verify.service import LookupService

from .support import KEY, NUMBER, FakeClock, certificate_doc, form_event, json_event, put_certificate

SECRET = "Zq8vN2pX7rT4wK9mB3cH6dJ1fL5sG0aE"
VIEWER = {"cloudfront-viewer-address": "203.0.113.77:51234"}


def guarded_app(store: Any, clock: FakeClock, *, secret: str | None = SECRET, trust_unverified: bool = True) -> App:
    settings = Settings(origin_secret=secret, trust_unverified_viewer=trust_unverified)
    return App(LookupService(store, clock, Limits()), settings, clock)


@pytest.fixture
def guarded(sqlite_store: Any, clock: FakeClock) -> App:
    put_certificate(sqlite_store, certificate_doc(), KEY)
    return guarded_app(sqlite_store, clock)


def lookup_event(headers: dict[str, str] | None = None, *, form: bool = False) -> dict[str, Any]:
    fields = {"guarantee_number": NUMBER, "access_key": KEY}
    return form_event(fields, headers=headers) if form else json_event(fields, headers=headers)


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "lambda_verify.audit"]


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
@pytest.mark.parametrize("sent", [None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.lower(), " " + SECRET],
                         ids=["missing", "empty", "wrong", "short", "long", "case", "space"])
def test_without_the_right_secret_the_answer_is_a_bare_403(guarded: App, sqlite_store: Any, form: bool,
                                                           sent: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[Any] = []
    monkeypatch.setattr(sqlite_store, "read", lambda *a, **k: reads.append(a))
    result = guarded(lookup_event({HEADER: sent} if sent is not None else None, form=form))
    assert result["statusCode"] == 403
    assert result["body"] == "403"  # no message, no hint, no trace
    assert result["headers"]["Content-Type"] == "text/plain; charset=utf-8"
    assert result["headers"]["Cache-Control"] == "no-store"
    for name, value in SECURITY_HEADERS.items():
        assert result["headers"][name] == value
    assert reads == []  # refused before the store is asked anything


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_with_the_right_secret_the_lookup_is_answered(guarded: App, form: bool) -> None:
    result = guarded(lookup_event({HEADER: SECRET}, form=form))
    assert result["statusCode"] == 200
    assert "保証証書（前払金保証）" in result["body"]


def test_every_answer_behind_the_check_still_works(guarded: App) -> None:
    assert guarded(json_event({"guarantee_number": "1", "access_key": ""}, headers={HEADER: SECRET}))["statusCode"] == 400
    assert guarded(json_event({"guarantee_number": "1", "access_key": ""}))["statusCode"] == 403


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """hmac.compare_digest over fixed-length digests: neither the mismatch's place nor its length shows."""
    compared: list[tuple[bytes, bytes]] = []
    real = origin_module.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(origin_module.hmac, "compare_digest", spy)
    guard = OriginGuard(SECRET)
    results = [guard.check({HEADER: value}) for value in (SECRET, "x", "x" * 500)] + [guard.check({})]
    assert results == [OriginCheck.VERIFIED] + [OriginCheck.REFUSED] * 3
    assert len(compared) == 4  # a missing header is compared too, so it costs the same as a wrong one
    assert all(len(a) == len(b) == 32 for a, b in compared)


def test_without_a_secret_nothing_is_refused() -> None:
    guard = OriginGuard(None)
    assert guard.check({}) is OriginCheck.UNCHECKED and not guard.enabled
    assert guard.check({HEADER: "anything"}) is OriginCheck.UNCHECKED


@pytest.mark.parametrize("secret, sent, trust_unverified, network", [
    (SECRET, SECRET, True, "203.0.113.0/24"),   # production: came through CloudFront, believe its header
    (None, None, True, "203.0.113.0/24"),       # local server: it drops client-sent values itself
    (None, None, False, "198.51.100.0/24"),     # Lambda without a secret: nothing vouches for the header
])
def test_viewer_address_is_believed_only_when_vouched_for(sqlite_store: Any, clock: FakeClock,
                                                          caplog: pytest.LogCaptureFixture, secret: str | None,
                                                          sent: str | None, trust_unverified: bool,
                                                          network: str) -> None:
    caplog.set_level(logging.INFO, logger="lambda_verify.audit")
    put_certificate(sqlite_store, certificate_doc(), KEY)
    app = guarded_app(sqlite_store, clock, secret=secret, trust_unverified=trust_unverified)
    headers = dict(VIEWER, **({HEADER: sent} if sent else {}))
    assert app(lookup_event(headers))["statusCode"] == 200
    (line,) = audit_lines(caplog)
    assert line["client_network"] == network


def test_a_refused_request_is_audited_with_its_connection_address(guarded: App,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A direct caller cannot pick the address it is logged under: its forged viewer header is ignored."""
    caplog.set_level(logging.INFO, logger="lambda_verify.audit")
    guarded(lookup_event({**VIEWER, HEADER: "wrong"}))
    (line,) = audit_lines(caplog)
    assert (line["outcome"], line["status"], line["guarantee_number"]) == ("forbidden", 403, None)
    assert line["client_network"] == "198.51.100.0/24"
    assert "wrong" not in json.dumps(line) and SECRET not in caplog.text


def test_limits_count_the_verified_viewer_not_cloudfront(sqlite_store: Any, clock: FakeClock) -> None:
    """Behind CloudFront every request has a CloudFront sourceIp: the limit must follow the viewer."""
    put_certificate(sqlite_store, certificate_doc(), KEY)
    app = guarded_app(sqlite_store, clock)
    for _ in range(10):
        wrong = json_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY2345"},
                           headers={**VIEWER, HEADER: SECRET}, ip="130.176.0.1")
        app(wrong)
    other_viewer = {"cloudfront-viewer-address": "192.0.2.10:443", HEADER: SECRET}
    assert app(json_event({"guarantee_number": "2099000102", "access_key": "WRONGKEY2345"},
                          headers={**VIEWER, HEADER: SECRET}, ip="130.176.0.1"))["statusCode"] == 429
    assert app(lookup_event(other_viewer))["statusCode"] == 200


def test_settings_come_from_the_environment() -> None:
    assert Settings.from_env({}).origin_secret is None
    assert Settings.from_env({"ORIGIN_VERIFY_SECRET": ""}).origin_secret is None
    assert Settings.from_env({"ORIGIN_VERIFY_SECRET": SECRET}).origin_secret == SECRET
    assert Settings.from_env({}).trust_unverified_viewer is True
    assert Settings.from_env({"AWS_LAMBDA_FUNCTION_NAME": "verify"}).trust_unverified_viewer is False


def test_no_store_still_refuses_direct_callers_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even when the store cannot be opened, a caller without the secret learns nothing, not even a 503."""
    def cannot_open(*args: Any, **kwargs: Any) -> None:
        raise OSError("no store")

    monkeypatch.setenv("ORIGIN_VERIFY_SECRET", SECRET)
    handler_module.reset()
    monkeypatch.setattr(handler_module, "open_store", cannot_open)
    try:
        assert handler_module.handler(lookup_event(), None)["statusCode"] == 403
        assert handler_module.handler(lookup_event({HEADER: SECRET}), None)["statusCode"] == 503
    finally:
        handler_module.reset()
