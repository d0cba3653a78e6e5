"""HTTP in Lambda's payload format 2.0 (API Gateway HTTP APIs, function URLs), both directions.

``Request.from_event`` reads what the handler needs; ``Response.to_result`` writes what Lambda
expects back. ``build_event`` does the reverse of what Lambda does, for the local server and the
tests, so every path into the handler goes through the same event shape as production.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from typing import Any, NamedTuple

__all__ = ["MAX_BODY_BYTES", "BadEvent", "Request", "Response", "build_event", "lower_headers"]

#: Two short fields never need more; anything larger is refused before it is decoded.
MAX_BODY_BYTES = 4096


class BadEvent(ValueError):
    """The event cannot be read as an HTTP request (bad base64, body too large)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


#: Header names and values longer than this are cut (API Gateway itself refuses headers over 10 KB).
MAX_HEADER_CHARS = 8192


def _text(value: Any) -> str:
    text = (value if isinstance(value, str) else str(value))[:MAX_HEADER_CHARS]
    if not text.isascii():  # lone surrogates cannot be encoded later; no real header carries them
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def lower_headers(event: Any) -> dict[str, str]:
    """The event's headers with lower-case names (payload 2.0 already sends them so; tests may not).

    Anything but a mapping of headers (events API Gateway never sends) counts as no headers.
    """
    raw = event.get("headers") if isinstance(event, dict) else None
    if not isinstance(raw, dict):
        return {}
    try:
        return {_text(k).lower(): _text(v) for k, v in raw.items()}
    except Exception:
        return {}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class Request(NamedTuple):
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    source_ip: str | None
    request_id: str | None

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case (``application/json``)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @classmethod
    def from_event(cls, event: dict[str, Any], headers: dict[str, str] | None = None) -> Request:
        """The request in ``event``; ``headers`` when the caller has already lower-cased them."""
        ctx = _mapping(event.get("requestContext"))
        http = _mapping(ctx.get("http"))
        if headers is None:
            headers = lower_headers(event)
        raw = event.get("body") or ""
        if not isinstance(raw, str):
            raise BadEvent(400, "body is not text")
        encoded = event.get("isBase64Encoded") is True
        limit = MAX_BODY_BYTES * 4 // 3 + 4 if encoded else MAX_BODY_BYTES
        if len(raw) > limit:
            raise BadEvent(413, "body too large")
        if encoded:
            try:
                body = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise BadEvent(400, "body is not valid base64") from exc
        else:
            try:
                body = raw.encode("utf-8")
            except UnicodeEncodeError as exc:  # lone surrogates: not text any client can send
                raise BadEvent(400, "body is not valid text") from exc
        if len(body) > MAX_BODY_BYTES:
            raise BadEvent(413, "body too large")
        method, path = http.get("method"), event.get("rawPath") or http.get("path")
        source_ip, request_id = http.get("sourceIp"), ctx.get("requestId")
        return cls(
            method=method.upper()[:16] if isinstance(method, str) and method else "GET",
            path=path[:2048] if isinstance(path, str) and path else "/",
            headers=headers,
            body=body,
            source_ip=source_ip if isinstance(source_ip, str) else None,
            request_id=request_id[:128] if isinstance(request_id, str) else None,
        )


class Response:
    """An HTTP answer on its way back to Lambda."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str] | None = None, body: str = ""):
        self.status = status
        self.headers = headers if headers is not None else {}
        self.body = body

    def to_result(self) -> dict[str, Any]:
        return {"statusCode": self.status, "headers": dict(self.headers), "body": self.body,
                "isBase64Encoded": False}


def build_event(method: str, path: str, headers: dict[str, str], body: bytes = b"", *,
                source_ip: str = "127.0.0.1", query: str = "", base64_body: bool | None = None,
                request_id: str | None = None) -> dict[str, Any]:
    """A payload 2.0 event as the HTTP API would deliver this HTTP request.

    Text bodies (JSON, forms, text/*) arrive as text like Lambda does; others, or any body when
    ``base64_body`` is true, arrive base64-encoded with ``isBase64Encoded``.
    """
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    ctype = lowered.get("content-type", "").split(";", 1)[0].strip().lower()
    textual = ctype.startswith("text/") or ctype in ("application/json", "application/x-www-form-urlencoded")
    if base64_body is None:
        try:
            body.decode("utf-8")
            base64_body = not textual
        except UnicodeDecodeError:
            base64_body = True
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {"method": method.upper(), "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                     "userAgent": lowered.get("user-agent", "")},
            "requestId": request_id or secrets.token_hex(16),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": base64.b64encode(body).decode("ascii") if base64_body else body.decode("utf-8"),
        "isBase64Encoded": bool(base64_body),
    }
