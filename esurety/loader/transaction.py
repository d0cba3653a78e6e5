"""The transactional load: the store holds a key's hash before any notice shows the key.

A run, under the loader lock of its store, goes:

1. **lock** — one loader per store at a time. SQLite: a row in ``loader_lock`` taken in a
   ``BEGIN IMMEDIATE`` transaction; DynamoDB: the item ``loader#lock`` put on condition that it does
   not exist or has expired. A lock whose holder is a dead process on this machine, or whose expiry
   (``LOCK_SECONDS``) has passed, is taken over; any other holder makes the second loader stop with
   a Japanese message (exit 1) — or wait for it with ``--wait``;
2. **register** the run in the store (SQLite ``loader_runs``; DynamoDB ``loader#run#<id>`` and the
   set ``open_runs`` of ``loader#runs``) with the path of its journal;
3. **repair** every earlier run that did not finish (see below);
4. **stage** — the new notices are written into the run's journal folder
   ``<notices>/.journal/<run>/new/`` (not where anyone looks for notices), then ``journal.json``
   (numbers and new key hashes), each file synced; notices about to be replaced (a rotated key) are
   moved aside into ``old/``, so no notice in the notices folder ever shows a key the store is about
   to stop accepting;
5. **commit** — SQLite: every certificate in one transaction (all or nothing); DynamoDB: one
   conditional write per certificate (create only if absent, replace only the revision planned);
6. **place** — each staged notice is renamed into the notices folder (an atomic rename), the old
   ones are deleted, the journal removed and the run marked done; then the lock is released.

Repair (step 3, and every run does it first): for each entry of an unfinished run's journal, the
store decides. If it holds the entry's new hash, the staged notice is put in place (the commit
happened; the notice would otherwise be lost with its key). If not, the staged notice is deleted
(its key never reached the store) and a notice moved aside is put back. So whether a run was
refused, failed on an unavailable store or was killed (SIGKILL) at any point, every notice in the
folder shows a key the store accepts, and a rerun finishes what can be finished.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from lambda_verify.clock import iso_utc
from lambda_verify.stores import StoreConflict, StoredCertificate, StoreUnavailable

from .planning import Plan

logger = logging.getLogger(__name__)

__all__ = [
    "LOCK_SECONDS",
    "DynamoDbTarget",
    "LoaderLocked",
    "Repair",
    "Run",
    "SqliteTarget",
    "Target",
    "holder_alive",
    "new_holder",
]

#: A lock not renewed for this long belongs to a loader that is gone; a run renews it every
#: ``RENEW_SECONDS`` while it stages notices and writes certificates.
LOCK_SECONDS = 900
RENEW_SECONDS = 60
JOURNAL_DIR = ".journal"


class LoaderLocked(Exception):
    """Another loader holds the store's lock."""

    def __init__(self, holder: str, since: str | None):
        super().__init__(holder)
        self.holder = holder
        self.since = since


def new_holder(run_id: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{run_id}"


def holder_alive(holder: str) -> bool:
    """False only when the holder is provably gone: a process of this machine that no longer runs."""
    host, _, rest = holder.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---------------------------------------------------------------------- files


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (owner-only), synced, through a temporary name and a rename."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


@dataclass
class Run:
    """One loader run and its journal folder."""

    run_id: str
    holder: str
    notices: Path

    @property
    def journal(self) -> Path:
        return self.notices / JOURNAL_DIR / self.run_id

    @classmethod
    def start(cls, notices: Path) -> Run:
        run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4)
        return cls(run_id, new_holder(run_id), notices)


@dataclass
class Repair:
    placed: int = 0
    discarded: int = 0
    restored: int = 0
    runs: int = 0


# ---------------------------------------------------------------------- the store side


class Target(Protocol):
    """What a run needs of its store beyond the lookup's interface."""

    def acquire_lock(self, holder: str) -> None: ...

    def release_lock(self, holder: str) -> None: ...

    def renew_lock(self, holder: str) -> None: ...

    def register_run(self, run: Run) -> None: ...

    def open_runs(self) -> list[tuple[str, str]]: ...

    def finish_run(self, run_id: str) -> None: ...

    def commit(self, plans: list[Plan], run_id: str, holder: str | None = None) -> None: ...

    def current_hash(self, number: str) -> str | None: ...

    def get(self, number: str) -> StoredCertificate | None: ...


class SqliteTarget:
    """The loader's side of the SQLite store: lock row, runs table, one transaction for the commit."""

    def __init__(self, store: Any):
        self.store = store

    def _tx(self) -> Any:
        return _SqliteTx(self.store)

    def acquire_lock(self, holder: str) -> None:
        now = time.time()
        with self._tx() as conn:
            row = conn.execute("SELECT holder, expires_at FROM loader_lock WHERE name = 'loader'").fetchone()
            if row and row[0] != holder and row[1] > now and holder_alive(row[0]):
                raise LoaderLocked(row[0], iso_utc(row[1] - LOCK_SECONDS))
            if row:
                logger.warning("taking over the loader lock of %s (gone or expired)", row[0])
            conn.execute("INSERT OR REPLACE INTO loader_lock (name, holder, expires_at) VALUES ('loader', ?, ?)",
                         (holder, now + LOCK_SECONDS))

    def release_lock(self, holder: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM loader_lock WHERE name = 'loader' AND holder = ?", (holder,))

    def renew_lock(self, holder: str) -> None:
        """Push the lock's expiry on; a lock taken over meanwhile stops this run (LoaderLocked)."""
        with self._tx() as conn:
            cur = conn.execute("UPDATE loader_lock SET expires_at = ? WHERE name = 'loader' AND holder = ?",
                               (time.time() + LOCK_SECONDS, holder))
            if cur.rowcount != 1:
                row = conn.execute("SELECT holder FROM loader_lock WHERE name = 'loader'").fetchone()
                raise LoaderLocked(row[0] if row else "?", None)

    def register_run(self, run: Run) -> None:
        with self._tx() as conn:
            conn.execute("INSERT INTO loader_runs (run_id, state, started_at, holder, journal) VALUES (?, ?, ?, ?, ?)",
                         (run.run_id, "open", iso_utc(time.time()), run.holder, str(run.journal)))

    def open_runs(self) -> list[tuple[str, str]]:
        with self.store._guard("open_runs") as conn:
            return [(r[0], r[1]) for r in conn.execute("SELECT run_id, journal FROM loader_runs WHERE state != 'done'")]

    def finish_run(self, run_id: str) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE loader_runs SET state = 'done', finished_at = ? WHERE run_id = ?",
                         (iso_utc(time.time()), run_id))

    def commit(self, plans: list[Plan], run_id: str, holder: str | None = None) -> None:
        if holder is not None:
            self.renew_lock(holder)
        with self._tx() as conn:
            for plan in plans:
                assert plan.record is not None
                self.store.put_in(conn, plan.record, expected_revision=plan.expected_revision)
            conn.execute("UPDATE loader_runs SET state = 'stored' WHERE run_id = ?", (run_id,))

    def current_hash(self, number: str) -> str | None:
        found = self.store.get(number)
        return found.key_hash if found else None

    def get(self, number: str) -> StoredCertificate | None:
        return self.store.get(number)


class _SqliteTx:
    """``with`` one BEGIN IMMEDIATE transaction: COMMIT on success, ROLLBACK on anything else."""

    def __init__(self, store: Any):
        self.store = store

    def __enter__(self) -> sqlite3.Connection:
        self._guard = self.store._guard("loader")
        self.conn = self._guard.__enter__()
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        if kind is None:
            try:
                self.conn.execute("COMMIT")
            except BaseException as error:
                return bool(self._guard.__exit__(type(error), error, error.__traceback__))
            return bool(self._guard.__exit__(None, None, None))
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        return bool(self._guard.__exit__(kind, exc, tb))


class DynamoDbTarget:
    """The loader's side of the DynamoDB store: a lock item, run items, conditional writes."""

    LOCK: ClassVar[dict[str, dict[str, str]]] = {"pk": {"S": "loader#lock"}, "sk": {"S": "lock"}}
    RUNS: ClassVar[dict[str, dict[str, str]]] = {"pk": {"S": "loader#runs"}, "sk": {"S": "runs"}}

    def __init__(self, store: Any):
        self.store = store
        self.client = store.client
        self.table = store.table

    def _call(self, what: str, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(TableName=self.table, **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise
            raise StoreUnavailable(f"dynamodb {what}: {exc.response.get('Error', {}).get('Code')}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"dynamodb {what}: {type(exc).__name__}") from exc

    def acquire_lock(self, holder: str) -> None:
        from botocore.exceptions import ClientError

        for _attempt in range(2):
            now = time.time()
            try:
                self._call("lock", "put_item",
                           Item={**self.LOCK, "holder": {"S": holder}, "lock_until": {"N": f"{now + LOCK_SECONDS:.3f}"}},
                           ConditionExpression="attribute_not_exists(pk) OR lock_until < :now OR holder = :me",
                           ExpressionAttributeValues={":now": {"N": f"{now:.3f}"}, ":me": {"S": holder}})
                return
            except ClientError:
                item = self._call("lock", "get_item", Key=self.LOCK, ConsistentRead=True).get("Item") or {}
                other = item.get("holder", {}).get("S", "?")
                until = float(item.get("lock_until", {}).get("N", "0"))
                if item and not holder_alive(other):
                    logger.warning("taking over the loader lock of %s (its process is gone)", other)
                    try:
                        self._call("lock", "delete_item", Key=self.LOCK, ConditionExpression="holder = :h",
                                   ExpressionAttributeValues={":h": {"S": other}})
                    except ClientError:
                        pass
                    continue
                if item:
                    raise LoaderLocked(other, iso_utc(until - LOCK_SECONDS)) from None
        raise LoaderLocked("?", None)

    def release_lock(self, holder: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self._call("unlock", "delete_item", Key=self.LOCK, ConditionExpression="holder = :h",
                       ExpressionAttributeValues={":h": {"S": holder}})
        except ClientError:
            logger.warning("the loader lock was no longer ours")

    def renew_lock(self, holder: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self._call("lock", "update_item", Key=self.LOCK, UpdateExpression="SET lock_until = :until",
                       ConditionExpression="holder = :me",
                       ExpressionAttributeValues={":until": {"N": f"{time.time() + LOCK_SECONDS:.3f}"},
                                                  ":me": {"S": holder}})
        except ClientError:
            raise LoaderLocked("?", None) from None

    def register_run(self, run: Run) -> None:
        self._call("run", "put_item", Item={"pk": {"S": f"loader#run#{run.run_id}"}, "sk": {"S": "run"},
                                             "state": {"S": "open"}, "journal": {"S": str(run.journal)},
                                             "holder": {"S": run.holder}, "started_at": {"S": iso_utc(time.time())}})
        self._call("run", "update_item", Key=self.RUNS, UpdateExpression="ADD open_runs :r",
                   ExpressionAttributeValues={":r": {"SS": [run.run_id]}})

    def open_runs(self) -> list[tuple[str, str]]:
        item = self._call("runs", "get_item", Key=self.RUNS, ConsistentRead=True).get("Item") or {}
        found = []
        for run_id in sorted(item.get("open_runs", {}).get("SS", [])):
            run = self._call("runs", "get_item", Key={"pk": {"S": f"loader#run#{run_id}"}, "sk": {"S": "run"}},
                             ConsistentRead=True).get("Item") or {}
            found.append((run_id, run.get("journal", {}).get("S", "")))
        return found

    def finish_run(self, run_id: str) -> None:
        self._call("run", "update_item", Key={"pk": {"S": f"loader#run#{run_id}"}, "sk": {"S": "run"}},
                   UpdateExpression="SET #s = :done, finished_at = :at", ExpressionAttributeNames={"#s": "state"},
                   ExpressionAttributeValues={":done": {"S": "done"}, ":at": {"S": iso_utc(time.time())}})
        self._call("run", "update_item", Key=self.RUNS, UpdateExpression="DELETE open_runs :r",
                   ExpressionAttributeValues={":r": {"SS": [run_id]}})

    def commit(self, plans: list[Plan], run_id: str, holder: str | None = None) -> None:
        renewed = time.monotonic()
        for plan in plans:
            assert plan.record is not None
            if holder is not None and time.monotonic() - renewed > RENEW_SECONDS:
                self.renew_lock(holder)  # a long load keeps its lock; a lost lock stops it here
                renewed = time.monotonic()
            self.store.put(plan.record, expected_revision=plan.expected_revision)

    def current_hash(self, number: str) -> str | None:
        found = self.store.get(number)
        return found.key_hash if found else None

    def get(self, number: str) -> StoredCertificate | None:
        return self.store.get(number)


# ---------------------------------------------------------------------- journal


def stage(run: Run, plans: list[Plan], render: Any, renew: Any = None) -> dict[str, Path]:
    """Write the new notices and the journal into the run's folder; move replaced notices aside.

    ``render(plan) -> (html bytes)``, or None when no notices are wanted; returns number → staged file. Nothing in the notices folder
    itself changes here except that notices about to lose their key are moved into ``old/``.
    """
    new_dir, old_dir = run.journal / "new", run.journal / "old"
    run.notices.mkdir(parents=True, exist_ok=True, mode=0o700)
    (run.notices / JOURNAL_DIR).mkdir(exist_ok=True, mode=0o700)
    new_dir.parent.mkdir(exist_ok=True, mode=0o700)
    new_dir.mkdir(exist_ok=True, mode=0o700)
    old_dir.mkdir(exist_ok=True, mode=0o700)
    os.chmod(run.notices, 0o700)
    staged: dict[str, Path] = {}
    rekeyed: list[str] = []
    entries = []
    renewed = time.monotonic()
    for plan in plans:
        if renew is not None and time.monotonic() - renewed > RENEW_SECONDS:
            renew()
            renewed = time.monotonic()
        assert plan.record is not None
        entries.append({"number": plan.number, "key_hash": plan.record.key_hash,
                        "notice": bool(plan.notice_key and render)})
        if plan.notice_key:
            rekeyed.append(plan.number)
            if render is not None:
                target = new_dir / f"{plan.number}.html"
                write_private(target, render(plan))
                staged[plan.number] = target
    write_private(run.journal / "journal.json",
                  json.dumps({"run_id": run.run_id, "entries": entries}, ensure_ascii=False).encode())
    for number in rekeyed:
        for suffix in (".html", ".pdf"):
            current = run.notices / f"{number}{suffix}"
            if current.exists():
                os.replace(current, old_dir / current.name)
    _fsync_dir(old_dir)
    _fsync_dir(run.notices)
    return staged


def place(run: Run, numbers: list[str]) -> dict[str, Path]:
    """After the commit: staged notices into the notices folder, replaced ones deleted."""
    placed: dict[str, Path] = {}
    for number in numbers:
        staged = run.journal / "new" / f"{number}.html"
        final = run.notices / f"{number}.html"
        if staged.exists():
            os.replace(staged, final)
        placed[number] = final
        for old in (run.journal / "old").glob(f"{number}.*"):
            old.unlink()
    _fsync_dir(run.notices)
    return placed


def remove_journal(journal: Path) -> None:
    """Delete a run's journal folder, and the journals folder when it is left empty."""
    if journal.exists():
        for path in sorted(journal.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink()
        journal.rmdir()
    try:
        journal.parent.rmdir()
    except OSError:
        pass


def _journals(notices: Path, target: Target) -> Iterator[tuple[str | None, Path]]:
    seen: set[Path] = set()
    for run_id, journal in target.open_runs():
        path = Path(journal) if journal else None
        if path is not None:
            seen.add(path.resolve())
        yield run_id, path if path is not None else Path("/nonexistent")
    base = notices / JOURNAL_DIR
    if base.is_dir():
        for path in sorted(base.iterdir()):
            if path.is_dir() and path.resolve() not in seen:
                yield None, path


def repair(notices: Path, target: Target, current_run: str) -> Repair:
    """Finish or undo every earlier unfinished run (see the module docstring); under the lock."""
    result = Repair()
    for run_id, journal in _journals(notices, target):
        if run_id == current_run:
            continue
        result.runs += 1
        folder = journal.parent.parent  # the notices folder that run wrote to (<notices>/.journal/<run>)
        entries: list[dict[str, Any]] = []
        try:
            entries = json.loads((journal / "journal.json").read_text(encoding="utf-8"))["entries"]
        except FileNotFoundError:
            entries = []  # killed before the journal was complete: nothing was committed
        except (OSError, ValueError, KeyError) as exc:
            logger.error("journal %s unreadable (%s); its staged notices are discarded", journal, exc)
        for entry in entries:
            number = entry["number"]
            stored = target.current_hash(number)
            staged = journal / "new" / f"{number}.html"
            if stored == entry["key_hash"]:
                if staged.exists():
                    os.replace(staged, folder / f"{number}.html")
                    result.placed += 1
                for old in (journal / "old").glob(f"{number}.*"):
                    old.unlink()
            else:
                if staged.exists():
                    staged.unlink()
                    result.discarded += 1
                for old in (journal / "old").glob(f"{number}.*"):
                    os.replace(old, folder / old.name)
                    result.restored += 1
        # Old notices aside without a journal entry (killed between moving and writing): put back.
        for old in (journal / "old").glob("*") if journal.exists() else ():
            if not (folder / old.name).exists():
                os.replace(old, folder / old.name)
                result.restored += 1
        remove_journal(journal)
        if run_id is not None:
            target.finish_run(run_id)
    _fsync_dir(notices) if notices.exists() else None
    return result


def commit_conflict_message(exc: StoreConflict) -> str:
    return f"ほかの処理が同時に書き換えました（{exc}）。何も登録していません。もう一度実行してください。"
