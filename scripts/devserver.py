"""The local server: the built site from output/ and the lookup at /api/*, on http://127.0.0.1 only.

    python -m scripts.devserver --port 8000            # what `make run` starts
    python -m scripts.devserver --watch --port 8000    # `make serve`: rebuild when a source file changes

Requests to /api/* are translated into the Lambda payload 2.0 event production receives and handed to
``lambda_verify.handler.handler``; its result is translated back. So the form, the JSON answers, the
limits and the headers behave locally as they do behind CloudFront:

* every response carries ``lambda_verify.security.SECURITY_HEADERS`` (never HSTS on 127.0.0.1);
* a client-sent ``cloudfront-viewer-address`` or ``x-origin-verify`` is dropped (locally nobody is
  CloudFront) and the event's ``sourceIp`` is the socket's address;
* when ``ORIGIN_VERIFY_SECRET`` is set, the server adds it as ``x-origin-verify`` to what it passes
  on, as CloudFront's origin custom header does, and the function checks it as in production.

The store is whatever the environment names (``VERIFY_DB``, default var/verify.sqlite3).

The audit log (one JSON line per lookup, lambda_verify/audit.py) goes to the console and, as plain
JSON lines, to ``audit.log`` beside the SQLite store (``var/audit.log`` by default;
``VERIFY_AUDIT_LOG`` names another file). That file is the local record of views per certificate.
"""

from __future__ import annotations

import argparse
import base64
import logging
import mimetypes
import os
import sys
import threading
import urllib.parse
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "plugins") not in sys.path:
    sys.path.insert(0, str(ROOT / "plugins"))

from lambda_verify.audit import AUDIT_LOGGER  # noqa: E402
from lambda_verify.events import build_event  # noqa: E402
from lambda_verify.origin import HEADER as ORIGIN_HEADER  # noqa: E402
from lambda_verify.security import SECURITY_HEADERS  # noqa: E402

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
API_PREFIX = "/api/"
#: The function refuses bodies over 4 KiB itself; this only keeps the local server from reading megabytes.
MAX_FORWARD_BYTES = 1 << 20
#: Headers a browser or proxy sends that the function must not see (hop-by-hop, or only CloudFront may set).
DROPPED_HEADERS = frozenset({"cloudfront-viewer-address", ORIGIN_HEADER, "connection", "keep-alive",
                             "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"})
WATCHED = ("content", "data", "theme", "esurety", "pelicanconf.py")

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".woff2": "font/woff2",
}


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


class DevContext:
    """The parts of a Lambda context object the handler may look at."""

    function_name = "verify-local"
    memory_limit_in_mb = 512

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


class DevRequestHandler(BaseHTTPRequestHandler):
    """Static files from ``server.root``; /api/* through the Lambda handler."""

    server_version = "esurety-devserver"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    # ------------------------------------------------------------------ plumbing

    @property
    def root(self) -> Path:
        return self.server.root  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        logger.info("%s %s", self.address_string(), format % args)

    def _send(self, status: int, headers: dict[str, str], body: bytes, *, head: bool = False) -> None:
        self.send_response(status)
        sent = {k.lower() for k in headers}
        for name, value in SECURITY_HEADERS.items():
            if name.lower() not in sent:
                self.send_header(name, value)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    # ------------------------------------------------------------------ static site

    def _resolve(self, url_path: str) -> tuple[Path | None, bool]:
        """(the file for a URL path inside root or None, whether it is a directory named without "/")."""
        parts = [p for p in urllib.parse.unquote(url_path).split("/") if p and p not in (".", "..")]
        root = self.root.resolve()
        candidate = root.joinpath(*parts)
        try:
            candidate = candidate.resolve()
            candidate.relative_to(root)
        except (OSError, ValueError):
            return None, False
        if candidate.is_dir():
            index = candidate / "index.html"
            return (index if index.is_file() else None), not url_path.endswith("/")
        return (candidate if candidate.is_file() else None), False

    def _static(self, head: bool) -> None:
        url = urllib.parse.urlsplit(self.path)
        target, needs_slash = self._resolve(url.path)
        if target is not None and needs_slash:
            location = url.path + "/" + (f"?{url.query}" if url.query else "")
            self._send(HTTPStatus.MOVED_PERMANENTLY, {"Location": location, "Cache-Control": "no-cache"}, b"",
                       head=head)
            return
        if target is None:
            not_found = self.root / "404.html"
            body = not_found.read_bytes() if not_found.is_file() else "ページが見つかりません。".encode()
            ctype = "text/html; charset=utf-8" if not_found.is_file() else "text/plain; charset=utf-8"
            self._send(HTTPStatus.NOT_FOUND, {"Content-Type": ctype, "Cache-Control": "no-cache"}, body, head=head)
            return
        self._send(HTTPStatus.OK, {"Content-Type": content_type(target), "Cache-Control": "no-cache"},
                   target.read_bytes(), head=head)

    # ------------------------------------------------------------------ the lookup function

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            return None
        if size < 0 or size > MAX_FORWARD_BYTES:
            return None
        return self.rfile.read(size)

    def _api(self) -> None:
        body = self._read_body()
        if body is None:
            self.close_connection = True
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"Content-Type": "text/plain; charset=utf-8"},
                       "送信された内容が大きすぎます。".encode())
            return
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            if key in DROPPED_HEADERS:
                continue
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        secret = os.environ.get("ORIGIN_VERIFY_SECRET")
        if secret:
            headers[ORIGIN_HEADER] = secret  # what CloudFront's origin custom header does in production
        url = urllib.parse.urlsplit(self.path)
        event = build_event(self.command, url.path, headers, body, source_ip=self.client_address[0], query=url.query)
        from lambda_verify.handler import handler

        result = handler(event, DevContext())
        out = result.get("body") or ""
        payload = base64.b64decode(out) if result.get("isBase64Encoded") else str(out).encode("utf-8")
        response_headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        for cookie in result.get("cookies") or []:
            response_headers.setdefault("Set-Cookie", cookie)
        self._send(int(result.get("statusCode", 200)), response_headers, payload, head=self.command == "HEAD")

    # ------------------------------------------------------------------ methods

    def _dispatch(self) -> None:
        if urllib.parse.urlsplit(self.path).path.startswith(API_PREFIX):
            self._api()
        elif self.command in ("GET", "HEAD"):
            self._static(head=self.command == "HEAD")
        else:
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": "GET, HEAD", "Content-Type": "text/plain; charset=utf-8"},
                       b"Method Not Allowed")

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch


class DevServer(ThreadingHTTPServer):
    daemon_threads = True
    #: The standard library's default of 5 makes the kernel drop connections when 50 clients connect at once.
    request_queue_size = 128

    def __init__(self, port: int, root: Path):
        self.root = Path(root)
        super().__init__((HOST, port), DevRequestHandler)


def make_server(port: int, root: Path) -> DevServer:
    """A server bound to 127.0.0.1:``port`` (0 picks a free port) serving ``root``."""
    return DevServer(port, root)


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
    except Exception as exc:  # noqa: BLE001 - a broken data file must not stop the preview
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


def _store_hint() -> None:
    """Say which store the lookup uses, and when it is empty how to fill it."""
    from lambda_verify.config import Settings

    settings = Settings.from_env()
    if settings.table:
        logger.info("lookup: DynamoDB table %s", settings.table)
        return
    if not settings.db_path.exists():
        logger.warning("lookup: %s does not exist; load certificates with "
                       "`python -m scripts.load_certificates data/demo_certificates.yaml --demo`", settings.db_path)
        return
    logger.info("lookup: SQLite store %s", settings.db_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.devserver",
                                     description="サイト（output/）と電子証書の照会を http://127.0.0.1 で表示します。")
    parser.add_argument("--port", type=int, default=8000, help="ポート番号（既定 8000）")
    parser.add_argument("--root", type=Path, default=ROOT / "output", help="表示するフォルダ（既定 output/）")
    parser.add_argument("--watch", action="store_true", help="content/ data/ theme/ plugins/ の変更で作り直す")
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("pelican").setLevel(logging.WARNING)  # one line per written page hides what matters

    stop = threading.Event()
    if args.watch:
        threading.Thread(target=watch, args=(args.root, stop), name="watch", daemon=True).start()
    elif not args.root.is_dir():
        logger.warning("%s does not exist yet; run `make build` first", args.root)
    _store_hint()
    audit_file = audit_log_path()
    log_audit_to_file(audit_file)
    logger.info("audit log: %s", audit_file)
    try:
        server = make_server(args.port, args.root)
    except OSError as exc:
        print(f"127.0.0.1:{args.port} を使えません（{exc.strerror}）。--port で別の番号を指定してください。", file=sys.stderr)
        return 1
    print(f"http://{HOST}:{server.server_address[1]}/ で表示しています（止めるには Ctrl+C）。", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
