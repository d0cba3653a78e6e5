"""How long a lookup waits for SQLite's write lock when many claim at once, and how many give up.

    python -m bench.bench_sqlite_contention          # 8 and 32 threads, 1 s against the default
    python -m bench.bench_sqlite_contention --full   # the same, also with the cores kept busy

Every attempt claims slots (one ``BEGIN IMMEDIATE`` write) and releases them, as a right key does;
threads share one guarantee number, so they contend for the one write lock. SQLite's busy handler
backs off in steps and is not fair, so one unlucky thread can wait far longer than the average.
The target: with the store's default busy timeout no attempt answers 503 at 32 threads on a loaded
machine. Busy timeouts are compared side by side in one run, since this machine is shared.

Writes ``bench/results/sqlite_contention.json`` and ``bench/results/sqlite_contention.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import common
from lambda_verify.limits import Limits
from lambda_verify.stores.base import StoreUnavailable
from lambda_verify.stores.sqlite import BUSY_TIMEOUT_SECONDS, SqliteStore

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench/results"
NUMBER = "2099000101"
ATTEMPTS_PER_THREAD = 400
THREADS = (8, 32)
#: The busy timeout before BUSY_TIMEOUT_SECONDS, kept as the figure to compare against.
EARLIER_TIMEOUT_S = 1.0


def _burn(stop: Any) -> None:
    while not stop.is_set():
        pass


def contend(path: Path, busy_timeout: float, threads: int) -> dict[str, Any]:
    """``threads`` threads, each claiming and releasing ATTEMPTS_PER_THREAD times on one number."""
    store = SqliteStore(path, busy_timeout=busy_timeout)
    limits = Limits()
    failures = 0
    waits: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        nonlocal failures
        name = threading.current_thread().name
        for i in range(ATTEMPTS_PER_THREAD):
            subject = f"{name}-{i % 40}"  # many addresses, so the limits never refuse
            started = time.monotonic()
            try:
                claim = store.claim(NUMBER, subject, limits, time.time())
                store.release(NUMBER, subject, claim)
            except StoreUnavailable:
                with lock:
                    failures += 1
            with lock:
                waits.append(time.monotonic() - started)

    pool = [threading.Thread(target=work, name=f"t{n}") for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    store.close()
    waits.sort()
    return {"busy_timeout_s": busy_timeout, "threads": threads, "attempts": len(waits), "failed": failures,
            "p99_ms": round(waits[int(len(waits) * 0.99)] * 1000, 1),
            "max_ms": round(waits[-1] * 1000, 1)}


def run(loads: list[bool]) -> dict[str, Any]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for loaded in loads:
            stop = multiprocessing.Event()
            count = 2 * (os.cpu_count() or 1) if loaded else 0
            burners = [multiprocessing.Process(target=_burn, args=(stop,)) for _ in range(count)]
            for b in burners:
                b.start()
            try:
                for threads in THREADS:
                    for timeout in (EARLIER_TIMEOUT_S, BUSY_TIMEOUT_SECONDS):
                        path = Path(tmp) / f"{loaded}-{threads}-{timeout}.sqlite3"
                        SqliteStore(path, create=True).close()
                        rows.append({"cores_busy": loaded, **contend(path, timeout, threads)})
            finally:
                stop.set()
                for b in burners:
                    b.join()
    return {"machine": common.machine(), "rows": rows, "verdict": verdict(rows)}


def verdict(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """No 503 at the default busy timeout with the most threads, judged only when the cores were kept busy."""
    worst = [r for r in rows if r["busy_timeout_s"] == BUSY_TIMEOUT_SECONDS and r["threads"] == max(THREADS)]
    failed = sum(r["failed"] for r in worst)
    if not any(r["cores_busy"] for r in worst):
        return {"no_503_at_default": common.not_judged("cores not kept busy (run with --full)", failed=failed)}
    return {"no_503_at_default": common.judged(failed == 0, failed=failed)}


def report(results: dict[str, Any]) -> str:
    lines = ["# SQLite write contention", "", common.machine_line(results["machine"]), "",
             "Command: `python -m bench.bench_sqlite_contention --full`. Each attempt claims and releases slots "
             f"of one guarantee number ({ATTEMPTS_PER_THREAD} per thread); cores busy = two spinning processes "
             "per core.", "",
             "| cores busy | threads | busy timeout | attempts | answered 503 | p99 wait | longest wait |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in results["rows"]:
        lines.append(f"| {'yes' if r['cores_busy'] else 'no'} | {r['threads']} | {r['busy_timeout_s']:g} s | "
                     f"{r['attempts']:,} | {r['failed']} | {r['p99_ms']} ms | {r['max_ms']} ms |")
    lines += ["", "| target | status |", "|---|---|"]
    for name, entry in results["verdict"].items():
        lines.append(f"| {name} (default {BUSY_TIMEOUT_SECONDS:g} s, {max(THREADS)} threads) | "
                     f"{common.status_text(entry)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_sqlite_contention")
    parser.add_argument("--full", action="store_true", help="also measure with every core kept busy")
    args = parser.parse_args(argv)
    logging.getLogger("lambda_verify").setLevel(logging.CRITICAL)  # a refused claim logs; the table counts them
    results = run([False, True] if args.full else [False])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sqlite_contention.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "sqlite_contention.md").write_text(report(results))
    sys.stdout.write(report(results))
    return common.exit_code(results["verdict"], full=args.full)


if __name__ == "__main__":
    raise SystemExit(main())
