"""The Lambda entry point and its answers of last resort, at the edges mutation testing (`make mutation`) found.

``handler()`` builds the process-wide App from the environment once, answers every event through it,
and when the store cannot even be opened still answers: 403 to a caller without the origin secret,
else a fixed 503 with Retry-After, each with one audit line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lambda_verify import handler as handler_module
from lambda_verify.config import Settings
from lambda_verify.handler import BASE_HEADERS, get_app, handler, reset
from lambda_verify.messages import MESSAGES, TITLES
from lambda_verify.stores.sqlite import SqliteStore

from .support import KEY, NUMBER, certificate_doc, form_event, json_event, put_certificate

AUDIT = "lambda_verify.audit"


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A SQLite store named by VERIFY_DB, nothing else set, and no App left over before or after."""
    for name in ("CERTIFICATES_TABLE", "ORIGIN_VERIFY_SECRET", "VERIFY_FAILURE_FLOOR", "VERIFY_STATIC_BASE",
                 "AWS_LAMBDA_FUNCTION_NAME"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "verify.sqlite3"
    store = SqliteStore(path, create=True)
    put_certificate(store, certificate_doc(NUMBER), KEY)
    store.close()
    monkeypatch.setenv("VERIFY_DB", str(path))
    reset()
    yield path
    reset()


def _audit(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == AUDIT]


def test_the_app_is_built_once_from_the_environment(environment: Path) -> None:
    # GIVEN VERIFY_DB names a store WHEN the app is asked for twice THEN it is the same App over that file
    app = get_app()
    assert get_app() is app
    assert isinstance(app.service.store, SqliteStore) and app.service.store.path == environment
    assert app.settings == Settings.from_env()
    assert app.clock is app.service.clock
    assert app.service.limits == Settings().limits


def test_handler_answers_through_the_app_of_the_environment(environment: Path) -> None:
    # GIVEN a stored certificate WHEN the entry point gets a right key THEN it is shown
    result = handler(json_event({"guarantee_number": NUMBER, "access_key": KEY}))
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["guarantee_number"] == NUMBER


def test_reset_closes_the_store_and_forgets_the_app(environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = get_app()
    closed: list[bool] = []
    real_close = app.service.store.close
    monkeypatch.setattr(app.service.store, "close", lambda: closed.append(True) or real_close())
    # WHEN reset THEN the store is closed once and the next App is a new one
    reset()
    assert closed == [True]
    assert get_app() is not app
    reset()


def test_reset_survives_a_store_that_cannot_close(environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = get_app()

    def broken() -> None:
        raise OSError("cannot close")

    monkeypatch.setattr(app.service.store, "close", broken)
    reset()
    assert get_app() is not app


def _store_cannot_open(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no store")

    monkeypatch.setattr(handler_module, "open_store", refuse)


def test_a_store_that_cannot_open_answers_the_fixed_503_in_json(environment: Path, monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    _store_cannot_open(monkeypatch)
    caplog.set_level(logging.INFO, logger=AUDIT)
    # WHEN a JSON lookup arrives and the store cannot be opened
    result = handler(json_event({"guarantee_number": NUMBER, "access_key": KEY}))
    # THEN 503, Retry-After 5, the JSON the lookup page understands, and one audit line saying so
    assert result["statusCode"] == 503
    assert result["headers"] == {**BASE_HEADERS, "Content-Type": "application/json; charset=utf-8",
                                 "Retry-After": "5"}
    assert json.loads(result["body"]) == {"status": "unavailable", "message": MESSAGES["unavailable"],
                                          "retry_after": 5}
    assert MESSAGES["unavailable"] in result["body"]      # not \u-escaped
    assert result["isBase64Encoded"] is False
    lines = _audit(caplog)
    assert len(lines) == 1
    assert {k: lines[0][k] for k in ("outcome", "status", "guarantee_number", "client_network", "request_id")} == {
        "outcome": "unavailable", "status": 503, "guarantee_number": None, "client_network": "unknown",
        "request_id": None}


def test_a_store_that_cannot_open_answers_the_fixed_503_page_to_a_form(environment: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _store_cannot_open(monkeypatch)
    result = handler(form_event({"guarantee_number": NUMBER, "access_key": KEY}))
    assert result["statusCode"] == 503
    assert result["headers"] == {**BASE_HEADERS, "Content-Type": "text/html; charset=utf-8", "Retry-After": "5"}
    assert result["body"] == (f"<!doctype html><html lang=\"ja\"><title>{TITLES['unavailable']}</title>"
                              f"<p>{MESSAGES['unavailable']}</p></html>")


@pytest.mark.parametrize("event", [None, "not an event", {"headers": "no mapping"}])
def test_a_store_that_cannot_open_answers_any_event(environment: Path, monkeypatch: pytest.MonkeyPatch,
                                                    event: Any) -> None:
    _store_cannot_open(monkeypatch)
    result = handler(event)
    assert result["statusCode"] == 503 and result["headers"]["Content-Type"] == "text/html; charset=utf-8"


def test_without_the_origin_secret_a_store_that_cannot_open_still_answers_403(
        environment: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    _store_cannot_open(monkeypatch)
    monkeypatch.setenv("ORIGIN_VERIFY_SECRET", "from-cloudfront")
    caplog.set_level(logging.INFO, logger=AUDIT)
    # GIVEN the origin secret is configured WHEN a direct caller arrives THEN 403 and three digits, audited
    result = handler(json_event({"guarantee_number": NUMBER, "access_key": KEY}))
    assert (result["statusCode"], result["body"]) == (403, "403")
    assert [(a["outcome"], a["status"]) for a in _audit(caplog)] == [("forbidden", 403)]
    # AND a request through CloudFront gets the 503, not the 403
    caplog.clear()
    result = handler(json_event({"guarantee_number": NUMBER, "access_key": KEY},
                                headers={"x-origin-verify": "from-cloudfront"}))
    assert result["statusCode"] == 503
    assert [(a["outcome"], a["status"]) for a in _audit(caplog)] == [("unavailable", 503)]


def test_when_even_the_audit_fails_the_answer_is_403(environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail closed: if nothing can be checked, the caller learns nothing."""
    _store_cannot_open(monkeypatch)

    def broken(**kwargs: Any) -> None:
        raise OSError("log is gone")

    monkeypatch.setattr(handler_module, "record_lookup", broken)
    result = handler(json_event({"guarantee_number": NUMBER, "access_key": KEY}))
    assert (result["statusCode"], result["body"]) == (403, "403")


# --- events: payload format 2.0 in and out ------------------------------------------------------

def test_lower_headers_lower_cases_names_and_keeps_only_text() -> None:
    from lambda_verify.events import MAX_HEADER_CHARS, lower_headers

    # GIVEN headers as a test or a proxy might send them
    got = lower_headers({"headers": {"Content-Type": "application/json", "X-Num": 7,
                                     "X-Long": "a" * (MAX_HEADER_CHARS + 5), "X-Odd": "é\udcff"}})
    # THEN names are lower case, values text, cut at the limit, lone surrogates replaced
    assert got == {"content-type": "application/json", "x-num": "7", "x-long": "a" * MAX_HEADER_CHARS,
                   "x-odd": "é?"}
    assert lower_headers({"headers": {"A" * (MAX_HEADER_CHARS + 1): "v"}}) == {"a" * MAX_HEADER_CHARS: "v"}


@pytest.mark.parametrize("event", [None, [], "x", {}, {"headers": None}, {"headers": ["a", "b"]}])
def test_lower_headers_of_anything_but_a_header_mapping_is_empty(event: Any) -> None:
    from lambda_verify.events import lower_headers

    assert lower_headers(event) == {}


def test_lower_headers_that_cannot_be_read_are_none() -> None:
    from lambda_verify.events import lower_headers

    class Broken(dict):  # type: ignore[type-arg]
        def items(self):  # type: ignore[no-untyped-def]
            raise RuntimeError("unreadable")

    assert lower_headers({"headers": Broken(a="b")}) == {}


def _event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"requestContext": {"http": {"method": "post", "path": "/from-http",
                                                         "sourceIp": "198.51.100.7"}, "requestId": "r-1"},
                             "headers": {"Content-Type": "Application/JSON; charset=utf-8"}}
    event.update(fields)
    return event


def test_a_request_reads_method_path_headers_body_address_and_id() -> None:
    from lambda_verify.events import Request

    # GIVEN a plain event WHEN read THEN every field, the method upper case and rawPath before http.path
    got = Request.from_event(_event(rawPath="/api/verify", body='{"a":1}'))
    assert got == Request(method="POST", path="/api/verify", headers={"content-type": "Application/JSON; charset=utf-8"},
                          body=b'{"a":1}', source_ip="198.51.100.7", request_id="r-1")
    assert got.content_type == "application/json"
    assert Request.from_event(_event()).path == "/from-http"
    # AND lower-cased headers given by the caller are used as they are
    assert Request.from_event(_event(), {"x": "y"}).headers == {"x": "y"}


def test_a_request_without_its_parts_gets_safe_defaults() -> None:
    from lambda_verify.events import Request

    got = Request.from_event({})
    assert got == Request(method="GET", path="/", headers={}, body=b"", source_ip=None, request_id=None)
    assert got.content_type == ""
    odd = Request.from_event({"requestContext": {"http": {"method": 5, "path": 7, "sourceIp": 9}, "requestId": 3},
                              "rawPath": ""})
    assert (odd.method, odd.path, odd.source_ip, odd.request_id) == ("GET", "/", None, None)
    assert Request.from_event({"requestContext": "x"}).method == "GET"
    assert Request.from_event({"requestContext": {"http": "x"}}).path == "/"


def test_a_request_cuts_long_method_path_and_id() -> None:
    from lambda_verify.events import Request

    got = Request.from_event({"rawPath": "/" + "p" * 3000, "requestContext": {
        "http": {"method": "m" * 40}, "requestId": "i" * 200}})
    assert got.method == "M" * 16
    assert got.path == "/" + "p" * 2047
    assert got.request_id == "i" * 128


def test_a_base64_body_is_decoded_and_a_broken_one_refused() -> None:
    import base64

    from lambda_verify.events import BadEvent, Request

    body = "guarantee_number=１".encode()
    got = Request.from_event(_event(body=base64.b64encode(body).decode(), isBase64Encoded=True))
    assert got.body == body
    # isBase64Encoded must be exactly true: a text body that happens to look like base64 stays text
    assert Request.from_event(_event(body="YWJj", isBase64Encoded="true")).body == b"YWJj"
    # a character outside the alphabet is refused, not skipped ("YWJj" alone is b"abc")
    for broken in ("not base64!", "YWJj!", "YW Jj"):
        with pytest.raises(BadEvent) as caught:
            Request.from_event(_event(body=broken, isBase64Encoded=True))
        assert caught.value.status == 400 and str(caught.value) == "body is not valid base64"


@pytest.mark.parametrize("body, status, message", [
    (5, 400, "body is not text"),
    ("\udcff", 400, "body is not valid text"),
])
def test_a_body_that_is_not_text_is_refused(body: Any, status: int, message: str) -> None:
    from lambda_verify.events import BadEvent, Request

    with pytest.raises(BadEvent) as caught:
        Request.from_event(_event(body=body))
    assert (caught.value.status, str(caught.value)) == (status, message)


def test_the_body_limit_is_exact_in_both_encodings() -> None:
    import base64

    from lambda_verify.events import MAX_BODY_BYTES, BadEvent, Request

    assert len(Request.from_event(_event(body="a" * MAX_BODY_BYTES)).body) == MAX_BODY_BYTES
    with pytest.raises(BadEvent) as caught:
        Request.from_event(_event(body="a" * (MAX_BODY_BYTES + 1)))
    assert (caught.value.status, str(caught.value)) == (413, "body too large")
    # base64 of the largest body is accepted; one byte more is refused after decoding
    largest = base64.b64encode(b"a" * MAX_BODY_BYTES).decode()
    assert len(Request.from_event(_event(body=largest, isBase64Encoded=True)).body) == MAX_BODY_BYTES
    over = base64.b64encode(b"a" * (MAX_BODY_BYTES + 1)).decode()
    with pytest.raises(BadEvent) as caught:
        Request.from_event(_event(body=over, isBase64Encoded=True))
    assert (caught.value.status, str(caught.value)) == (413, "body too large")
    # text longer than base64 of the limit can be is refused before it is decoded
    with pytest.raises(BadEvent) as caught:
        Request.from_event(_event(body="A" * (MAX_BODY_BYTES * 4 // 3 + 5), isBase64Encoded=True))
    assert (caught.value.status, str(caught.value)) == (413, "body too large")
    # multi-byte text is measured in bytes
    with pytest.raises(BadEvent) as caught:
        Request.from_event(_event(body="あ" * (MAX_BODY_BYTES // 3 + 1)))
    assert (caught.value.status, str(caught.value)) == (413, "body too large")


def test_a_response_becomes_lambdas_result() -> None:
    from lambda_verify.events import Response

    headers = {"A": "b"}
    result = Response(201, headers, "body").to_result()
    assert result == {"statusCode": 201, "headers": {"A": "b"}, "body": "body", "isBase64Encoded": False}
    assert result["headers"] is not headers
    assert Response(204).to_result() == {"statusCode": 204, "headers": {}, "body": "", "isBase64Encoded": False}


def test_build_event_is_what_the_http_api_delivers() -> None:
    import re
    import time

    from lambda_verify.events import build_event

    before = time.time()
    event = build_event("post", "/api/verify", {"Content-Type": "application/json", "Host": "example.test",
                                                "User-Agent": "ua", "X-A": "1", "x-a": "2"},
                        b'{"k":"\xe3\x81\x82"}', source_ip="203.0.113.9", query="q=1", request_id="rid")
    after = time.time()
    ctx = event["requestContext"]
    assert {k: event[k] for k in ("version", "routeKey", "rawPath", "rawQueryString", "body", "isBase64Encoded")} == {
        "version": "2.0", "routeKey": "$default", "rawPath": "/api/verify", "rawQueryString": "q=1",
        "body": '{"k":"あ"}', "isBase64Encoded": False}
    assert event["headers"] == {"content-type": "application/json", "host": "example.test", "user-agent": "ua",
                                "x-a": "1,2"}
    assert {k: ctx[k] for k in ("accountId", "apiId", "domainName", "domainPrefix", "requestId", "routeKey",
                                "stage")} == {
        "accountId": "anonymous", "apiId": "local", "domainName": "example.test", "domainPrefix": "local",
        "requestId": "rid", "routeKey": "$default", "stage": "$default"}
    assert ctx["http"] == {"method": "POST", "path": "/api/verify", "protocol": "HTTP/1.1",
                           "sourceIp": "203.0.113.9", "userAgent": "ua"}
    assert int(before * 1000) <= ctx["timeEpoch"] <= int(after * 1000)
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", ctx["time"])
    assert time.strftime("%d/%b/%Y:%H:%M", time.gmtime(ctx["timeEpoch"] / 1000)) == ctx["time"][:17]


def test_build_event_defaults() -> None:
    from lambda_verify.events import build_event

    event = build_event("GET", "/", {})
    ctx = event["requestContext"]
    assert ctx["domainName"] == "127.0.0.1" and ctx["http"]["sourceIp"] == "127.0.0.1"
    assert ctx["http"]["userAgent"] == "" and event["rawQueryString"] == ""
    assert len(ctx["requestId"]) == 32 and int(ctx["requestId"], 16) >= 0
    assert build_event("GET", "/", {})["requestContext"]["requestId"] != ctx["requestId"]


@pytest.mark.parametrize("ctype, body, encoded", [
    ("application/json", b"{}", False),
    ("Application/X-WWW-Form-URLEncoded; charset=utf-8", b"a=1", False),
    ("text/plain", b"hi", False),
    ("application/octet-stream", b"hi", True),
    ("", b"hi", True),
    ("application/json", b"\xff\xfe", True),      # not UTF-8: base64 whatever the type
])
def test_build_event_sends_text_as_text_and_the_rest_as_base64(ctype: str, body: bytes, encoded: bool) -> None:
    import base64

    from lambda_verify.events import Request, build_event

    event = build_event("POST", "/", {"Content-Type": ctype} if ctype else {}, body)
    assert event["isBase64Encoded"] is encoded
    assert event["body"] == (base64.b64encode(body).decode("ascii") if encoded else body.decode("utf-8"))
    assert Request.from_event(event).body == body


def test_build_event_base64_on_request() -> None:
    import base64

    from lambda_verify.events import build_event

    event = build_event("POST", "/", {"content-type": "application/json"}, b"{}", base64_body=True)
    assert (event["isBase64Encoded"], event["body"]) == (True, base64.b64encode(b"{}").decode())
    plain = build_event("POST", "/", {"content-type": "application/octet-stream"}, b"ab", base64_body=False)
    assert (plain["isBase64Encoded"], plain["body"]) == (False, "ab")


# --- the App's answers, over the embedded store --------------------------------------------------

from lambda_verify.events import build_event  # noqa: E402
from lambda_verify.handler import App  # noqa: E402
from lambda_verify.limits import Limit, Limits  # noqa: E402

from .support import FakeClock, make_app  # noqa: E402


@pytest.fixture
def sqlite_app(sqlite_store: SqliteStore) -> tuple[App, FakeClock]:
    put_certificate(sqlite_store, certificate_doc(NUMBER), KEY)
    clock = FakeClock()
    return make_app(sqlite_store, clock, floor=0.5, limits=Limits(Limit(3, 60), Limit(2, 600))), clock


def _json(result: dict[str, Any]) -> Any:
    return json.loads(result["body"])


def test_a_failed_lookup_is_held_to_the_floor_and_a_shown_one_is_not(sqlite_app: tuple[App, FakeClock]) -> None:
    app, clock = sqlite_app
    # GIVEN a floor of 0.5 s WHEN a wrong key is tried THEN the answer is held only for the time still missing
    original_monotonic = clock.monotonic
    ticks = iter([0.0, 0.2])
    clock.monotonic = lambda: original_monotonic() + next(ticks)  # type: ignore[method-assign]
    app(json_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY23456789"}))
    assert clock.slept == [pytest.approx(0.3)]
    clock.monotonic = original_monotonic  # type: ignore[method-assign]
    clock.slept.clear()
    # AND a right key or an invalid input is not held
    assert app(json_event({"guarantee_number": NUMBER, "access_key": KEY}))["statusCode"] == 200
    assert app(json_event({"guarantee_number": "1", "access_key": KEY}))["statusCode"] == 400
    assert clock.slept == []


def test_a_lookup_that_already_took_the_floor_is_not_held(sqlite_app: tuple[App, FakeClock]) -> None:
    app, clock = sqlite_app
    original_monotonic = clock.monotonic
    ticks = iter([0.0, 0.5])
    clock.monotonic = lambda: original_monotonic() + next(ticks)  # type: ignore[method-assign]
    app(json_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY23456789"}))
    assert clock.slept == []


def test_without_a_floor_nothing_is_held(sqlite_store: SqliteStore) -> None:
    clock = FakeClock()
    app = make_app(sqlite_store, clock)
    app(json_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY23456789"}))
    assert clock.slept == []


def test_the_last_chance_is_held_and_a_blocked_lookup_is_not(sqlite_app: tuple[App, FakeClock]) -> None:
    app, clock = sqlite_app
    for ip in ("198.51.100.1", "198.51.100.2"):
        app(json_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY23456789"}, ip=ip))
    clock.slept.clear()
    last = app(json_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY23456789"}, ip="198.51.100.3"))
    assert last["statusCode"] == 429 and clock.slept == [0.5]
    clock.slept.clear()
    blocked = app(json_event({"guarantee_number": NUMBER, "access_key": KEY}, ip="198.51.100.3"))
    assert blocked["statusCode"] == 429 and clock.slept == []
    # the number's window (600 s) from its first slot, 1.5 s of holds ago
    assert blocked["headers"]["Retry-After"] == "599" and _json(blocked)["retry_after"] == 599


@pytest.mark.parametrize("event, status, kind, extra", [
    (build_event("POST", "/elsewhere", {"content-type": "application/json"}, b"{}"), 404, "not_found", {}),
    (build_event("GET", "/api/verify/", {"accept": "application/json"}), 405, "method", {"Allow": "POST"}),
    (build_event("POST", "/api/verify", {"content-type": "text/plain", "accept": "application/json"}, b"x"), 415,
     "unsupported", {}),
    (build_event("POST", "/api/verify", {"content-type": "application/json"}, b"[1]"), 400, "bad_request", {}),
    (build_event("POST", "/api/verify", {"content-type": "application/json"}, b"{"), 400, "bad_request", {}),
    (build_event("POST", "/api/verify", {"content-type": "application/json"}, b"[" * 9 + b"]" * 9), 400,
     "bad_request", {}),
    (build_event("POST", "/api/verify", {"content-type": "application/json"}, b"\xff", base64_body=True), 400,
     "bad_request", {}),
    (build_event("POST", "/api/verify", {"content-type": "application/json"}, b"{}" + b" " * 5000), 413,
     "too_large", {}),
], ids=["not-found", "method", "unsupported", "not-an-object", "broken-json", "too-deep", "not-utf8", "too-large"])
def test_each_refused_request_gets_its_json_answer_and_one_audit_line(
        sqlite_app: tuple[App, FakeClock], caplog: pytest.LogCaptureFixture, event: dict[str, Any], status: int,
        kind: str, extra: dict[str, str]) -> None:
    app, clock = sqlite_app
    caplog.set_level(logging.INFO, logger=AUDIT)
    event["requestContext"]["requestId"] = "req-9"
    result = app(event)
    assert result["statusCode"] == status
    assert result["headers"] == {**BASE_HEADERS, "Content-Type": "application/json; charset=utf-8", **extra}
    assert _json(result) == {"status": kind, "message": MESSAGES[kind]}
    lines = _audit(caplog)
    assert [{k: a[k] for k in ("outcome", "status", "guarantee_number", "client_network", "request_id")}
            for a in lines] == [{"outcome": kind, "status": status, "guarantee_number": None,
                                 "client_network": "127.0.0.0/24", "request_id": "req-9"}]
    assert clock.slept == []


def test_a_refused_request_believes_the_viewer_header_as_the_guard_says(sqlite_app: tuple[App, FakeClock],
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    app, _ = sqlite_app
    caplog.set_level(logging.INFO, logger=AUDIT)
    event = build_event("GET", "/api/verify", {"cloudfront-viewer-address": "203.0.113.5:443"})
    assert app(event)["statusCode"] == 405
    assert _audit(caplog)[0]["client_network"] == "203.0.113.0/24"


def test_an_unreadable_body_believes_the_viewer_header_as_the_guard_says(sqlite_app: tuple[App, FakeClock],
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN no origin secret (the guard believes the viewer header locally) WHEN a body is not valid base64
    # THEN the 400's audit line names the viewer's network, not the connection's
    app, _ = sqlite_app
    caplog.set_level(logging.INFO, logger=AUDIT)
    event = build_event("POST", "/api/verify", {"content-type": "application/json",
                                                "cloudfront-viewer-address": "203.0.113.5:443"}, b"{}")
    event.update(body="%%%", isBase64Encoded=True)
    assert app(event)["statusCode"] == 400
    assert [(a["outcome"], a["client_network"]) for a in _audit(caplog)] == [("bad_request", "203.0.113.0/24")]


def test_json_fields_that_are_not_text_count_as_missing(sqlite_app: tuple[App, FakeClock]) -> None:
    app, _ = sqlite_app
    result = app(json_event({"guarantee_number": 2099000101, "access_key": KEY}))
    assert result["statusCode"] == 400
    assert _json(result)["errors"] == [{"field": "guarantee_number", "message": "保証契約番号を入力してください。"}]
    assert app(build_event("POST", "/api/verify", {"content-type": "application/json"}, b""))["statusCode"] == 400


def test_the_json_answers_of_a_lookup(sqlite_app: tuple[App, FakeClock], caplog: pytest.LogCaptureFixture) -> None:
    app, _ = sqlite_app
    caplog.set_level(logging.INFO, logger=AUDIT)
    wrong = app(json_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY23456789"}))
    assert (wrong["statusCode"], _json(wrong)) == (400, {"status": "no_match", "message": MESSAGES["no_match"]})
    assert wrong["headers"] == {**BASE_HEADERS, "Content-Type": "application/json; charset=utf-8"}
    invalid = app(json_event({"guarantee_number": "12", "access_key": ""}))
    assert invalid["statusCode"] == 400 and _json(invalid)["status"] == "invalid"
    assert _json(invalid)["message"] == MESSAGES["invalid"]
    assert [e["field"] for e in _json(invalid)["errors"]] == ["guarantee_number", "access_key"]
    shown = app(json_event({"guarantee_number": NUMBER, "access_key": KEY}))
    body = _json(shown)
    assert shown["statusCode"] == 200 and body["status"] == "shown" and body["view"]["first_view"] is True
    assert body["certificate"]["guarantee_number"] == NUMBER and isinstance(body["html"], str)
    lines = _audit(caplog)
    assert [(a["outcome"], a["status"]) for a in lines] == [("no_match", 400), ("invalid", 400), ("shown", 200)]
    assert lines[0]["known_number"] is True and lines[0]["guarantee_number"] == NUMBER
    assert lines[2]["first_view"] is True and lines[2]["version"] == 1
    assert "known_number" not in lines[2] and "first_view" not in lines[0] and lines[1]["guarantee_number"] is None


def test_a_store_that_fails_gives_503_with_its_retry(sqlite_app: tuple[App, FakeClock],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_verify.stores.base import StoreUnavailable

    app, _ = sqlite_app

    def down(*args: Any) -> Any:
        raise StoreUnavailable("down", retry_after=7)

    monkeypatch.setattr(app.service.store, "read", down)
    result = app(json_event({"guarantee_number": NUMBER, "access_key": KEY}))
    assert result["statusCode"] == 503 and result["headers"]["Retry-After"] == "7"
    assert _json(result) == {"status": "unavailable", "message": MESSAGES["unavailable"], "retry_after": 7}


def test_a_lookup_that_breaks_gives_503_and_is_audited_as_an_error(
        sqlite_app: tuple[App, FakeClock], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    app, clock = sqlite_app
    caplog.set_level(logging.INFO)

    def broken(*args: Any) -> Any:
        raise KeyError("bug")

    monkeypatch.setattr(app.service, "lookup", broken)
    result = app(json_event({"guarantee_number": NUMBER, "access_key": KEY}))
    assert result["statusCode"] == 503 and result["headers"]["Retry-After"] == "5"
    assert _json(result)["retry_after"] == 5
    assert [(a["outcome"], a["status"]) for a in _audit(caplog)] == [("error", 503)]
    assert "lookup failed" in [r.getMessage() for r in caplog.records if r.name == "lambda_verify.handler"]
    assert clock.slept == []


def test_build_event_without_a_body_sends_an_empty_one() -> None:
    event = build_event("GET", "/", {})
    assert (event["body"], event["isBase64Encoded"]) == ("", True)
    assert build_event("GET", "/", {"content-type": "text/plain"})["body"] == ""


def test_build_event_reads_the_media_type_before_every_parameter() -> None:
    event = build_event("POST", "/", {"content-type": "application/json; charset=utf-8; profile=x"}, b"{}")
    assert (event["body"], event["isBase64Encoded"]) == ("{}", False)


def test_build_event_writes_its_time_in_utc_whatever_the_machines_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    try:
        ctx = build_event("GET", "/", {})["requestContext"]
        assert time.strftime("%d/%b/%Y:%H:%M", time.gmtime(ctx["timeEpoch"] / 1000)) == ctx["time"][:17]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


# --- last resorts and what they log -----------------------------------------------------------------

from .support import outline  # noqa: E402

HANDLER_LOG = "lambda_verify.handler"


def _handler_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str, str | None]]:
    """Each line the handler logged: level, message and the type of the exception it carries (None without)."""
    return [(r.levelno, r.getMessage(), type(r.exc_info[1]).__name__ if r.exc_info else None)
            for r in caplog.records if r.name == HANDLER_LOG]


def _audit_breaks(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**kwargs: Any) -> None:
        raise OSError("log sink full")

    monkeypatch.setattr(handler_module, "record_lookup", broken)


def test_a_store_that_cannot_close_is_logged_at_debug_with_its_traceback(
        environment: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN an App whose store fails to close WHEN reset THEN one debug line says so, with the exception
    app = get_app()

    def broken() -> None:
        raise OSError("cannot close")

    monkeypatch.setattr(app.service.store, "close", broken)
    caplog.set_level(logging.DEBUG, logger=HANDLER_LOG)
    reset()
    assert _handler_lines(caplog) == [(logging.DEBUG, "closing the store failed", "OSError")]


def test_a_store_that_cannot_open_is_logged_with_its_traceback(
        environment: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    _store_cannot_open(monkeypatch)
    caplog.set_level(logging.INFO)
    assert handler(json_event({"guarantee_number": NUMBER, "access_key": KEY}))["statusCode"] == 503
    assert _handler_lines(caplog) == [(logging.ERROR, "cannot open the certificate store", "RuntimeError")]


def test_an_audit_that_fails_when_the_store_cannot_open_is_logged(
        environment: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    _store_cannot_open(monkeypatch)
    _audit_breaks(monkeypatch)
    caplog.set_level(logging.INFO)
    assert handler(json_event({"guarantee_number": NUMBER, "access_key": KEY}))["statusCode"] == 403
    assert _handler_lines(caplog) == [(logging.ERROR, "cannot open the certificate store", "RuntimeError"),
                                      (logging.ERROR, "audit log failed", "OSError")]


@pytest.mark.parametrize("event", [
    json_event({"guarantee_number": NUMBER, "access_key": KEY}),
    build_event("GET", "/api/verify", {"accept": "application/json"}),
], ids=["lookup", "refused-early"])
def test_an_audit_that_fails_is_logged_and_the_answer_still_given(
        sqlite_app: tuple[App, FakeClock], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        event: dict[str, Any]) -> None:
    app, _ = sqlite_app
    _audit_breaks(monkeypatch)
    caplog.set_level(logging.INFO)
    assert app(event)["statusCode"] in (200, 405)
    assert _handler_lines(caplog) == [(logging.ERROR, "audit log failed", "OSError")]


def test_a_lookups_audit_line_carries_the_events_request_id(sqlite_app: tuple[App, FakeClock],
                                                            caplog: pytest.LogCaptureFixture) -> None:
    app, _ = sqlite_app
    caplog.set_level(logging.INFO, logger=AUDIT)
    event = json_event({"guarantee_number": NUMBER, "access_key": KEY})
    event["requestContext"]["requestId"] = "req-lookup-1"
    assert app(event)["statusCode"] == 200
    assert [(a["outcome"], a["request_id"]) for a in _audit(caplog)] == [("shown", "req-lookup-1")]


def test_an_event_that_is_not_a_mapping_is_answered_as_an_empty_one(sqlite_app: tuple[App, FakeClock]) -> None:
    # GIVEN an event that is not a mapping WHEN the App answers it THEN it is the empty event's 404, not a 503
    app, _ = sqlite_app
    for event in (None, ["POST"], "POST /api/verify"):
        assert app(event)["statusCode"] == 404


def test_a_break_outside_the_lookup_gets_the_full_503_page_and_an_error_line(
        sqlite_app: tuple[App, FakeClock], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN the App breaks before any lookup WHEN a form is posted THEN the rendered 503 page (with its stylesheet
    # and the form) answers, and the audit line names the viewer's network from the headers
    app, _ = sqlite_app

    def broken(*args: Any) -> Any:
        raise KeyError("bug")

    monkeypatch.setattr(app, "_serve", broken)
    caplog.set_level(logging.INFO, logger=AUDIT)
    event = form_event({"guarantee_number": NUMBER, "access_key": KEY},
                       headers={"cloudfront-viewer-address": "203.0.113.5:443"})
    result = app(event)
    assert result["statusCode"] == 503 and result["headers"]["Retry-After"] == "5"
    page = outline(result["body"], keep=("rel", "name"))
    assert "<link rel=stylesheet>" in page and "<input name=guarantee_number>" in page
    assert [(a["outcome"], a["status"], a["client_network"]) for a in _audit(caplog)] == [
        ("error", 503, "198.51.100.0/24")]


def test_a_refusal_before_the_lookup_audits_the_connection_address_and_a_text_request_id(
        sqlite_app: tuple[App, FakeClock], caplog: pytest.LogCaptureFixture) -> None:
    app, _ = sqlite_app
    caplog.set_level(logging.INFO, logger=AUDIT)
    event = build_event("GET", "/api/verify", {"accept": "application/json"}, source_ip="203.0.113.77")
    event["requestContext"]["requestId"] = 12345
    assert app(event)["statusCode"] == 405
    odd = build_event("GET", "/api/verify", {"accept": "application/json"})
    odd["requestContext"]["http"]["sourceIp"] = 203
    assert app(odd)["statusCode"] == 405
    assert [(a["client_network"], a["request_id"]) for a in _audit(caplog)] == [
        ("203.0.113.0/24", None), ("unknown", odd["requestContext"]["requestId"])]


@pytest.mark.parametrize("event, status", [
    (build_event("POST", "/api/verify", {"content-type": "text/plain"}, b"x"), 415),
    (build_event("POST", "/api/verify", {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"},
                 b"\xff", base64_body=True), 400),
    (build_event("GET", "/api/verify", {"accept": "text/html"}), 405),
], ids=["unsupported", "bad-request", "method"])
def test_a_refused_page_offers_the_form_again(sqlite_app: tuple[App, FakeClock], event: dict[str, Any],
                                              status: int) -> None:
    app, _ = sqlite_app
    result = app(event)
    assert result["statusCode"] == status
    assert "<form>" in outline(result["body"], keep=())


def test_a_not_found_page_offers_no_form(sqlite_app: tuple[App, FakeClock]) -> None:
    app, _ = sqlite_app
    result = app(build_event("POST", "/elsewhere", {"content-type": "text/plain", "accept": "text/html"}, b"x"))
    assert result["statusCode"] == 404 and "<form>" not in outline(result["body"], keep=())


def test_an_invalid_form_keeps_at_most_100_typed_characters_and_nothing_when_none_was_typed(
        sqlite_app: tuple[App, FakeClock]) -> None:
    app, _ = sqlite_app
    long = app(form_event({"guarantee_number": "1" * 150, "access_key": KEY}))
    short = app(form_event({"access_key": KEY}))
    values = [[item for item in outline(r["body"], keep=("name", "value")) if item.startswith(
        "<input name=guarantee_number")] for r in (long, short)]
    assert (long["statusCode"], short["statusCode"]) == (400, 400)
    assert values == [[f"<input name=guarantee_number value={'1' * 100}>"], ["<input name=guarantee_number>"]]


def test_a_repeated_form_field_counts_by_its_first_value_even_when_blank(sqlite_app: tuple[App, FakeClock]) -> None:
    app, _ = sqlite_app
    body = f"guarantee_number=&guarantee_number={NUMBER}&access_key={KEY}".encode()
    result = app(form_event(body, headers={"accept": "application/json"}))
    assert result["statusCode"] == 400 and _json(result)["status"] == "invalid"


def test_a_shown_json_answer_says_when_it_was_looked_up(sqlite_app: tuple[App, FakeClock]) -> None:
    app, _ = sqlite_app
    body = _json(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))
    # T0 is 2026-09-21 14:21:00 UTC: 23:21 in Japan
    assert body["looked_up_at"] == "2026-09-21T23:21:00+09:00" == body["view"]["first_viewed_at"]


def test_with_a_table_named_the_app_runs_over_dynamodb(environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_verify.stores.dynamodb import DynamoDbStore

    monkeypatch.setenv("CERTIFICATES_TABLE", "certificates-prod")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    store = get_app().service.store
    assert isinstance(store, DynamoDbStore) and store.table == "certificates-prod"


def test_a_dynamodb_store_uses_the_client_it_is_given() -> None:
    from lambda_verify.stores.dynamodb import DynamoDbStore

    client = object()
    assert DynamoDbStore("t", client=client).client is client
