"""Benchmarks say only what they measure.

* A partial run (sizes, scenarios, stores or Lighthouse left out by flags) reports the targets it could not
  judge as "not judged" and exits non-zero with ``--full`` (what ``make bench`` passes), 0 without it.
* A report carries no figure that the run did not measure: each report is rendered from two fake results
  whose every measured number differs; a figure (a number with a unit) that comes out the same in both is
  a fixed figure, allowed only when it is one of the module's own targets or settings.

The measurements themselves are replaced by small fake results; the report, verdict and exit code code
paths are the benchmarks' own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bench import (
    bench_build,
    bench_lookup_load,
    bench_pages,
    bench_preview,
    bench_rebuild,
    bench_sqlite_contention,
    bench_verify,
    common,
)

FIGURE = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(\ss|\s?(?:ms|µs|MB|GB|KB|%|×|requests/s|lookups/s|/s|bytes|characters))"
                    r"(?![\w/])")


def figures(text: str) -> list[str]:
    return [f"{number}{unit.strip()}" for number, unit in FIGURE.findall(text)]


def fixed_figures(render: Any, allowed: set[str]) -> set[str]:
    """Figures that stay the same, in the same place, when every measured number changes, less the module's own
    constants (its targets and settings)."""
    a, b = figures(render(1.0)), figures(render(1.37))
    assert a and len(a) == len(b), "the two fake results must give reports of the same shape"
    return {x for x, y in zip(a, b, strict=True) if x == y} - {c.replace(" ", "") for c in allowed}


def fake_machine(scale: float) -> dict[str, Any]:
    return {"date": f"2026-12-0{int(scale * 2)}T10:00:00+00:00", "cpu": "Test CPU", "cores": 2,
            "ram_gb": round(16.3 * scale, 1), "os": "Linux", "python": "3.11.7",
            "load_average_at_start": [1.7 * scale, 1.0, 1.0], "load_average_at_end": [2.9 * scale, 1.0, 1.0],
            "pelican": "4.12.0", "pydantic": "2", "pyyaml": "6", "jinja2": "3", "markdown": "3", "hugo": "hugo",
            "pagefind": "pagefind", "commit": "abc1234", "wrk": "wrk 4", "boto3": "1.44.5", "powertools": "3.37.0"}


# --- bench_build --------------------------------------------------------------------------------------------

def fake_build(sizes: tuple[int, ...], scale: float = 1.0, repeats: int = 3) -> dict[str, Any]:
    """Results as bench_build.benchmark returns them, from made-up runs that meet every target."""
    results: dict[str, Any] = {"machine": fake_machine(scale), "targets": {}, "sizes": {}, "repeats": repeats,
                               "rule_cost": {"orderers": 60, "decision_table_ms": 4.1 * scale,
                                             "rules_json_ms": 1.3 * scale, "rule_table_ms": 0.7 * scale}}
    for n in sizes:
        def run(wall: float, i: int, n: int = n) -> bench_build.Run:
            # each side's own power of the scale, so that ratios and shares differ between two fakes too
            w = wall * n / 1000 * scale ** (wall / 4) * (1 + i / 50)
            return bench_build.Run(wall=w, cpu=w * 1.3, tree_pss_mb=(200 + n / 20) * scale, largest_rss_mb=150 * scale,
                                   extra={"load_average": 1.1 * scale + i,
                                          "split": {"search_wall": w / 4, "hugo_wall": w / 3, "pagefind_wall": w / 2}})
        runs = {"ours": [run(4.0, i) for i in range(repeats)], "unindexed": [run(2.8, i) for i in range(repeats)],
                "bare": [run(4.6, i) for i in range(repeats)], "hugo": [run(4.9, i) for i in range(repeats)]}
        entry = bench_build.size_entry(runs)
        if n == min(sizes):
            entry["likeness"] = {"ours_main_text_chars": 1234 * scale, "bare_main_text_chars": 1100 * scale,
                                 "hugo_main_text_chars": 1090 * scale, "pages_sampled": 200}
        if n == max(sizes):
            entry["transfer"] = [{"page": "a/index.html", "raw": int(50_000 * scale), "gzip6": int(9_000 * scale),
                                  "gzip9": int(8_800 * scale), "brotli5": int(7_700 * scale),
                                  "brotli11": int(7_000 * scale)}]
        if n == bench_build.REBUILD_N:
            full = entry["ours"]["wall"]
            entry["rebuild"] = {"unchanged_s": 0.031 * full, "after_edit_s": [0.04 * full] * 3,
                                "after_edit_cpu_s": [0.05 * full] * 3, "median_s": 0.04 * full, "full_s": full,
                                "share": 0.04 * scale, "same_as_full_build": {"files": int(3000 * scale), "different": [],
                                                                      "same": True}}
        results["sizes"][str(n)] = entry
    results["verdict"] = bench_build.verdict(results)
    return results


def test_build_partial_run_is_not_judged_and_fails_with_full(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # GIVEN a run of N = 300 only WHEN it is judged THEN every target that needs another N is "not judged"
    monkeypatch.setattr(bench_build, "benchmark", lambda sizes, repeats, work, rebuild_n: fake_build(sizes))
    args = ["--sizes", "300", "--results", str(tmp_path), "--work", str(tmp_path / "work")]
    assert bench_build.main(args) == 0
    assert bench_build.main([*args, "--full"]) == 1
    verdict = bench_build.verdict(fake_build((300,)))
    assert {k for k, e in verdict.items() if e["status"] == common.NOT_JUDGED} == set(verdict)
    report = (tmp_path / "build.md").read_text(encoding="utf-8")
    assert "not judged (N = 4,000 not measured)" in report and "not judged (needs N = 2,000 and N = 4,000)" in report


def test_build_full_set_is_judged_and_fewer_repeats_are_not() -> None:
    verdict = bench_build.verdict(fake_build(bench_build.SIZES))
    assert all(e["status"] == common.MET for e in verdict.values()), verdict
    assert common.exit_code(verdict, full=True) == 0
    few = bench_build.verdict(fake_build(bench_build.SIZES, repeats=2))
    assert few["ratio_to_bare"]["status"] == common.NOT_JUDGED and common.exit_code(few, full=True) == 1


def test_build_miss_at_a_measured_size_is_a_miss_even_in_a_partial_run() -> None:
    results = fake_build((300,))
    results["sizes"]["300"]["ratio_to_bare"] = 1.5
    assert bench_build.verdict(results)["ratio_to_bare"]["status"] == common.MISSED
    assert common.exit_code(bench_build.verdict(results), full=False) == 1


def test_build_memory_is_the_summed_pss_of_the_whole_tree() -> None:
    # GIVEN a parent whose child holds 64 MB WHEN the shared sampler watches the parent THEN the child counts
    import subprocess
    import sys

    code = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'import time; b = bytearray(64 * 1024 * 1024); b[::4096] = b\"x\" * len(b[::4096]); time.sleep(1.5)'])")
    proc = subprocess.Popen([sys.executable, "-c", code])
    with common.TreeMemory(proc.pid) as memory:
        proc.wait()
    assert memory.samples > 3
    assert memory.peak_mb >= 64


def test_build_report_has_no_fixed_figure() -> None:
    t = bench_build.TARGETS
    allowed = {f"{t.ratio_to_bare}×", f"{t.ratio_to_hugo}×", f"{100 * t.rebuild_share:.0f}%", f"{t.peak_mb:.0f} MB",
               f"{common.SAMPLE_INTERVAL_S * 1000:.0f} ms"}
    assert fixed_figures(lambda k: bench_build.markdown_report(fake_build(bench_build.SIZES, k)), allowed) == set()
    assert fixed_figures(lambda k: bench_build.markdown_report(fake_build((300,), k)), allowed) == set()


# --- bench_lookup_load ---------------------------------------------------------------------------------------

def fake_scenario(scenario: bench_lookup_load.Scenario, scale: float, code: str = "after") -> bench_lookup_load.Result:
    answered = int(6000 * scale)
    statuses = ({"200": answered} if scenario.wrong_every == 0 else
                {"200": int(90 * scale ** 2), "400": 10, "429": answered} if scenario.wrong_every > 1 else
                {"400": int(7 * scale ** 3), "429": answered})
    r = bench_lookup_load.Result(code=code, scenario=scenario.name, description=scenario.description,
                                 requests=sum(statuses.values()), seconds=10.02 + scale,
                                 rps=sum(statuses.values()) / (10.02 + scale),
                                 latency_ms={"mean": 40 * scale, "p50": 31 * scale, "p90": 80 * scale,
                                             "p99": 210 * scale, "max": 400 * scale},
                                 statuses=statuses, socket_errors={"connect": 0, "read": 0, "write": 0, "status": 0,
                                                                   "timeout": 0},
                                 audit_lines=sum(statuses.values()), audit_statuses=statuses, store_errors=0,
                                 listen_overflows=0)
    r.checks = {"only 200, 400 and 429": True}
    return r


def fake_load(names: list[str], scale: float) -> dict[str, Any]:
    from dataclasses import asdict

    results: dict[str, Any] = {"machine": fake_machine(scale), "target_rps": bench_lookup_load.TARGET_RPS,
                               "connections": bench_lookup_load.CONNECTIONS, "duration_s": bench_lookup_load.DURATION_S,
                               "scenarios": [asdict(fake_scenario(sc, scale)) for sc in bench_lookup_load.SCENARIOS
                                             if sc.name in names]}
    results["verdict"] = bench_lookup_load.verdict(results)
    return results


def test_lookup_load_left_out_scenario_is_not_judged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bench_lookup_load, "ensure_wrk", lambda: "wrk")
    monkeypatch.setattr(bench_lookup_load, "machine", lambda: fake_machine(1.0))
    monkeypatch.setattr(bench_lookup_load, "RESULTS", tmp_path)
    monkeypatch.setattr(bench_lookup_load, "run_scenario",
                        lambda scenario, work, wrk, duration, code, label: fake_scenario(scenario, 1.0, label))
    work = ["--work", str(tmp_path / "work")]
    assert bench_lookup_load.main([*work, "--scenarios", "flood", "--full"]) == 1
    report = (tmp_path / "lookup_load.md").read_text(encoding="utf-8")
    assert "**Right keys: not run**" in report and "not judged (scenario 'right keys' not run)" in report
    assert bench_lookup_load.main([*work, "--scenarios", "flood"]) == 0
    assert bench_lookup_load.main([*work, "--full"]) == 0


def test_lookup_load_report_leads_with_right_keys() -> None:
    results = fake_load([sc.name for sc in bench_lookup_load.SCENARIOS], 1.0)
    report = bench_lookup_load.markdown_report(results)
    right = next(r for r in results["scenarios"] if r["scenario"] == "right keys")
    first = next(line for line in report.splitlines()[1:] if line.strip())
    assert first.startswith(f"**Right keys: {right['rps']:.0f} lookups/s**")
    flood = next(r for r in results["scenarios"] if r["scenario"] == "flood")
    assert f"{flood['rps']:.0f} requests/s are mostly refusals" not in first


def test_lookup_load_report_has_no_fixed_figure() -> None:
    allowed = {f"{bench_lookup_load.TARGET_RPS:.0f}/s", f"{bench_lookup_load.TARGET_RPS:.0f} requests/s"}
    names = [sc.name for sc in bench_lookup_load.SCENARIOS]
    assert fixed_figures(lambda k: bench_lookup_load.markdown_report(fake_load(names, k)), allowed) == set()


# --- bench_verify --------------------------------------------------------------------------------------------

def _summary(ms: float) -> dict[str, float]:
    return {"median_ms": ms, "p90_ms": ms * 1.5, "min_ms": ms * 0.8, "n": 400}


def fake_verify(stores: list[str], scale: float) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": fake_machine(scale), "handler": {}, "failure_timing": {}}
    for i, name in enumerate(stores):
        base = (0.21 if name == "sqlite" else 21.0) * scale
        handler = [base * (1 + j / 40) for j in range(5)]
        peer = [x * 1.09 for x in handler]
        results["handler"][name] = {
            "same_answer": True,
            "peer": {"rounds": 5, "calls_per_round": 400, "handler_ms": handler, "peer_ms": peer,
                     "ratios": [h / p for h, p in zip(handler, peer, strict=True)], "ratio": 0.917 * scale ** 0.1,
                     "handler_median_ms": handler[2], "peer_median_ms": peer[2]},
            "timings": {k: _summary(base * f) for k, f in (("bare_read", 0.07), ("lookup_read", 0.11),
                                                           ("handler_json", 1.0), ("handler_form", 0.93),
                                                           ("handler_json_cold_document", 2.1))},
            "handler_over_bare_read": 14.2 * scale}
        results["failure_timing"][name] = {"wrong_key": _summary(base * 0.7), "unknown_number": _summary(base * 0.71),
                                           "median_difference_ms": base * 0.01 + i, "floor_ms": 0.0}
    if "dynamodb" in stores:
        cold: dict[str, Any] = {"runs": 9}
        for name, ms in (("baseline", 150), ("handler_bytecode", 170), ("handler_no_bytecode", 185),
                         ("peer_bytecode", 210), ("handler_import_only", 140)):
            cold[name] = {kind: _summary(ms * scale * f) for kind, f in (("cpu", 1), ("wall", 1.9), ("process", 2.7))}
        for name in ("handler_bytecode", "handler_no_bytecode", "peer_bytecode", "handler_import_only"):
            for kind in ("wall", "cpu", "process"):
                cold[f"{name}_{kind}_ratio"] = cold[name][kind]["median_ms"] / cold["baseline"][kind]["median_ms"] \
                    * scale ** 0.1
        results["cold_start"] = cold
    results["verdict"] = bench_verify.verdict(results)
    return results


def test_verify_left_out_store_is_not_judged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bench_verify, "measure", lambda stores, rounds, cold_runs: fake_verify(stores, 1.0))
    args = ["--results", str(tmp_path)]
    assert bench_verify.main([*args, "--stores", "sqlite", "--full"]) == 1
    report = (tmp_path / "verify.md").read_text(encoding="utf-8")
    assert "not judged (dynamodb left out (--stores))" in report
    assert "not judged (cold start needs the DynamoDB store (--stores))" in report
    assert bench_verify.main([*args, "--stores", "sqlite"]) == 0
    assert bench_verify.main([*args, "--full"]) == 0


def test_verify_report_has_no_fixed_figure() -> None:
    allowed = {f"{bench_verify.PEER_TARGET}×", f"{bench_verify.COLD_TARGET}×"}
    assert fixed_figures(lambda k: bench_verify.markdown(fake_verify(list(bench_verify.STORES), k)), allowed) == set()


# --- bench_pages ---------------------------------------------------------------------------------------------

def _weights(scale: float) -> list[bench_pages.PageWeight]:
    return [bench_pages.PageWeight(url="/", html=int(9000 * scale), css=int(4000 * scale), js=int(1500 * scale),
                                   gzip_total=int(4100 * scale))]


def test_pages_skipped_lighthouse_is_not_judged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")

    class Local:
        base_url = "http://127.0.0.1:9"

        def __init__(self) -> None:
            self.site = site

        def stop(self) -> None:
            pass

    monkeypatch.setattr(bench_pages, "start_site", lambda workdir: Local())
    monkeypatch.setattr(bench_pages, "certificate_html", lambda base_url: b"<!doctype html><title>c</title>")
    monkeypatch.setattr(bench_pages, "chromium_version", lambda: "Chromium 1")
    monkeypatch.setattr(bench_pages, "RESULTS", tmp_path)
    assert bench_pages.main(["--skip-lighthouse", "--full"]) == 1
    assert bench_pages.main(["--skip-lighthouse"]) == 0
    report = (tmp_path / "pages.md").read_text(encoding="utf-8")
    assert "not every target judged" in report and "its targets are not judged" in report


def test_pages_report_has_no_fixed_figure() -> None:
    def render(scale: float) -> str:
        weights = _weights(scale)
        data = {"measured": "2026-12-02", "lighthouse": "12", "chromium": "Chromium", "runs_per_page": 3,
                "passed": True, "verdict": bench_pages.verdict(weights, {})}
        return bench_pages._markdown(data, weights, {})

    allowed = {f"{bench_pages.BUDGET_BYTES:,} bytes", f"{bench_pages.BUDGET_BYTES // 1024} KB"}
    assert fixed_figures(render, allowed) == set()


# --- bench_preview -------------------------------------------------------------------------------------------

def test_preview_report_has_no_fixed_figure() -> None:
    def render(scale: float) -> str:
        return bench_preview.markdown_report({
            "first_build": 2.2 * scale, "guidance": [0.18 * scale] * 5, "adopters": [0.25 * scale] * 5,
            "page": "x.yaml", "breakdown": {"imports": 0.03 * scale, "full_build": 1.9 * scale,
                                            "incremental": 0.22 * scale},
            "guidance_files": 5, "adopter_rows": 343, "date": "2026-12-02", "python": "3.11.7", "cpus": 2,
            "load_average": 0.5 * scale})

    assert fixed_figures(render, {f"{bench_preview.TARGET_S:.0f} s"}) == set()


def test_the_figure_check_finds_a_fixed_figure() -> None:
    # GIVEN a report with a prose figure that no measurement changes THEN the check names it
    def render(scale: float) -> str:
        return f"measured {3.1 * scale:.1f} s; both together about 880 MB"

    assert fixed_figures(render, set()) == {"880MB"}


def test_make_bench_passes_full_to_every_module(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import run

    seen: dict[str, list[str]] = {}

    class Module:
        def __init__(self, name: str, code: int) -> None:
            self.name, self.code = name, code

        def main(self, argv: list[str]) -> int:
            seen[self.name] = argv
            return self.code

    modules = {"bench.bench_a": Module("a", 0), "bench.bench_b": Module("b", 1)}
    monkeypatch.setattr(run.importlib, "import_module", lambda name: modules[name])
    assert run.main(["bench_a", "bench_b"]) == 1
    assert seen == {"a": ["--full"], "b": ["--full"]}
    assert run.main(["bench_a"]) == 0


def test_build_report_compares_like_with_like() -> None:
    """GIVEN runs where, at N = 1,000, ours takes 4.08 s (1.02 s of it the index), ours without the index
    2.856 s, bare Pelican 4.692 s and Pagefind over Hugo's pages 2.499 s WHEN reported THEN the proposed row
    gives 4.08 / (4.692 + 2.499), 2.856 / 4.692 and (4.08 - 1.02) / 4.692, and says the peer's time is a sum,
    not a run."""
    report = bench_build.markdown_report(fake_build((1000,)))
    section = report.split("## Like with like (proposed target)", 1)[1].split("## ", 1)[0]
    assert "| 1,000 | 4.1 s | 7.2 s | 0.57× | 2.9 s | 0.61× | 3.1 s (0.65×) |" in section
    assert "without the index ≤ 1.0× bare Pelican at every N: worst 0.61× (N = 1,000); met at every N measured" in section
    assert "the sum of the two walls measured above, not a run of its own" in section
    assert "Pagefind alone over the same pages takes 2.5 s against bare Pelican's whole build of 4.7 s" in section


@pytest.mark.parametrize(("unindexed_wall", "verdict"), [(4.5, "met at every N measured"),
                                                          (4.8, "**missed** at N = 1,000")])
def test_build_report_judges_the_proposed_targets(unindexed_wall: float, verdict: str) -> None:
    # GIVEN our build without the index a little under or over bare Pelican's 4.692 s at N = 1,000
    results = fake_build((1000,))
    entry = results["sizes"]["1000"]
    entry["unindexed"]["wall"] = unindexed_wall
    entry["ratio_unindexed_to_bare"] = unindexed_wall / entry["bare"]["wall"]
    # WHEN reported THEN the proposed target is met or missed, naming the N that misses it
    section = bench_build.markdown_report(results).split("## Like with like", 1)[1].split("## ", 1)[0]
    line = next(x for x in section.splitlines() if x.startswith("- our build without the index"))
    assert line.endswith(verdict + "."), line


# --- bench_rebuild and bench_sqlite_contention -------------------------------------------------------------

def fake_rebuild(scale: float, edit_s: float = 2.6) -> dict[str, Any]:
    sizes = {}
    for i, n in enumerate((500, 2000)):
        full = 6.1 * scale * (i + 1)
        edits = [edit_s * scale + 0.01 * j + 0.1 * i for j in range(3)]
        sizes[str(n)] = {"full_s": full, "unchanged_s": 0.66 * scale * (i + 1), "after_edit_s": edits,
                         "after_edit_cpu_s": [e * 1.3 for e in edits], "median_s": edits[1],
                         "share": edits[1] / full, "same_as_full_build": True}
    results: dict[str, Any] = {"machine": fake_machine(scale), "sizes": sizes}
    results["verdict"] = bench_rebuild.verdict(results)
    return results


def test_rebuild_report_has_no_fixed_figure() -> None:
    allowed = {f"{bench_rebuild.EDIT_TARGET_S:g} s", f"{bench_rebuild.SHARE_TARGET:.0%}"}
    assert fixed_figures(lambda k: bench_rebuild.report(fake_rebuild(k)), allowed) == set()


@pytest.mark.parametrize(("edit_s", "same", "met"), [(2.6, True, True), (5.2, True, False), (2.6, False, False)])
def test_rebuild_target_is_the_slowest_edit_and_a_tree_equal_to_a_full_build(edit_s: float, same: bool,
                                                                              met: bool) -> None:
    # GIVEN rebuilds of a given speed, equal to a full build or not WHEN judged THEN the target is met only when
    # every size's median edit is within the target and its tree equals a full build's
    results = fake_rebuild(1.0, edit_s)
    for entry in results["sizes"].values():
        entry["same_as_full_build"] = same
    entry = bench_rebuild.verdict(results)["edit_within_target"]
    assert entry["met"] is met
    assert entry["worst_s"] == pytest.approx(edit_s + 0.11)


def fake_contention(scale: float, failed_at_default: int = 0) -> dict[str, Any]:
    rows = [{"cores_busy": busy, "busy_timeout_s": timeout, "threads": threads, "attempts": 400 * threads,
             "failed": (failed_at_default if timeout == bench_sqlite_contention.BUSY_TIMEOUT_SECONDS and threads == 32
                        else int(3 * scale)),
             "p99_ms": round(8.4 * scale + threads / 10, 1), "max_ms": round(1029.6 * scale + threads, 1)}
            for busy in (False, True) for threads in bench_sqlite_contention.THREADS
            for timeout in (bench_sqlite_contention.EARLIER_TIMEOUT_S, bench_sqlite_contention.BUSY_TIMEOUT_SECONDS)]
    return {"machine": fake_machine(scale), "rows": rows, "verdict": bench_sqlite_contention.verdict(rows)}


def test_contention_report_has_no_fixed_figure() -> None:
    allowed = {f"{bench_sqlite_contention.EARLIER_TIMEOUT_S:g} s", f"{bench_sqlite_contention.BUSY_TIMEOUT_SECONDS:g} s"}
    assert fixed_figures(lambda k: bench_sqlite_contention.report(fake_contention(k)), allowed) == set()


@pytest.mark.parametrize(("busy", "failed", "status"), [(True, 0, common.MET), (True, 1, common.MISSED),
                                                        (False, 0, common.NOT_JUDGED)])
def test_contention_is_judged_at_the_default_timeout_on_busy_cores(busy: bool, failed: int, status: str) -> None:
    # GIVEN rows where the default timeout at the most threads failed `failed` times, with the cores busy or not
    rows = [r for r in fake_contention(1.0, failed)["rows"] if busy or not r["cores_busy"]]
    # WHEN judged THEN only a run that kept the cores busy is judged, and one failure misses the target
    assert bench_sqlite_contention.verdict(rows)["no_503_at_default"]["status"] == status
