"""The handler over both stores: JSON and form lookups, base64 bodies, the identical-answer rule, the
first view (one conditional write, then read-only lookups), the audit log as the record of views,
and every request it must refuse with a short 4xx."""

from __future__ import annotations

import base64
import json
import logging
import statistics
import time
from typing import Any

import pytest

from lambda_verify.clock import SystemClock
from lambda_verify.events import build_event
from lambda_verify.handler import App
from lambda_verify.messages import MESSAGES, TITLES
from lambda_verify.security import SECURITY_HEADERS
from lambda_verify.stores.base import StoreUnavailable

from .support import (
    EJCS_KEY,
    EJCS_NUMBER,
    KEY,
    NUMBER,
    FakeClock,
    body_json,
    certificate_doc,
    form_event,
    json_event,
    make_app,
    outline,
    put_certificate,
)


def test_json_lookup_shows_the_certificate(lookup: Any) -> None:
    result = lookup("２０９９０００１０１", " K7QW-MP3R-X9TB-4HNC ")
    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"] == "application/json; charset=utf-8"
    data = body_json(result)
    assert data["status"] == "shown"
    assert data["guarantee_number"] == NUMBER
    cert = data["certificate"]
    assert cert["certificate_type"] == "advance_payment"
    assert [v["seq"] for v in cert["versions"]] == [0, 1]
    assert "<article" in data["html"] and "保証証書（前払金保証）" in data["html"]
    assert data["view"]["first_view"] is True
    assert "電子証書の到達日時（初回閲覧）" in data["html"] and "回目" not in data["html"]
    assert KEY not in result["body"]


def test_ejcs_number_typed_with_a_long_vowel_mark(lookup: Any) -> None:
    result = lookup("99001ー000101", EJCS_KEY)
    assert result["statusCode"] == 200, result["body"]
    assert body_json(result)["guarantee_number"] == EJCS_NUMBER


def test_form_post_gets_a_printable_page(app: App) -> None:
    result = app(form_event({"guarantee_number": NUMBER, "access_key": KEY}))
    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"] == "text/html; charset=utf-8"
    html = result["body"]
    assert html.startswith("<!doctype html>") and '<html lang="ja">' in html
    assert "/theme/css/certificate.css" in html
    assert "照会日時" in html and "日本時間" in html


@pytest.mark.parametrize("kind", ["json", "form"])
def test_base64_bodies_are_decoded(app: App, kind: str) -> None:
    fields = {"guarantee_number": NUMBER, "access_key": KEY}
    event = json_event(fields, base64_body=True) if kind == "json" else form_event(fields, base64_body=True)
    assert event["isBase64Encoded"] is True
    assert app(event)["statusCode"] == 200


def test_form_body_in_shift_jis_is_refused_politely(app: App) -> None:
    result = app(form_event("guarantee_number=２０９９".encode("cp932"), base64_body=True))
    assert result["statusCode"] == 400
    assert "Traceback" not in result["body"]


@pytest.mark.parametrize("make", [json_event, form_event], ids=["json", "form"])
@pytest.mark.parametrize("typed, stored_number, right_key", [
    ("2099000101", NUMBER, KEY),
    ("２０９９０００１０１", NUMBER, KEY),
    (" 99001ー000101 ", EJCS_NUMBER, EJCS_KEY),
], ids=["ascii", "full-width", "ejcs-long-vowel-mark"])
def test_wrong_key_and_unknown_number_get_identical_answers(store: Any, clock: FakeClock, make: Any, typed: str,
                                                            stored_number: str, right_key: str) -> None:
    """The same typed number, first unknown, then stored and asked with a wrong key: byte-identical answers.

    Nothing is removed before comparing: status, every header and the whole body must be the same.
    """
    app = make_app(store, clock)
    request = {"guarantee_number": typed, "access_key": "WRONGKEY2345"}
    unknown = app(make(request, ip="203.0.113.10"))
    put_certificate(store, certificate_doc(stored_number), right_key)
    wrong = app(make(request, ip="203.0.113.10"))
    assert (wrong["statusCode"], wrong["headers"], wrong["body"]) == \
           (unknown["statusCode"], unknown["headers"], unknown["body"])
    assert wrong == unknown
    # Both are the no-match answer (not some other refusal the two happen to share) ...
    assert wrong["statusCode"] == 400
    if make is json_event:
        assert body_json(wrong) == {"status": "no_match", "message": MESSAGES["no_match"]}
    else:
        assert wrong["headers"]["Content-Type"] == "text/html; charset=utf-8"
        assert TITLES["no_match"] in wrong["body"] and MESSAGES["no_match"] in wrong["body"]
        assert f'value="{stored_number}"' in wrong["body"]  # the form is filled in again with the number
    # ... and the second one really asked a stored certificate: its right key shows it.
    shown = app(make({"guarantee_number": typed, "access_key": right_key}, ip="203.0.113.10"))
    assert shown["statusCode"] == 200, shown["body"]


def test_unknown_and_wrong_pages_are_byte_identical_for_the_same_input(store: Any, clock: FakeClock) -> None:
    """The same typed number, once unknown and once known with a wrong key: byte-identical answers."""
    app = make_app(store, clock)
    before = app(form_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY2345"}, ip="203.0.113.20"))
    before_json = app(json_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY2345"}, ip="203.0.113.22"))
    put_certificate(store, certificate_doc(), KEY)
    after = app(form_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY2345"}, ip="203.0.113.21"))
    after_json = app(json_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY2345"}, ip="203.0.113.23"))
    assert (before["statusCode"], before["headers"], before["body"]) == \
           (after["statusCode"], after["headers"], after["body"])
    assert before_json == after_json
    assert after["statusCode"] == after_json["statusCode"] == 400
    assert body_json(after_json)["status"] == "no_match"


def test_failures_take_the_same_time_with_a_fake_clock(store: Any, clock: FakeClock) -> None:
    """With a configured floor every failed lookup is held to the same duration, whatever the store did."""
    put_certificate(store, certificate_doc(), KEY)
    app = make_app(store, clock, floor=0.25)
    for number in (NUMBER, "2099000777"):
        clock.slept.clear()
        start = clock.monotonic()
        result = app(json_event({"guarantee_number": number, "access_key": "WRONGKEY2345"}))
        assert result["statusCode"] == 400
        assert clock.monotonic() - start == pytest.approx(0.25)


def test_failures_take_the_same_time_with_the_real_clock(sqlite_store: Any) -> None:
    """Measured on the real clock: unknown number and wrong key, interleaved, end up equally long.

    Only over SQLite: timing moto_server on a busy two-core machine measures the machine. The fake-clock
    test above shows the rule for both stores; bench/bench_verify.py reports real timings of both.
    """
    clock = SystemClock()
    app = make_app(sqlite_store, clock, floor=0.1)
    put_certificate(sqlite_store, certificate_doc(), KEY)
    times: dict[str, list[float]] = {"wrong": [], "unknown": []}
    for i in range(8):
        for kind, number in (("wrong", NUMBER), ("unknown", "2099000888")):
            event = json_event({"guarantee_number": number, "access_key": "WRONGKEY2345"}, ip=f"203.0.113.{30 + i}")
            start = time.perf_counter()
            assert app(event)["statusCode"] == 400
            times[kind].append(time.perf_counter() - start)
    assert min(times["wrong"] + times["unknown"]) >= 0.1
    assert abs(statistics.median(times["wrong"]) - statistics.median(times["unknown"])) < 0.03


def test_success_is_not_slowed_down(app: App, clock: FakeClock) -> None:
    clock.slept.clear()
    assert app(json_event({"guarantee_number": NUMBER, "access_key": KEY}))["statusCode"] == 200
    assert clock.slept == []


def test_first_view_is_recorded_once_and_later_lookups_only_read(app: App, store: Any, clock: FakeClock,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[tuple[str, str]] = []
    record_first_view = store.record_first_view

    def spy(number: str, at: str) -> Any:
        writes.append((number, at))
        return record_first_view(number, at)

    monkeypatch.setattr(store, "record_first_view", spy)
    first = body_json(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))
    clock.advance(3600)
    second = body_json(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))
    assert first["view"]["first_viewed_at"] == second["view"]["first_viewed_at"] == "2026-09-21T23:21:00+09:00"
    assert (first["view"]["first_view"], second["view"]["first_view"]) == (True, False)
    assert "今回の照会" in first["html"] and "今回の照会" not in second["html"]
    assert writes == [(NUMBER, "2026-09-21T14:21:00Z")]  # one write, on the first view only
    assert store.get(NUMBER).first_viewed_at == "2026-09-21T14:21:00Z"
    assert store.get(EJCS_NUMBER).first_viewed_at is None  # a failed or no lookup records nothing


def test_a_lookup_on_dynamodb_makes_exactly_these_requests(dynamodb_store: Any, clock: FakeClock) -> None:
    """Read, count the attempt (2 conditional writes), compare; a right key gives the slots back and reads
    the document; only the very first success also writes the first view."""
    put_certificate(dynamodb_store, certificate_doc(), KEY)
    app = make_app(dynamodb_store, clock)
    calls: list[str] = []
    dynamodb_store.client.meta.events.register("before-call.dynamodb.*",
                                               lambda model, **kw: calls.append(model.name))
    lookup = json_event({"guarantee_number": NUMBER, "access_key": KEY})
    assert app(lookup)["statusCode"] == 200
    assert calls == ["BatchGetItem", "UpdateItem", "UpdateItem", "UpdateItem", "UpdateItem", "GetItem", "UpdateItem"]
    calls.clear()
    for _ in range(3):
        assert app(lookup)["statusCode"] == 200
    assert calls == ["BatchGetItem", "UpdateItem", "UpdateItem", "UpdateItem", "UpdateItem", "GetItem"] * 3
    calls.clear()
    assert app(json_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY2345"}))["statusCode"] == 400
    assert calls == ["BatchGetItem", "UpdateItem", "UpdateItem"]


@pytest.mark.parametrize("store_name", ["sqlite", "dynamodb"])
def test_unknown_number_and_wrong_key_make_the_same_store_requests(store_name: str, clock: FakeClock,
                                                                   request: pytest.FixtureRequest) -> None:
    """Equal timing by equal work, not by sleeping: the same operations with requests of the same size."""
    store = request.getfixturevalue(f"{store_name}_store")
    put_certificate(store, certificate_doc(), KEY)
    app = make_app(store, clock)
    trace: list[tuple[str, int]] = []
    if store_name == "dynamodb":
        def record(model: Any, params: dict[str, Any], **kw: Any) -> None:
            trace.append((model.name, len(params.get("body") or b"")))
        store.client.meta.events.register("before-call.dynamodb.*", record)
    else:
        conn = store._conn()
        conn.set_trace_callback(lambda sql: trace.append((sql.split()[0], len(sql))))

    def run(number: str, ip: str) -> list[tuple[str, int]]:
        trace.clear()
        result = app(json_event({"guarantee_number": number, "access_key": "WRONGKEY2345"}, ip=ip))
        assert result["statusCode"] == 400
        return list(trace)

    known = run(NUMBER, "203.0.113.61")
    unknown = run("2099000888", "203.0.113.62")
    assert known == unknown and len(known) >= 2
    assert clock.slept == []


def test_key_is_never_stored_in_clear(app: App, store: Any) -> None:
    stored = store.get(NUMBER)
    assert KEY not in stored.key_hash and KEY not in stored.document


def test_audit_log_keeps_neither_key_nor_full_address(app: App, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    viewer = {"cloudfront-viewer-address": "203.0.113.77:51234"}
    app(json_event({"guarantee_number": NUMBER, "access_key": KEY}, headers=viewer))
    app(json_event({"guarantee_number": NUMBER, "access_key": "WRONGKEY2345"}, headers=viewer))
    app(json_event({"guarantee_number": "2099000999", "access_key": "WRONGKEY2345"}, headers=viewer))
    audit = [json.loads(r.getMessage()) for r in caplog.records if r.name == "lambda_verify.audit"]
    assert [a["outcome"] for a in audit] == ["shown", "no_match", "no_match"]
    assert audit[0]["first_view"] is True and audit[0]["version"] == 1
    assert "view_count" not in audit[0]
    assert [a.get("known_number") for a in audit[1:]] == [True, False]
    assert {a["client_network"] for a in audit} == {"203.0.113.0/24"}
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (KEY, "WRONGKEY2345", "203.0.113.77", "198.51.100.7"):
        assert secret not in everything


def test_views_are_counted_from_the_audit_log(app: App, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    """Every success line names the number and the outcome, so counting lines counts views."""
    caplog.set_level(logging.INFO, logger="lambda_verify.audit")
    for number, key in ((NUMBER, KEY), (NUMBER, KEY), (EJCS_NUMBER, EJCS_KEY), (NUMBER, "WRONGKEY2345"),
                        (NUMBER, KEY)):
        app(json_event({"guarantee_number": number, "access_key": key}))
        clock.advance(60)
    records = [r for r in caplog.records if r.name == "lambda_verify.audit"]
    lines = [json.loads(r.getMessage()) for r in records]
    views: dict[str, int] = {}
    for line in lines:
        if line["outcome"] == "shown":
            views[line["guarantee_number"]] = views.get(line["guarantee_number"], 0) + 1
    assert views == {NUMBER: 3, EJCS_NUMBER: 1}
    assert [line["first_view"] for line in lines if line["outcome"] == "shown"] == [True, False, True, False]
    # The same entry rides on the record for Lambda's JSON log format (Logs Insights: audit.outcome).
    assert [r.audit for r in records] == lines


def test_every_answer_carries_the_security_headers_and_no_store(lookup: Any) -> None:
    for result in (lookup(NUMBER, KEY), lookup(NUMBER, "WRONGKEY2345"), lookup("1", "")):
        for name, value in SECURITY_HEADERS.items():
            assert result["headers"][name] == value
        assert result["headers"]["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in result["headers"]


@pytest.mark.parametrize("fields, bad", [
    ({"guarantee_number": "12345", "access_key": KEY}, ["guarantee_number"]),
    ({"guarantee_number": NUMBER, "access_key": "ab"}, ["access_key"]),
    ({"guarantee_number": "", "access_key": ""}, ["guarantee_number", "access_key"]),
    ({"access_key": KEY}, ["guarantee_number"]),
    ({"guarantee_number": 2099000101, "access_key": KEY}, ["guarantee_number"]),
])
def test_malformed_input_gets_400_naming_the_field(app: App, fields: dict, bad: list[str]) -> None:
    result = app(json_event(fields))
    assert result["statusCode"] == 400
    data = body_json(result)
    assert data["status"] == "invalid"
    assert [e["field"] for e in data["errors"]] == bad
    labels = {"guarantee_number": "保証契約番号", "access_key": "認証キー"}
    assert all(labels[e["field"]] in e["message"] for e in data["errors"])


def test_malformed_form_input_marks_the_field_on_the_page(app: App) -> None:
    result = app(form_event({"guarantee_number": "12345", "access_key": KEY}))
    assert result["statusCode"] == 400
    html = result["body"]
    assert 'id="guarantee_number-error">保証契約番号の形式が違います' in html
    assert 'aria-invalid="true"' in html and 'value="12345"' in html
    assert KEY not in html  # the key is never echoed back


def _event(method: str = "POST", path: str = "/api/verify", ctype: str = "application/json",
           body: bytes = b"{}", **kw: Any) -> dict[str, Any]:
    headers = {"content-type": ctype} if ctype else {}
    return build_event(method, path, headers, body, **kw)


@pytest.mark.parametrize("event, status", [
    (_event("GET", body=b""), 405),
    (_event("PUT"), 405),
    (_event("HEAD", body=b""), 405),
    (_event("OPTIONS", body=b""), 405),
    (_event(path="/api/other"), 404),
    (_event(ctype="text/plain", body=b"guarantee_number=1"), 415),
    (_event(ctype="multipart/form-data; boundary=x", body=b"--x--"), 415),
    (_event(ctype=""), 415),
    (_event(body=b"{not json"), 400),
    (_event(body=b"[1, 2]"), 400),
    (_event(body=b"\xff\xfe"), 400),
    (_event(body=b"x" * 5000), 413),
    (_event(body=b"x" * 5000, base64_body=True), 413),
])
def test_requests_it_cannot_take_get_short_4xx(app: App, event: dict, status: int) -> None:
    result = app(event)
    assert result["statusCode"] == status
    assert "Traceback" not in result["body"] and "Error" not in result["body"]
    if status == 405:
        assert result["headers"]["Allow"] == "POST"


def test_invalid_base64_is_400(app: App) -> None:
    event = _event()
    event.update(body="not base64 at all!", isBase64Encoded=True)
    assert app(event)["statusCode"] == 400


def test_a_bug_answers_503_without_details(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("internal detail /secret/path")

    monkeypatch.setattr(app.service.store, "read", boom)
    result = app(json_event({"guarantee_number": NUMBER, "access_key": KEY}))
    assert result["statusCode"] == 503 and result["headers"]["Retry-After"]
    assert "secret" not in result["body"] and "Traceback" not in result["body"]


def test_cancelled_certificate_says_so(store: Any, clock: FakeClock) -> None:
    put_certificate(store, certificate_doc(cancellation={"on": "2026-10-15", "reason": "請負契約の解除による"}), KEY)
    app = make_app(store, clock)
    html = app(form_event({"guarantee_number": NUMBER, "access_key": KEY}))["body"]
    assert "この保証契約は解約されています。" in html and "令和8年10月15日" in html
    data = body_json(app(json_event({"guarantee_number": NUMBER, "access_key": KEY})))
    assert data["certificate"]["cancellation"]["on"] == "2026-10-15"
    assert "解約済み" in data["html"]


def test_base64_decoding_of_plain_text_body(app: App) -> None:
    body = json.dumps({"guarantee_number": NUMBER, "access_key": KEY}).encode()
    event = _event(body=body)
    event["body"] = base64.b64encode(body).decode()
    event["isBase64Encoded"] = True
    assert app(event)["statusCode"] == 200


def test_every_request_gets_exactly_one_audit_line(store: Any, clock: FakeClock,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    """Refused early (400/404/405/413/415/403) or not (200/400/429/503): one line each, no key, network only."""
    from lambda_verify.config import Settings
    from lambda_verify.limits import Limit, Limits
    from lambda_verify.service import LookupService

    put_certificate(store, certificate_doc(), KEY)
    app = make_app(store, clock, limits=Limits(client=Limit(1, 600), number=Limit(10, 600)))
    guarded = App(LookupService(store, clock), Settings(origin_secret="s" * 40), clock)
    secret_key = "ZQXW7K2MPL9RT3VB"
    post = {"content-type": "application/json"}
    events = [
        (app, json_event({"guarantee_number": NUMBER, "access_key": KEY}, ip="198.51.100.1"), 200, "shown"),
        (app, json_event({"guarantee_number": NUMBER, "access_key": secret_key}, ip="198.51.100.2"), 400, "no_match"),
        (app, json_event({"guarantee_number": NUMBER, "access_key": secret_key}, ip="198.51.100.2"), 429, "limited"),
        (app, json_event({"guarantee_number": "x", "access_key": secret_key}, ip="198.51.100.3"), 400, "invalid"),
        (app, build_event("POST", "/api/verify", post, b"{not json " + secret_key.encode()), 400, "bad_request"),
        (app, build_event("POST", "/api/verify", post, b"[" * 900 + b"]" * 900), 400, "bad_request"),
        (app, build_event("POST", "/api/nothing", post, b"{}"), 404, "not_found"),
        (app, build_event("GET", "/api/verify", {}, b""), 405, "method"),
        (app, build_event("POST", "/api/verify", post, b"x" * 5000), 413, "too_large"),
        (app, build_event("POST", "/api/verify", {"content-type": "text/plain"}, b"hi"), 415, "unsupported"),
        (guarded, json_event({"guarantee_number": NUMBER, "access_key": secret_key}), 403, "forbidden"),
        (app, {"headers": 5, "requestContext": [], "body": {"a": 1}}, 400, "bad_request"),
    ]
    for target, event, status, outcome in events:
        caplog.clear()
        caplog.set_level(logging.INFO, logger="lambda_verify.audit")
        result = target(event)
        assert result["statusCode"] == status, outcome
        lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "lambda_verify.audit"]
        assert len(lines) == 1, outcome
        line = lines[0]
        assert (line["outcome"], line["status"]) == (outcome, status)
        text = json.dumps(line)
        assert secret_key not in text and KEY not in text
        assert line["client_network"] in ("unknown", "198.51.100.0/24") or line["client_network"].endswith("/24")


def test_a_broken_renderer_still_answers_503(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail closed all the way down: lookup and page rendering both broken, the answer is the fixed 503."""
    import lambda_verify.rendering as rendering

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("template exploded")

    monkeypatch.setattr(app.service, "lookup", boom)
    monkeypatch.setattr(rendering, "render_message_page", boom)
    result = app(form_event({"guarantee_number": NUMBER, "access_key": KEY}))
    assert result["statusCode"] == 503 and result["headers"]["X-Frame-Options"] == "DENY"
    assert "exploded" not in result["body"] and "Traceback" not in result["body"]


# ---------------------------------------------------------------------- every refusal, written out whole
#
# A person without JavaScript reads these pages; each one is compared with its whole outline (every tag
# with all its attributes, every text, in order), so a wrong title, message, status, header, prefilled
# number or a missing form cannot pass. The outline is read against what the page must say, not copied.


def _full_outline(html: str) -> str:
    return " | ".join(outline(html))


def _page(title: str, kind: str, message: str, after: str) -> str:
    return (f"<html lang=ja> | <head> | <meta charset=utf-8> | <meta name=viewport content=width=device-width, "
            f"initial-scale=1> | <meta name=robots content=noindex> | <title> | {title} | 電子保証ガイド | <link "
            f"rel=stylesheet href=/theme/css/certificate.css> | <body class=lookup-answer> | <header "
            f"class=lookup-header> | <p class=lookup-header__site> | <a href=/> | 電子保証ガイド | <p "
            f"class=lookup-header__back> | <a href=/lookup/> | 電子証書の確認ページへ | <main id=main "
            f"class=lookup-main> | <h1> | {title} | <div class=lookup-message lookup-message--{kind} role=alert> | "
            f"<p> | {message} | {after} | <script src=/theme/js/lookup.js defer>")


_NUMBER_HINT = ("西日本建設業保証は10桁の数字（例: 2070004426）、東日本建設業保証は5桁-6桁の数字（例: 00000-000000。"
                "ハイフンは省いても構いません）です。")
_KEY_HINT = "お知らせに記載の半角英数字です。大文字と小文字を区別します。"


def _error_marks(error: str) -> tuple[str, str]:
    """The field's extra class and the input's extra attribute when the field has an error."""
    return (" lookup-field--error", " aria-invalid=true") if error else ("", "")


def _form(number: str | None, number_error: str = "", key_error: str = "") -> str:
    value = f" value={number}" if number else ""
    nerr, kerr = _error_marks(number_error), _error_marks(key_error)
    return (f"<form class=lookup-form method=post action=/api/verify data-lookup-form> | <div class=lookup-field"
            f"{nerr[0]}> | <label for=guarantee_number> | 保証契約番号 | <p class=lookup-hint id=guarantee_number-hint>"
            f" | {_NUMBER_HINT} | <input id=guarantee_number name=guarantee_number type=text autocomplete=off "
            f"spellcheck=false required maxlength=100{value} aria-describedby=guarantee_number-hint "
            f"guarantee_number-error{nerr[1]} inputmode=text> | <p class=lookup-error id=guarantee_number-error> | "
            f"{number_error + ' | ' if number_error else ''}<div class=lookup-field{kerr[0]}> | <label for=access_key> | "
            f"認証キー | <p class=lookup-hint id=access_key-hint> | {_KEY_HINT} | <input id=access_key name=access_key "
            f"type=text autocomplete=off spellcheck=false required maxlength=100 aria-describedby=access_key-hint "
            f"access_key-error{kerr[1]} class=lookup-key autocapitalize=off> | <p class=lookup-error id=access_key-error>"
            f" | {key_error + ' | ' if key_error else ''}<p> | <button type=submit class=lookup-submit> | 電子証書を表示")


_LIMITED = ("照会の失敗が続いたため、しばらく照会できません。約10分後にもう一度お試しください。"
            "保証契約番号と認証キーは、お知らせの記載をもう一度ご確認ください。")
_NO_MATCH = ("保証契約番号または認証キーが正しくありません。「電子証書閲覧用「認証キー」等のお知らせ」・「電子保証にかかる"
             "「認証キー」のお知らせ」に記載のとおりに入力されているか確かめてください。認証キーは大文字と小文字を区別します。")
_UNAVAILABLE = "ただいま照会を受け付けられません。少し時間をおいて、もう一度お試しください。"
_BACK = "<p> | <a href=/lookup/> | 電子証書の確認ページへ"
_FORM_POST = {"accept": "text/html", "content-type": "application/x-www-form-urlencoded"}
_WRONG = {"guarantee_number": NUMBER, "access_key": "WRONGKEY23456789"}


def _broken(*_: Any, **__: Any) -> Any:
    raise RuntimeError("internal detail")


def _store_unavailable(*_: Any, **__: Any) -> Any:
    raise StoreUnavailable("test", retry_after=7)


@pytest.fixture
def tight_app(sqlite_store: Any, clock: FakeClock) -> App:
    """One attempt per client in ten minutes: the second wrong key of an address is limited."""
    from lambda_verify.limits import Limit, Limits

    put_certificate(sqlite_store, certificate_doc(), KEY)
    return make_app(sqlite_store, clock, limits=Limits(client=Limit(1, 600), number=Limit(5, 600)))


@pytest.mark.parametrize(("events", "status", "headers", "expected"), [
    pytest.param([form_event({"guarantee_number": "12ab", "access_key": ""})], 400, {}, _page(
        "入力内容を確認してください", "invalid", "入力内容に誤りがあります。各項目の説明をご確認ください。",
        _form("12ab", "保証契約番号の形式が違います。" + _NUMBER_HINT, "認証キーを入力してください。")), id="invalid"),
    pytest.param([form_event(_WRONG)], 400, {}, _page(
        "電子証書を表示できませんでした", "no_match", _NO_MATCH, _form(NUMBER)), id="no-match"),
    pytest.param([form_event(_WRONG), form_event(_WRONG)], 429, {"Retry-After": "600"}, _page(
        "しばらく照会できません", "limited", _LIMITED, _form(NUMBER)), id="limited"),
    pytest.param([build_event("GET", "/api/verify", {"accept": "text/html"}, b"")], 405, {"Allow": "POST"}, _page(
        "このページは照会フォームの送信先です", "method",
        "電子証書の確認ページから、保証契約番号と認証キーを入力して照会してください。", _form(None)), id="method"),
    pytest.param([build_event("POST", "/api/other", _FORM_POST, b"")], 404, {}, _page(
        "ページが見つかりません", "not_found", "お探しのページは見つかりませんでした。", _BACK), id="not-found"),
])
def test_each_refused_form_post_gets_its_whole_page(tight_app: App, events: list[dict[str, Any]], status: int,
                                                    headers: dict[str, str], expected: str) -> None:
    for event in events:
        result = tight_app(event)
    assert result["statusCode"] == status
    assert {k: result["headers"][k] for k in headers} == headers
    assert result["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert set(result["headers"]) - set(headers) == {"Content-Type", "Cache-Control", "X-Robots-Tag",
                                                     *SECURITY_HEADERS}
    assert _full_outline(result["body"]) == expected


def test_a_store_fault_on_a_form_post_gets_the_unavailable_page(tight_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a store that cannot answer WHEN a form lookup is posted THEN 503, Retry-After 5, and the page says so
    above the form, with the typed number kept."""
    monkeypatch.setattr(tight_app.service.store, "read", _store_unavailable)
    result = tight_app(form_event(_WRONG))
    assert (result["statusCode"], result["headers"]["Retry-After"]) == (503, "7")
    assert _full_outline(result["body"]) == _page("ただいま照会できません", "unavailable", _UNAVAILABLE, _form(NUMBER))


def test_the_json_answers_of_a_limit_and_a_fault_are_exact(tight_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    tight_app(json_event(_WRONG))
    limited = tight_app(json_event(_WRONG))
    assert (limited["statusCode"], limited["headers"]["Retry-After"]) == (429, "600")
    assert json.loads(limited["body"]) == {"status": "limited", "message": _LIMITED, "retry_after": 600}
    monkeypatch.setattr(tight_app.service.store, "read", _store_unavailable)
    failed = tight_app(json_event(_WRONG, ip="203.0.113.9"))
    assert (failed["statusCode"], failed["headers"]["Retry-After"]) == (503, "7")
    assert json.loads(failed["body"]) == {"status": "unavailable", "message": _UNAVAILABLE, "retry_after": 7}


def _audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "lambda_verify.audit"]


_VIEWER = {"cloudfront-viewer-address": "203.0.113.5:443"}
_UNAVAILABLE_JSON = {"status": "unavailable", "message": _UNAVAILABLE, "retry_after": 5}


def test_a_bug_before_the_lookup_answers_the_503_and_is_audited_as_an_error(
        tight_app: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN serving breaks outside the lookup WHEN a JSON request comes THEN the 503 answer with Retry-After 5,
    one "lookup failed" error with its traceback, and one audit line (error, 503) from the connection's address,
    never from a viewer header that nobody vouched for."""
    monkeypatch.setattr(tight_app, "_serve", _broken)
    caplog.set_level(logging.INFO)
    event = json_event(_WRONG, ip="198.51.100.7", headers=_VIEWER)
    result = tight_app(event)
    assert (result["statusCode"], result["headers"]["Retry-After"]) == (503, "5")
    assert json.loads(result["body"]) == _UNAVAILABLE_JSON
    errors = [r for r in caplog.records if r.name == "lambda_verify.handler"]
    assert [(r.levelno, r.getMessage(), r.exc_info is not None) for r in errors] == [(logging.ERROR, "lookup failed",
                                                                                       True)]
    [line] = _audit_lines(caplog)
    assert (line["outcome"], line["status"], line["client_network"], line["guarantee_number"]) == (
        "error", 503, "198.51.100.0/24", None)
    assert line["request_id"] == event["requestContext"]["requestId"]


def test_when_even_the_answer_breaks_the_fixed_503_follows_what_was_asked(
        tight_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tight_app, "_serve", _broken)
    monkeypatch.setattr(tight_app, "_answer", _broken)
    result = tight_app(json_event(_WRONG))
    assert (result["statusCode"], result["headers"]["Content-Type"]) == (503, "application/json; charset=utf-8")
    assert json.loads(result["body"]) == _UNAVAILABLE_JSON
    page = tight_app(form_event(_WRONG))
    assert (page["statusCode"], page["headers"]["Content-Type"]) == (503, "text/html; charset=utf-8")
    assert _UNAVAILABLE in page["body"]


def test_a_lookup_that_breaks_gets_one_503_and_one_audit_line(tight_app: App, monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(tight_app.service, "lookup", _broken)
    caplog.set_level(logging.INFO)
    result = tight_app(json_event(_WRONG))
    assert (result["statusCode"], json.loads(result["body"])) == (503, _UNAVAILABLE_JSON)
    assert [(line["outcome"], line["status"]) for line in _audit_lines(caplog)] == [("error", 503)]
    assert [r.getMessage() for r in caplog.records if r.name == "lambda_verify.handler"] == ["lookup failed"]


@pytest.mark.parametrize(("headers", "json_answer"), [
    ({"content-type": "application/json; charset=utf-8"}, True),
    ({"content-type": "application/json", "accept": "text/html"}, True),
    ({"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}, True),
    ({"content-type": "application/x-www-form-urlencoded", "accept": "application/json, text/html"}, False),
    ({"content-type": "application/x-www-form-urlencoded"}, False),
])
def test_the_answer_is_json_only_for_json_requests_or_accept(tight_app: App, headers: dict[str, str],
                                                             json_answer: bool) -> None:
    result = tight_app(build_event("POST", "/api/verify", headers, b"x=1"))
    assert result["statusCode"] == 400
    expected = "application/json; charset=utf-8" if json_answer else "text/html; charset=utf-8"
    assert result["headers"]["Content-Type"] == expected


def test_an_empty_json_body_asks_for_both_fields(tight_app: App) -> None:
    result = tight_app(build_event("POST", "/api/verify", {"content-type": "application/json"}, b"  "))
    assert result["statusCode"] == 400
    assert [e["field"] for e in json.loads(result["body"])["errors"]] == ["guarantee_number", "access_key"]


def test_a_form_of_more_than_twenty_fields_is_refused(tight_app: App) -> None:
    fields = [("guarantee_number", NUMBER), ("access_key", "WRONGKEY23456789")]
    twenty = fields + [(f"f{i}", "x") for i in range(18)]
    ok = tight_app(build_event("POST", "/api/verify", {"content-type": "application/x-www-form-urlencoded",
                                                       "accept": "application/json"},
                               "&".join(f"{k}={v}" for k, v in twenty).encode()))
    assert json.loads(ok["body"])["status"] == "no_match"
    many = tight_app(build_event("POST", "/api/verify", {"content-type": "application/x-www-form-urlencoded",
                                                         "accept": "application/json"},
                                 "&".join(f"{k}={v}" for k, v in [*twenty, ("f99", "x")]).encode()))
    assert many["statusCode"] == 400 and json.loads(many["body"]) == {"status": "bad_request",
                                                                      "message": MESSAGES["bad_request"]}


@pytest.mark.parametrize(("path", "status"), [("/api/verify", 400), ("/api/verify/", 400), ("/api/verifyX", 404),
                                              ("/api/verif", 404)])
def test_only_the_lookup_path_is_served(tight_app: App, path: str, status: int) -> None:
    result = tight_app(build_event("POST", path, {"content-type": "application/json"}, b"{}"))
    assert result["statusCode"] == status
