"""The embedded store: one SQLite file, the default for local runs (``make run``) and tests.

One connection per thread (the local server answers requests in threads), WAL mode so readers never
wait for a writer, and a short busy timeout: when another process holds the write lock longer than
that, the lookup answers 503 instead of hanging. Every SQLite error becomes ``StoreUnavailable``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..limits import Windows
from .base import FirstView, Snapshot, StoreConflict, StoredCertificate, StoreUnavailable

logger = logging.getLogger(__name__)

__all__ = ["SqliteStore"]

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS certificates (
    guarantee_number TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL,
    document TEXT NOT NULL,
    revision TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0,
    loaded_at TEXT,
    first_viewed_at TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS failure_counters (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, subject, window_start)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS failure_counters_expiry ON failure_counters (expires_at);
"""
#: Files made before views were counted from the audit log also have view_count and last_viewed_at
#: columns; nothing reads or writes them any more.
_CERT_COLUMNS = "guarantee_number, key_hash, document, revision, demo, loaded_at, first_viewed_at"


#: The certificate (if any) and the current window's two counters with their expiry, in one row.
_READ = f"""
SELECT cc.failures, cc.expires_at, nc.failures, nc.expires_at, {', '.join('c.' + c.strip() for c in _CERT_COLUMNS.split(','))}
FROM (SELECT 1) AS one
LEFT JOIN failure_counters AS cc ON cc.scope = 'client' AND cc.subject = ? AND cc.window_start = ?
LEFT JOIN failure_counters AS nc ON nc.scope = 'number' AND nc.subject = ? AND nc.window_start = ?
LEFT JOIN certificates AS c ON c.guarantee_number = ?
"""


def _row_to_certificate(row: tuple) -> StoredCertificate:
    return StoredCertificate(
        guarantee_number=row[0], key_hash=row[1], document=row[2], revision=row[3], demo=bool(row[4]),
        loaded_at=row[5], first_viewed_at=row[6],
    )


class SqliteStore:
    """Certificates and failure counters in one SQLite file."""

    name = "sqlite"

    def __init__(self, path: Path | str, *, busy_timeout: float = 1.0):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ connections

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), timeout=self.busy_timeout, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _guard(self, what: str) -> Iterator[sqlite3.Connection]:
        """Run one operation; any SQLite error leaves no open transaction and becomes StoreUnavailable."""
        try:
            conn = self._conn()
        except (sqlite3.Error, OSError) as exc:
            logger.warning("sqlite store %s: cannot open %s: %s", what, self.path, exc)
            raise StoreUnavailable(f"sqlite: {exc}") from exc
        try:
            yield conn
        except sqlite3.Error as exc:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            logger.warning("sqlite store %s failed: %s", what, exc)
            raise StoreUnavailable(f"sqlite: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    # ------------------------------------------------------------------ lookup

    def read(self, guarantee_number: str, client_subject: str, windows: Windows, now: float) -> Snapshot:
        # One statement, so one consistent snapshot without an explicit transaction.
        with self._guard("read") as conn:
            row = conn.execute(_READ, (client_subject, windows.client.start, guarantee_number, windows.number.start,
                                       guarantee_number)).fetchone()
        client_failures, client_expiry, number_failures, number_expiry = row[:4]
        return Snapshot(
            _row_to_certificate(row[4:]) if row[4] is not None else None,
            client_failures if windows.client.live(client_expiry, now) else 0,
            number_failures if windows.number.live(number_expiry, now) else 0,
        )

    def record_first_view(self, guarantee_number: str, at: str) -> FirstView:
        """Set the first view only where there is none yet; otherwise say which moment is kept."""
        with self._guard("record_first_view") as conn:
            cur = conn.execute("UPDATE certificates SET first_viewed_at = ? "
                               "WHERE guarantee_number = ? AND first_viewed_at IS NULL", (at, guarantee_number))
            if cur.rowcount == 1:
                return FirstView(at, recorded_now=True)
            row = conn.execute("SELECT first_viewed_at FROM certificates WHERE guarantee_number = ?",
                               (guarantee_number,)).fetchone()
        if row is None or row[0] is None:
            raise StoreUnavailable("sqlite: certificate disappeared during the lookup")
        return FirstView(row[0], recorded_now=False)

    def record_failure(self, guarantee_number: str, client_subject: str, windows: Windows, now: float) -> None:
        upsert = ("INSERT INTO failure_counters (scope, subject, window_start, failures, expires_at) "
                  "VALUES (?, ?, ?, 1, ?) ON CONFLICT (scope, subject, window_start) "
                  "DO UPDATE SET failures = failures + 1")
        with self._guard("record_failure") as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(upsert, ("client", client_subject, windows.client.start, windows.client.end))
            conn.execute(upsert, ("number", guarantee_number, windows.number.start, windows.number.end))
            # Expired counters are never read again; removing them here keeps the file small.
            conn.execute("DELETE FROM failure_counters WHERE expires_at <= ?", (int(now),))
            conn.execute("COMMIT")

    # ------------------------------------------------------------------ staff tools

    def get(self, guarantee_number: str) -> StoredCertificate | None:
        with self._guard("get") as conn:
            row = conn.execute(f"SELECT {_CERT_COLUMNS} FROM certificates WHERE guarantee_number = ?",
                               (guarantee_number,)).fetchone()
        return _row_to_certificate(row) if row else None

    def put(self, certificate: StoredCertificate, *, expected_revision: str | None) -> None:
        c = certificate
        with self._guard("put") as conn:
            if expected_revision is None:
                try:
                    conn.execute(
                        "INSERT INTO certificates (guarantee_number, key_hash, document, revision, demo, loaded_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (c.guarantee_number, c.key_hash, c.document, c.revision, int(c.demo), c.loaded_at),
                    )
                except sqlite3.IntegrityError as exc:
                    raise StoreConflict(f"{c.guarantee_number} already exists") from exc
                return
            cur = conn.execute(
                "UPDATE certificates SET key_hash = ?, document = ?, revision = ?, demo = ?, loaded_at = ? "
                "WHERE guarantee_number = ? AND revision = ?",
                (c.key_hash, c.document, c.revision, int(c.demo), c.loaded_at, c.guarantee_number, expected_revision),
            )
            if cur.rowcount != 1:
                raise StoreConflict(f"{c.guarantee_number} changed since it was read")

    def count(self) -> int:
        """How many certificates are stored (the local server says so when it starts)."""
        with self._guard("count") as conn:
            return int(conn.execute("SELECT COUNT(*) FROM certificates").fetchone()[0])
