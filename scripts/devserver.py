"""The local server: the built site from output/ and the lookup at /api/*, on http://127.0.0.1 only.

    python -m scripts.devserver --port 8000            # what `make run` starts
    python -m scripts.devserver --watch --port 8000    # `make serve`: rebuild when a source file changes
    python -m scripts.devserver --port 0               # a free port of the system's choosing, printed

Once it listens it prints ``http://127.0.0.1:<port>/ で表示しています…`` with the port actually bound
(tests and benchmarks read it from there, ``esurety.devtools``). Two options are for tests only:
``--trust-forwarded-for`` (an ``X-Forwarded-For`` names the client for the attempt limits) and
``--clock-file`` (the lookup's wall time is the epoch seconds written in that file).

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

from esurety.localserver import HOST, FileClock, audit_log_path, log_audit_to_file, make_server, rebuild, watch
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
    parser.add_argument("--port", type=int, default=8000, help="ポート番号（既定 8000）。0 なら空いている番号を選んで表示する")
    parser.add_argument("--root", type=Path, default=ROOT / "output", help="表示するフォルダ（既定 output/）")
    parser.add_argument("--watch", action="store_true", help="content/ data/ theme/ esurety/ の変更で作り直す")
    parser.add_argument("--trust-forwarded-for", action="store_true",
                        help="テスト用：X-Forwarded-For の送信元アドレスを照会回数の制限に使う")
    parser.add_argument("--clock-file", type=Path, metavar="PATH",
                        help="テスト用：照会の時刻をこのファイルに書かれたエポック秒にする")
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
        server = make_server(args.port, args.root, trust_forwarded_for=args.trust_forwarded_for,
                             clock=FileClock(args.clock_file) if args.clock_file else None)
    except OSError as exc:
        print(f"127.0.0.1:{args.port} を使えません（{exc.strerror}）。--port で別の番号を指定してください。", file=sys.stderr)
        return 1
    if args.trust_forwarded_for or args.clock_file:
        logger.warning("test options: %s", ", ".join(name for name, on in (
            ("X-Forwarded-For names the client", args.trust_forwarded_for),
            (f"lookup clock from {args.clock_file}", bool(args.clock_file))) if on))
    print(server.ready_line, flush=True)
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
