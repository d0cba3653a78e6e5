"""Benchmark of the certificate lookup: the handler against the same lookup written as a Powertools route,
and the cold start.

    .venv/bin/python -m bench.bench_verify [--stores sqlite,dynamodb] [--rounds 7] [--full]
    (make bench runs it with --full)

Writes bench/results/verify.json and bench/results/verify.md.

1. Handler against its peer, per request, over each store (SQLite; DynamoDB on moto_server at
   127.0.0.1). The peer (bench/lookup_peer.py) is the same lookup written as an AWS Lambda Powertools
   ``APIGatewayHttpResolver`` route: Powertools parses the event, routes it and builds the result, and the
   route asks the same ``LookupService`` over the same store, writes the same audit line and answers the
   same JSON. Both answer the same successful JSON lookup (checked: same status, headers and body but
   for the moments). Calls alternate in a new shuffled order for every call pair; each round gives a
   median per side, and the ratio judged is the median over the rounds of handler / peer. The
   certificate's first view is recorded before the timings. For scale, the same run times the store's
   bare read of the item (``store.get``), the lookup's first read alone, a form request (HTML page) and
   a JSON request whose document is not yet in the process's cache. The audit line goes to a logging
   handler that discards it. moto answers each DynamoDB call in Python: its round trips are not AWS's.
2. Cold start: a fresh ``python -c`` that imports ``lambda_verify.handler`` and handles one JSON lookup
   (DynamoDB on moto_server, the function's production store), against ``import boto3;
   boto3.client("dynamodb")``; the peer does the same with its route, for information. Each child
   times itself from its first import (the interpreter's own start is the same for all; the whole
   process is timed from outside too). With compiled bytecode, and without it for the handler (the
   Lambda bundle from infra/function/Makefile ships no .pyc and /var/task is read-only). Judged on the
   child's CPU time: on a shared machine its wall time mostly measures other processes, and the
   handler's wall time includes moto's answers.
3. Failed lookups: a wrong key against an unknown number with the default settings, for information.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import common
from bench.lookup_peer import make_peer
from lambda_verify.clock import SystemClock
from lambda_verify.config import Settings
from lambda_verify.documents import prepare
from lambda_verify.events import build_event
from lambda_verify.handler import App
from lambda_verify.keys import hash_key
from lambda_verify.limits import Limits
from lambda_verify.model import Certificate
from lambda_verify.service import LookupService
from lambda_verify.stores.base import CertificateStore, StoredCertificate
from scripts.moto_server import run_moto_server

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"

logger = logging.getLogger(__name__)

#: Issue 17: the handler's time per request at most this many times the Powertools peer's.
PEER_TARGET = 1.0
#: Cold start at most this many times ``import boto3; boto3.client("dynamodb")``.
COLD_TARGET = 1.3
STORES = ("sqlite", "dynamodb")
#: Calls per side and round, and warm-up calls, per store (a DynamoDB call on moto takes milliseconds).
CALLS = {"sqlite": 400, "dynamodb": 30}
WARMUP = {"sqlite": 100, "dynamodb": 10}
ROUNDS = 7
COLD_RUNS = 9
#: The cold-start targets are medians of at least this many fresh processes.
MIN_COLD_RUNS = 5
BARE_READ = {"sqlite": "one SELECT by primary key", "dynamodb": "GetItem"}
LOOKUP_READ = {"sqlite": "one SELECT of the certificate",
               "dynamodb": "BatchGetItem of the certificate's key hash and both slot items"}
NUMBER = "2099000101"
KEY = "K7QWMP3RX9TB4HNC"
CLIENT_IP = "198.51.100.7"
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "ap-northeast-1",
    "AWS_DEFAULT_REGION": "ap-northeast-1", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


# ---------------------------------------------------------------------- set-up


def _demo_certificate() -> StoredCertificate:
    """The demo WJCS advance payment (新規 + 変更1), stored as the loader stores it."""
    from esurety.loader.cli import _vocabulary
    from esurety.loader.planning import canonical_document, revision_of
    from esurety.loader.reading import build_certificate, read_export

    _, records = read_export(ROOT / "data" / "demo_certificates.yaml")
    record = next(r for r in records if r.fields["guarantee_number"] == NUMBER)
    cert: Certificate = build_certificate(record, demo=True, vocabulary=_vocabulary()).certificate
    document = canonical_document(cert)
    key_hash = hash_key(NUMBER, KEY)
    return StoredCertificate(NUMBER, key_hash, document, revision_of(document, key_hash), True, "2026-11-20T00:00:00Z")


# ---------------------------------------------------------------------- measuring


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered) * 1000, 4),
            "p90_ms": round(ordered[int(len(ordered) * 0.9)] * 1000, 4),
            "min_ms": round(ordered[0] * 1000, 4), "n": len(ordered)}


def interleaved(fns: dict[str, Callable[[], Any]], rounds: int, warmup: int,
                seed: int = 20261120) -> dict[str, dict[str, float]]:
    """Run each function once per round and time every call.

    The order is shuffled every round (fixed seed): a light call right after a heavy one runs several
    microseconds slower (caches, allocator), and on a fixed order that would always hit the same call,
    e.g. make the bare read slower and the handler's ratio look better than it is.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    order = list(fns.items())
    shuffle = random.Random(seed).shuffle
    clock = time.perf_counter
    for _ in range(rounds):
        shuffle(order)
        for name, fn in order:
            start = clock()
            fn()
            samples[name].append(clock() - start)
    return {name: _summary(s) for name, s in samples.items()}


def json_event() -> dict[str, Any]:
    body = json.dumps({"guarantee_number": NUMBER, "access_key": KEY}).encode()
    return build_event("POST", "/api/verify", {"content-type": "application/json"}, body, source_ip=CLIENT_IP)


def _same_answer(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """The handler's and the peer's results agree: status, headers and body but for the moments of the lookup."""
    if a["statusCode"] != b["statusCode"] or a["headers"] != b["headers"]:
        return False
    ja, jb = json.loads(a["body"]), json.loads(b["body"])
    for answer in (ja, jb):
        answer.pop("looked_up_at", None)
        answer.pop("html", None)  # its footer shows the moment of the lookup
    return bool(ja == jb)


def peer_rounds(fns: dict[str, Callable[[], Any]], rounds: int, calls: int, warmup: int) -> dict[str, Any]:
    """``rounds`` rounds of ``calls`` interleaved calls per side; per round each side's median, then the ratio."""
    per_round = [interleaved(fns, calls, warmup if i == 0 else warmup // 4, seed=20261120 + i) for i in range(rounds)]
    ratios = [r["handler"]["median_ms"] / r["peer"]["median_ms"] for r in per_round]
    return {"rounds": rounds, "calls_per_round": calls,
            "handler_ms": [r["handler"]["median_ms"] for r in per_round],
            "peer_ms": [r["peer"]["median_ms"] for r in per_round],
            "ratios": [round(x, 4) for x in ratios], "ratio": round(statistics.median(ratios), 4),
            "handler_median_ms": statistics.median(r["handler"]["median_ms"] for r in per_round),
            "peer_median_ms": statistics.median(r["peer"]["median_ms"] for r in per_round)}


def bench_store(store: CertificateStore, name: str, rounds: int) -> dict[str, Any]:
    store.put(_demo_certificate(), expected_revision=None)
    clock = SystemClock()
    service = LookupService(store, clock, Limits())
    app = App(service, Settings(), clock)
    peer = make_peer(service)
    event = json_event()
    form_event = build_event("POST", "/api/verify", {"content-type": "application/x-www-form-urlencoded"},
                             f"guarantee_number={NUMBER}&access_key={KEY}".encode(), source_ip=CLIENT_IP)

    def check(result: dict[str, Any]) -> None:
        if result["statusCode"] != 200:
            raise RuntimeError(f"lookup failed during the benchmark: {result['body'][:200]}")

    def cold_document() -> None:
        prepare.cache_clear()
        check(app(event))

    check(app(event))  # the first view: its one conditional write happens here, not in the timings
    ours, theirs = app(event), peer.resolve(event, None)
    if not _same_answer(ours, theirs):
        raise RuntimeError("the peer's answer differs from the handler's")
    out: dict[str, Any] = {"same_answer": True, "peer": peer_rounds({
        "handler": lambda: check(app(event)),
        "peer": lambda: check(peer.resolve(event, None)),
    }, rounds, CALLS[name], WARMUP[name])}
    # For scale, apart from the comparison.
    timings = interleaved({
        "bare_read": lambda: store.get(NUMBER),
        "lookup_read": lambda: store.read(NUMBER, "bench-client", Limits(), time.time()),
        "handler_json": lambda: check(app(event)),
        "handler_form": lambda: check(app(form_event)),
    }, CALLS[name], WARMUP[name])
    # A call this heavy would slow whichever call follows it in a round.
    timings.update(interleaved({"handler_json_cold_document": cold_document}, max(CALLS[name] // 4, 10),
                               WARMUP[name] // 4))
    out["timings"] = timings
    out["handler_over_bare_read"] = round(timings["handler_json"]["median_ms"] / timings["bare_read"]["median_ms"], 3)
    return out


def bench_failure_timing(store: CertificateStore, rounds: int) -> dict[str, Any]:
    """Wrong key against unknown number with the default settings (``Settings().failure_floor``)."""
    clock = SystemClock()
    app = App(LookupService(store, clock, Limits()), Settings(), clock)
    samples: dict[str, list[float]] = {"wrong_key": [], "unknown_number": []}
    for i in range(rounds):
        for kind, number in (("wrong_key", NUMBER), ("unknown_number", "2099000999")):
            body = json.dumps({"guarantee_number": number, "access_key": "WRONGKEY2345"}).encode()
            event = build_event("POST", "/api/verify", {"content-type": "application/json"}, body,
                                # one fresh address per request: both kinds take the same path through the limits
                                source_ip=f"203.{1 if kind == 'wrong_key' else 2}.{i // 250}.{i % 250 + 1}")
            start = time.perf_counter()
            app(event)
            samples[kind].append(time.perf_counter() - start)
    result = {k: _summary(v) for k, v in samples.items()}
    result["median_difference_ms"] = round(abs(result["wrong_key"]["median_ms"] - result["unknown_number"]["median_ms"]), 3)
    result["floor_ms"] = Settings().failure_floor * 1000
    return result


_TIMED = ("import os; EVENT = eval(os.environ.get('BENCH_EVENT', 'None')); import time; "
          "w = time.perf_counter(); c = time.process_time(); {code}; "
          "print(time.perf_counter() - w, time.process_time() - c)")
HANDLER_SNIPPET = _TIMED.format(code="import lambda_verify.handler as h; r = h.handler(EVENT); "
                                     "assert r['statusCode'] == 200, r")
PEER_SNIPPET = _TIMED.format(code="from bench.lookup_peer import make_peer; from lambda_verify.clock import SystemClock; "
                                  "from lambda_verify.config import Settings; "
                                  "from lambda_verify.service import LookupService; "
                                  "from lambda_verify.stores import open_store; s = Settings.from_env(); "
                                  "st = open_store(s.table, str(s.db_path)); "
                                  "r = make_peer(LookupService(st, SystemClock(), s.limits)).resolve(EVENT, None); "
                                  "assert r['statusCode'] == 200, r")
BASELINE_SNIPPET = _TIMED.format(code="import boto3; boto3.client('dynamodb')")
#: For information: the handler's import and client creation alone, without the lookup.
IMPORT_SNIPPET = _TIMED.format(code="import lambda_verify.handler as h; h.get_app()")


def _child(snippet: str, env: dict[str, str], cwd: Path) -> tuple[float, float, float]:
    """(wall, CPU seconds inside the child from its first import; wall seconds of the whole process)."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", snippet], env=env, cwd=cwd, capture_output=True, text=True,
                         timeout=120)
    process = time.perf_counter() - started
    if out.returncode:
        raise RuntimeError(f"cold-start child failed: {out.stderr[-2000:]}")
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu), process


def bench_cold_start(runs: int, table: str, endpoint: str) -> dict[str, Any]:
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base_env.update(FAKE_AWS, CERTIFICATES_TABLE=table, AWS_ENDPOINT_URL_DYNAMODB=endpoint, PYTHONPATH=str(ROOT),
                    BENCH_EVENT=repr(json_event()))
    base_env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    results: dict[str, Any] = {"runs": runs}
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        bundle = Path(tmp)
        shutil.copytree(ROOT / "lambda_verify", bundle / "lambda_verify",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        shutil.copytree(ROOT / "esurety" / "kernel", bundle / "esurety" / "kernel",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        shutil.copy2(ROOT / "esurety" / "__init__.py", bundle / "esurety" / "__init__.py")
        nopyc_env = dict(base_env, PYTHONPATH=str(bundle), PYTHONDONTWRITEBYTECODE="1")
        kinds = (("baseline", BASELINE_SNIPPET, base_env, ROOT), ("handler_bytecode", HANDLER_SNIPPET, base_env, ROOT),
                 ("handler_no_bytecode", HANDLER_SNIPPET, nopyc_env, bundle), ("peer_bytecode", PEER_SNIPPET, base_env, ROOT),
                 ("handler_import_only", IMPORT_SNIPPET, base_env, ROOT))
        for _name, snippet, env, cwd in kinds:
            if env is base_env:
                _child(snippet, env, cwd)  # make sure the repository's bytecode exists
        samples: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": [], "process": []} for n, *_ in kinds}
        order = list(kinds)
        shuffle = random.Random(20261121).shuffle
        for _ in range(runs):
            shuffle(order)
            for name, snippet, env, cwd in order:
                w, c, whole = _child(snippet, env, cwd)
                samples[name]["wall"].append(w)
                samples[name]["cpu"].append(c)
                samples[name]["process"].append(whole)
    for name, s in samples.items():
        results[name] = {kind: _summary(values) for kind, values in s.items()}
    for name in ("handler_bytecode", "handler_no_bytecode", "peer_bytecode", "handler_import_only"):
        for kind in ("wall", "cpu", "process"):
            ratio = results[name][kind]["median_ms"] / results["baseline"][kind]["median_ms"]
            results[f"{name}_{kind}_ratio"] = round(ratio, 3)
    return results


# ---------------------------------------------------------------------- verdict and report


def verdict(results: dict[str, Any]) -> dict[str, Any]:
    """Handler / peer per store, cold start with and without bytecode; what the run left out is not judged."""
    out: dict[str, Any] = {}
    for name in STORES:
        r = results["handler"].get(name)
        key = f"handler ≤ {PEER_TARGET}× Powertools peer ({name})"
        if r is None:
            out[key] = common.not_judged(f"{name} left out (--stores)")
        elif r["peer"]["rounds"] < 3:
            out[key] = common.not_judged(f"{r['peer']['rounds']} round(s), at least 3 needed", value=r["peer"]["ratio"])
        else:
            out[key] = common.judged(r["peer"]["ratio"] <= PEER_TARGET, value=r["peer"]["ratio"])
    c = results.get("cold_start")
    for name, label in (("handler_bytecode", "with bytecode"), ("handler_no_bytecode", "without bytecode")):
        key = f"cold start ≤ {COLD_TARGET}× boto3 client ({label})"
        if c is None:
            out[key] = common.not_judged("cold start needs the DynamoDB store (--stores)")
        elif c["runs"] < MIN_COLD_RUNS:
            out[key] = common.not_judged(f"{c['runs']} run(s), at least {MIN_COLD_RUNS} needed",
                                         value=c[f"{name}_cpu_ratio"])
        else:
            out[key] = common.judged(c[f"{name}_cpu_ratio"] <= COLD_TARGET, value=c[f"{name}_cpu_ratio"])
    return out


def _row(name: str, t: dict[str, float]) -> str:
    return f"| {name} | {t['median_ms']:.3f} | {t['p90_ms']:.3f} | {t['n']} |"


def _cold_row(label: str, r: dict[str, dict[str, float]]) -> str:
    return (f"| {label} | {r['cpu']['median_ms']:.1f} | {r['cpu']['p90_ms']:.1f} | {r['wall']['median_ms']:.1f} | "
            f"{r['process']['median_ms']:.1f} | {r['cpu']['n']} |")


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    v = results["verdict"]
    lines = ["# Lookup benchmark (bench/bench_verify.py)", "",
             common.machine_line(m) + f" boto3 {m['boto3']}, aws-lambda-powertools {m['powertools']}. Command: "
             f"`{results.get('command', 'python -m bench.bench_verify')}`.",
             "DynamoDB is moto_server on 127.0.0.1 (moto's Python answers each call), not AWS.", "",
             "## Targets", "", "| target | measured | |", "|---|---:|---|"]
    lines += [f"| {name} | {entry['value']:.3f}× | {common.status_text(entry)} |" if "value" in entry
              else f"| {name} | — | {common.status_text(entry)} |" for name, entry in v.items()]
    lines += ["", "## Handler against the Powertools peer (successful JSON lookup, in process)", ""]
    for name, r in results["handler"].items():
        pr = r["peer"]
        lines += [f"### {name}", "",
                  f"{pr['rounds']} rounds of {pr['calls_per_round']} calls per side, alternating in a shuffled order; "
                  "each round's median per side:", "",
                  "| round | handler ms | peer ms | handler / peer |", "|---:|---:|---:|---:|"]
        lines += [f"| {i + 1} | {h:.3f} | {q:.3f} | {x:.3f} |"
                  for i, (h, q, x) in enumerate(zip(pr["handler_ms"], pr["peer_ms"], pr["ratios"], strict=True))]
        lines += ["", f"Median over the rounds: handler {pr['handler_median_ms']:.3f} ms, peer {pr['peer_median_ms']:.3f} "
                  f"ms; handler / peer **{pr['ratio']:.3f}** (target ≤ {PEER_TARGET}). Same answer: {r['same_answer']}.",
                  "", "For scale (the same run, apart from the comparison):", "",
                  "| call | median ms | p90 ms | n |", "|---|---:|---:|---:|"]
        t = r["timings"]
        lines += [_row(f"bare read (store.get: {BARE_READ[name]})", t["bare_read"]),
                  _row(f"the lookup's first read alone ({LOOKUP_READ[name]})", t["lookup_read"]),
                  _row("handler, JSON request", t["handler_json"]),
                  _row("handler, form request (HTML page)", t["handler_form"]),
                  _row("handler, JSON request, document not yet in the process's cache",
                       t["handler_json_cold_document"]), ""]
    c = results.get("cold_start")
    if c:
        lines += ["## Cold start (fresh `python -c`)", "",
                  f"Median of {c['runs']} fresh processes each, kinds in a shuffled order. CPU and wall are timed "
                  "inside the child from its first import; the last column is the whole process timed from outside.",
                  "", "| child | CPU median ms | CPU p90 ms | wall median ms | whole process median ms | n |",
                  "|---|---:|---:|---:|---:|---:|",
                  _cold_row("`import boto3; boto3.client(\"dynamodb\")`", c["baseline"]),
                  _cold_row("import `lambda_verify.handler`, handle one lookup, bytecode cached", c["handler_bytecode"]),
                  _cold_row("same, no bytecode (as the Lambda bundle ships)", c["handler_no_bytecode"]),
                  _cold_row("Powertools peer: import, handle one lookup, bytecode cached", c["peer_bytecode"]),
                  *([_cold_row("handler: import and create the client only (`get_app()`), no lookup",
                               c["handler_import_only"])] if "handler_import_only" in c else []), ""]
        lines += [f"- {label}: CPU **{c[f'{name}_cpu_ratio']:.3f}×** the baseline (wall inside "
                  f"{c[f'{name}_wall_ratio']:.3f}×, whole process {c[f'{name}_process_ratio']:.3f}×)"
                  for name, label in (("handler_bytecode", "handler with bytecode"),
                                      ("handler_no_bytecode", "handler without bytecode"),
                                      ("peer_bytecode", "Powertools peer with bytecode"),
                                      ("handler_import_only", "handler's import and client alone, for information"))
                  if f"{name}_cpu_ratio" in c]
        lines.append("")
    if results["failure_timing"]:
        lines += ["## Failed lookups: wrong key against unknown number (default settings)", "",
                  "| store | wrong key median ms | unknown number median ms | difference ms | failure floor ms |",
                  "|---|---:|---:|---:|---:|"]
        for name, f in results["failure_timing"].items():
            lines.append(f"| {name} | {f['wrong_key']['median_ms']:.2f} | {f['unknown_number']['median_ms']:.2f} | "
                         f"{f['median_difference_ms']:.2f} | {f['floor_ms']:.0f} |")
        lines.append("")
    lines += ["## How it is measured", "", (__doc__ or "").split("\n\n", 2)[-1].strip(), ""]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    import boto3

    return {**common.machine(), "boto3": boto3.__version__, "powertools": version("aws-lambda-powertools")}


@contextmanager
def _dynamodb() -> Iterator[tuple[str, str]]:
    """moto_server on 127.0.0.1 with a fresh table; yields (table, endpoint) with the environment pointed at it."""
    saved = {k: os.environ.get(k) for k in (*FAKE_AWS, "AWS_ENDPOINT_URL_DYNAMODB")}
    try:
        with run_moto_server() as endpoint:
            os.environ.update(FAKE_AWS, AWS_ENDPOINT_URL_DYNAMODB=endpoint)
            from lambda_verify.stores.dynamodb import create_table, make_client

            table = f"bench-{uuid.uuid4().hex[:8]}"
            create_table(make_client(), table)
            yield table, endpoint
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def measure(stores: list[str], rounds: int, cold_runs: int) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "handler": {}, "failure_timing": {},
                               "targets": {"handler_over_peer": PEER_TARGET, "cold_start_over_boto3": COLD_TARGET}}
    if "sqlite" in stores:
        from lambda_verify.stores.sqlite import SqliteStore

        with tempfile.TemporaryDirectory(prefix="bench-verify-db-") as tmp:
            store = SqliteStore(Path(tmp) / "verify.sqlite3", create=True)
            logger.info("sqlite: handler against the peer")
            results["handler"]["sqlite"] = bench_store(store, "sqlite", rounds)
            results["failure_timing"]["sqlite"] = bench_failure_timing(store, rounds=20)
            store.close()
    if "dynamodb" in stores:
        with _dynamodb() as (table, endpoint):
            from lambda_verify.stores.dynamodb import DynamoDbStore

            store = DynamoDbStore(table)
            logger.info("dynamodb (moto_server): handler against the peer")
            results["handler"]["dynamodb"] = bench_store(store, "dynamodb", rounds)
            results["failure_timing"]["dynamodb"] = bench_failure_timing(store, rounds=20)
            logger.info("cold start")
            results["cold_start"] = bench_cold_start(cold_runs, table, endpoint)
            store.close()
    results["machine"]["load_average_at_end"] = list(os.getloadavg())
    return results


def main(argv: list[str] | None = None) -> int:
    """Measure and write verify.{json,md}; 1 when a target is missed or (``--full``) not judged."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_verify", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stores", type=lambda text: [x.strip() for x in text.split(",")], default=list(STORES),
                        help="comma-separated: " + ", ".join(STORES))
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--cold-runs", type=int, default=COLD_RUNS)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--full", action="store_true",
                        help="every target must be judged: exit 1 when one is not (make bench)")
    args = parser.parse_args(argv if argv is not None else [])
    if set(args.stores) - set(STORES):
        parser.error(f"unknown stores: {', '.join(sorted(set(args.stores) - set(STORES)))}")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # Every lookup writes its audit line, as in production, but to a handler that discards it.
    audit = logging.getLogger("lambda_verify.audit")
    audit.propagate = False
    sink = logging.StreamHandler(open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the run
    sink.setFormatter(logging.Formatter("%(message)s"))
    audit.addHandler(sink)
    results = measure(args.stores, args.rounds, args.cold_runs)
    results["command"] = " ".join(["python -m bench.bench_verify", *(argv or [])])
    results["verdict"] = verdict(results)
    results["full"] = args.full
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "verify.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (args.results / "verify.md").write_text(markdown(results), encoding="utf-8")
    logger.info("%s", markdown(results).split("## How it is measured")[0])
    return common.exit_code(results["verdict"], full=args.full)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
