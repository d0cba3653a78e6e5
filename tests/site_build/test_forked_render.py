"""Forked work: the per-orderer outputs shared between the cores, and make build's render apart.

Workers take a few orderers at a time from one shared counter while this process writes the pages
of the whole site, then it takes what is left (esurety/site/parallel.py ``Pool``). make build renders
in a forked child and indexes in its own process once the child has gone: the child holds the data
and every page's work; the search index (Pagefind's dictionary and a shard) comes after it
(scripts/build.py, ``run_apart``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from esurety.data.errors import DataError, DataErrors
from esurety.site import parallel, search_index
from scripts import build


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_a_pool_gives_every_result_once_from_both_processes_while_this_one_did_other_work() -> None:
    # GIVEN 500 items for two processes
    pool = parallel.Pool(lambda x: (x, os.getpid()), range(500), workers=2)
    assert pool.forked
    # WHEN this process first does something else, then takes its share
    busy = sum(i * i for i in range(200_000))
    results = pool.finish()
    # THEN every item is done exactly once, and the worker did some of them meanwhile
    assert busy > 0
    assert sorted(x for x, _ in results) == list(range(500))
    assert {pid for _, pid in results} - {os.getpid()}


@pytest.mark.parametrize(("workers", "items"), [(1, 500), (2, parallel.MIN_ITEMS - 1)])
def test_a_pool_without_workers_does_everything_here_in_order(workers: int, items: int) -> None:
    pool = parallel.Pool(lambda x: (x, os.getpid()), range(items), workers=workers)
    assert not pool.forked
    assert pool.finish() == [(x, os.getpid()) for x in range(items)]


def test_a_failing_item_fails_the_pool_with_its_traceback() -> None:
    def fn(x: int) -> int:
        if x == 400:
            raise ValueError("item 400 is broken")
        return x

    pool = parallel.Pool(fn, range(500), workers=2)
    with pytest.raises(ValueError, match="item 400 is broken") as caught:
        pool.finish()
    # whichever process took item 400, the error says so; from the worker, with its traceback as a note
    notes = getattr(caught.value, "__notes__", [])
    assert not notes or ("in process" in notes[0] and "item 400 is broken" in notes[0])


def test_a_cancelled_pool_leaves_no_worker_running() -> None:
    def slow(x: int) -> int:
        import time

        time.sleep(0.05)
        return x

    pool = parallel.Pool(slow, range(500), workers=2)
    pids = [pid for pid, _ in pool._children]
    pool.cancel()
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped: gone
    assert not pool.forked


def test_a_step_apart_runs_in_another_process_and_its_answer_comes_back() -> None:
    # GIVEN a step that answers with its process and a value
    # WHEN it runs apart
    pid, value = parallel.run_apart(lambda: (os.getpid(), {"pages": [1, 2, 3]}))
    # THEN it ran in a child, and its answer came back whole
    assert pid != os.getpid()
    assert value == {"pages": [1, 2, 3]}


def test_data_errors_in_the_child_reach_the_caller_as_they_were() -> None:
    errors = [DataError("data/guidance/a.yaml", 3, 5, "start", "日付がありません"),
              DataError("data/adopters.yaml", 1, 1, "", "行がありません")]

    def step() -> None:
        raise DataErrors(errors)

    # GIVEN a step whose data is invalid, WHEN it runs apart, THEN the caller gets the same errors
    with pytest.raises(DataErrors) as caught:
        parallel.run_apart(step)
    assert caught.value.errors == DataErrors(errors).errors
    assert caught.value.report() == DataErrors(errors).report()


def test_an_exception_that_cannot_travel_comes_back_as_its_traceback() -> None:
    class Unpicklable(RuntimeError):
        def __init__(self) -> None:
            super().__init__("held a lock")
            self.lock = threading.Lock()

    def step() -> None:
        raise Unpicklable()

    with pytest.raises(parallel.WorkerError, match="held a lock"):
        parallel.run_apart(step)


def test_a_child_killed_mid_step_fails_the_build_instead_of_answering_nothing() -> None:
    import signal

    def step() -> str:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
        return "never"

    # GIVEN a step whose process dies without a word, WHEN it runs apart, THEN the caller fails
    with pytest.raises(parallel.WorkerError, match="stopped without an answer"):
        parallel.run_apart(step)


def test_a_killed_worker_fails_the_pool() -> None:
    import signal
    import time

    def fn(x: int) -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # the worker dies on the first item it takes
        time.sleep(0.002)  # this process is slow enough that the worker takes some
        return x

    parent = os.getpid()
    pool = parallel.Pool(fn, range(200), workers=2)
    # GIVEN a worker that dies holding items, WHEN the pool finishes, THEN it fails, not a short list
    with pytest.raises(parallel.WorkerError, match="stopped without an answer"):
        pool.finish()


#: What a step keeps beyond its end (as a build keeps caches and records among its data).
_KEPT: list[object] = []


def test_what_the_child_allocated_does_not_stay_with_the_caller() -> None:
    # GIVEN a step that fills memory with small objects (as validating thousands of files does) and
    # keeps a few of them, scattered, so that run here it would leave its heap pinned and fragmented
    def step() -> int:
        rows = [[str(i), i, (i, i)] for i in range(1_500_000)]
        _KEPT.extend(rows[::200])
        return len(rows)

    before = _rss_mb()
    # WHEN it runs apart
    assert parallel.run_apart(step) == 1_500_000
    # THEN this process has not grown by it
    assert _rss_mb() - before < 20


def test_make_build_indexes_here_after_pelican_ran_in_a_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, int]] = []
    original_render, original_index = build.render, search_index.build_index

    def render(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(("render", os.getpid()))
        return original_render(*args, **kwargs)

    def index(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(("index", os.getpid()))
        return original_index(*args, **kwargs)

    monkeypatch.setattr(build, "render", render)
    monkeypatch.setattr(search_index, "build_index", index)
    # GIVEN the real project, WHEN make build builds it with its search index
    out = build.build_site(tmp_path / "output")
    # THEN the index was built in this process (the child's record of "render" stayed in the child)
    assert calls == [("index", os.getpid())]
    assert (out / search_index.MANIFEST).is_file()
    assert (out / "pagefind" / "pagefind.js").is_file()
    # and the build's record names the search shards, for the next incremental build
    manifest = (build.buildstate.state_dir(out) / "manifest.json").read_text(encoding="utf-8")
    assert f'"{search_index.FAMILY}"' in manifest


@pytest.mark.parametrize(("collect", "collections"), [(True, 1), (False, 0)])
def test_the_collector_is_paused_while_pelican_runs_and_walks_the_heap_once_unless_the_process_ends(
        monkeypatch: pytest.MonkeyPatch, collect: bool, collections: int) -> None:
    import gc

    counted: list[int] = []
    frozen: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *args: counted.append(1) or 0)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    # GIVEN the collector on WHEN a render runs inside the pause THEN it is off inside and on again after,
    # and the one collection at the end happens only when the process goes on afterwards; else what is
    # alive is frozen, so the collector never walks it again
    assert gc.isenabled()
    with build._cyclic_gc_paused(collect=collect):
        assert not gc.isenabled()
    assert gc.isenabled()
    assert (len(counted), len(frozen)) == (collections, 1 - collections)
