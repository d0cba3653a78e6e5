"""What every benchmark shares: judging targets (met, missed, not judged), the exit code, the machine,
and one sampler for the memory of a whole process tree.

A target is *judged* only when the run measured what it speaks of; a run that left a size or a
scenario out says "not judged" for it, with the reason. ``exit_code`` is 1 when a judged target
is missed and, with ``full`` (``--full``, which ``make bench`` passes), also when one was not judged.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

MET = "met"
MISSED = "missed"
NOT_JUDGED = "not judged"

#: How often the tree's memory is sampled (seconds).
SAMPLE_INTERVAL_S = 0.05


# --- targets ---------------------------------------------------------------------------------------

def judged(met: bool, **figures: Any) -> dict[str, Any]:
    """A target the run measured: its figures and whether it is met."""
    return {"status": MET if met else MISSED, "met": bool(met), **figures}


def not_judged(reason: str, **figures: Any) -> dict[str, Any]:
    """A target the run could not judge (what it needs was left out); ``met`` is None."""
    return {"status": NOT_JUDGED, "met": None, "reason": reason, **figures}


def status_text(entry: Mapping[str, Any]) -> str:
    """How a report shows a target's status."""
    if entry["status"] == MET:
        return "met"
    if entry["status"] == MISSED:
        return "**missed**"
    return f"not judged ({entry['reason']})"


def exit_code(verdict: Mapping[str, Mapping[str, Any]], *, full: bool) -> int:
    """1 when a judged target is missed, or (``full``) when any target was not judged; else 0."""
    statuses = [entry["status"] for entry in verdict.values()]
    if MISSED in statuses or (full and NOT_JUDGED in statuses):
        return 1
    return 0


def unjudged(verdict: Mapping[str, Mapping[str, Any]]) -> list[str]:
    return [name for name, entry in verdict.items() if entry["status"] == NOT_JUDGED]


# --- the machine -----------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    """What the figures were measured on, with the load average at the start of the run."""
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    cpu = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")),
               platform.processor())
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").is_file() else ""
    found = re.search(r"MemTotal:\s+(\d+)", meminfo)
    return {"date": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"), "cpu": cpu,
            "cores": os.cpu_count(), "ram_gb": round(int(found.group(1)) / 1024 / 1024, 1) if found else None,
            "os": platform.platform(), "python": platform.python_version(),
            "load_average_at_start": list(os.getloadavg())}


def machine_line(m: Mapping[str, Any]) -> str:
    """One sentence for a report's header."""
    end = m.get("load_average_at_end")
    return (f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; Python "
            f"{m['python']}. Load average at start {m['load_average_at_start'][0]:.1f}"
            + (f", at end {end[0]:.1f}" if end else "") + " (the machine is shared with other work).")


# --- memory of a process tree -----------------------------------------------------------------------

def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it (Linux /proc/<pid>/task/<tid>/children)."""
    out, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        out.append(current)
        try:
            for tid in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{tid}/children") as fh:
                    frontier.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def tree_pss_kb(pids: Iterable[int]) -> int:
    """Summed PSS of the given processes and all their descendants: pages shared after a fork count once."""
    total = 0
    seen: set[int] = set()
    for root in pids:
        for pid in descendants(root):
            if pid in seen:
                continue
            seen.add(pid)
            try:
                with open(f"/proc/{pid}/smaps_rollup") as fh:
                    for line in fh:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                            break
            except OSError:
                pass
    return total


class TreeMemory:
    """Peak of the summed PSS of one or more process trees, sampled every ``SAMPLE_INTERVAL_S`` in a thread.

        with TreeMemory(proc.pid) as memory:
            proc.wait()
        memory.peak_mb
    """

    def __init__(self, *pids: int, interval: float = SAMPLE_INTERVAL_S):
        self.pids = list(pids)
        self.interval = interval
        self.peak_kb = 0
        self.samples = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        self.peak_kb = max(self.peak_kb, tree_pss_kb(self.pids))
        self.samples += 1

    def _run(self) -> None:
        self._sample()
        while not self._done.wait(self.interval):
            self._sample()

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._done.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024
