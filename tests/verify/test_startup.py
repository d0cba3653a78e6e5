"""The function's start: what it makes once is made with the cyclic collector paused, then frozen."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambda_verify.startup import LongLived

from .support import ROOT


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as a test process has it, restored afterwards; nothing stays frozen."""
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        gc.unfreeze()
        (gc.enable if was else gc.disable)()


def test_the_block_runs_without_the_collector_and_what_it_made_is_frozen(collector: None) -> None:
    # GIVEN the collector running and nothing frozen
    gc.unfreeze()
    seen: list[bool] = []
    # WHEN a block makes objects inside LongLived
    with LongLived():
        seen.append(gc.isenabled())
        made = [{"n": i} for i in range(1000)]
    # THEN the collector was paused inside, runs again after, and those objects are frozen
    assert seen == [False]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)
    collected = {id(o) for o in gc.get_objects()}  # what a collection would visit
    assert not any(id(d) in collected for d in made)


def test_a_failing_block_freezes_nothing_and_the_collector_runs_again(collector: None) -> None:
    # GIVEN the collector running and nothing frozen
    gc.unfreeze()
    # WHEN the block fails
    with pytest.raises(RuntimeError, match="store"), LongLived():
        raise RuntimeError("store cannot be opened")
    # THEN the error passes through, the collector runs again and nothing was frozen
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_collector_turned_off_before_stays_off(collector: None) -> None:
    # GIVEN a process that runs without the collector
    gc.disable()
    # WHEN LongLived has run
    with LongLived():
        pass
    # THEN the collector is still off: the block does not decide it
    assert not gc.isenabled()


def test_the_handler_makes_its_app_once_with_the_collector_paused(tmp_path: Path) -> None:
    # GIVEN a fresh process over an SQLite store
    code = ("import gc, json, lambda_verify.handler as h\n"
            "seen, real = [], h.open_store\n"
            "h.open_store = lambda *a, **k: (seen.append(gc.isenabled()), real(*a, **k))[1]\n"
            "frozen = gc.get_freeze_count()\n"
            "app = h.get_app()\n"
            "print(json.dumps({'inside': seen, 'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count() - frozen,"
            " 'same': h.get_app() is app}))\n")
    env = {**os.environ, "VERIFY_DB": str(tmp_path / "verify.sqlite3")}
    env.pop("CERTIFICATES_TABLE", None)
    # WHEN it makes the App
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    # THEN the store was opened with the collector paused, which runs again after; the objects alive
    # then are frozen, and the App is made once
    assert got["inside"] == [False]
    assert got["enabled"] is True
    assert got["frozen"] > 10_000
    assert got["same"] is True
