"""The local server: the built site from output/ and the lookup at /api/*, on http://127.0.0.1 only.

    python -m scripts.devserver --port 8000            # what `make run` starts
    python -m scripts.devserver --watch --port 8000    # `make serve`: rebuild when a source file changes

A thin command line over ``esurety.localserver``: a small WSGI application (``/api/*`` translated
into the Lambda payload 2.0 event production receives and handed to
``lambda_verify.handler.handler``; the site through WhiteNoise; the security headers on every
answer) served by waitress. The store is whatever the environment names (``VERIFY_DB``, default
var/verify.sqlite3); the audit log goes to the console and to ``audit.log`` beside the store.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

from esurety.localserver import HOST, audit_log_path, log_audit_to_file, make_server, rebuild, watch
from esurety.localserver.app import API_PREFIX, DROPPED_HEADERS, MAX_FORWARD_BYTES
from esurety.localserver.server import ROOT, _build_site

logger = logging.getLogger(__name__)

__all__ = ["API_PREFIX", "DROPPED_HEADERS", "HOST", "MAX_FORWARD_BYTES", "ROOT", "_build_site", "audit_log_path",
           "log_audit_to_file", "main", "make_server", "rebuild", "watch"]


def _store_hint() -> None:
    """Say which store the lookup uses, and when it is missing how to fill it."""
    from lambda_verify.config import Settings

    settings = Settings.from_env()
    if settings.table:
        logger.info("lookup: DynamoDB table %s", settings.table)
        return
    if not settings.db_path.exists():
        logger.warning("lookup: %s does not exist, so every lookup answers 503; load certificates with "
                       "`python -m scripts.load_certificates data/demo_certificates.yaml --demo`", settings.db_path)
        return
    logger.info("lookup: SQLite store %s", settings.db_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.devserver",
                                     description="サイト（output/）と電子証書の照会を http://127.0.0.1 で表示します。")
    parser.add_argument("--port", type=int, default=8000, help="ポート番号（既定 8000）")
    parser.add_argument("--root", type=Path, default=ROOT / "output", help="表示するフォルダ（既定 output/）")
    parser.add_argument("--watch", action="store_true", help="content/ data/ theme/ esurety/ の変更で作り直す")
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("pelican").setLevel(logging.WARNING)  # one line per written page hides what matters

    stop = threading.Event()
    if args.watch:
        args.root.mkdir(parents=True, exist_ok=True)
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
    print(f"http://{HOST}:{server.port}/ で表示しています（止めるには Ctrl+C）。", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
