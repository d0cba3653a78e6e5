"""One HTTP request as tests and benchmarks make it: no redirect followed, no exception for 4xx or 5xx.

    request(url)                                   # GET
    request(url, form={"guarantee_number": …})     # a form POST, as the page without JavaScript sends it
    request(url, json={"guarantee_number": …})     # a JSON POST, as the page's script sends it
    request(url, body=b"…", headers={…})           # anything else

The answer keeps the status, the headers (names in lower case) and the bytes of the body; a network
failure (refused, timed out) still raises ``OSError``.
"""

from __future__ import annotations

import json as json_module
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Response", "request"]

FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    content: bytes

    @property
    def body(self) -> str:
        """The body as text (UTF-8; undecodable bytes replaced)."""
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json_module.loads(self.content)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def request(url: str, *, form: Mapping[str, str] | None = None, json: Any = None, body: bytes | None = None,
            headers: Mapping[str, str] | None = None, method: str | None = None, timeout: float = 15) -> Response:
    """Send one request to ``url`` and return its answer, whatever its status."""
    sent = dict(headers or {})
    named = {name.lower() for name in sent}
    if form is not None:
        body = urllib.parse.urlencode(form).encode("ascii")
        if "content-type" not in named:
            sent["Content-Type"] = FORM_TYPE
    elif json is not None:
        body = json_module.dumps(json, ensure_ascii=False).encode("utf-8")
        if "content-type" not in named:
            sent["Content-Type"] = JSON_TYPE
    req = urllib.request.Request(url, data=body, headers=sent, method=method)
    try:
        with _OPENER.open(req, timeout=timeout) as answer:
            return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
    except urllib.error.HTTPError as err:
        with err:
            return Response(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())
