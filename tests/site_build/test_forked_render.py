"""make build renders in a forked child and indexes in its own process once the child has gone.

The child holds the data and every page's work; the search index (Pagefind's dictionary and a
shard) comes after it, in a process that stays small (scripts/build.py, esurety/site/parallel.py).
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
