"""moto's server with one request handled at a time: conditional writes as atomic as DynamoDB's.

DynamoDB applies a conditional write to one item atomically: of twenty concurrent
``attribute_not_exists(s0)`` updates of one item, exactly one succeeds. moto's threaded server checks
the condition and writes the item in the request's own thread without a lock, so two requests can
both see the attribute missing and both succeed (measured with twenty writers on two cores: in one
trial of a hundred, more than one succeeded). The lookup's attempt limits rest on that atomicity, so tests and benchmarks
run moto's own WSGI application behind this module's lock instead: connections are still accepted
by werkzeug's threaded server, but each request's answer is computed under one lock.

``python -m esurety.devtools.moto_app -H 127.0.0.1 -p 0`` prints werkzeug's
`` * Running on http://127.0.0.1:<port>`` line, like ``moto_server``.
"""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["Serialized", "main"]

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Serialized:
    """A WSGI application that runs ``app`` for one request at a time, its body read inside the lock."""

    def __init__(self, app: WsgiApp):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            answer = self.app(environ, start_response)
            try:
                return list(answer)
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=0)
    args = parser.parse_args(argv)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, Serialized(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
