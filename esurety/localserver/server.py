"""The local server: ``LocalApp`` on waitress, bound to 127.0.0.1 only, plus the audit file and rebuilds.

waitress reads each request completely (headers, a Content-Length body or a chunked one) on its
asynchronous loop before a worker thread sees it, so slow clients hold a socket, never a thread, and
a body is never read as the next request. It refuses oversized headers (431), request lines (414)
and bodies (413) itself; ``SecureErrorTask`` gives those answers the security headers as well. A
connection idle for ``CHANNEL_TIMEOUT`` seconds is closed; at most ``CONNECTION_LIMIT`` are open at
once (the rest wait in the listen queue), which keeps the server inside a 256-descriptor limit. The
lookup's SQLite store keeps one connection per worker thread, and the worker threads are a fixed
pool, so descriptors do not grow with connections.

The port may be 0: the system picks a free one when the socket is bound, ``LocalServer.port`` says
which, and scripts/devserver.py prints it (``READY_LINE``). Two options exist for tests only, both off
by default: ``trust_forwarded_for`` believes an ``X-Forwarded-For`` sent over 127.0.0.1 as the
client's address (waitress's trusted-proxy handling, one hop), so each test can be its own client for
the attempt limits; ``clock`` gives the lookup a hand-set wall clock (``clock.FileClock``).

The audit log (one JSON line per request, lambda_verify/audit.py) goes to the console and, as plain
JSON lines, to ``audit.log`` beside the SQLite store (``var/audit.log`` by default;
``VERIFY_AUDIT_LOG`` names another file). That file is the local record of views per certificate.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from lambda_verify.audit import AUDIT_LOGGER
from lambda_verify.clock import Clock
from lambda_verify.config import PROJECT_ROOT
from lambda_verify.security import SECURITY_HEADERS

from .app import LocalApp
from .clock import ClockedHandler

logger = logging.getLogger(__name__)

__all__ = ["CHANNEL_TIMEOUT", "CONNECTION_LIMIT", "FORWARDED_FOR", "HOST", "READY_LINE", "LocalServer",
           "audit_log_path", "log_audit_to_file", "make_server", "rebuild", "watch"]

HOST = "127.0.0.1"
ROOT = PROJECT_ROOT
WATCHED = ("content", "data", "theme", "esurety", "pelicanconf.py")
THREADS = 8
CONNECTION_LIMIT = 100
CHANNEL_TIMEOUT = 30
MAX_HEADER_BYTES = 16 * 1024
#: What scripts/devserver.py prints once it listens; esurety.devtools reads the address from it.
READY_LINE = "http://{host}:{port}/ で表示しています（止めるには Ctrl+C）。"
#: The header a test names its client address with, believed only with ``trust_forwarded_for``.
FORWARDED_FOR = "X-Forwarded-For"


class SecureErrorTask(ErrorTask):
    """waitress's own error answers (400, 413, 414, 431, 500, 501…) with the security headers."""

    def execute(self) -> None:
        status, headers, body = self.request.error.to_response(self.channel.server.adj.ident)
        self.status = status
        self.response_headers.extend(headers)
        self.response_headers.extend(SECURITY_HEADERS.items())
        self.response_headers.append(("Cache-Control", "no-store"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class SecureChannel(HTTPChannel):
    error_task_class = SecureErrorTask


class LocalServer:
    """A running waitress server; ``port`` is the bound port (0 asks for a free one)."""

    def __init__(self, port: int, root: Path, *, threads: int = THREADS, connection_limit: int = CONNECTION_LIMIT,
                 channel_timeout: int = CHANNEL_TIMEOUT, autorefresh: bool = True, trust_forwarded_for: bool = False,
                 clock: Clock | None = None):
        self.app = LocalApp(root, autorefresh=autorefresh, handler=ClockedHandler(clock) if clock else None)
        proxy: dict[str, Any] = {}
        if trust_forwarded_for:  # every connection comes from 127.0.0.1: the one "proxy" is the test itself
            proxy = {"trusted_proxy": HOST, "trusted_proxy_count": 1,
                     "trusted_proxy_headers": {FORWARDED_FOR.lower()}}
        self.server: Any = create_server(
            self.app, host=HOST, port=port, threads=threads, connection_limit=connection_limit,
            channel_timeout=channel_timeout, cleanup_interval=max(1, min(30, channel_timeout)),
            max_request_header_size=MAX_HEADER_BYTES, max_request_body_size=1 << 20, backlog=1024,
            asyncore_use_poll=True, ident="esurety-local", clear_untrusted_proxy_headers=True,
            expose_tracebacks=False, url_scheme="http", **proxy,
        )
        self.server.channel_class = SecureChannel

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    @property
    def server_address(self) -> tuple[str, int]:
        return HOST, self.port

    @property
    def ready_line(self) -> str:
        return READY_LINE.format(host=HOST, port=self.port)

    def serve_forever(self) -> None:
        self.server.run()

    def close(self) -> None:
        self.server.close()
        try:
            self.server.task_dispatcher.shutdown()
        except Exception:
            logger.debug("task dispatcher shutdown failed", exc_info=True)


def make_server(port: int, root: Path, **kwargs: Any) -> LocalServer:
    """A server bound to 127.0.0.1:``port`` (0 picks a free port) serving ``root``."""
    return LocalServer(port, root, **kwargs)


# ---------------------------------------------------------------------- rebuild on change


def _build_site() -> Any:
    """``scripts.build.build_site`` if it exists (the site generator provides it), else None."""
    try:
        from scripts.build import build_site
    except ImportError:
        logger.warning("scripts/build.py has no build_site(); serving output/ as it is")
        return None
    return build_site


def rebuild(build: Any, output: Path) -> bool:
    """Build once (incrementally after the first time); on any error keep the old output/ and say why."""
    try:
        build(output, incremental=True)
    except Exception as exc:
        report = getattr(exc, "report", None)
        logger.error("build failed, still serving the previous site:\n%s", report() if callable(report) else exc)
        return False
    logger.info("site rebuilt")
    return True


def watch(output: Path, stop: threading.Event) -> None:
    """Rebuild whenever a source file changes, until ``stop`` is set."""
    import watchfiles

    build = _build_site()
    if build is None:
        return
    rebuild(build, output)
    paths = [str(ROOT / p) for p in WATCHED if (ROOT / p).exists()]
    for changes in watchfiles.watch(*paths, stop_event=stop, debounce=300):
        logger.info("changed: %s", ", ".join(sorted({Path(p).name for _, p in changes})))
        rebuild(build, output)


# ---------------------------------------------------------------------- audit file


def audit_log_path() -> Path:
    """Where the local audit lines go: ``VERIFY_AUDIT_LOG``, else ``audit.log`` beside the SQLite store."""
    from lambda_verify.config import Settings

    named = os.environ.get("VERIFY_AUDIT_LOG")
    if named:
        return Path(named).expanduser()
    settings = Settings.from_env()
    return (ROOT / "var" if settings.table else settings.db_path.parent) / "audit.log"


def log_audit_to_file(path: Path) -> logging.Handler:
    """Append every audit line to ``path`` as a JSON line; the console keeps its copy too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.setLevel(logging.INFO)
    logging.getLogger(AUDIT_LOGGER).addHandler(handler)
    return handler
