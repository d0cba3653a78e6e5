"""The loader under faults: no key without its hash, over SQLite and over DynamoDB (moto_server).

Whatever happens to a run — a second loader at the same time, a store that fails half-way, a SIGKILL
at a random moment — every notice in the notices folder shows a key the store accepts, and the next
run repairs what was left half done, so no certificate ends up with a key nobody holds.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from lambda_verify.keys import keys_match
from lambda_verify.stores.dynamodb import DynamoDbStore
from lambda_verify.stores.sqlite import SqliteStore

from .support import ROOT, InjectedFault

SITE = "https://guide.example.jp"
_KEY_RE = re.compile(r'<dd class="notice__key">([^<]+)</dd>')


def certificates(first: int, count: int) -> list[dict[str, Any]]:
    return [{
        "guarantee_number": f"2098{first + i:06d}",
        "guarantor": "wjcs",
        "certificate_type": "advance_payment",
        "branch": "大阪支店",
        "versions": [{"issued_on": "2026-04-10", "contractor_name": f"テスト建設{i}", "orderer": "テスト市長",
                      "work_name": "テスト工事", "contract_amount": 100_000_000, "guaranteed_amount": 40_000_000,
                      "guarantee_end": "2027-03-31"}],
    } for i in range(count)]


def export(path: Path, certs: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump(certs, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class Target:
    """The store both the loader (as a subprocess) and the checks use."""

    def __init__(self, kind: str, tmp_path: Path, table: str | None):
        self.kind = kind
        self.db = tmp_path / "verify.sqlite3"
        self.table = table

    def args(self) -> list[str]:
        return ["--db", str(self.db)] if self.kind == "sqlite" else ["--table", self.table or ""]

    def store(self) -> Any:
        return SqliteStore(self.db) if self.kind == "sqlite" else DynamoDbStore(self.table or "")


@pytest.fixture(params=["sqlite", "dynamodb"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    table = request.getfixturevalue("dynamodb_table") if request.param == "dynamodb" else None
    return Target(request.param, tmp_path, table)


def loader(target: Target, *args: str | Path, notices: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "scripts.load_certificates", *map(str, args), *target.args(),
           "--notices", str(notices), "--site-url", SITE, "--no-pdf", "--quiet"]
    return subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    _out, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


def notices_in(folder: Path) -> dict[str, str]:
    """number → key, for every notice in the folder itself (not in a journal)."""
    found = {}
    for path in folder.glob("*.html") if folder.exists() else ():
        match = _KEY_RE.search(path.read_text(encoding="utf-8"))
        assert match, path
        found[path.stem] = match.group(1)
    return found


def assert_every_notice_is_accepted(target: Target, folder: Path) -> dict[str, str]:
    store = target.store()
    try:
        notices = notices_in(folder)
        for number, key in notices.items():
            stored = store.get(number)
            assert stored is not None, f"notice {number} for a certificate the store does not have"
            assert keys_match(stored.key_hash, number, key), f"notice {number} shows a key the store refuses"
        return notices
    finally:
        store.close()


def assert_no_key_lost(target: Target, folder: Path, numbers: list[str]) -> None:
    """Every certificate has a notice, and the store accepts its key."""
    notices = assert_every_notice_is_accepted(target, folder)
    missing = sorted(set(numbers) - set(notices))
    assert not missing, f"certificates without a notice: {missing[:5]}"


# ---------------------------------------------------------------------- two loaders at once


@pytest.mark.slow
def test_two_loaders_at_once_are_serialised_or_refused(target: Target, tmp_path: Path) -> None:
    notices = tmp_path / "notices"
    a = export(tmp_path / "a.yaml", certificates(0, 40))
    b = export(tmp_path / "b.yaml", certificates(100, 40))
    first, second = loader(target, a, notices=notices), loader(target, b, notices=notices)
    (rc_a, err_a), (rc_b, err_b) = finish(first), finish(second)
    assert {rc_a, rc_b} <= {0, 1}, (err_a, err_b)
    for rc, err in ((rc_a, err_a), (rc_b, err_b)):
        if rc == 1:
            assert "別の読み込み" in err and "実行中" in err and "Traceback" not in err
    assert_every_notice_is_accepted(target, notices)
    # the refused one runs again and everything is there
    for rc, path in ((rc_a, a), (rc_b, b)):
        if rc == 1:
            assert finish(loader(target, path, notices=notices))[0] == 0
    assert_no_key_lost(target, notices, [c["guarantee_number"] for c in certificates(0, 40) + certificates(100, 40)])


@pytest.mark.slow
def test_a_waiting_loader_runs_after_the_first(target: Target, tmp_path: Path) -> None:
    notices = tmp_path / "notices"
    a = export(tmp_path / "a.yaml", certificates(0, 20))
    b = export(tmp_path / "b.yaml", certificates(200, 20))
    procs = [loader(target, a, "--wait", "60", notices=notices), loader(target, b, "--wait", "60", notices=notices)]
    results = [finish(p) for p in procs]
    assert [rc for rc, _ in results] == [0, 0], [err for _, err in results]
    assert_no_key_lost(target, notices, [c["guarantee_number"] for c in certificates(0, 20) + certificates(200, 20)])


@pytest.mark.slow
def test_the_same_file_twice_at_once_leaves_one_key_per_certificate(target: Target, tmp_path: Path) -> None:
    notices = tmp_path / "notices"
    a = export(tmp_path / "a.yaml", certificates(300, 30))
    procs = [loader(target, a, "--wait", "60", notices=notices) for _ in range(2)]
    assert [finish(p)[0] for p in procs] == [0, 0]
    assert_no_key_lost(target, notices, [c["guarantee_number"] for c in certificates(300, 30)])


# ---------------------------------------------------------------------- SIGKILL at random points


def kill_at_staged(proc: subprocess.Popen[str], journal: Path, staged: int, timeout: float = 120) -> None:
    """Wait until the running loader has staged ``staged`` notices in its journal (or has ended)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if sum(1 for p in journal.rglob("*") if p.is_file()) >= staged:
                return
        except FileNotFoundError:  # no journal yet, or the run removed it while it was counted
            pass
        time.sleep(0.005)


@pytest.mark.slow
def test_a_loader_killed_at_random_points_loses_no_key(target: Target, tmp_path: Path) -> None:
    notices = tmp_path / "notices"
    certs = certificates(500, 30)
    numbers = [c["guarantee_number"] for c in certs]
    src = export(tmp_path / "a.yaml", certs)
    assert finish(loader(target, src, notices=notices))[0] == 0
    rng = random.Random(13)
    outcomes = []
    for _round in range(6):
        proc = loader(target, src, "--rotate-key", notices=notices)
        # a random point of the work, not of the clock: once the run's journal holds this many staged notices
        kill_at_staged(proc, notices / ".journal", rng.randint(1, len(certs)))
        proc.send_signal(signal.SIGKILL)
        rc, _err = finish(proc)
        outcomes.append(rc)
        # right after the kill: nothing in the folder shows a key the store no longer accepts
        assert_every_notice_is_accepted(target, notices)
        # the next run (no changes asked for) repairs the half-done one: every certificate has its key
        rc, err = finish(loader(target, src, notices=notices))
        assert rc == 0, err
        assert "Traceback" not in err
        assert_no_key_lost(target, notices, numbers)
        assert not (notices / ".journal").exists()
    assert -signal.SIGKILL in outcomes  # at least one kill landed while the loader was working


# ---------------------------------------------------------------------- a store that fails half-way


def test_dynamodb_failing_half_way_through_a_rotation_loses_no_key(dynamodb_table: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from esurety.loader import cli
    from lambda_verify.stores import dynamodb as dynamodb_module

    notices = tmp_path / "notices"
    certs = certificates(700, 12)
    numbers = [c["guarantee_number"] for c in certs]
    src = export(tmp_path / "a.yaml", certs)
    base = ["--table", dynamodb_table, "--notices", str(notices), "--site-url", SITE, "--no-pdf", "--quiet"]
    assert cli.main([str(src), *base]) == 0
    target = Target("dynamodb", tmp_path, dynamodb_table)
    before = assert_every_notice_is_accepted(target, notices)

    client = dynamodb_module.make_client()
    monkeypatch.setattr(dynamodb_module, "make_client", lambda region=None: client)
    calls = {"n": 0}

    def sixth_write_and_later(body: str) -> bool:
        if "key_hash" not in body:
            return False
        calls["n"] += 1
        return calls["n"] > 5

    with InjectedFault(client, "UpdateItem", "ThrottlingException", when=sixth_write_and_later):
        assert cli.main([str(src), "--rotate-key", *base]) == 3
    err = capsys.readouterr().err
    assert "ストアに接続できません" in err and "Traceback" not in err
    after = assert_every_notice_is_accepted(target, notices)
    # the notices being replaced wait in the run's journal, none shows a key the store no longer takes
    assert all(after[n] == before[n] for n in after) and (notices / ".journal").is_dir()
    # the rerun places the five rotated notices and leaves the other seven as they were
    assert cli.main([str(src), *base]) == 0
    final = assert_every_notice_is_accepted(target, notices)
    assert set(final) == set(numbers)
    assert sum(final[n] != before[n] for n in numbers) == 5


def test_a_locked_sqlite_store_refuses_the_run_and_keeps_every_notice(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from esurety.loader import cli

    notices = tmp_path / "notices"
    db = tmp_path / "verify.sqlite3"
    src = export(tmp_path / "a.yaml", certificates(800, 5))
    base = ["--db", str(db), "--notices", str(notices), "--site-url", SITE, "--no-pdf", "--quiet"]
    assert cli.main([str(src), *base]) == 0
    target = Target("sqlite", tmp_path, None)
    before = assert_every_notice_is_accepted(target, notices)
    holder = sqlite3.connect(db, isolation_level=None, timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        assert cli.main([str(src), "--rotate-key", *base]) == 3
        assert time.monotonic() - started < 30
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert "Traceback" not in err and "ストアを開けません" in err
    assert assert_every_notice_is_accepted(target, notices) == before
    assert cli.main([str(src), "--rotate-key", *base]) == 0
    after = assert_every_notice_is_accepted(target, notices)
    assert all(after[n] != before[n] for n in before)


def test_repair_puts_a_notice_back_into_the_folder_its_run_used(tmp_path: Path) -> None:
    """A run killed after its commit, with --notices A; the next run uses --notices B: A gets its notice."""
    from esurety.loader import transaction as tx
    from lambda_verify.keys import hash_key

    from .support import certificate_doc, put_certificate

    store = SqliteStore(tmp_path / "verify.sqlite3", create=True)
    put_certificate(store, certificate_doc(), "K7QWMP3RX9TB4HNC")
    target = tx.SqliteTarget(store)
    folder_a, folder_b = tmp_path / "a", tmp_path / "b"
    run = tx.Run.start(folder_a)
    target.register_run(run)
    staged = run.journal / "new" / "2099000101.html"
    staged.parent.mkdir(parents=True)
    staged.write_text('<dd class="notice__key">K7QWMP3RX9TB4HNC</dd>', encoding="utf-8")
    (run.journal / "journal.json").write_text(
        '{"run_id": "%s", "entries": [{"number": "2099000101", "key_hash": "%s", "notice": true}]}'
        % (run.run_id, hash_key("2099000101", "K7QWMP3RX9TB4HNC")), encoding="utf-8")
    result = tx.repair(folder_b, target, current_run="another")
    assert (result.runs, result.placed) == (1, 1)
    assert (folder_a / "2099000101.html").exists() and not folder_b.exists()
    assert target.open_runs() == [] and not run.journal.exists()
    store.close()


def test_a_lock_is_renewed_by_its_holder_and_lost_when_taken_over(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over SQLite and DynamoDB: a second loader is refused while the lock lives; once it has expired the
    second takes it over, and the first one's next renewal stops the first one."""
    from esurety.loader import transaction as tx

    target = tx.SqliteTarget(store) if store.name == "sqlite" else tx.DynamoDbTarget(store)
    first, second = "elsewhere:1:run-a", "elsewhere:2:run-b"  # another machine: only the expiry counts
    target.acquire_lock(first)
    target.renew_lock(first)
    with pytest.raises(tx.LoaderLocked) as refused:
        target.acquire_lock(second)
    assert refused.value.holder == first
    later = time.time() + tx.LOCK_SECONDS + 1
    monkeypatch.setattr(tx.time, "time", lambda: later)
    target.acquire_lock(second)  # expired: taken over
    with pytest.raises(tx.LoaderLocked):
        target.renew_lock(first)
    target.release_lock(second)
    target.acquire_lock(first)
    target.release_lock(first)
