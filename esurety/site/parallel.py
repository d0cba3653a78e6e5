"""Render on every core: share a family's per-orderer outputs between this process and forked workers;
and run a whole step in a forked child whose memory goes back to the system when it ends (:func:`run_apart`).

After ``generate_context`` the validated data, the views and the compiled templates are all in this
process's memory; a forked worker shares them (copy on write) and needs nothing sent to it. The items
are taken a few at a time from one shared counter (:class:`Pool`): the workers start at once, this
process does other work first (the families that write one output for the whole site) and then
takes what is left, so neither core waits while the other still has work. Each worker writes its
outputs straight into the output folder and sends back only its small results (the paths it wrote).
Where ``fork`` does not exist, or there is one core, or few items, everything runs here, in order.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)

__all__ = ["CAN_FORK", "CHUNK", "MIN_ITEMS", "SETTING", "Pool", "WorkerError", "map_items", "run_apart", "workers"]

T = TypeVar("T")
R = TypeVar("R")

#: Below this many items a worker costs more than it saves.
MIN_ITEMS = 64
#: Items taken at a time from the shared counter (a few orderers: tens of milliseconds of work).
CHUNK = 8
#: Pelican setting: how many processes render (default: the cores this process may use).
SETTING = "ESURETY_WORKERS"
#: Whether work can run in forked processes here; where not, :class:`Pool` and :func:`run_apart` run it here.
CAN_FORK = hasattr(os, "fork")


def workers(settings: dict[str, Any]) -> int:
    value = settings.get(SETTING)
    if value:
        return max(1, int(value))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class WorkerError(RuntimeError):
    """A worker failed; the message carries its traceback."""


class Pool(Generic[T, R]):
    """``fn`` over ``items`` on ``workers`` processes: forked workers start taking items at once; this
    process takes its share when it calls :meth:`finish`, which returns every result (in any order)."""

    def __init__(self, fn: Callable[[T], R], items: Iterable[T], *, workers: int) -> None:
        self._fn = fn
        self._items = list(items)
        self._children: list[tuple[int, int]] = []
        self._next: Any = None  # index of the next chunk's first item, in shared memory, under its lock
        if workers < 2 or len(self._items) < MIN_ITEMS or not CAN_FORK:
            return
        self._next = multiprocessing.get_context("fork").Value("q", 0)
        self._children = [_fork(self._take_all) for _ in range(1, workers)]  # each: items until none is left

    @property
    def forked(self) -> bool:
        """True when workers were started (else :meth:`finish` does everything here)."""
        return bool(self._children)

    def _take(self) -> range | None:
        """The next few items' indexes, for whichever process asks first; None when all are taken."""
        n = len(self._items)
        with self._next.get_lock():
            first = self._next.value
            if first >= n:
                return None
            self._next.value = first + CHUNK
        return range(first, min(first + CHUNK, n))

    def _take_all(self) -> list[R]:
        return [self._fn(self._items[i]) for chunk in iter(self._take, None) for i in chunk]

    def finish(self) -> list[R]:
        """This process's share (what no worker has taken yet), then every worker's results."""
        if self._next is None:
            items, self._items = self._items, []
            return [self._fn(x) for x in items]
        results = self._take_all()
        answers = [_answer(pid, read) for pid, read in self._children]
        self._children = []
        for kind, value in answers:
            if kind == "raise":
                raise value
            if kind == "error":
                raise WorkerError(f"a rendering worker failed:\n{value}")
            results.extend(value)
        return results

    def cancel(self) -> None:
        """Stop the workers and forget their results (the build failed elsewhere)."""
        for pid, read in self._children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
            os.close(read)
        self._children, self._items = [], []


def map_items(fn: Callable[[T], R], items: Iterable[T], *, workers: int) -> list[R]:
    """``[fn(x) for x in items]``, the work shared with ``workers - 1`` forked processes; results in any order."""
    return Pool(fn, items, workers=workers).finish()


def run_apart(fn: Callable[[], R]) -> R:
    """``fn()`` in a forked child; its result (or its exception) comes back pickled, then the child exits.

    Everything the child allocated goes back to the system with it, however fragmented its heap had
    become, so what this process does next (make build: the search index) does not come on top.
    Where ``fork`` does not exist, ``fn`` runs here.
    """
    if not CAN_FORK:
        return fn()
    kind, value = _answer(*_fork(fn))
    if kind == "raise":
        raise value
    if kind == "error":
        raise WorkerError(f"a forked step failed:\n{value}")
    return value  # type: ignore[no-any-return]


def _fork(step: Callable[[], Any]) -> tuple[int, int]:
    """Fork a child that runs ``step``, sends back its answer (:func:`_answer`) and exits at once.

    Returns the child's pid and the pipe's end to read. The child exits without tearing down the
    interpreter (its memory goes back whole); what it printed is flushed first. An exception goes
    back as it is, with the child's traceback added as a note; one that cannot be pickled, as text.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    os.close(read)
    code = 0
    try:
        payload = pickle.dumps(("ok", step()))
    except BaseException as exc:
        code = 1
        text = traceback.format_exc()
        try:
            exc.add_note(f"(in process {os.getpid()})\n{text}")
            payload = pickle.dumps(("raise", exc))
        except Exception:  # an exception that cannot travel: its traceback as text
            payload = pickle.dumps(("error", text))
    with os.fdopen(write, "wb") as out:
        out.write(payload)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _answer(pid: int, read: int) -> tuple[str, Any]:
    """A forked child's answer, once it has exited: ("ok", value), ("raise", exception) or ("error", text)."""
    with os.fdopen(read, "rb") as src:
        raw = src.read()
    os.waitpid(pid, 0)
    try:
        kind, value = pickle.loads(raw)
    except Exception:
        return "error", f"process {pid} stopped without an answer"
    return kind, value
