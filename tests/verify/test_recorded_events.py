"""Recorded AWS events fed to the Lambda entry point ``lambda_verify.handler.handler``, as Lambda calls it.

tests/verify/events/ holds four events of a POST /api/verify that CloudFront forwarded with its origin
secret (``x-origin-verify``) and the viewer's address (``cloudfront-viewer-address``), in the shapes
AWS documents for payload format 2.0:

* ``http-api-*``: an API Gateway HTTP API event, route ``ANY /api/verify`` on the ``$default`` stage
  (infra/template.yaml); ``function-url-*``: a Lambda function URL event, whose differences are the
  ``$default`` route key, an ``iam`` authorizer, ``authentication``, ``pathParameters`` and
  ``stageVariables`` present but null, and its own ``lambda-url`` host;
* ``*-json``: the body as the lookup page's script sends it (text); ``*-form-base64``: the form as a
  browser without JavaScript posts it, base64-encoded with ``isBase64Encoded``.

Addresses are documentation addresses (RFC 5737: the viewer 203.0.113.50, the CloudFront edge
198.51.100.14), account ids and keys are AWS's documentation examples, the distribution is AWS's
example ``d111111abcdef8.cloudfront.net``. The function runs with its settings from the environment,
as in Lambda (``AWS_LAMBDA_FUNCTION_NAME`` and ``ORIGIN_VERIFY_SECRET`` set), over SQLite and over
DynamoDB (moto_server).
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import types
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lambda_verify.handler as handler_module
from lambda_verify.audit import AUDIT_LOGGER
from lambda_verify.handler import handler
from lambda_verify.messages import MESSAGES, TITLES

from .support import EJCS_KEY, EJCS_NUMBER, KEY, NUMBER, body_json, certificate_doc, put_certificate

EVENTS = Path(__file__).with_name("events")
#: The value the recorded events carry in x-origin-verify (what CloudFront's origin custom header sends).
SECRET = "origin-secret-recorded-for-tests"
VIEWER_NETWORK = "203.0.113.0/24"
WRONG_KEY = "WRONGKEY2345"
#: Each recorded event, the certificate its body asks for (number as stored), and whether it is a form.
RECORDED = {
    "http-api-json": (NUMBER, False),
    "http-api-form-base64": (NUMBER, True),
    "function-url-json": (EJCS_NUMBER, False),
    "function-url-form-base64": (EJCS_NUMBER, True),
}
KEYS = {NUMBER: KEY, EJCS_NUMBER: EJCS_KEY}


def recorded(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


def body_of(event: dict[str, Any]) -> bytes:
    raw = event["body"]
    return base64.b64decode(raw) if event["isBase64Encoded"] else raw.encode("utf-8")


def with_body(event: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The same event with another body, encoded as the recorded one was (text or base64)."""
    changed = copy.deepcopy(event)
    changed["body"] = base64.b64encode(body).decode("ascii") if event["isBase64Encoded"] else body.decode("utf-8")
    changed["headers"]["content-length"] = str(len(body))
    return changed


def with_fields(event: dict[str, Any], **fields: str) -> dict[str, Any]:
    """The same event with some fields of its body replaced, in the body's own format (JSON or form)."""
    if event["headers"]["content-type"] == "application/json":
        data = json.loads(body_of(event))
        data.update(fields)
        return with_body(event, json.dumps(data).encode("utf-8"))
    form = dict(urllib.parse.parse_qsl(body_of(event).decode("ascii")))
    form.update(fields)
    return with_body(event, urllib.parse.urlencode(form).encode("ascii"))


def lambda_context() -> Any:
    return types.SimpleNamespace(function_name="verify", memory_limit_in_mb=512, aws_request_id="c0ffee00-0000",
                                 get_remaining_time_in_millis=lambda: 10_000)


@pytest.fixture(params=["sqlite", "dynamodb"])
def deployed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The function configured as in Lambda, over a store holding the two certificates the events ask for."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "verify")
    monkeypatch.setenv("ORIGIN_VERIFY_SECRET", SECRET)
    monkeypatch.delenv("VERIFY_FAILURE_FLOOR", raising=False)
    if request.param == "sqlite":
        store = request.getfixturevalue("sqlite_store")
        monkeypatch.setenv("VERIFY_DB", str(store.path))
        monkeypatch.delenv("CERTIFICATES_TABLE", raising=False)
    else:
        store = request.getfixturevalue("dynamodb_store")
        monkeypatch.setenv("CERTIFICATES_TABLE", request.getfixturevalue("dynamodb_table"))
    put_certificate(store, certificate_doc(), KEY)
    put_certificate(store, certificate_doc(EJCS_NUMBER), EJCS_KEY)
    handler_module.reset()
    yield request.param
    handler_module.reset()


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_events_have_the_documented_shape(name: str) -> None:
    # GIVEN a recorded event  THEN it is payload format 2.0 for POST /api/verify, forwarded by CloudFront
    event = recorded(name)
    assert event["version"] == "2.0"
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/api/verify"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["stage"] == "$default"
    headers = event["headers"]
    assert all(name == name.lower() for name in headers)  # payload 2.0 sends header names in lower case
    assert headers["x-origin-verify"] == SECRET
    assert headers["cloudfront-viewer-address"].startswith("203.0.113.50:")
    assert int(headers["content-length"]) == len(body_of(event))
    assert event["isBase64Encoded"] is name.endswith("base64")
    if name.startswith("function-url"):
        assert event["routeKey"] == "$default" and ".lambda-url." in event["requestContext"]["domainName"]
        assert event["pathParameters"] is None and event["stageVariables"] is None
        assert "iam" in event["requestContext"]["authorizer"]
    else:
        assert event["routeKey"] == "ANY /api/verify" and ".execute-api." in event["requestContext"]["domainName"]
        assert "pathParameters" not in event and "stageVariables" not in event


@pytest.mark.parametrize("name", RECORDED)
def test_right_key_shows_the_certificate(deployed: str, name: str) -> None:
    # GIVEN a recorded event asking with the right key
    number, form = RECORDED[name]
    # WHEN Lambda calls the handler with it
    result = handler(recorded(name), lambda_context())
    # THEN the certificate is shown: JSON for the script, the printable page for the form
    assert result["statusCode"] == 200, result["body"][:300]
    assert result["headers"]["Cache-Control"] == "no-store"
    if form:
        assert result["headers"]["Content-Type"] == "text/html; charset=utf-8"
        assert "保証証書（前払金保証）" in result["body"] and number in result["body"]
    else:
        data = body_json(result)
        assert (data["status"], data["guarantee_number"]) == ("shown", number)
        assert data["certificate"]["guarantee_number"] == number
    assert KEYS[number] not in result["body"]


@pytest.mark.parametrize("name", RECORDED)
def test_wrong_key_gets_the_generic_answer(deployed: str, name: str) -> None:
    # GIVEN a recorded event whose key is wrong
    number, form = RECORDED[name]
    event = with_fields(recorded(name), access_key=WRONG_KEY)
    # WHEN Lambda calls the handler with it
    result = handler(event, lambda_context())
    # THEN 400 with the one generic sentence, which says neither which field was wrong nor more
    assert result["statusCode"] == 400
    if form:
        assert TITLES["no_match"] in result["body"] and MESSAGES["no_match"] in result["body"]
        assert f'value="{number}"' in result["body"]  # the form comes back with the number kept
    else:
        assert body_json(result) == {"status": "no_match", "message": MESSAGES["no_match"]}


@pytest.mark.parametrize("name", RECORDED)
def test_a_malformed_number_is_named_at_its_field(deployed: str, name: str) -> None:
    # GIVEN a recorded event whose guarantee number has no valid form
    _, form = RECORDED[name]
    event = with_fields(recorded(name), guarantee_number="12-34")
    # WHEN Lambda calls the handler with it  THEN 400, the field's own error
    result = handler(event, lambda_context())
    assert result["statusCode"] == 400
    if form:
        assert TITLES["invalid"] in result["body"] and MESSAGES["invalid"] in result["body"]
    else:
        data = body_json(result)
        assert data["status"] == "invalid"
        assert [e["field"] for e in data["errors"]] == ["guarantee_number"]


@pytest.mark.parametrize("name", RECORDED)
def test_an_unreadable_body_gets_400(deployed: str, name: str) -> None:
    # GIVEN a recorded event whose body cannot be read: cut-off JSON, or text that is not base64
    event = recorded(name)
    if event["isBase64Encoded"]:
        event["body"] = "guarantee_number=2099000101&access_key=%%%"
    else:
        event = with_body(event, b'{"guarantee_number": "2099000101", "access_key": ')
    # WHEN Lambda calls the handler with it  THEN 400 "bad request", nothing looked up
    result = handler(event, lambda_context())
    assert result["statusCode"] == 400
    if RECORDED[name][1]:
        assert TITLES["bad_request"] in result["body"]
    else:
        assert body_json(result)["status"] == "bad_request"


@pytest.mark.parametrize("name", RECORDED)
def test_without_the_origin_secret_the_answer_is_a_bare_403(deployed: str, name: str) -> None:
    # GIVEN a recorded event as a direct caller would send it, past CloudFront: no x-origin-verify
    event = recorded(name)
    del event["headers"]["x-origin-verify"]
    # WHEN Lambda calls the handler with it  THEN 403 and three digits, even with the right key
    result = handler(event, lambda_context())
    assert (result["statusCode"], result["body"]) == (403, "403")


@pytest.mark.parametrize("name", RECORDED)
def test_the_viewer_address_is_what_counts_and_is_logged(deployed: str, name: str,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a recorded event: the connection comes from CloudFront's edge, the viewer is in its header
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    # WHEN Lambda calls the handler with it
    handler(with_fields(recorded(name), access_key=WRONG_KEY), lambda_context())
    # THEN the audit line keeps the viewer's network, not the edge's
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == AUDIT_LOGGER]
    assert [(line["outcome"], line["client_network"]) for line in lines] == [("no_match", VIEWER_NETWORK)]


@pytest.mark.parametrize("form", [False, True], ids=["json", "form-base64"])
def test_function_url_and_http_api_events_get_the_same_answer(deployed: str, form: bool) -> None:
    """What only the function URL event has (route key, authorizer, null fields, its host) changes nothing."""
    # GIVEN the same lookup recorded once from the HTTP API and once from a function URL
    suffix = "form-base64" if form else "json"
    fields = {"guarantee_number": NUMBER, "access_key": WRONG_KEY}
    http_api = with_fields(recorded(f"http-api-{suffix}"), **fields)
    function_url = with_fields(recorded(f"function-url-{suffix}"), **fields)
    assert body_of(http_api) == body_of(function_url)
    assert http_api["requestContext"] != function_url["requestContext"]
    # WHEN Lambda calls the handler with each
    answers = [handler(event, lambda_context()) for event in (http_api, function_url)]
    # THEN the two answers are identical, status, headers and body
    assert answers[0] == answers[1]
    assert answers[0]["statusCode"] == 400
