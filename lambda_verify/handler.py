"""The lookup function: ``handler(event, context)`` behind an API Gateway HTTP API (payload format 2.0).

POST /api/verify with ``guarantee_number`` and ``access_key``, as JSON or as a form
(application/x-www-form-urlencoded), plain or base64-encoded. A form POST (no JavaScript) gets a
printable HTML page; a JSON request gets JSON that the lookup page renders in place. Every other
request gets a short 4xx answer, never a stack trace.

In production a request is answered only when it carries CloudFront's origin secret (origin.py);
anything else gets a bare 403 before the body is even read. Two rules shape the other answers:

* an unknown number and a wrong key get the same bytes (status, headers, body) and walk the same
  path with the same store requests (service.py), so neither the answer nor its timing says whether
  a number exists — without holding the function idle in a sleep (``Settings.failure_floor`` can add
  a minimum duration to failures; it is 0 by default, see README "Availability");
* a store that cannot answer, or anything unforeseen, gives 503 with Retry-After, nothing else: no
  exception leaves ``handler()`` for any event, whatever its shape;
* every request gets exactly one audit line (audit.py), refused early or not.

The store and its client are created once per process, at import time in Lambda (the init phase
runs on a full CPU) and on first use elsewhere, so tests and local runs choose their store first.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.parse
from typing import Any

from esurety.kernel import jsondepth

from .addresses import ClientAddress, client_address
from .audit import record_lookup
from .clock import Clock, SystemClock
from .config import Settings
from .documents import encode_json
from .events import BadEvent, Request, Response, lower_headers
from .messages import MESSAGES, TITLES, limited_message
from .origin import OriginCheck, OriginGuard
from .security import SECURITY_HEADERS
from .service import Failed, Invalid, Limited, LookupService, NoMatch, Outcome, Shown, Unavailable
from .startup import LongLived
from .stores import open_store

logger = logging.getLogger(__name__)

__all__ = ["API_PATH", "App", "forbidden_result", "get_app", "handler", "reset"]

API_PATH = "/api/verify"
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
FIELDS = ("guarantee_number", "access_key")
#: Two flat fields never need nesting; deeper JSON is refused before it is parsed (a parser recursing
#: through ``[`` × 988 would raise RecursionError).
MAX_JSON_DEPTH = 8

#: Sent with every answer of the function. Certificates must not be cached anywhere or indexed.
BASE_HEADERS: dict[str, str] = {**SECURITY_HEADERS, "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
_JSON_CONTENT = "application/json; charset=utf-8"
_HTML_CONTENT = "text/html; charset=utf-8"
#: For requests that did not come through CloudFront: no page, no message, nothing to learn from.
_FORBIDDEN_BODY = "403"


class RequestProblem(Exception):
    """A request the lookup cannot take; ``kind`` picks the message, ``status`` the HTTP status."""

    def __init__(self, status: int, kind: str, headers: dict[str, str] | None = None):
        super().__init__(kind)
        self.status = status
        self.kind = kind
        self.headers = headers or {}


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``text`` nests arrays or objects deeper than ``limit`` (strings are skipped)."""
    return jsondepth.too_deep(text, limit)


def _wants_json(headers: dict[str, str]) -> bool:
    ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype == JSON_TYPE:
        return True
    accept = headers.get("accept", "")
    return JSON_TYPE in accept and "text/html" not in accept


def _fields(request: Request) -> dict[str, str | None]:
    """The two fields from a JSON object or a form; anything else in the body is ignored."""
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestProblem(400, "bad_request") from exc
    if request.content_type == JSON_TYPE:
        if json_too_deep(text):
            raise RequestProblem(400, "bad_request")
        try:
            data = json.loads(text) if text.strip() else {}
        except (ValueError, RecursionError) as exc:
            raise RequestProblem(400, "bad_request") from exc
        if not isinstance(data, dict):
            raise RequestProblem(400, "bad_request")
        return {name: data[name] if isinstance(data.get(name), str) else None for name in FIELDS}
    if request.content_type == FORM_TYPE:
        try:
            form = urllib.parse.parse_qs(text, keep_blank_values=True, max_num_fields=20)
        except ValueError as exc:
            raise RequestProblem(400, "bad_request") from exc
        return {name: (form.get(name) or [None])[0] for name in FIELDS}  # type: ignore[list-item]
    raise RequestProblem(415, "unsupported")


def forbidden_result() -> dict[str, Any]:
    """The answer to a request without the origin secret: 403 and three digits."""
    return Response(403, {**BASE_HEADERS, "Content-Type": "text/plain; charset=utf-8"}, _FORBIDDEN_BODY).to_result()


class App:
    """The handler with its store, clock and settings; tests build one around their own store."""

    def __init__(self, service: LookupService, settings: Settings, clock: Clock | None = None):
        self.service = service
        self.settings = settings
        self.clock = clock or service.clock
        self.guard = OriginGuard(settings.origin_secret, trust_unverified_viewer=settings.trust_unverified_viewer)

    # ------------------------------------------------------------------ entry

    def __call__(self, event: Any, context: Any = None) -> dict[str, Any]:
        started = self.clock.monotonic()
        event = event if isinstance(event, dict) else {}
        headers = lower_headers(event)
        wants_json = _wants_json(headers)
        try:
            origin = self.guard.check(headers)
            if origin is OriginCheck.REFUSED:
                return self._refuse(event, headers)
            return self._serve(event, headers, origin, wants_json, started)
        except Exception:  # whatever broke: answer 503 without details, and log it
            logger.exception("lookup failed")
            self._audit_early("error", 503, event, headers, trust_viewer=False)
            try:
                return self._answer(Unavailable(5), wants_json, {}).to_result()
            except Exception:  # even the page cannot be rendered: the fixed text
                return _unavailable_result(event)

    def _serve(self, event: dict[str, Any], headers: dict[str, str], origin: OriginCheck, wants_json: bool,
               started: float) -> dict[str, Any]:
        trust = self.guard.trusts_viewer_address(origin)
        try:
            request = Request.from_event(event, headers)
            self._check(request)
            fields = _fields(request)
        except BadEvent as exc:
            problem = RequestProblem(exc.status, "too_large" if exc.status == 413 else "bad_request")
            self._audit_early(problem.kind, problem.status, event, headers, trust_viewer=trust)
            return self._problem(problem, wants_json).to_result()
        except RequestProblem as problem:
            self._audit_early(problem.kind, problem.status, event, headers, trust_viewer=trust)
            return self._problem(problem, wants_json).to_result()
        client = client_address(headers, request.source_ip, trust_viewer=trust)
        try:
            outcome = self.service.lookup(fields["guarantee_number"], fields["access_key"], client)
            response = self._answer(outcome, wants_json, fields)
        except Exception:
            logger.exception("lookup failed")
            outcome = Failed()
            response = self._answer(Unavailable(5), wants_json, fields)
        if isinstance(outcome, NoMatch) or (isinstance(outcome, Limited) and outcome.key_checked):
            self._hold(started)
        self._audit(outcome, response.status, client, request)
        return response.to_result()

    def _audit_early(self, outcome: str, status: int, event: dict[str, Any], headers: dict[str, str], *,
                     trust_viewer: bool) -> None:
        """The audit line of a request refused before the lookup (no number, no key)."""
        try:
            context = _mapping(event.get("requestContext"))
            http = _mapping(context.get("http"))
            source = http.get("sourceIp")
            client = client_address(headers, source if isinstance(source, str) else None, trust_viewer=trust_viewer)
            request_id = context.get("requestId")
            record_lookup(at=self.clock.time(), outcome=outcome, status=status, guarantee_number=None, client=client,
                          request_id=request_id if isinstance(request_id, str) else None)
        except Exception:
            logger.exception("audit log failed")

    def _refuse(self, event: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """403 for a caller that went around CloudFront; its connection address goes to the audit log."""
        self._audit_early("forbidden", 403, event, headers, trust_viewer=False)
        return forbidden_result()

    def _check(self, request: Request) -> None:
        if request.path.rstrip("/") != API_PATH:
            raise RequestProblem(404, "not_found")
        if request.method != "POST":
            raise RequestProblem(405, "method", {"Allow": "POST"})
        if request.content_type not in (JSON_TYPE, FORM_TYPE):
            raise RequestProblem(415, "unsupported")

    def _hold(self, started: float) -> None:
        """Give every failed lookup a minimum duration when ``failure_floor`` asks for one (0 by default)."""
        if self.settings.failure_floor <= 0:
            return
        remaining = self.settings.failure_floor - (self.clock.monotonic() - started)
        if remaining > 0:
            self.clock.sleep(remaining)

    def _audit(self, outcome: Outcome, status: int, client: ClientAddress, request: Request) -> None:
        extra: dict[str, Any] = {}
        if isinstance(outcome, Shown):
            extra = {"first_view": outcome.view.recorded_now, "version": outcome.certificate.current.seq}
        elif isinstance(outcome, NoMatch):
            extra = {"known_number": outcome.known}
        try:
            record_lookup(at=self.clock.time(), outcome=outcome.status, status=status,
                          guarantee_number=getattr(outcome, "guarantee_number", None), client=client,
                          request_id=request.request_id, **extra)
        except Exception:
            logger.exception("audit log failed")

    # ------------------------------------------------------------------ answers

    def _response(self, status: int, body: str, wants_json: bool, extra: dict[str, str] | None = None) -> Response:
        headers = dict(BASE_HEADERS)
        headers["Content-Type"] = _JSON_CONTENT if wants_json else _HTML_CONTENT
        if extra:
            headers.update(extra)
        return Response(status, headers, body)

    def _json(self, status: int, payload: dict[str, Any], extra: dict[str, str] | None = None) -> Response:
        return self._response(status, encode_json(payload), True, extra)

    def _page(self, status: int, kind: str, message: str, *, errors: tuple[Any, ...] = (),
              number: str | None = None, show_form: bool = True, extra: dict[str, str] | None = None) -> Response:
        from .rendering import render_message_page

        body = render_message_page(kind, title=TITLES[kind], message=message, static_base=self.settings.static_base,
                                   form_action=API_PATH, errors=errors, guarantee_number=number, show_form=show_form)
        return self._response(status, body, False, extra)

    def _problem(self, problem: RequestProblem, wants_json: bool) -> Response:
        message = MESSAGES[problem.kind]
        if wants_json:
            return self._json(problem.status, {"status": problem.kind, "message": message}, problem.headers)
        return self._page(problem.status, problem.kind, message,
                          show_form=problem.kind in ("method", "bad_request", "unsupported"), extra=problem.headers)

    def _answer(self, outcome: Outcome, wants_json: bool, fields: dict[str, str | None]) -> Response:
        if isinstance(outcome, Shown):
            return self._shown(outcome, wants_json)
        if isinstance(outcome, Invalid):
            message = MESSAGES["invalid"]
            if wants_json:
                return self._json(400, {"status": "invalid", "message": message,
                                        "errors": [{"field": e.field, "message": e.message} for e in outcome.errors]})
            typed = (fields.get("guarantee_number") or "")[:100]
            return self._page(400, "invalid", message, errors=outcome.errors, number=typed)
        if isinstance(outcome, NoMatch):
            message = MESSAGES["no_match"]
            if wants_json:
                return self._json(400, {"status": "no_match", "message": message})
            return self._page(400, "no_match", message, number=outcome.guarantee_number)
        if isinstance(outcome, Limited):
            retry = {"Retry-After": str(outcome.retry_after)}
            message = limited_message(outcome.retry_after)
            if wants_json:
                return self._json(429, {"status": "limited", "message": message, "retry_after": outcome.retry_after},
                                  retry)
            return self._page(429, "limited", message, number=outcome.guarantee_number, extra=retry)
        if isinstance(outcome, Unavailable):
            retry = {"Retry-After": str(outcome.retry_after)}
            message = MESSAGES["unavailable"]
            if wants_json:
                return self._json(503, {"status": "unavailable", "message": message,
                                        "retry_after": outcome.retry_after}, retry)
            return self._page(503, "unavailable", message, number=outcome.guarantee_number, extra=retry)
        raise TypeError(f"unknown outcome {outcome!r}")

    def _shown(self, outcome: Shown, wants_json: bool) -> Response:
        from .rendering import certificate_fragment, certificate_page, moment_texts

        prepared, view = outcome.prepared, outcome.view
        if not wants_json:
            body = certificate_page(prepared, outcome.looked_up_at, view, static_base=self.settings.static_base,
                                    form_action=API_PATH)
            return self._response(200, body, False)
        head = encode_json({
            "status": "shown",
            "guarantee_number": outcome.guarantee_number,
            "looked_up_at": moment_texts(outcome.looked_up_at)[0],
            "view": {"first_viewed_at": moment_texts(view.first_viewed_at)[0], "first_view": view.recorded_now},
        })
        html = encode_json(certificate_fragment(prepared, outcome.looked_up_at, view))
        # The certificate is already encoded once per document (documents.py): splice it in, do not re-encode.
        body = f'{head[:-1]},"certificate":{prepared.json},"html":{html}}}'
        return self._response(200, body, True)


# ---------------------------------------------------------------------- module-level entry point

_app: App | None = None


def get_app() -> App:
    """The process-wide App over the store the environment names (created on first use)."""
    global _app
    if _app is None:
        with LongLived():  # made once, kept for the process (startup.py)
            settings = Settings.from_env()
            store = open_store(settings.table, str(settings.db_path), busy_timeout=settings.sqlite_busy_timeout)
            clock = SystemClock()
            _app = App(LookupService(store, clock, settings.limits), settings, clock)
    return _app


def reset() -> None:
    """Forget the process-wide App (tests switch stores through the environment)."""
    global _app
    if _app is not None:
        try:
            _app.service.store.close()
        except Exception:
            logger.debug("closing the store failed", exc_info=True)
    _app = None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _unavailable_result(event: Any) -> dict[str, Any]:
    headers = lower_headers(event if isinstance(event, dict) else {})
    payload = json.dumps({"status": "unavailable", "message": MESSAGES["unavailable"], "retry_after": 5},
                         ensure_ascii=False)
    if _wants_json(headers):
        body, ctype = payload, _JSON_CONTENT
    else:
        body, ctype = f"<!doctype html><html lang=\"ja\"><title>{TITLES['unavailable']}</title>" \
                      f"<p>{MESSAGES['unavailable']}</p></html>", _HTML_CONTENT
    return Response(503, {**BASE_HEADERS, "Content-Type": ctype, "Retry-After": "5"}, body).to_result()


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Lambda entry point (``lambda_verify.handler.handler``)."""
    try:
        app = get_app()
    except Exception:
        logger.exception("cannot open the certificate store")
        try:
            settings = Settings.from_env()
            headers = lower_headers(event if isinstance(event, dict) else {})
            refused = OriginGuard(settings.origin_secret).check(headers) is OriginCheck.REFUSED
            record_lookup(at=SystemClock().time(), outcome="forbidden" if refused else "unavailable",
                          status=403 if refused else 503, guarantee_number=None, client=client_address({}, None),
                          request_id=None)
        except Exception:
            logger.exception("audit log failed")
            refused = True
        return forbidden_result() if refused else _unavailable_result(event)
    return app(event, context)


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):  # pragma: no cover - only inside Lambda
    try:
        get_app()
    except Exception:
        logger.exception("cannot open the certificate store at start")
