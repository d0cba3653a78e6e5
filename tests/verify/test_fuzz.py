"""Hostile events straight into the handler: 10,000 from a seeded generator, more from hypothesis.

Whatever the event — malformed or deep JSON, wrong types anywhere, odd headers and contexts, events
API Gateway never sends — the answer is a 4xx or 503 (200 only for the right key), no exception
escapes, no stack trace or key is echoed, every answer carries the security headers, and every
request writes exactly one audit line.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import string
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_verify.audit import AUDIT_LOGGER
from lambda_verify.events import build_event
from lambda_verify.handler import App
from lambda_verify.security import SECURITY_HEADERS

from .support import EJCS_KEY, EJCS_NUMBER, KEY, NUMBER, certificate_doc, make_app, put_certificate

FUZZ_EVENTS = 10_000
RIGHT_KEYS = {KEY, EJCS_KEY}


class AuditCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture
def audit() -> Any:
    counter = AuditCounter()
    logger = logging.getLogger(AUDIT_LOGGER)
    logger.addHandler(counter)
    yield counter
    logger.removeHandler(counter)


def check(result: Any, *, secrets: list[str], right_key: bool) -> None:
    """The promises every answer keeps."""
    assert isinstance(result, dict)
    status = result["statusCode"]
    assert isinstance(status, int)
    assert 400 <= status < 500 or status == 503 or (status == 200 and right_key), status
    headers = result["headers"]
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, name
    body = result["body"]
    assert isinstance(body, str)
    assert "Traceback" not in body and 'File "' not in body and "Error:" not in body
    for secret in secrets:
        assert secret not in body, "a key was echoed"
    if status == 503:
        assert int(headers["Retry-After"]) > 0


# ---------------------------------------------------------------------- the seeded generator


def _deep(rng: random.Random) -> str:
    n = rng.choice([9, 50, 500, 988, 1500, 2040])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}"), ('[{"x":', "}]")])
    reps = n if opener == "[" else n // len(opener) + 1
    text = opener * reps + "1" + closer * reps
    return text[:4096] if rng.random() < 0.8 else text


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(10 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**63, 1e308, 3.5, float("inf")]) if rng.random() < 0.5 else rng.randrange(-10**9, 10**9)
    if kind in (3, 4, 5):
        return _text(rng)
    if kind in (6, 7):
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {_text(rng)[:10]: _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _text(rng: random.Random) -> str:
    choice = rng.randrange(9)
    if choice == 0:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(40)))
    if choice == 1:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(20)))
    if choice == 2:
        return "\ud800" + "x" * rng.randrange(5)  # a lone surrogate
    if choice == 3:
        return "x" * rng.choice([101, 1000, 5000])
    if choice == 4:
        return rng.choice(["2099000101", "99001-000101", "２０９９０００１０１", "2099-000-101", "0" * 10, ""])
    if choice == 5:
        return "\x00\x01\x1b[31m<script>alert(1)</script>"
    if choice == 6:
        return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(rng.choice([8, 12, 16, 64, 65])))
    if choice == 7:
        return rng.choice(["'; DROP TABLE certificates; --", "${jndi:ldap://x}", "%00", "../../etc/passwd"])
    return rng.choice(["", " ", "\n", "\t"])


def _key_candidate(rng: random.Random) -> str:
    """A key nobody else sends, so the test can tell whether it was echoed."""
    return "Z" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(rng.choice([9, 11, 15, 30])))


def _body(rng: random.Random, key: str) -> tuple[str, bytes]:
    kind = rng.randrange(12)
    number = rng.choice([NUMBER, EJCS_NUMBER, "2099000999", _text(rng)])
    if kind == 0:
        return "application/json", json.dumps({"guarantee_number": number, "access_key": key},
                                              ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    if kind == 1:
        return "application/json", json.dumps({"guarantee_number": _value(rng), "access_key": _value(rng)},
                                              ).encode("utf-8", "surrogatepass")
    if kind == 2:
        return "application/json", _deep(rng).encode()
    if kind == 3:
        return "application/json", json.dumps(_value(rng)).encode("utf-8", "surrogatepass")
    if kind == 4:
        raw = json.dumps({"guarantee_number": number, "access_key": key})
        cut = rng.randrange(len(raw))
        return "application/json", (raw[:cut] + rng.choice(["", "}", "\\", '"', "\x00", "]]"])).encode()
    if kind == 5:
        return "application/x-www-form-urlencoded", urllib.parse.urlencode(
            {"guarantee_number": number, "access_key": key}, errors="surrogatepass").encode()
    if kind == 6:
        pairs = "&".join(f"{_text(rng)[:5]}={_text(rng)[:5]}" for _ in range(rng.choice([1, 19, 21, 200])))
        return "application/x-www-form-urlencoded", pairs.encode("utf-8", "surrogatepass")
    if kind == 7:
        return rng.choice(["text/plain", "application/xml", "multipart/form-data; boundary=x", "", "APPLICATION/JSON",
                           "application/json; charset=shift_jis", "application/json\x00"]), _deep(rng).encode()
    if kind == 8:
        return "application/json", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    if kind == 9:
        return "application/json", b"x" * rng.choice([4095, 4096, 4097, 10000])
    if kind == 10:
        return "application/json", ("\ufeff" + json.dumps({"guarantee_number": number, "access_key": key})).encode()
    return "application/x-www-form-urlencoded", ("access_key=" + key + "&guarantee_number=" + number).encode(
        "cp932", "replace")


def hostile_event(rng: random.Random) -> tuple[Any, list[str], bool]:
    """(event, keys it carries, whether it may legitimately succeed)."""
    key = rng.choice([_key_candidate(rng), KEY, EJCS_KEY]) if rng.random() < 0.1 else _key_candidate(rng)
    ctype, body = _body(rng, key)
    headers = {"content-type": ctype}
    if rng.random() < 0.3:
        headers["accept"] = rng.choice(["text/html", "application/json", "*/*", "", "text/html, application/json"])
    if rng.random() < 0.2:
        headers["cloudfront-viewer-address"] = rng.choice(["203.0.113.9:443", "[2001:db8::1]:1", "garbage", ":", ""])
    if rng.random() < 0.1:
        headers[_text(rng)[:20] or "x"] = _text(rng)
    ip = rng.choice([f"198.51.{rng.randrange(256)}.{rng.randrange(256)}", "2001:db8::7", "not-an-ip", "",
                     "203.0.113.250", "203.0.113.250"])
    event: Any = build_event(rng.choice(["POST"] * 8 + ["GET", "PUT", "DELETE", "OPTIONS", "post", ""]),
                             rng.choice(["/api/verify"] * 8 + ["/api/verify/", "/api/other", "/", "/" + "a" * 3000]),
                             headers, body, source_ip=ip, base64_body=True if rng.random() < 0.3 else None)
    mutation = rng.randrange(20)
    if mutation == 0:
        event["headers"] = rng.choice([None, [], "content-type: application/json", 7, [("a", "b")]])
    elif mutation == 1:
        event["requestContext"] = rng.choice([None, [], "ctx", 1, {"http": "POST"}, {"http": None},
                                              {"http": {"method": 5, "sourceIp": 5}}])
    elif mutation == 2:
        event["requestContext"]["http"]["sourceIp"] = rng.choice([None, 12, ["1.2.3.4"], {"ip": 1}, b"1.2.3.4"])
    elif mutation == 3:
        event["body"] = rng.choice([None, 1, [], {"a": 1}, b"bytes", True])
    elif mutation == 4:
        event["isBase64Encoded"] = rng.choice(["true", 1, None, "false", [], True])
    elif mutation == 5:
        event = rng.choice([None, [], "event", 42, {"unexpected": True}, {}])
    elif mutation == 6:
        event["headers"] = {rng.choice([1, None, "Content-Type", ("a",)]): rng.choice([1, None, ["a"], "x"])
                            for _ in range(3)}
    elif mutation == 7:
        event["rawPath"] = rng.choice([None, 1, [], "/api/verify\x00", "/api/%2e%2e/verify"])
    elif mutation == 8:
        event["body"] = base64.b64encode(body).decode()[:-1] + "!"
        event["isBase64Encoded"] = True
    secrets = [key] if len(key) >= 10 and key not in RIGHT_KEYS else []
    return event, secrets, key in RIGHT_KEYS


@pytest.fixture
def fuzz_app(sqlite_store: Any, clock: Any) -> App:
    put_certificate(sqlite_store, certificate_doc(), KEY)
    put_certificate(sqlite_store, certificate_doc(EJCS_NUMBER), EJCS_KEY)
    return make_app(sqlite_store, clock)


def test_ten_thousand_hostile_events(fuzz_app: App, audit: AuditCounter, clock: Any) -> None:
    rng = random.Random(20261202)
    statuses: dict[int, int] = {}
    for i in range(FUZZ_EVENTS):
        event, secrets, right = hostile_event(rng)
        if i % 500 == 0:
            clock.advance(601)  # let the limits recover now and then, so lookups keep being evaluated
        try:
            result = fuzz_app(event, None)
        except BaseException as exc:
            pytest.fail(f"event {i} escaped with {type(exc).__name__}: {exc!r}")
        check(result, secrets=secrets, right_key=right)
        statuses[result["statusCode"]] = statuses.get(result["statusCode"], 0) + 1
    assert len(audit.lines) == FUZZ_EVENTS  # one audit line per request, refused early or not
    for line in audit.lines:
        assert "access_key" not in line and all(s not in json.dumps(line) for s in RIGHT_KEYS)
    # the generator reaches every kind of answer, not only the early refusals
    assert {400, 404, 405, 413, 415} <= set(statuses) and statuses.get(400, 0) > 1000
    assert statuses.get(429, 0) > 0 and statuses.get(200, 0) > 0
    assert 500 not in statuses


def test_deep_json_is_refused_not_crashed(fuzz_app: App, audit: AuditCounter) -> None:
    for depth in (988, 2040):
        body = ("[" * depth + "]" * depth)[:4096].encode()
        event = build_event("POST", "/api/verify", {"content-type": "application/json"}, body)
        result = fuzz_app(event)
        assert result["statusCode"] == 400
        check(result, secrets=[], right_key=False)
    assert [line["status"] for line in audit.lines] == [400, 400]


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children,
                                                                                             max_size=4),
                           max_leaves=20)
anything = st.none() | st.booleans() | st.integers() | st.text() | st.binary() | st.lists(st.text(), max_size=3) \
    | st.dictionaries(st.text(), st.text(), max_size=3)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=json_values, headers=st.dictionaries(st.text(max_size=20), anything, max_size=4),
       context=anything | st.fixed_dictionaries({"http": anything}), base64_flag=anything, method=anything)
def test_hypothesis_events(fuzz_app: App, payload: Any, headers: Any, context: Any, base64_flag: Any,
                           method: Any) -> None:
    body = json.dumps(payload).encode("utf-8", "surrogatepass")
    event = build_event("POST", "/api/verify", {"content-type": "application/json"}, body)
    event["headers"].update(headers)
    if not isinstance(context, dict) or context:
        event["requestContext"] = context
    event["isBase64Encoded"] = base64_flag
    if isinstance(event.get("requestContext"), dict) and isinstance(event["requestContext"].get("http"), dict):
        event["requestContext"]["http"]["method"] = method
    check(fuzz_app(event, None), secrets=[], right_key=False)


@pytest.mark.parametrize("with_store", [True, False])
def test_the_lambda_entry_point_itself(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, audit: AuditCounter,
                                       with_store: bool) -> None:
    """1,000 more through ``lambda_verify.handler.handler`` as Lambda calls it — also with no store at all."""
    import lambda_verify.handler as handler_module
    from lambda_verify.stores.sqlite import SqliteStore

    db = tmp_path / "verify.sqlite3"
    if with_store:
        store = SqliteStore(db, create=True)
        put_certificate(store, certificate_doc(), KEY)
        store.close()
    monkeypatch.setenv("VERIFY_DB", str(db))
    monkeypatch.delenv("CERTIFICATES_TABLE", raising=False)
    monkeypatch.delenv("ORIGIN_VERIFY_SECRET", raising=False)
    handler_module.reset()
    rng = random.Random(1234 if with_store else 4321)
    try:
        for _ in range(1000):
            event, secrets, right = hostile_event(rng)
            check(handler_module.handler(event, None), secrets=secrets, right_key=right and with_store)
    finally:
        handler_module.reset()
    assert len(audit.lines) == 1000
    assert not db.exists() or with_store  # the function never creates the store
