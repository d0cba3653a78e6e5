"""Render on every core: split a family's per-orderer outputs between this process and forked workers;
and run a whole step in a forked child whose memory goes back to the system when it ends (:func:`run_apart`).

After ``generate_context`` the validated data, the views and the compiled templates are all in this
process's memory; a forked worker shares them (copy on write) and needs nothing sent to it. Each
worker renders every n-th item straight into the output folder and sends back only its small results
(the paths it wrote); this process renders its own share meanwhile. Where ``fork`` does not exist,
or there is one core, or few items, everything runs here, in order.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

__all__ = ["MIN_ITEMS", "SETTING", "WorkerError", "map_items", "run_apart", "workers"]

T = TypeVar("T")
R = TypeVar("R")

#: Below this many items a worker costs more than it saves.
MIN_ITEMS = 64
#: Pelican setting: how many processes render (default: the cores this process may use).
SETTING = "ESURETY_WORKERS"


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


def map_items(fn: Callable[[T], R], items: Iterable[T], *, workers: int) -> list[R]:
    """``[fn(x) for x in items]``, the work shared with ``workers - 1`` forked processes; results in any order."""
    items = list(items)
    if workers < 2 or len(items) < MIN_ITEMS or not hasattr(os, "fork"):
        return [fn(x) for x in items]
    children: list[tuple[int, int]] = []
    for w in range(1, workers):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: its share, then its results down the pipe, then exit at once
            os.close(read)
            code = 0
            try:
                payload = pickle.dumps(("ok", [fn(x) for x in items[w::workers]]))
            except BaseException:
                payload, code = pickle.dumps(("error", traceback.format_exc())), 1
            with os.fdopen(write, "wb") as out:
                out.write(payload)
            os._exit(code)
        os.close(write)
        children.append((pid, read))
    results = [fn(x) for x in items[0::workers]]
    errors = []
    for pid, read in children:
        with os.fdopen(read, "rb") as src:
            raw = src.read()
        os.waitpid(pid, 0)
        try:
            kind, value = pickle.loads(raw)
        except Exception:
            kind, value = "error", f"worker {pid} stopped without an answer"
        if kind == "ok":
            results.extend(value)
        else:
            errors.append(value)
    if errors:
        raise WorkerError("a rendering worker failed:\n" + "\n".join(errors))
    return results


def run_apart(fn: Callable[[], R]) -> R:
    """``fn()`` in a forked child; its result (or its exception) comes back pickled, then the child exits.

    Everything the child allocated goes back to the system with it, however fragmented its heap had
    become, so what this process does next (make build: the search index) does not come on top.
    Where ``fork`` does not exist, ``fn`` runs here.
    """
    if not hasattr(os, "fork"):
        return fn()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the step, its answer down the pipe, then exit at once (no teardown)
        os.close(read)
        code = 0
        try:
            payload = pickle.dumps(("ok", fn()))
        except BaseException as exc:
            code = 1
            try:
                payload = pickle.dumps(("raise", exc))
            except Exception:  # an exception that cannot travel: its traceback as text
                payload = pickle.dumps(("error", traceback.format_exc()))
        with os.fdopen(write, "wb") as out:
            out.write(payload)
        for stream in (sys.stdout, sys.stderr):  # what the step printed, before the exit that skips it
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as src:
        raw = src.read()
    os.waitpid(pid, 0)
    try:
        kind, value = pickle.loads(raw)
    except Exception:
        kind, value = "error", f"process {pid} stopped without an answer"
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "raise":
        raise value
    raise WorkerError(f"a forked step failed:\n{value}")
