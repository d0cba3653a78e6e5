"""The peer of ``lambda_verify.handler`` in bench/bench_verify.py: the same lookup written as an AWS Lambda
Powertools ``APIGatewayHttpResolver`` route over the same store.

What a developer using Powertools would write for POST /api/verify with a JSON body: Powertools parses the
payload 2.0 event, routes it and builds the result; the route reads the two fields, asks the same
``LookupService`` (so the same store requests: one read, the attempt claimed before the key is compared
with the same hash, the slots given back after a match, the first view recorded once), writes the same
audit line and answers the same JSON with the same headers. Only the JSON path: the form path and its
HTML pages are the handler's alone. Used by the benchmark only (aws-lambda-powertools is a dev extra).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from lambda_verify.addresses import client_address
from lambda_verify.audit import record_lookup
from lambda_verify.documents import encode_json
from lambda_verify.messages import MESSAGES, limited_message
from lambda_verify.security import SECURITY_HEADERS
from lambda_verify.service import Invalid, Limited, LookupService, NoMatch, Outcome, Shown, Unavailable

__all__ = ["PATH", "make_peer"]

PATH = "/api/verify"
FIELDS = ("guarantee_number", "access_key")
HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
JSON_CONTENT = "application/json; charset=utf-8"


def _payload(outcome: Outcome) -> tuple[int, str, dict[str, str]]:
    """Status, JSON body and extra headers of an outcome, as the handler answers a JSON request."""
    if isinstance(outcome, Shown):
        from lambda_verify.rendering import certificate_fragment, moment_texts

        view = outcome.view
        head = encode_json({
            "status": "shown",
            "guarantee_number": outcome.guarantee_number,
            "looked_up_at": moment_texts(outcome.looked_up_at)[0],
            "view": {"first_viewed_at": moment_texts(view.first_viewed_at)[0], "first_view": view.recorded_now},
        })
        html = encode_json(certificate_fragment(outcome.prepared, outcome.looked_up_at, view))
        return 200, f'{head[:-1]},"certificate":{outcome.prepared.json},"html":{html}}}', {}
    if isinstance(outcome, Invalid):
        return 400, encode_json({"status": "invalid", "message": MESSAGES["invalid"],
                                 "errors": [{"field": e.field, "message": e.message} for e in outcome.errors]}), {}
    if isinstance(outcome, NoMatch):
        return 400, encode_json({"status": "no_match", "message": MESSAGES["no_match"]}), {}
    if isinstance(outcome, Limited):
        return 429, encode_json({"status": "limited", "message": limited_message(outcome.retry_after),
                                 "retry_after": outcome.retry_after}), {"Retry-After": str(outcome.retry_after)}
    retry = outcome.retry_after if isinstance(outcome, Unavailable) else 5
    return 503, encode_json({"status": "unavailable", "message": MESSAGES["unavailable"], "retry_after": retry}), \
        {"Retry-After": str(retry)}


def make_peer(service: LookupService) -> APIGatewayHttpResolver:
    """A Powertools resolver with the one route; call ``peer.resolve(event, context)``."""
    app = APIGatewayHttpResolver()

    @app.post(PATH)
    def verify() -> Response[str]:
        event = app.current_event
        try:
            data: Any = event.json_body
        except (ValueError, TypeError):
            data = None
        if not isinstance(data, dict):
            return Response(400, JSON_CONTENT, encode_json({"status": "bad_request",
                                                            "message": MESSAGES["bad_request"]}), dict(HEADERS))
        number, key = (data[n] if isinstance(data.get(n), str) else None for n in FIELDS)
        client = client_address(dict(event.headers), event.request_context.http.source_ip)
        outcome = service.lookup(number, key, client)
        status, body, extra = _payload(outcome)
        record_lookup(at=service.clock.time(), outcome=outcome.status, status=status,
                      guarantee_number=getattr(outcome, "guarantee_number", None), client=client,
                      request_id=event.request_context.request_id)
        return Response(status, JSON_CONTENT, body, {**HEADERS, **extra})

    return app


def answer(result: dict[str, Any]) -> dict[str, Any]:
    """The parsed body of a result (for comparing the peer's answer with the handler's)."""
    return json.loads(result["body"])  # type: ignore[no-any-return]
