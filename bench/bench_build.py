"""Build benchmark: our full build against bare Pelican at N = 500 … 4,000 pages, the rebuild after one
edit, and peak memory. Writes ``bench/results/build.json`` and ``bench/results/build.md``.

What is compared
----------------
* **Ours** — ``python -m scripts.build`` (exactly ``make build``: validate every data file, render
  with the plugin and the project's theme into a staging folder, run the post-build steps such as
  the search index, swap the folder in) on a synthetic project of N guidance files written by
  :mod:`bench.synthetic`, with ``data/adopters.yaml`` of N matching rows.
* **Bare Pelican** — ``python -m pelican`` (the plain CLI, no plugin) on N Markdown pages carrying
  the same synthetic guidance as text (:func:`bench.synthetic.markdown_page`), with the project's own
  ``pelicanconf.py`` and theme (``PLUGINS = []``, ``PAGE_PATHS = ["pages"]``). Both sides use the
  same theme-free-of-loops settings: no template loops over all pages (the DESIGN.md lesson: a menu
  listing every page makes Pelican quadratic), no feeds, archives, tags or categories.
  The mean visible text of a page's ``<main>`` on each side is recorded, to show the pages are alike.

Every build runs in a fresh child process from an empty output folder; wall time is measured by
this process, CPU time and peak resident memory come from ``os.wait4`` (the largest process of the
child's tree) and from the child itself (the Python build process alone). Sides alternate and each
figure is the fastest of ``--repeats`` runs, because this machine is shared with other work, which
only ever adds time; every run is kept, with the load average before it.

"Without the search index" is the same ``make build`` run minus its post-build steps (Pagefind
over the finished HTML), timed inside the child; bare Pelican builds no search index.

The **rebuild** is what ``make serve`` does when one file changes: the preview server is to call
``scripts.build.build_site(output, incremental=True)``, whose first call is a full build; the
benchmark does the same in one process (warm, like the server), edits one guidance file (a note's
text), checks the page shows the edit, and times the call. The share is taken against a full
``build_site(output)`` in the same warm process, the stricter comparison (``make build`` also pays
for starting Python).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import logging
import os
import platform
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

from bench import synthetic

logger = logging.getLogger(__name__)

REPO = synthetic.REPO
RESULTS = REPO / "bench/results"
SIZES: tuple[int, ...] = (500, 1000, 2000, 4000)
REBUILD_N = 2000
#: The build date every run uses, so pages (運用中 / 開始予定) are the same from run to run.
BUILD_DATE = "2026-11-20"


@dataclass(frozen=True)
class Targets:
    """The targets of issue 6."""

    ratio_to_bare: float = 1.3        # our build / bare Pelican, at every N
    scaling: float = 2.1              # time(4,000) / time(2,000)
    rebuild_share: float = 0.25       # rebuild after one edit / full build, at N = 2,000
    peak_mb: float = 500.0            # peak memory at N = 4,000


TARGETS = Targets()


@dataclass
class Run:
    """One child process: its wall and CPU seconds and peak memory."""

    wall: float
    cpu: float
    tree_peak_mb: float   # the largest process of the child's tree (wait4)
    python_peak_mb: float  # the Python build process alone
    children_peak_mb: float  # the largest process it started (the search indexer)
    extra: dict[str, Any] = field(default_factory=dict)


# --- child processes ---------------------------------------------------------------------------

def _self_report(extra: dict[str, Any] | None = None) -> None:
    """Last line of a child's stdout: its own peak memory (and anything else measured inside)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the search indexer
    print("BENCH " + json.dumps({"python_peak_mb": peak, "children_peak_mb": children, **(extra or {})}), flush=True)


def _use_repo_plugin() -> None:
    """Import the installed plugin (esurety.site) up front, so its import is not timed as rendering."""
    import esurety.site.generator  # noqa: F401


def _child_ours(root: Path) -> int:
    """``make build`` (scripts.build.main), timing Pelican and the post-build steps apart."""
    from scripts import build

    split: dict[str, float] = {}

    def measured(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                split[f"{label}_wall"] = time.perf_counter() - wall
                split[f"{label}_cpu"] = time.process_time() - cpu + _children_cpu() - children
                split[f"{label}_children_cpu"] = _children_cpu() - children
        return wrapper

    build.render = measured("pelican", build.render)
    build._post_build = measured("post_build", build._post_build)
    code = build.main(["--output", str(root / "output"), "--settings", str(root / "pelicanconf.py")])
    # The indexer is the build's only child; it is started before Pelican (its dictionary loads
    # meanwhile) and reaped after the post-build steps, so its CPU is counted here, all of it.
    split["post_build_cpu"] = split["post_build_cpu"] - split.get("post_build_children_cpu", 0.0) + _children_cpu()
    _self_report({"split": split})
    return code


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child_bare(root: Path) -> int:
    import pelican

    try:
        pelican.main([str(root / "content"), "-s", str(root / "bareconf.py"), "-o", str(root / "output"), "-q"])
    except SystemExit as exc:  # pelican.main exits on errors
        if exc.code:
            return int(exc.code)
    _self_report()
    return 0


def _timed(label: str, times: dict[str, float], fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            times[label] = times.get(label, 0.0) + time.perf_counter() - started
    return wrapper


def _child_phases(root: Path) -> int:
    """One instrumented build: where the time goes (load, guidance pages, each extra output, post-build)."""
    _use_repo_plugin()
    import esurety.site.generator as generator
    from pelican.writers import Writer

    from scripts import build

    times: dict[str, float] = {}
    generator.load_dataset = _timed("load and validate data", times, generator.load_dataset)
    Writer.write_file = _timed("Pelican writer (all HTML pages)", times, Writer.write_file)
    try:
        from esurety.site import extras
        extras.OUTPUTS[:] = [_timed(f"extra: {f.__module__.rsplit('.', 1)[-1]}", times, f) for f in extras.OUTPUTS]
    except ImportError:
        pass
    build.POST_BUILD_STEPS[:] = [_timed(f"post-build: {getattr(f, '__name__', f)}", times, f)
                                 for f in build.POST_BUILD_STEPS]
    build.render = _timed("Pelican run (incl. the above except post-build)", times, build.render)
    started = time.perf_counter()
    build.build_site(root / "output", root / "pelicanconf.py")
    times["total build_site"] = time.perf_counter() - started
    _self_report({"phases": times})
    return 0


def _child_profile(root: Path) -> int:
    """cProfile of one build without the search index (measured on its own): the functions with the
    most own time go into the results."""
    _use_repo_plugin()
    from scripts import build

    build.POST_BUILD_STEPS[:] = []
    build.BUILD_CONTEXTS[:] = []  # nor the search indexer started beside Pelican
    profile = cProfile.Profile()
    profile.enable()
    build.build_site(root / "output", root / "pelicanconf.py")
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(18)
    text = re.sub(r"/\S*/site-packages/", "", out.getvalue()).replace(str(REPO) + "/", "")
    text = re.sub(r"/\S*/(theme/templates/)", r"\1", text)
    _self_report({"profile": text[text.index("ncalls"):].rstrip() if "ncalls" in text else text})
    return 0


def _edit(path: Path, n: int) -> str:
    """A realistic edit: change the text of the first note of a guidance file; returns the new text."""
    marker = f"（編集 {n}）"
    text = path.read_text(encoding="utf-8")
    new = re.sub(r"(- text: [^\n]*?)(。)", lambda m: m.group(1) + marker + m.group(2), text, count=1)
    assert new != text, path
    path.write_text(new, encoding="utf-8")
    return marker


def _child_rebuild(root: Path) -> int:
    """What make serve does: a first full build, then a rebuild after each edit, in one process."""
    _use_repo_plugin()
    from scripts import build

    out, settings = root / "output", root / "pelicanconf.py"
    files = sorted((root / "content/municipalities").glob("*.yaml"))

    def timed(fn: Callable[[], Any]) -> float:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started

    first = timed(lambda: build.build_site(out, settings, incremental=True))
    unchanged = timed(lambda: build.build_site(out, settings, incremental=True))
    edits = []
    for i, path in enumerate(files[len(files) // 3::len(files) // 4][:3]):
        marker = _edit(path, i)
        edits.append(timed(lambda: build.build_site(out, settings, incremental=True)))
        page = out / "municipalities" / path.stem / "index.html"
        if marker not in page.read_text(encoding="utf-8"):
            raise AssertionError(f"the rebuild did not update {page}")
    warm_full = timed(lambda: build.build_site(out, settings))
    _self_report({"first_build": first, "rebuild_unchanged": unchanged, "rebuild_after_edit": edits,
                  "warm_full_build": warm_full})
    return 0


CHILDREN: dict[str, Callable[[Path], int]] = {
    "ours": _child_ours, "bare": _child_bare, "phases": _child_phases, "profile": _child_profile,
    "rebuild": _child_rebuild,
}


def run_child(kind: str, root: Path) -> Run:
    """Run one child (``python -m bench.bench_build --child kind root``) and measure it."""
    shutil.rmtree(root / "output", ignore_errors=True)
    env = {**os.environ, "BUILD_DATE": BUILD_DATE, "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, "-m", "bench.bench_build", "--child", kind, str(root)]
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)  # wait4, not wait: it gives this child's rusage
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    report = next((json.loads(line[6:]) for line in reversed(stdout.splitlines()) if line.startswith("BENCH ")), None)
    if report is None or proc.returncode:
        raise RuntimeError(f"{kind} build of {root} failed ({proc.returncode}):\n{stdout[-3000:]}\n{stderr[-3000:]}")
    extra = {k: v for k, v in report.items() if k not in ("python_peak_mb", "children_peak_mb")}
    extra["load_average"] = load
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, tree_peak_mb=usage.ru_maxrss / 1024,
               python_peak_mb=report["python_peak_mb"], children_peak_mb=report["children_peak_mb"], extra=extra)


# --- the benchmark ------------------------------------------------------------------------------

def _main_text_length(page: Path) -> int:
    html = page.read_text(encoding="utf-8")
    match = re.search(r"<main[^>]*>(.*)</main>", html, re.S)
    body = match.group(1) if match else html
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    return len(re.sub(r"\s+", "", unescape(re.sub(r"<[^>]+>", "", body))))


def page_likeness(ours: Path, bare: Path, sample: int = 200) -> dict[str, float]:
    """Mean visible text length of ``<main>`` on guidance pages and on the bare Markdown pages."""
    mine = sorted((ours / "output/municipalities").glob("*/index.html"))[:sample]
    theirs = [bare / "output" / p.parent.name / "index.html" for p in mine]
    return {"ours_main_text_chars": statistics.mean(map(_main_text_length, mine)),
            "bare_main_text_chars": statistics.mean(map(_main_text_length, theirs)),
            "pages_sampled": len(mine)}


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import jinja2
    import markdown
    import pelican
    import pydantic
    import yaml

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout.strip())
    return {
        "date": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(), "python": platform.python_version(), "pelican": pelican.__version__,
        "pydantic": pydantic.VERSION, "pyyaml": f"{yaml.__version__} (libyaml: {yaml.__with_libyaml__})",
        "jinja2": jinja2.__version__, "markdown": markdown.__version__,
        "commit": commit + (" + uncommitted changes" if dirty else ""),
        "load_average_at_start": os.getloadavg(),
    }


def _best(runs: list[Run], attr: str) -> float:
    """The fastest run: other work on the machine only ever adds time, so the minimum is the figure
    least disturbed by it (as timeit does); every run is kept in build.json."""
    return min(getattr(r, attr) for r in runs)


def benchmark(sizes: tuple[int, ...], repeats: int, work: Path, rebuild_n: int = REBUILD_N) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "targets": asdict(TARGETS), "sizes": {}, "repeats": repeats}
    for n in sizes:
        ours, bare = work / f"ours-{n}", work / f"bare-{n}"
        synthetic.make_project(ours, n)
        synthetic.make_bare_project(bare, n)
        runs: dict[str, list[Run]] = {"ours": [], "bare": []}
        for i in range(repeats):
            for side in (("ours", "bare") if i % 2 == 0 else ("bare", "ours")):
                run = run_child(side, ours if side == "ours" else bare)
                runs[side].append(run)
                logger.info("N=%d %s: %.2f s wall, %.2f s CPU, %.0f MB", n, side, run.wall, run.cpu, run.tree_peak_mb)
        entry: dict[str, Any] = {side: {"runs": [asdict(r) for r in rs],
                                        "wall": _best(rs, "wall"), "cpu": _best(rs, "cpu"),
                                        "tree_peak_mb": max(r.tree_peak_mb for r in rs),
                                        "python_peak_mb": max(r.python_peak_mb for r in rs),
                                        "children_peak_mb": max(r.children_peak_mb for r in rs)}
                                 for side, rs in runs.items()}
        for key in ("pelican_wall", "pelican_cpu", "post_build_wall", "post_build_cpu"):
            entry["ours"][key] = min(r.extra["split"][key] for r in runs["ours"])
        # without the search index: each run's process minus its post-build steps
        entry["ours"]["site_wall"] = min(r.wall - r.extra["split"]["post_build_wall"] for r in runs["ours"])
        entry["ours"]["site_cpu"] = min(r.cpu - r.extra["split"]["post_build_cpu"] for r in runs["ours"])
        entry["ratio_wall"] = entry["ours"]["wall"] / entry["bare"]["wall"]
        entry["ratio_cpu"] = entry["ours"]["cpu"] / entry["bare"]["cpu"]
        entry["ratio_site_wall"] = entry["ours"]["site_wall"] / entry["bare"]["wall"]
        if n == min(sizes):
            entry["likeness"] = page_likeness(ours, bare)
        if n == rebuild_n:
            phases = run_child("phases", ours)
            entry["phases"] = phases.extra["phases"]
            entry["profile"] = run_child("profile", ours).extra["profile"]
            entry["rebuild"] = run_child("rebuild", ours).extra
        results["sizes"][str(n)] = entry
        shutil.rmtree(bare, ignore_errors=True)
        shutil.rmtree(ours, ignore_errors=True)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["verdict"] = verdict(results)
    return results


def verdict(results: dict[str, Any]) -> dict[str, Any]:
    """Each target: the measured figure and whether it is met (always on ``make build`` as a whole)."""
    sizes = results["sizes"]
    out: dict[str, Any] = {}
    worst = max(sizes.items(), key=lambda kv: kv[1]["ratio_wall"])
    worst_site = max(sizes.items(), key=lambda kv: kv[1]["ratio_site_wall"])
    out["ratio_to_bare"] = {"worst_n": int(worst[0]), "value": worst[1]["ratio_wall"],
                            "site_worst_n": int(worst_site[0]), "site_value": worst_site[1]["ratio_site_wall"],
                            "met": all(e["ratio_wall"] <= TARGETS.ratio_to_bare for e in sizes.values())}
    if "2000" in sizes and "4000" in sizes:
        a, b = sizes["2000"], sizes["4000"]
        out["scaling"] = {"value": b["ours"]["wall"] / a["ours"]["wall"],
                          "cpu_value": b["ours"]["cpu"] / a["ours"]["cpu"],
                          "site_value": b["ours"]["site_wall"] / a["ours"]["site_wall"],
                          "bare_value": b["bare"]["wall"] / a["bare"]["wall"]}
        out["scaling"]["met"] = out["scaling"]["value"] <= TARGETS.scaling
    rebuild_n, rebuild_entry = next(((int(n), e) for n, e in sizes.items() if "rebuild" in e), (0, None))
    if rebuild_entry:
        r = rebuild_entry["rebuild"]
        edit = statistics.median(r["rebuild_after_edit"])  # three edits, each measured once
        out["rebuild_share"] = {"n": rebuild_n, "rebuild_s": edit, "warm_full_s": r["warm_full_build"],
                                "make_build_s": rebuild_entry["ours"]["wall"],
                                "value": edit / r["warm_full_build"],
                                "value_vs_make_build": edit / rebuild_entry["ours"]["wall"]}
        out["rebuild_share"]["met"] = out["rebuild_share"]["value"] <= TARGETS.rebuild_share
    n_max = max(int(n) for n in sizes)
    top = sizes[str(n_max)]["ours"]
    out["peak_mb"] = {"n": n_max, "python_peak_mb": top["python_peak_mb"],
                      "indexer_peak_mb": top["children_peak_mb"], "tree_peak_mb": top["tree_peak_mb"],
                      "met": top["tree_peak_mb"] <= TARGETS.peak_mb}
    return out


# --- report --------------------------------------------------------------------------------------

def _ok(met: bool) -> str:
    return "met" if met else "**missed**"


def summary_table(results: dict[str, Any]) -> str:
    """The short table for the README and the top of build.md."""
    lines = ["| N pages | `make build` | of which search index | bare Pelican | ratio | ratio without search index "
             "| peak memory: build / search indexer |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for n, e in results["sizes"].items():
        o = e["ours"]
        lines.append(f"| {int(n):,} | {o['wall']:.1f} s | {o['post_build_wall']:.1f} s | {e['bare']['wall']:.1f} s | "
                     f"{e['ratio_wall']:.2f}× | {e['ratio_site_wall']:.2f}× | "
                     f"{o['python_peak_mb']:.0f} / {o['children_peak_mb']:.0f} MB |")
    v = results["verdict"]
    if "rebuild_share" in v:
        r = v["rebuild_share"]
        lines += ["", f"Rebuild after editing one guidance file at N = {r['n']:,} (`make serve`): {r['rebuild_s']:.2f} s, "
                  f"{100 * r['value']:.0f}% of a full build in the same process ({r['warm_full_s']:.1f} s)."]
    return "\n".join(lines)


#: What profiling found and what was changed; the figures after it are computed from this run.
CHANGES = """\
- **Cyclic garbage collector paused during the build** (`scripts/build.py`, `_cyclic_gc_paused`).
  Reading thousands of YAML files allocates millions of small containers; each allocation counts
  toward the collector's thresholds and its full collections walk the whole, growing heap. Loading
  4,000 guidance files took about 5.0–5.4 s of CPU with the collector and 2.9–3.0 s without it
  (same peak memory), and the build grew faster than the page count. Reference counting frees
  nearly everything; the few cycles are collected once after Pelican.
- **Incremental rebuild for `make serve`** (`build_site(output, incremental=True)`,
  `esurety/incremental.py`): the preview server's later builds render in place, reuse the
  data files whose bytes did not change (`dataset.load_dataset(root, cache=…)`), and skip guidance
  pages whose inputs (own file, settings, templates, vocabulary, guarantors, adopter table, usage
  tables, list of pages, build date) did not change and whose file on disk is still the one written.
  The search index is not rebuilt on these builds. `make build` never skips anything.
- **Search index in shards, by one warm indexer** (`esurety/search.py`,
  `esurety/pagefind_service.py`). Pagefind holds a whole index in memory until it writes
  it: about 330 MB for the Japanese dictionary plus 0.28 MB per page, 1.5 GB for one index of
  4,000 guidance pages. The pages are now indexed in shards of at most 300, each written as its own
  bundle (`/pagefind/`, `/pagefind-2/`, …, listed in `/pagefind/bundles.json`) and deleted from
  the indexer before the next; the search page merges the bundles in the browser (Pagefind's
  `mergeIndex`; filters and counts cover every shard). All shards go through one
  `pagefind --service` process, so the dictionary is loaded once (one `python -m pagefind` per
  shard would load it per shard), and that process is started before Pelican, so the dictionary
  loads on the second core while Pelican renders. The service is spoken to directly: Pagefind's
  Python wrapper (`pagefind.index`) polls its answers every 0.1 s, one per poll (0.1 s per request).
  The peaks above are of two processes: the Pelican process keeps its memory (about 410 MB at
  N = 4,000) while the indexer works, so together they hold about 880 MB at that moment (before the
  shards: about 1.9 GB).
  Not done: feeding pages to the indexer while Pelican writes them (most of Pelican's time is
  loading the data, before any page is written, and the indexer's memory would sit beside
  Pelican's for longer), and indexing less text (the FAQ, contacts and sources on guidance pages
  are what people search for; with them left out, 1,000 pages took 4.3 s of indexer CPU, against
  4.1–5.7 s with them: no clear gain on this shared machine).
- **Era dates cached** (`views.date_ja`, `views.month_ja`): the same few thousand dates were formatted
  hundreds of thousands of times per build (every page and every answer of the eligibility table).
- Pelican itself is not the bottleneck on either side: no template loops over all pages, and the
  bare baseline shows Pelican's own per-page cost (Markdown) is higher than ours (YAML + validation).
"""


def findings(results: dict[str, Any]) -> list[str]:
    """Where the time and memory go in this run, in a few sentences, then what was changed."""
    sizes = results["sizes"]
    n_max = str(max(int(n) for n in sizes))
    top = sizes[n_max]
    o = top["ours"]
    lines = [f"- At N = {int(n_max):,} the search index (Pagefind with Japanese segmentation, run on the finished "
             f"HTML) takes {o['post_build_wall']:.1f} s of the {o['wall']:.1f} s of `make build` "
             f"({100 * o['post_build_wall'] / o['wall']:.0f}%, {o['post_build_cpu']:.1f} s CPU on both cores) and "
             f"peaks at {o['children_peak_mb']:.0f} MB, against {o['python_peak_mb']:.0f} MB for Pelican with the plugin. "
             f"Without it our build is {min(e['ratio_site_wall'] for e in sizes.values()):.2f}–"
             f"{max(e['ratio_site_wall'] for e in sizes.values()):.2f}× bare Pelican."]
    phases_n, phases = next(((int(n), e["phases"]) for n, e in sizes.items() if "phases" in e), (0, None))
    if phases:
        extras = sorted(((k, v) for k, v in phases.items() if k.startswith("extra: ")), key=lambda kv: -kv[1])
        lines.append(f"- Inside Pelican (N = {phases_n:,}): loading and validating the data "
                     f"{phases.get('load and validate data', 0):.2f} s; Pelican's writer for every HTML page "
                     f"{phases.get('Pelican writer (all HTML pages)', 0):.2f} s; the extra outputs "
                     + ", ".join(f"{k[7:]} {v:.2f} s" for k, v in extras) + ".")
    return lines + ["", CHANGES.rstrip()]


def markdown_report(results: dict[str, Any]) -> str:
    m, v, t = results["machine"], results["verdict"], TARGETS
    out = ["# Build benchmark", "",
           f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; "
           f"Python {m['python']}, Pelican {m['pelican']}, pydantic {m['pydantic']}, PyYAML {m['pyyaml']}, "
           f"Jinja2 {m['jinja2']}, Markdown {m['markdown']}; commit {m['commit']}. "
           f"Load average at start {m['load_average_at_start'][0]:.1f}, at end {m['load_average_at_end'][0]:.1f} "
           "(the machine is shared with other work; CPU seconds below are less sensitive to that than wall time). "
           f"Each figure is the fastest of {results['repeats']} runs (other work only adds time; every run is "
           "listed below and in build.json). Command: `make bench` "
           "(or `python -m bench.bench_build`).", "",
           summary_table(results), "", "## Targets", "",
           "| target | measured | |", "|---|---|---|"]
    r = v["ratio_to_bare"]
    out.append(f"| `make build` ≤ {t.ratio_to_bare}× bare Pelican at every N | worst {r['value']:.2f}× (N = {r['worst_n']:,}); "
               f"without the search index worst {r['site_value']:.2f}× (N = {r['site_worst_n']:,}) | {_ok(r['met'])} |")
    if "scaling" in v:
        s = v["scaling"]
        out.append(f"| time(4,000) / time(2,000) ≤ {t.scaling} | {s['value']:.2f} (CPU {s['cpu_value']:.2f}; without the "
                   f"search index {s['site_value']:.2f}; bare Pelican {s['bare_value']:.2f}) | {_ok(s['met'])} |")
    if "rebuild_share" in v:
        s = v["rebuild_share"]
        out.append(f"| rebuild after one edit ≤ {100 * t.rebuild_share:.0f}% of the full build, N = {s['n']:,} | "
                   f"{100 * s['value']:.0f}% ({s['rebuild_s']:.2f} s / {s['warm_full_s']:.1f} s in one process; "
                   f"{100 * s['value_vs_make_build']:.0f}% of `make build`) | {_ok(s['met'])} |")
    p = v["peak_mb"]
    out.append(f"| peak memory ≤ {t.peak_mb:.0f} MB at N = {p['n']:,} | build process (Pelican + plugin) {p['python_peak_mb']:.0f} MB; "
               f"search indexer (Pagefind, one process, in shards after Pelican) {p['indexer_peak_mb']:.0f} MB | {_ok(p['met'])} |")
    out += ["", "## Findings", ""] + findings(results)
    out += ["", "## All figures", "",
            "| N | side | wall s | CPU s | Pelican part: wall / CPU s | search index: wall / CPU s "
            "| peak MB: Python / children | wall s, each run (load average before it) |",
            "|---:|---|---:|---:|---:|---:|---:|---|"]
    for n, e in results["sizes"].items():
        for side in ("ours", "bare"):
            s = e[side]
            each = ", ".join(f"{r['wall']:.2f} ({r['extra']['load_average']:.1f})" for r in s["runs"])
            split = (f"{s['pelican_wall']:.2f} / {s['pelican_cpu']:.2f} | {s['post_build_wall']:.2f} / {s['post_build_cpu']:.2f}"
                     if side == "ours" else "— | —")
            out.append(f"| {int(n):,} | {side} | {s['wall']:.2f} | {s['cpu']:.2f} | {split} | "
                       f"{s['python_peak_mb']:.0f} / {s['children_peak_mb']:.0f} | {each} |")
    for n, e in results["sizes"].items():
        if "likeness" in e:
            lk = e["likeness"]
            out += ["", f"Pages alike (N = {int(n):,}, {lk['pages_sampled']} pages): the visible text of `<main>` is "
                    f"{lk['ours_main_text_chars']:.0f} characters on a guidance page and "
                    f"{lk['bare_main_text_chars']:.0f} on the bare Markdown page, on average."]
        if "phases" in e:
            out += ["", f"## Where the time goes (N = {int(n):,}, one instrumented run, wall seconds)", "",
                    "| phase | seconds |", "|---|---:|"]
            out += [f"| {k} | {val:.2f} |" for k, val in sorted(e["phases"].items(), key=lambda kv: -kv[1])]
        if "rebuild" in e:
            r = e["rebuild"]
            out += ["", f"## Rebuild (N = {int(n):,})", "",
                    "`scripts.build.build_site(output, incremental=True)` in one process, the call for the preview "
                    "server's rebuilds (`make serve`), and for comparison the full build in the same process:", "",
                    f"- first build (full, staging swap, search index): {r['first_build']:.2f} s",
                    f"- rebuild with nothing changed: {r['rebuild_unchanged']:.2f} s",
                    "- rebuild after editing one guidance file: " + ", ".join(f"{x:.2f} s" for x in r["rebuild_after_edit"]),
                    f"- full build in the same process (`build_site(output)`): {r['warm_full_build']:.2f} s"]
        if "profile" in e:
            out += ["", f"## Profile of one build without the search index (N = {int(n):,}, cProfile, by own time)", "", "```",
                    e["profile"], "```"]
    how = (__doc__ or "").split("What is compared", 1)[-1].strip().lstrip("-").strip()
    out += ["", "## How it is measured", "", how, ""]
    return "\n".join(out)


def write_results(results: dict[str, Any], folder: Path = RESULTS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "build.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (folder / "build.md").write_text(markdown_report(results), encoding="utf-8")
    logger.info("results written to %s", folder)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every target is met, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=lambda s: tuple(int(x) for x in s.split(",")), default=SIZES)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rebuild-n", type=int, default=REBUILD_N, help="N of the rebuild measurement (one of --sizes)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the synthetic projects (default: temporary)")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("root", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv if argv is not None else [])
    if args.child:
        logging.basicConfig(level=logging.WARNING)
        return CHILDREN[args.child](args.root)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    work = args.work or Path(tempfile.mkdtemp(prefix="esurety-bench-"))
    try:
        results = benchmark(args.sizes, args.repeats, work, rebuild_n=args.rebuild_n)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    write_results(results)
    print(markdown_report(results).split("## All figures")[0])
    return 0 if all(t["met"] for t in results["verdict"].values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
