"""Benchmark of the certificate lookup: handler latency against a bare read, and cold start.

    .venv/bin/python -m bench.bench_verify      (or `make bench`, which runs every bench module)

Writes bench/results/verify.json and bench/results/verify.md.

1. Handler latency, in process, for a successful JSON lookup and a form lookup (HTML page), over each
   store, against that store's bare read of the same item (``store.get``: SQLite SELECT / DynamoDB
   GetItem). Calls are interleaved, in a new shuffled order each round, so drift on a busy machine
   hits both sides alike; medians are compared. The certificate's first view is recorded during the
   warm-up, so the timed lookups take the usual path since issue 13: one read (the certificate's key
   hash + both slot items: a SQLite SELECT / a DynamoDB BatchGetItem of three keys), the attempt
   counted before the key is compared (SQLite: one IMMEDIATE transaction; DynamoDB: two conditional
   UpdateItems), the slots given back after the match (two more) and, on DynamoDB, the document read
   (GetItem). That first read is measured bare too, to show what is the handler and what is the store. The audit line is written for every lookup, as in production,
   to a handler that discards it. A second JSON row clears the per-process document cache before
   every call: the cost of a certificate this process has not seen yet.
   DynamoDB is moto_server on 127.0.0.1, so a "round trip" is moto's Python, not AWS's network.
2. Cold start: a fresh interpreter imports ``lambda_verify.handler`` and creates its DynamoDB client,
   against ``import boto3; boto3.client("dynamodb")``. Each is timed inside the child process (the
   interpreter's own start is the same for both). Measured twice: with compiled bytecode for the
   package, and without (the Lambda bundle from infra/function/Makefile ships no .pyc and /var/task
   is read-only, so every cold start compiles the package).

Targets (issue 3): handler ≤ 1.2 × bare read; cold start ≤ 1.3 × the boto3 baseline. Since issue 13
the handler target cannot be met on DynamoDB either: no key is compared before its attempt is
recorded (two conditional writes), and a right key gives the attempt back (two more) — "count every
guess" costs four writes per success, which the report shows rather than hides.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

HANDLER_TARGET = 1.2
COLD_TARGET = 1.3
BARE_READ = {"sqlite": "one SELECT by primary key", "dynamodb": "GetItem"}
#: What a successful lookup writes since issue 13 (the attempt counted first, then given back).
WRITES = {"sqlite": "two short IMMEDIATE transactions", "dynamodb": "four conditional UpdateItems, then a GetItem "
          "of the document"}
LOOKUP_READ = {"sqlite": "one SELECT of the certificate",
               "dynamodb": "BatchGetItem of the certificate's key hash and both slot items"}
NUMBER = "2099000101"
KEY = "K7QWMP3RX9TB4HNC"
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


def interleaved(fns: dict[str, Callable[[], Any]], rounds: int, warmup: int) -> dict[str, dict[str, float]]:
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
    shuffle = random.Random(20261120).shuffle
    clock = time.perf_counter
    for _ in range(rounds):
        shuffle(order)
        for name, fn in order:
            start = clock()
            fn()
            samples[name].append(clock() - start)
    return {name: _summary(s) for name, s in samples.items()}


def bench_store(store: CertificateStore, rounds: int, warmup: int) -> dict[str, Any]:
    store.put(_demo_certificate(), expected_revision=None)
    clock = SystemClock()
    app = App(LookupService(store, clock, Limits()), Settings(), clock)
    body = json.dumps({"guarantee_number": NUMBER, "access_key": KEY}).encode()
    json_event = build_event("POST", "/api/verify", {"content-type": "application/json"}, body,
                             source_ip="198.51.100.7")
    form_event = build_event("POST", "/api/verify", {"content-type": "application/x-www-form-urlencoded"},
                             f"guarantee_number={NUMBER}&access_key={KEY}".encode(), source_ip="198.51.100.7")
    def check(result: dict[str, Any]) -> None:
        if result["statusCode"] != 200:
            raise RuntimeError(f"lookup failed during the benchmark: {result['body'][:200]}")

    def cold_document() -> None:
        prepare.cache_clear()
        check(app(json_event))

    check(app(json_event))  # the first view: its one conditional write happens here, not in the timings
    timings = interleaved({
        "bare_read": lambda: store.get(NUMBER),
        "lookup_read": lambda: store.read(NUMBER, "bench-client", Limits(), time.time()),
        "handler_json": lambda: check(app(json_event)),
        "handler_form": lambda: check(app(form_event)),
    }, rounds, warmup)
    # Apart from the comparison: a call this heavy would slow whichever call follows it in a round.
    timings.update(interleaved({"handler_json_cold_document": cold_document}, max(rounds // 4, 50), warmup // 4))
    bare = timings["bare_read"]["median_ms"]
    out: dict[str, Any] = {"timings": timings}
    for kind in ("handler_json", "handler_form"):
        ratio = timings[kind]["median_ms"] / bare
        out[f"{kind}_ratio"] = round(ratio, 3)
        out[f"{kind}_pass"] = ratio <= HANDLER_TARGET
    out["lookup_read_ratio"] = round(timings["lookup_read"]["median_ms"] / bare, 3)
    out["handler_over_lookup_read_ratio"] = round(timings["handler_json"]["median_ms"]
                                                  / timings["lookup_read"]["median_ms"], 3)
    out["handler_own_ms"] = round(timings["handler_json"]["median_ms"] - timings["lookup_read"]["median_ms"], 4)
    return out


def bench_failure_timing(store: CertificateStore, rounds: int) -> dict[str, Any]:
    """Wrong key vs unknown number with the production floor (0 s since issue 13: equal work, no sleep)."""
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


_TIMED = ("import time; w = time.perf_counter(); c = time.process_time(); {code}; "
          "print(time.perf_counter() - w, time.process_time() - c)")
HANDLER_SNIPPET = _TIMED.format(code="import lambda_verify.handler as h; h.get_app()")
BASELINE_SNIPPET = _TIMED.format(code="import boto3; boto3.client('dynamodb')")


def _child(snippet: str, env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the snippet's import and client creation in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", snippet], env=env, cwd=cwd, capture_output=True, text=True,
                         timeout=120, check=True)
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def bench_cold_start(runs: int) -> dict[str, Any]:
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base_env.update(FAKE_AWS, CERTIFICATES_TABLE="bench-certificates", PYTHONPATH=str(ROOT))
    base_env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        bundle = Path(tmp)
        shutil.copytree(ROOT / "lambda_verify", bundle / "lambda_verify",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        nopyc_env = dict(base_env, PYTHONPATH=str(bundle), PYTHONDONTWRITEBYTECODE="1")
        _child(HANDLER_SNIPPET, base_env, ROOT)  # make sure the repository's bytecode exists
        _child(BASELINE_SNIPPET, base_env, ROOT)
        names = ("baseline", "handler_bytecode", "handler_no_bytecode")
        wall: dict[str, list[float]] = {n: [] for n in names}
        cpu: dict[str, list[float]] = {n: [] for n in names}
        for _ in range(runs):
            for name, snippet, env, cwd in (("baseline", BASELINE_SNIPPET, base_env, ROOT),
                                            ("handler_bytecode", HANDLER_SNIPPET, base_env, ROOT),
                                            ("handler_no_bytecode", HANDLER_SNIPPET, nopyc_env, bundle)):
                w, c = _child(snippet, env, cwd)
                wall[name].append(w)
                cpu[name].append(c)
    for name in names:
        results[name] = {"wall": _summary(wall[name]), "cpu": _summary(cpu[name])}
    for name in ("handler_bytecode", "handler_no_bytecode"):
        for kind in ("wall", "cpu"):
            ratio = results[name][kind]["median_ms"] / results["baseline"][kind]["median_ms"]
            results[f"{name}_{kind}_ratio"] = round(ratio, 3)
        # Judged on CPU time: on a shared machine wall time mostly measures the other processes.
        results[f"{name}_pass"] = results[f"{name}_cpu_ratio"] <= COLD_TARGET
    return results


# ---------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    import boto3
    import botocore

    return {"python": platform.python_version(), "platform": platform.platform(), "cpu": cpu,
            "cpus": os.cpu_count(), "load_average_1_5_15": [round(x, 2) for x in load],
            "boto3": boto3.__version__, "botocore": botocore.__version__,
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _row(name: str, t: dict[str, float]) -> str:
    return f"| {name} | {t['median_ms']:.3f} | {t['p90_ms']:.3f} | {t['n']} |"


def _cold_row(label: str, r: dict[str, dict[str, float]]) -> str:
    return (f"| {label} | {r['cpu']['median_ms']:.1f} | {r['cpu']['p90_ms']:.1f} | {r['wall']['median_ms']:.1f} | "
            f"{r['wall']['p90_ms']:.1f} | {r['cpu']['n']} |")


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "# Lookup benchmark (bench/bench_verify.py)",
        "",
        f"Machine: {m['cpu']}, {m['cpus']} CPUs, {m['platform']}, Python {m['python']}, boto3 {m['boto3']}; "
        f"load average at start {m['load_average_1_5_15']}; {m['date']}.",
        "DynamoDB is moto_server on 127.0.0.1 (moto's Python answers each call), not AWS.",
        "",
        "## Handler latency (successful lookup, in process) against the store's bare read",
        "",
    ]
    for store_name in ("sqlite", "dynamodb"):
        r = results["handler"][store_name]
        t = r["timings"]
        lines += [f"### {store_name}", "", "| call | median ms | p90 ms | n |", "|---|---:|---:|---:|",
                  _row(f"bare read (store.get: {BARE_READ[store_name]})", t["bare_read"]),
                  _row(f"lookup's read alone, bare ({LOOKUP_READ[store_name]})", t["lookup_read"]),
                  _row("handler, JSON request", t["handler_json"]),
                  _row("handler, form request (HTML page)", t["handler_form"]),
                  _row("handler, JSON request, certificate not yet in the process's cache",
                       t["handler_json_cold_document"]), "",
                  f"- handler (JSON) / bare read = **{r['handler_json_ratio']}** (target ≤ {HANDLER_TARGET}): "
                  f"**{'pass' if r['handler_json_pass'] else 'MISSED'}**",
                  f"- handler (form) / bare read = **{r['handler_form_ratio']}** (target ≤ {HANDLER_TARGET}): "
                  f"**{'pass' if r['handler_form_pass'] else 'MISSED'}**",
                  f"- the lookup's read / bare read = {r['lookup_read_ratio']}; handler (JSON) / the lookup's read "
                  f"= {r['handler_over_lookup_read_ratio']} (the handler's own work: {r['handler_own_ms']} ms)", ""]
    c = results["cold_start"]
    lines += [
        "## Cold start (fresh interpreter: import + create the DynamoDB client)", "",
        "| run | CPU median ms | CPU p90 ms | wall median ms | wall p90 ms | n |", "|---|---:|---:|---:|---:|---:|",
        *(_cold_row(label, c[name]) for label, name in (
            ("`import boto3; boto3.client(\"dynamodb\")`", "baseline"),
            ("`import lambda_verify.handler; get_app()`, bytecode cached", "handler_bytecode"),
            ("same, no bytecode (as the Lambda bundle ships)", "handler_no_bytecode"))), "",
        f"- with bytecode: **{c['handler_bytecode_cpu_ratio']}** × baseline CPU time "
        f"(wall {c['handler_bytecode_wall_ratio']} ×; target ≤ {COLD_TARGET}): "
        f"**{'pass' if c['handler_bytecode_pass'] else 'MISSED'}**",
        f"- without bytecode: **{c['handler_no_bytecode_cpu_ratio']}** × baseline CPU time "
        f"(wall {c['handler_no_bytecode_wall_ratio']} ×; target ≤ {COLD_TARGET}): "
        f"**{'pass' if c['handler_no_bytecode_pass'] else 'MISSED'}**",
        "- Judged on CPU time of the child process: on a shared machine its wall time mostly measures the "
        "other processes. Both are in verify.json.", "",
        "## Failed lookups: wrong key against unknown number (production floor)", "",
        "| store | wrong key median ms | unknown number median ms | difference ms | floor ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for store_name in ("sqlite", "dynamodb"):
        f = results["failure_timing"][store_name]
        lines.append(f"| {store_name} | {f['wrong_key']['median_ms']:.2f} | {f['unknown_number']['median_ms']:.2f} | "
                     f"{f['median_difference_ms']:.2f} | {f['floor_ms']:.0f} |")
    lines += ["", "## Reading the figures", "", *results["notes"], ""]
    return "\n".join(lines)


def notes(results: dict[str, Any]) -> list[str]:
    """Plain statements derived from the figures, so the report explains each result itself."""
    out = []
    for store_name in ("sqlite", "dynamodb"):
        r = results["handler"][store_name]
        t = r["timings"]
        bare, read = t["bare_read"]["median_ms"], t["lookup_read"]["median_ms"]
        verdict = "met" if r["handler_json_pass"] and r["handler_form_pass"] else "missed"
        out.append(
            f"- {store_name}: the target is {verdict}. Since issue 13 a successful lookup counts its attempt "
            f"before the key is compared and gives it back after the match ({WRITES[store_name]}); the first "
            f"view was written once, in the warm-up. The first read costs {read:.3f} ms bare "
            f"({r['lookup_read_ratio']:.2f} × the bare read: {LOOKUP_READ[store_name]} against "
            f"{BARE_READ[store_name]}); the handler's own work — event parsing, normalizing, hashing the key, "
            f"the attempt's writes, the per-request footer, the JSON answer and the audit line — adds "
            f"{r['handler_own_ms']:.3f} ms, i.e. {t['handler_json']['median_ms']:.3f} ms per lookup in all "
            f"against a bare read of {bare:.3f} ms.")
    sqlite = results["handler"]["sqlite"]
    if not sqlite["handler_json_pass"]:
        t = sqlite["timings"]
        bare, read = t["bare_read"]["median_ms"] * 1000, t["lookup_read"]["median_ms"] * 1000
        out.append(
            f"- Why SQLite cannot meet 1.2 ×: its bare read is an in-process call of {bare:.0f} µs, so 1.2 × "
            f"allows {bare * HANDLER_TARGET:.0f} µs per lookup, and the lookup's own read already takes "
            f"{read:.0f} µs, before the two write transactions that count the attempt and give it back. Handling a request in Python costs far more "
            f"than the few microseconds that would be left: reading the event and the body, normalizing two "
            f"fields, one SHA-256, parsing the client address, formatting two Japan-time moments, encoding the "
            f"JSON answer (the certificate's HTML is most of it) and writing one audit line through logging take "
            f"about {sqlite['handler_own_ms'] * 1000:.0f} µs together. Cut after profiling with cProfile: the "
            f"write on every success (now only the first view writes), re-parsing and re-validating the stored "
            f"document, re-encoding it to JSON and re-rendering the certificate's HTML on every request (now once "
            f"per document and process; only the footer with the two moments is filled per request), a JSON "
            f"encoder built per call, the headers lower-cased twice, and the template loader's file checks. "
            f"Left in on purpose: the audit line goes through logging (about a sixth of the handler's own work; "
            f"Lambda's JSON log format and request id need it, and it is the record of views). The measurement "
            f"includes all of it. In absolute terms a lookup over SQLite takes "
            f"{t['handler_json']['median_ms']:.2f} ms (JSON) and {t['handler_form']['median_ms']:.2f} ms (form).")
    out.append(
        "- The 'not yet in the cache' row is what a certificate costs the first time a warm function sees it "
        "(parsing and validating the stored document, rendering its HTML once); every later lookup of the same "
        "document in that process takes the cached path of the rows above.")
    return out


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # Every lookup writes its audit line, as in production, but to a handler that discards it.
    audit = logging.getLogger("lambda_verify.audit")
    audit.propagate = False
    sink = logging.StreamHandler(open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the run
    sink.setFormatter(logging.Formatter("%(message)s"))
    audit.addHandler(sink)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "targets": {"handler_over_bare_read": HANDLER_TARGET,
                                                                 "cold_start_over_boto3": COLD_TARGET}}
    results["handler"] = {}
    results["failure_timing"] = {}
    from lambda_verify.stores.sqlite import SqliteStore

    with tempfile.TemporaryDirectory(prefix="bench-verify-db-") as tmp:
        store = SqliteStore(Path(tmp) / "verify.sqlite3", create=True)
        logger.info("sqlite: handler latency")
        results["handler"]["sqlite"] = bench_store(store, rounds=3000, warmup=300)
        logger.info("sqlite: failure timing")
        results["failure_timing"]["sqlite"] = bench_failure_timing(store, rounds=20)
        store.close()
    saved = {k: os.environ.get(k) for k in (*FAKE_AWS, "AWS_ENDPOINT_URL_DYNAMODB")}
    try:
        with run_moto_server() as endpoint:
            os.environ.update(FAKE_AWS, AWS_ENDPOINT_URL_DYNAMODB=endpoint)
            from lambda_verify.stores.dynamodb import DynamoDbStore, create_table, make_client

            table = f"bench-{uuid.uuid4().hex[:8]}"
            create_table(make_client(), table)
            store = DynamoDbStore(table)
            logger.info("dynamodb (moto_server): handler latency")
            results["handler"]["dynamodb"] = bench_store(store, rounds=400, warmup=50)
            logger.info("dynamodb (moto_server): failure timing")
            results["failure_timing"]["dynamodb"] = bench_failure_timing(store, rounds=20)
            store.close()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    logger.info("cold start")
    results["cold_start"] = bench_cold_start(runs=25)
    results["notes"] = notes(results)
    (RESULTS / "verify.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "verify.md").write_text(markdown(results), encoding="utf-8")
    logger.info("%s", markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
