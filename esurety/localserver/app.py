"""The local server's WSGI application: the lookup through the Lambda handler, the site through WhiteNoise.

Requests to ``/api/*`` become the payload 2.0 event production receives (``lambda_verify.events.
build_event``) and go to ``lambda_verify.handler.handler``; its result becomes the HTTP answer. So the
form, the JSON answers, the limits and the headers behave locally as behind CloudFront:

* every answer carries ``lambda_verify.security.SECURITY_HEADERS`` (never HSTS on 127.0.0.1), the
  static ones and the errors included (``secure`` wraps the whole application);
* a client-sent ``cloudfront-viewer-address`` or ``x-origin-verify`` is dropped (locally nobody is
  CloudFront) and the event's ``sourceIp`` is the socket's address;
* with ``ORIGIN_VERIFY_SECRET`` set, the server adds it as ``x-origin-verify``, as CloudFront's origin
  custom header does, and the function checks it as in production.

Everything else is output/ through WhiteNoise (``index.html`` for folders, a redirect for a folder
named without its slash, precompressed ``.gz``/``.br`` files when present), ``404.html`` when
nothing matches; only GET and HEAD.
"""

from __future__ import annotations

import base64
import logging
import os
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from lambda_verify.events import build_event
from lambda_verify.origin import HEADER as ORIGIN_HEADER
from lambda_verify.security import SECURITY_HEADERS

logger = logging.getLogger(__name__)

__all__ = ["API_PREFIX", "DROPPED_HEADERS", "MAX_FORWARD_BYTES", "LocalApp", "secure"]

API_PREFIX = "/api/"
#: The function refuses bodies over 4 KiB itself; this only keeps the local server from reading megabytes.
MAX_FORWARD_BYTES = 1 << 20
#: Headers a browser or proxy sends that the function must not see (hop-by-hop, or only CloudFront may set).
DROPPED_HEADERS = frozenset({"cloudfront-viewer-address", ORIGIN_HEADER, "connection", "keep-alive",
                             "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"})
_TEXT = "text/plain; charset=utf-8"
_MIMETYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
              ".webmanifest": "application/manifest+json", ".csv": "text/csv", ".json": "application/json"}

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"


def secure(app: WsgiApp) -> WsgiApp:
    """Add every security header the answer does not already carry."""

    def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers = list(headers) + [(k, v) for k, v in SECURITY_HEADERS.items() if k.lower() not in present]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return app(environ, start)

    return wrapped


class DevContext:
    """The parts of a Lambda context object the handler may look at."""

    function_name = "lookup-local"
    memory_limit_in_mb = 512

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def _plain(start_response: StartResponse, code: int, text: str, extra: list[tuple[str, str]] | None = None,
           *, head: bool = False) -> list[bytes]:
    body = text.encode("utf-8")
    start_response(_status(code), [("Content-Type", _TEXT), ("Content-Length", str(len(body))),
                                   ("Cache-Control", "no-store"), *(extra or [])])
    return [] if head else [body]


class LocalApp:
    """The WSGI application: ``/api/*`` through the handler, the rest from ``root``."""

    def __init__(self, root: Path, *, autorefresh: bool = True, handler: Callable[..., dict[str, Any]] | None = None):
        from whitenoise import WhiteNoise

        self.root = Path(root)
        self._handler = handler
        self.static = WhiteNoise(self._not_found, root=str(self.root), index_file=True, autorefresh=autorefresh,
                                 max_age=None, mimetypes=_MIMETYPES, add_headers_function=self._static_headers)
        self.wsgi = secure(self._route)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return self.wsgi(environ, start_response)

    # ------------------------------------------------------------------ routing

    def _route(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path.startswith(API_PREFIX):
            return self._api(environ, start_response)
        if method not in ("GET", "HEAD"):
            return _plain(start_response, 405, "Method Not Allowed", [("Allow", "GET, HEAD")])
        try:
            return self.static(environ, start_response)
        except (OSError, ValueError, UnicodeError):  # a name the file system refuses (too long, NUL): not here
            logger.info("static lookup refused for a %d-character path", len(path))
            return self._not_found(environ, start_response)

    @staticmethod
    def _static_headers(headers: Any, path: str, url: str) -> None:
        headers["Cache-Control"] = "no-cache"
        ctype = headers.get("Content-Type") or ""
        base = ctype.split(";", 1)[0].strip()
        if base.startswith("text/") or base in ("application/json", "application/javascript", "application/xml"):
            headers["Content-Type"] = f"{base}; charset=utf-8"

    def _not_found(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        page = self.root / "404.html"
        head = environ.get("REQUEST_METHOD") == "HEAD"
        try:
            body = page.read_bytes()
            ctype = "text/html; charset=utf-8"
        except OSError:
            body, ctype = "ページが見つかりません。".encode(), _TEXT
        start_response(_status(404), [("Content-Type", ctype), ("Content-Length", str(len(body))),
                                      ("Cache-Control", "no-cache")])
        return [] if head else [body]

    # ------------------------------------------------------------------ the lookup function

    def _handler_fn(self) -> Callable[..., dict[str, Any]]:
        if self._handler is None:
            from lambda_verify.handler import handler

            self._handler = handler
        return self._handler

    def _api(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        head = environ.get("REQUEST_METHOD") == "HEAD"
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _plain(start_response, 400, "Content-Length が読めません。", head=head)
        if length < 0 or length > MAX_FORWARD_BYTES:
            return _plain(start_response, 413, "送信された内容が大きすぎます。", [("Connection", "close")], head=head)
        body = environ["wsgi.input"].read(length) if length else b""
        headers: dict[str, str] = {}
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                name = key[5:].replace("_", "-").lower()
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                name = key.replace("_", "-").lower()
            else:
                continue
            if name in DROPPED_HEADERS or not value:
                continue
            headers[name] = value.encode("latin-1", "replace").decode("utf-8", "replace")
        secret = os.environ.get("ORIGIN_VERIFY_SECRET")
        if secret:
            headers[ORIGIN_HEADER] = secret  # what CloudFront's origin custom header does in production
        path = (environ.get("PATH_INFO") or "/").encode("latin-1", "replace").decode("utf-8", "replace")
        event = build_event(environ.get("REQUEST_METHOD", "GET"), path, headers, body,
                            source_ip=environ.get("REMOTE_ADDR") or "127.0.0.1",
                            query=environ.get("QUERY_STRING", ""))
        result = self._handler_fn()(event, DevContext())
        out = result.get("body") or ""
        payload = base64.b64decode(out) if result.get("isBase64Encoded") else str(out).encode("utf-8")
        response_headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()
                            if str(k).lower() != "content-length"]
        response_headers += [("Set-Cookie", str(c)) for c in result.get("cookies") or []]
        response_headers.append(("Content-Length", str(len(payload))))
        start_response(_status(int(result.get("statusCode", 200))), response_headers)
        return [] if head else [payload]
