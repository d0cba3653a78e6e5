"""The embedded store: one SQLite file, the default for local runs (``make run``) and tests.

Only the loader creates the file and its tables (``SqliteStore(path, create=True)`` or
``initialise``); the function opens it read-write *without* create (``file:…?mode=rw``), so a missing
file, a missing table or an old schema answers 503 and logs why, instead of a fresh empty store that
would call every right key wrong. Each operation checks that the path still names the file the
connection opened (device and inode): a file deleted or replaced while the server runs is reopened
(or answers 503 when it is gone), never served from two different files at once.

One connection per thread, remembered with its thread: when a thread has ended, its connection is
closed the next time a connection is made, so a server that starts threads never piles up open
files. WAL mode (set by the loader) lets readers go on while a writer writes; a bounded busy timeout
makes a file locked for longer answer 503 instead of hanging. Every SQLite error becomes
``StoreUnavailable``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..limits import Claim, Gate, Limits, Slots, decide, make_stamp, shuffled, stamp_cutoff
from .base import FirstView, Snapshot, StoreConflict, StoreCorrupt, StoredCertificate, StoreUnavailable

logger = logging.getLogger(__name__)

__all__ = ["BUSY_TIMEOUT_SECONDS", "SCHEMA_VERSION", "SqliteStore", "initialise"]

#: How long an operation waits for another connection's write lock before it answers 503. SQLite's
#: busy handler is not fair: with many threads claiming slots of one number on a loaded machine one
#: wait can pass 1 s while most take milliseconds (bench/results/sqlite_contention.md).
BUSY_TIMEOUT_SECONDS = 5.0

SCHEMA_VERSION = 2
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
CREATE TABLE IF NOT EXISTS attempt_slots (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    slot INTEGER NOT NULL,
    stamp INTEGER NOT NULL,
    PRIMARY KEY (scope, subject, slot)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attempt_slots_stamp ON attempt_slots (stamp);
CREATE TABLE IF NOT EXISTS loader_runs (
    run_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    holder TEXT NOT NULL,
    journal TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS loader_lock (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
DROP TABLE IF EXISTS failure_counters;
"""
#: The tables the function needs; their absence answers 503.
_REQUIRED_TABLES = ("certificates", "attempt_slots")
_CERT_COLUMNS = "guarantee_number, key_hash, document, revision, demo, loaded_at, first_viewed_at"


def _row_to_certificate(row: tuple[Any, ...]) -> StoredCertificate:
    return StoredCertificate(
        guarantee_number=row[0], key_hash=row[1], document=row[2], revision=row[3], demo=bool(row[4]),
        loaded_at=row[5], first_viewed_at=row[6],
    )


def _uri(path: Path, mode: str) -> str:
    return f"file:{urllib.parse.quote(str(path.resolve()))}?mode={mode}"


#: How long to sleep between tries of switching a new file to WAL while another process holds it.
_WAL_RETRY_SECONDS = 0.01


def _use_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch the file to WAL, waiting up to ``busy_timeout`` for other processes to let go of it.

    The switch needs the file to itself, and SQLite answers "database is locked" at once instead of
    calling the busy handler; two loaders creating the same new file at the same moment met that.
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(_WAL_RETRY_SECONDS)


def initialise(path: Path | str, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
    """Create the file and its tables (the loader's job, never the function's); idempotent."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(_uri(path, "rwc"), uri=True, timeout=busy_timeout, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        _use_wal(conn, busy_timeout)
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


class _Opened:
    __slots__ = ("conn", "identity", "thread")

    def __init__(self, conn: sqlite3.Connection, identity: tuple[int, int], thread: threading.Thread):
        self.conn = conn
        self.identity = identity
        self.thread = thread


class SqliteStore:
    """Certificates and attempt slots in one SQLite file."""

    name = "sqlite"

    def __init__(self, path: Path | str, *, busy_timeout: float | None = None, create: bool = False):
        """``busy_timeout`` None: :data:`BUSY_TIMEOUT_SECONDS`."""
        self.path = Path(path)
        self.busy_timeout = BUSY_TIMEOUT_SECONDS if busy_timeout is None else busy_timeout
        self._local = threading.local()
        self._opened: list[_Opened] = []
        self._lock = threading.Lock()
        if create:
            try:
                initialise(self.path, busy_timeout=max(self.busy_timeout, 1.0))
            except (sqlite3.Error, OSError) as exc:
                raise StoreUnavailable(f"sqlite: cannot create or upgrade {self.path}: {exc}") from exc

    # ------------------------------------------------------------------ connections

    def _identity(self) -> tuple[int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError as exc:
            raise StoreUnavailable(f"sqlite: {self.path} does not exist (load certificates first)") from exc
        return st.st_dev, st.st_ino

    def _connect(self, identity: tuple[int, int]) -> sqlite3.Connection:
        conn = sqlite3.connect(_uri(self.path, "rw"), uri=True, timeout=self.busy_timeout, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            conn.execute("PRAGMA synchronous = NORMAL")  # per connection; with WAL still safe against crashes
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [t for t in _REQUIRED_TABLES if t not in tables]
            if missing or version < SCHEMA_VERSION:
                raise StoreUnavailable(f"sqlite: {self.path} is not a certificate store of schema {SCHEMA_VERSION} "
                                       f"(version {version}, missing {', '.join(missing) or 'nothing'}); "
                                       "run the loader to create or upgrade it")
        except BaseException:
            conn.close()
            raise
        return conn

    def _reap(self) -> None:
        """Close the connections of threads that have ended (called with the lock held)."""
        keep = []
        for opened in self._opened:
            if opened.thread.is_alive():
                keep.append(opened)
            else:
                opened.conn.close()
        self._opened = keep

    def _conn(self) -> sqlite3.Connection:
        identity = self._identity()
        opened: _Opened | None = getattr(self._local, "opened", None)
        if opened is not None and opened.identity == identity:
            return opened.conn
        if opened is not None:  # the file was replaced or deleted and re-created: drop the old handle
            logger.warning("sqlite store: %s changed on disk; reopening", self.path)
            self._forget(opened)
        conn = self._connect(identity)
        opened = _Opened(conn, identity, threading.current_thread())
        self._local.opened = opened
        with self._lock:
            self._reap()
            self._opened.append(opened)
        return conn

    def _forget(self, opened: _Opened) -> None:
        with self._lock:
            if opened in self._opened:
                self._opened.remove(opened)
        opened.conn.close()
        self._local.opened = None

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._opened)

    @contextmanager
    def _guard(self, what: str) -> Iterator[sqlite3.Connection]:
        """Run one operation; any SQLite error leaves no open transaction and becomes StoreUnavailable."""
        try:
            conn = self._conn()
        except StoreUnavailable as exc:
            logger.error("sqlite store %s: %s", what, exc)
            raise
        except (sqlite3.Error, OSError) as exc:
            logger.error("sqlite store %s: cannot open %s: %s", what, self.path, exc)
            raise StoreUnavailable(f"sqlite: {exc}") from exc
        try:
            yield conn
        except (sqlite3.Error, OSError) as exc:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            logger.warning("sqlite store %s failed: %s", what, exc)
            raise StoreUnavailable(f"sqlite: {exc}") from exc
        except BaseException:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise

    def close(self) -> None:
        with self._lock:
            for opened in self._opened:
                opened.conn.close()
            self._opened.clear()
        self._local = threading.local()

    # ------------------------------------------------------------------ lookup

    def read(self, guarantee_number: str, client_subject: str, limits: Limits, now: float) -> Snapshot:
        """The certificate and both subjects' slots, in one read transaction (no lock is taken)."""
        size = limits.slot_count
        with self._guard("read") as conn:
            conn.execute("BEGIN")
            row = conn.execute(f"SELECT {_CERT_COLUMNS} FROM certificates WHERE guarantee_number = ?",
                               (guarantee_number,)).fetchone()
            client = self._slots(conn, "client", client_subject, size)
            number = self._slots(conn, "number", guarantee_number, size)
            conn.execute("COMMIT")
        if row is None:
            return Snapshot(None, client, number)
        if not isinstance(row[1], str) or not isinstance(row[2], str):
            raise StoreCorrupt(f"sqlite: certificate {guarantee_number} has a broken row")
        return Snapshot(_row_to_certificate(row), client, number)

    @staticmethod
    def _slots(conn: sqlite3.Connection, scope: str, subject: str, size: int) -> Slots:
        rows = conn.execute("SELECT slot, stamp FROM attempt_slots WHERE scope = ? AND subject = ?",
                            (scope, subject)).fetchall()
        return Slots.of(rows, size)

    def claim(self, guarantee_number: str, client_subject: str, limits: Limits, now: float,
              seen: Snapshot | None = None) -> Claim:
        """Decide and take the slots in one IMMEDIATE transaction: nobody else claims in between.

        When the slots just read (``seen``) already block the attempt, it is refused without taking the
        write lock: refusing on a snapshot a moment old evaluates nothing, so it is always safe.
        """
        if seen is not None:
            early = decide(seen.client, seen.number, limits, now)
            if early.gate is Gate.BLOCKED:
                return Claim.blocked(early.retry_after)
        put = "INSERT OR REPLACE INTO attempt_slots (scope, subject, slot, stamp) VALUES (?, ?, ?, ?)"
        stamp = make_stamp(now)
        size = limits.slot_count
        with self._guard("claim") as conn:
            conn.execute("BEGIN IMMEDIATE")
            client = self._slots(conn, "client", client_subject, size)
            number = self._slots(conn, "number", guarantee_number, size)
            decision = decide(client, number, limits, now)
            if decision.gate is Gate.BLOCKED:
                conn.execute("ROLLBACK")
                return Claim.blocked(decision.retry_after)
            client_slot = shuffled(client.free(limits.client, now))[0]
            conn.execute(put, ("client", client_subject, client_slot, stamp))
            number_slot = None
            if decision.gate is Gate.OPEN:
                number_slot = shuffled(number.free(limits.number, now))[0]
                conn.execute(put, ("number", guarantee_number, number_slot, stamp))
            # Slots older than every window are never read again; removing them keeps the file small.
            oldest = max(limits.client.window_seconds, limits.number.window_seconds)
            conn.execute("DELETE FROM attempt_slots WHERE stamp < ?", (stamp_cutoff(now, oldest),))
            conn.execute("COMMIT")
        return Claim(decision.gate, decision.retry_after, stamp, client_slot, number_slot)

    def release(self, guarantee_number: str, client_subject: str, claim: Claim) -> None:
        if claim.stamp is None:
            return
        try:
            with self._guard("release") as conn:
                conn.execute("BEGIN IMMEDIATE")
                for scope, subject, slot in (("client", client_subject, claim.client_slot),
                                             ("number", guarantee_number, claim.number_slot)):
                    if slot is not None:
                        conn.execute("DELETE FROM attempt_slots WHERE scope = ? AND subject = ? AND slot = ? "
                                     "AND stamp = ?", (scope, subject, slot, claim.stamp))
                conn.execute("COMMIT")
        except StoreUnavailable:
            logger.warning("sqlite store: a successful attempt's slots stay counted (release failed)")

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

    # ------------------------------------------------------------------ staff tools

    def get(self, guarantee_number: str) -> StoredCertificate | None:
        with self._guard("get") as conn:
            row = conn.execute(f"SELECT {_CERT_COLUMNS} FROM certificates WHERE guarantee_number = ?",
                               (guarantee_number,)).fetchone()
        return _row_to_certificate(row) if row else None

    def put(self, certificate: StoredCertificate, *, expected_revision: str | None) -> None:
        with self._guard("put") as conn:
            self.put_in(conn, certificate, expected_revision=expected_revision)

    @staticmethod
    def put_in(conn: sqlite3.Connection, certificate: StoredCertificate, *, expected_revision: str | None) -> None:
        """``put`` on a connection whose transaction the caller holds (the loader's one transaction)."""
        c = certificate
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

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (the loader runs its transaction on it)."""
        return self._conn()

    def count(self) -> int:
        """How many certificates are stored (the local server says so when it starts)."""
        with self._guard("count") as conn:
            return int(conn.execute("SELECT COUNT(*) FROM certificates").fetchone()[0])
