"""Build benchmark: our `make build` against bare Pelican and against Hugo + Pagefind, side by side, at
N = 300 … 4,000 guidance pages; the incremental rebuild after one edit; peak memory of all processes.
Writes ``bench/results/build.json`` and ``bench/results/build.md``.

What is compared
----------------
* **Ours** — ``python -m scripts.build --full`` (``make build`` from an empty output folder: in a
  forked child, validate every data file and render every page family with the plugin and the
  project's theme on both cores; then build the search index, swap the folder in) on a synthetic project of N
  guidance files written by :mod:`bench.synthetic`, with ``data/adopters.yaml`` of N matching rows.
* **Ours without the index** — the same build of the same project with the setting
  ``ESURETY_SEARCH_INDEX = False``, as a run of its own: what our build costs beside bare Pelican
  when neither indexes. (Our build's time less the time of its index step is smaller than
  ``make build`` but not this: the indexer's dictionary loads on the other core while we render.)
* **Bare Pelican** — ``python -m pelican`` (the plain CLI, no plugin) on N Markdown pages carrying
  the same synthetic guidance as text (:func:`bench.synthetic.markdown_page`), with the project's own
  ``pelicanconf.py`` and theme (``PLUGINS = []``, ``PAGE_PATHS = ["pages"]``). No search index.
* **Hugo + Pagefind** — the peer a user would pick for a searchable static site: Debian's ``hugo``
  (installed by this benchmark's set-up with apt when missing) building the same N Markdown pages
  with a minimal layout (one ``<main data-pagefind-body>`` template, no taxonomies, feeds or
  sitemap), then the same pinned Pagefind (``python -m pagefind --site public``, extended build,
  Japanese segmentation) over its output, as one index the way Pagefind is normally run.

Every build runs in a fresh child process from an empty output folder. The previous run's output is
moved aside, not deleted, and everything set aside is deleted once the whole benchmark is over: on
ext4 without a journal (this machine's root file system) an inode freed in the last half minute is not
reused, and each new file or folder first steps over every one of them, so a build started right after
deleting a large tree pays for that deletion, and the side that writes more files pays more
(bench/results/build-notes.md has the figures). The project's modules are compiled to bytecode before
the first run, as pip compiled those of Pelican and every library when it installed them. Wall time is measured here;
CPU time comes from ``os.wait4`` (the child and everything it waited for); memory is the sum of the
proportional set size (PSS, so pages shared after a fork count once) of the child's whole process
tree, sampled by ``bench.common.TreeMemory`` (the interval is in the targets table). Sides alternate (the order rotates every round) and each figure is the
median of ``--repeats`` runs; every run is kept with the load average before it.

The **rebuild** is ``make build`` on an existing output/ in a fresh process, after editing one
guidance file (a note's text), against the full ``make build`` of the same N; after the last edit
the incremental result is compared file by file with a full build of the same sources.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
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

from bench import common, synthetic

logger = logging.getLogger(__name__)

REPO = synthetic.REPO
RESULTS = REPO / "bench/results"
SIZES: tuple[int, ...] = (300, 500, 1000, 2000, 4000)
REBUILD_N = 2000
#: The folder of a benchmark's work folder where earlier outputs wait to be deleted (:func:`set_aside`).
TRASH = ".trash"
#: The targets are medians of at least this many runs per side.
MIN_REPEATS = 3
SIDES: tuple[str, ...] = ("ours", "unindexed", "bare", "hugo")
#: The build date every run uses, so pages (運用中 / 開始予定) are the same from run to run.
BUILD_DATE = "2026-11-20"


@dataclass(frozen=True)
class Targets:
    """The targets of issue 17."""

    ratio_to_bare: float = 1.0        # make build / bare Pelican (which builds no index), at every N
    ratio_to_hugo: float = 1.0        # make build / (Hugo + Pagefind), at every N
    scaling: float = 2.05             # time(4,000) / time(2,000)
    rebuild_share: float = 0.05       # make build after one edit / full make build, at N = 2,000
    peak_mb: float = 600.0            # all processes together, at N = 4,000


TARGETS = Targets()
#: The targets proposed in place of the two ratios (build.md, "Like with like"): ``make build`` against bare
#: Pelican followed by the same Pagefind, and our build without its index against bare Pelican, at every N.
PROPOSED_RATIO = 1.0


@dataclass
class Run:
    """One child process: its wall and CPU seconds and peak memory."""

    wall: float
    cpu: float
    tree_pss_mb: float     # peak of the summed PSS of the whole process tree (sampled)
    largest_rss_mb: float  # the largest single process of the tree (wait4)
    extra: dict[str, Any] = field(default_factory=dict)


# --- set-up: the peer's tools ------------------------------------------------------------------

def ensure_hugo() -> str:
    """Debian's hugo, installed with apt when missing (as root, or through sudo); returns its version line."""
    if shutil.which("hugo") is None:
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        logger.info("installing Debian's hugo for the peer benchmark")
        if subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "hugo"], env=env).returncode:
            subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, check=True)
            subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "hugo"], env=env, check=True)
    return subprocess.run(["hugo", "version"], capture_output=True, text=True, check=True).stdout.strip()


#: The project's own packages, compiled to bytecode before any run (:func:`compile_project`).
PROJECT_PACKAGES: tuple[str, ...] = ("esurety", "lambda_verify", "scripts", "bench")


def compile_project() -> None:
    """Write the bytecode of the project's modules, as a user's first build does.

    pip compiled bare Pelican's and every library's modules when it installed them; the project's own are
    compiled on first import, unless the environment says not to write bytecode (PYTHONDONTWRITEBYTECODE),
    and then every run of ours would compile them again while bare Pelican's never does.
    """
    import compileall

    for name in PROJECT_PACKAGES:
        if not compileall.compile_dir(REPO / name, quiet=1):
            raise RuntimeError(f"{name} does not compile")


HUGO_CONFIG = """\
baseURL = "/"
languageCode = "ja"
defaultContentLanguage = "ja"
hasCJKLanguage = true
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[permalinks]
  pages = "/:slug/"
[markup.goldmark.renderer]
  unsafe = false
"""
HUGO_SINGLE = """\
<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }}</title><meta name="description" content="{{ .Summary | plainify }}"></head>
<body><header><a href="/">電子保証ガイド</a></header>
<main data-pagefind-body>{{ .Content }}</main>
<footer>電子保証ガイド</footer></body></html>
"""
HUGO_INDEX = """\
<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{{ .Site.Title }}</title></head>
<body><main><h1>電子保証ガイド</h1></main></body></html>
"""


def make_hugo_project(bare: Path, root: Path) -> None:
    """The bare baseline's Markdown pages as a Hugo site: the same text, YAML front matter, a minimal layout."""
    (root / "content/pages").mkdir(parents=True, exist_ok=True)
    (root / "layouts/_default").mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (root / "layouts/_default/single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (root / "layouts/_default/list.html").write_text(HUGO_INDEX, encoding="utf-8")
    (root / "layouts/index.html").write_text(HUGO_INDEX, encoding="utf-8")
    for page in sorted((bare / "content/pages").glob("*.md")):
        head, _, text = page.read_text(encoding="utf-8").partition("\n\n")
        meta = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        front = "\n".join(f"{k.lower()}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items())
        (root / "content/pages" / page.name).write_text(f"---\n{front}\n---\n\n{text}", encoding="utf-8")


# --- child processes ---------------------------------------------------------------------------

def _self_report(extra: dict[str, Any] | None = None) -> None:
    """Last line of a child's stdout: what it measured inside."""
    print("BENCH " + json.dumps(extra or {}), flush=True)


def _make_build(root: Path, *, full: bool = True, settings: dict[str, Any] | None = None) -> int:
    """``make build`` of the project at ``root`` (scripts.build.main, the build date fixed)."""
    from scripts import build

    return build.main(["--output", str(root / "output"), "--settings", str(root / "pelicanconf.py"),
                       "--build-date", BUILD_DATE, *(["--full"] if full else [])], settings=settings)


def _child_ours(root: Path, *, full: bool = True) -> int:
    """``make build`` (scripts.build.main), timing the search index (built after the render) apart; it ends
    the way ``python -m scripts.build`` does, without tearing the interpreter down."""
    from esurety.site import search_index
    from scripts import build

    split: dict[str, float] = {"search_wall": 0.0}
    original = search_index.build_index

    def measured(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            split["search_wall"] += time.perf_counter() - started

    search_index.build_index = measured  # type: ignore[assignment]
    started = time.perf_counter()
    code = _make_build(root, full=full)
    split["build_site_wall"] = time.perf_counter() - started
    _self_report({"split": split})
    build._exit_now(code)
    return code  # not reached


def _child_unindexed(root: Path) -> int:
    """``make build --full`` with the search index turned off (the setting, not a flag users have)."""
    from esurety.site import search_index
    from scripts import build

    code = _make_build(root, settings={search_index.SETTING: False})
    if (root / "output/pagefind").exists():
        raise AssertionError("the build without the index wrote a search index")
    _self_report()
    build._exit_now(code)
    return code  # not reached


def _child_incremental(root: Path) -> int:
    return _child_ours(root, full=False)


def _child_bare(root: Path) -> int:
    import pelican

    try:
        pelican.main([str(root / "content"), "-s", str(root / "bareconf.py"), "-o", str(root / "output"), "-q"])
    except SystemExit as exc:  # pelican.main exits on errors
        if exc.code:
            return int(exc.code)
    _self_report()
    return 0


def _child_hugo(root: Path) -> int:
    """Hugo, then Pagefind over its output, each timed."""
    started = time.perf_counter()
    subprocess.run(["hugo", "--quiet", "--source", str(root), "--destination", str(root / "output")], check=True)
    hugo = time.perf_counter() - started
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(root / "output"), "--silent"], check=True)
    _self_report({"split": {"hugo_wall": hugo, "pagefind_wall": time.perf_counter() - started - hugo}})
    return 0


CHILDREN: dict[str, Callable[[Path], int]] = {
    "ours": _child_ours, "incremental": _child_incremental, "unindexed": _child_unindexed, "bare": _child_bare,
    "hugo": _child_hugo,
}


def set_aside(path: Path, work: Path) -> None:
    """Move ``path`` into the trash folder of the work folder (deleted by :func:`empty_trash` at the end)."""
    if path.exists():
        trash = work / TRASH
        trash.mkdir(exist_ok=True)
        path.rename(tempfile.mkdtemp(prefix=f"{path.parent.name}-{path.name}-", dir=trash))


def empty_trash(work: Path) -> None:
    shutil.rmtree(work / TRASH, ignore_errors=True)


def run_child(kind: str, root: Path, *, clean: bool = True) -> Run:
    """Run one child (``python -m bench.bench_build --child kind root``) and measure it."""
    if clean:
        set_aside(root / "output", root.parent)
        set_aside(root / "var", root.parent)
    env = {**os.environ, "BUILD_DATE": BUILD_DATE, "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, "-m", "bench.bench_build", "--child", kind, str(root)]
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=err, text=True)
        with common.TreeMemory(proc.pid) as memory:
            _pid, status, usage = os.wait4(proc.pid, 0)  # wait4, not wait: it gives this child's rusage
            wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    report = next((json.loads(line[6:]) for line in reversed(stdout.splitlines()) if line.startswith("BENCH ")), None)
    if report is None or proc.returncode:
        raise RuntimeError(f"{kind} build of {root} failed ({proc.returncode}):\n{stdout[-3000:]}\n{stderr[-3000:]}")
    report["load_average"] = load
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, tree_pss_mb=memory.peak_mb,
               largest_rss_mb=usage.ru_maxrss / 1024, extra=report)


# --- the benchmark ------------------------------------------------------------------------------

def _main_text_length(page: Path) -> int:
    html = page.read_text(encoding="utf-8")
    match = re.search(r"<main[^>]*>(.*)</main>", html, re.S)
    body = match.group(1) if match else html
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    return len(re.sub(r"\s+", "", unescape(re.sub(r"<[^>]+>", "", body))))


def page_likeness(ours: Path, bare: Path, hugo: Path, sample: int = 200) -> dict[str, float]:
    """Mean visible text length of ``<main>`` on guidance pages, bare Markdown pages and Hugo's pages."""
    mine = sorted((ours / "output/municipalities").glob("*/index.html"))[:sample]
    return {"ours_main_text_chars": statistics.mean(map(_main_text_length, mine)),
            "bare_main_text_chars": statistics.mean(_main_text_length(bare / "output" / p.parent.name / "index.html")
                                                    for p in mine),
            "hugo_main_text_chars": statistics.mean(_main_text_length(hugo / "output" / p.parent.name / "index.html")
                                                    for p in mine),
            "pages_sampled": len(mine)}


def transfer_sizes(site: Path, count: int = 3) -> list[dict[str, Any]]:
    """The ``count`` heaviest HTML pages: bytes as stored, gzip (level 6 and 9) and brotli (quality 5 and 11)."""
    pages = sorted(site.rglob("*.html"), key=lambda p: -p.stat().st_size)[:count]
    out = []
    for page in pages:
        raw = page.read_bytes()
        sizes = {"raw": len(raw), "gzip6": len(gzip.compress(raw, 6, mtime=0)), "gzip9": len(gzip.compress(raw, 9, mtime=0))}
        for quality in (5, 11):
            try:
                found = subprocess.run(
                    ["node", "-e", "const z=require('zlib');const d=require('fs').readFileSync(0);"
                     f"process.stdout.write(String(z.brotliCompressSync(d,{{params:{{[z.constants.BROTLI_PARAM_QUALITY]:{quality}}}}}).length))"],
                    input=raw, capture_output=True, check=True).stdout
                sizes[f"brotli{quality}"] = int(found)
            except (OSError, subprocess.CalledProcessError, ValueError):
                sizes[f"brotli{quality}"] = None
        out.append({"page": page.relative_to(site).as_posix(), **sizes})
    return out


def rule_cost(root: Path, sample: int = 60) -> dict[str, Any]:
    """CPU per orderer of the eligibility rule's outputs, in this process, on ``sample`` synthetic orderers:
    the decision table (``esurety.rules.export.decision_table``), rules.json and the page's rule table."""
    from esurety.data.dataset import load_dataset
    from esurety.rules.context import context_for
    from esurety.rules.export import decision_table
    from esurety.site.eligibility import rule_table, rules_json

    data = load_dataset(root)
    cpu: dict[str, list[float]] = {"decision_table": [], "rules_json": [], "rule_table": []}
    for g in data.guidance[:sample]:
        started = time.process_time()
        table = decision_table(g, context_for(data, g))
        cpu["decision_table"].append(time.process_time() - started)
        started = time.process_time()
        rules_json(data, g, table)
        cpu["rules_json"].append(time.process_time() - started)
        started = time.process_time()
        rule_table(data, g, table)
        cpu["rule_table"].append(time.process_time() - started)
    return {"orderers": len(cpu["decision_table"]),
            **{f"{k}_ms": 1000 * statistics.median(v) for k, v in cpu.items()}}


def same_site(a: Path, b: Path) -> dict[str, Any]:
    """File-by-file comparison (tests/site_build/): Pagefind's filter and meta files differ by run, by count."""
    unstable = re.compile(r"pagefind[^/]*/(filter/[^/]+\.pf_filter|pagefind\.[^/]+\.pf_meta|pagefind-entry\.json)")

    def files(root: Path) -> tuple[dict[str, Path], dict[str, int]]:
        stable, counts = {}, {}
        for p in root.rglob("*"):
            if p.is_file():
                rel = p.relative_to(root).as_posix()
                if unstable.fullmatch(rel):
                    key = re.sub(r"_[0-9a-f]+\.", "_*.", rel)
                    counts[key] = counts.get(key, 0) + 1
                else:
                    stable[rel] = p
        return stable, counts

    (sa, ca), (sb, cb) = files(a), files(b)
    different = sorted(set(sa) ^ set(sb)) + [r for r in sorted(set(sa) & set(sb)) if sa[r].read_bytes() != sb[r].read_bytes()]
    return {"files": len(sa), "different": different[:20], "same": not different and ca == cb}


def _edit(path: Path, n: int) -> str:
    """A realistic edit: change the text of the first note of a guidance file; returns the new text."""
    marker = f"（編集 {n}）"
    text = path.read_text(encoding="utf-8")
    new = re.sub(r"(\n[ \t-]*text: [^\n]*?)(。)", lambda m: m.group(1) + marker + m.group(2), text, count=1)
    assert new != text, path
    path.write_text(new, encoding="utf-8")
    return marker


def rebuild(ours: Path, full_wall: float | None = None, edits: int = 3) -> dict[str, Any]:
    """make build after one edit, in a fresh process each time, on the output of a full build.

    ``full_wall``: the full build's wall time measured elsewhere (the median of the size's runs);
    None takes that of the full build made here first.
    """
    first = run_child("ours", ours)
    full_wall = first.wall if full_wall is None else full_wall
    files = sorted((ours / "content/municipalities").glob("*.yaml"))
    times, cpus = [], []
    unchanged = run_child("incremental", ours, clean=False)
    for i, path in enumerate(files[len(files) // 3::max(1, len(files) // 4)][:edits]):
        marker = _edit(path, i)
        r = run_child("incremental", ours, clean=False)
        times.append(r.wall)
        cpus.append(r.cpu)
        page = ours / "output" / "municipalities" / path.stem / "index.html"
        if marker not in page.read_text(encoding="utf-8"):
            raise AssertionError(f"the rebuild did not update {page}")
    incremental = ours / "output"
    full = ours.with_name(ours.name + "-full")
    set_aside(full, ours.parent)
    shutil.copytree(ours, full, ignore=shutil.ignore_patterns("output", "var", ".build-tmp*"))
    run_child("ours", full)
    compared = same_site(incremental, full / "output")
    set_aside(full, ours.parent)
    return {"unchanged_s": unchanged.wall, "after_edit_s": times, "after_edit_cpu_s": cpus,
            "median_s": statistics.median(times), "full_s": full_wall,
            "share": statistics.median(times) / full_wall, "same_as_full_build": compared}


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import jinja2
    import markdown
    import pelican
    import pydantic
    import yaml

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout.strip())
    try:
        pagefind = subprocess.run([sys.executable, "-m", "pagefind", "--version"], capture_output=True,
                                  text=True).stdout.strip()
    except OSError:
        pagefind = "?"
    return {
        **common.machine(), "pelican": pelican.__version__,
        "pydantic": pydantic.VERSION, "pyyaml": f"{yaml.__version__} (libyaml: {yaml.__with_libyaml__})",
        "jinja2": jinja2.__version__, "markdown": markdown.__version__, "hugo": ensure_hugo(), "pagefind": pagefind,
        "commit": commit + (" + uncommitted changes" if dirty else ""),
    }


def _median(runs: list[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def size_entry(runs: dict[str, list[Run]]) -> dict[str, Any]:
    """One N's figures from its runs: medians of wall and CPU time, the peak of memory over all runs."""
    entry: dict[str, Any] = {side: {"runs": [asdict(r) for r in rs], "wall": _median(rs, "wall"),
                                    "cpu": _median(rs, "cpu"), "tree_pss_mb": max(r.tree_pss_mb for r in rs),
                                    "largest_rss_mb": max(r.largest_rss_mb for r in rs)}
                             for side, rs in runs.items()}
    entry["ours"]["search_wall"] = statistics.median(r.extra["split"]["search_wall"] for r in runs["ours"])
    entry["hugo"]["hugo_wall"] = statistics.median(r.extra["split"]["hugo_wall"] for r in runs["hugo"])
    entry["hugo"]["pagefind_wall"] = statistics.median(r.extra["split"]["pagefind_wall"] for r in runs["hugo"])
    entry["ratio_to_bare"] = entry["ours"]["wall"] / entry["bare"]["wall"]
    entry["ratio_to_hugo"] = entry["ours"]["wall"] / entry["hugo"]["wall"]
    entry["ratio_cpu_to_bare"] = entry["ours"]["cpu"] / entry["bare"]["cpu"]
    entry["bare_and_pagefind_wall"] = entry["bare"]["wall"] + entry["hugo"]["pagefind_wall"]
    entry["ratio_to_bare_and_pagefind"] = entry["ours"]["wall"] / entry["bare_and_pagefind_wall"]
    if "unindexed" in entry:
        entry["ratio_unindexed_to_bare"] = entry["unindexed"]["wall"] / entry["bare"]["wall"]
    return entry


def benchmark(sizes: tuple[int, ...], repeats: int, work: Path, rebuild_n: int = REBUILD_N) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "targets": asdict(TARGETS), "sizes": {}, "repeats": repeats}
    compile_project()
    for n in sizes:
        roots = {"ours": work / f"ours-{n}", "bare": work / f"bare-{n}", "hugo": work / f"hugo-{n}"}
        roots["unindexed"] = roots["ours"]  # the same project; every run starts from an empty output folder
        synthetic.make_project(roots["ours"], n)
        synthetic.make_bare_project(roots["bare"], n)
        make_hugo_project(roots["bare"], roots["hugo"])
        runs: dict[str, list[Run]] = {side: [] for side in SIDES}
        for i in range(repeats):
            order = SIDES[i % len(SIDES):] + SIDES[:i % len(SIDES)]
            for side in order:
                run = run_child(side, roots[side])
                runs[side].append(run)
                logger.info("N=%d %s: %.2f s wall, %.2f s CPU, %.0f MB (PSS of the tree)", n, side, run.wall, run.cpu,
                            run.tree_pss_mb)
        entry = size_entry(runs)
        if n == min(sizes):
            entry["likeness"] = page_likeness(roots["ours"], roots["bare"], roots["hugo"])
            results["rule_cost"] = rule_cost(roots["ours"])
        if n == max(sizes):
            entry["transfer"] = transfer_sizes(roots["ours"] / "output")
        if n == rebuild_n:
            entry["rebuild"] = rebuild(roots["ours"], entry["ours"]["wall"])
        results["sizes"][str(n)] = entry
        (work / "partial.json").write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
        for root in set(roots.values()):
            set_aside(root, work)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["verdict"] = verdict(results)
    return results


def verdict(results: dict[str, Any]) -> dict[str, Any]:
    """Each target: the measured figure and whether it is met, or "not judged" when the run left out what it
    needs (a size, the rebuild, fewer than ``MIN_REPEATS`` runs). Always on ``make build`` as a whole."""
    sizes = results["sizes"]
    measured = sorted(int(n) for n in sizes)
    missing = [n for n in SIZES if n not in measured]
    repeats = min((len(e["ours"]["runs"]) for e in sizes.values()), default=0)
    few = f"median of {repeats} run(s), at least {MIN_REPEATS} needed" if repeats < MIN_REPEATS else ""
    out: dict[str, Any] = {}
    for key, limit in (("ratio_to_bare", TARGETS.ratio_to_bare), ("ratio_to_hugo", TARGETS.ratio_to_hugo)):
        if not sizes:
            out[key] = common.not_judged("no size measured")
            continue
        worst_n, worst = max(sizes.items(), key=lambda kv: kv[1][key])
        figures = {"worst_n": int(worst_n), "value": worst[key]}
        if any(e[key] > limit for e in sizes.values()):
            out[key] = common.judged(False, **figures)  # a miss at one N is a miss, whatever was left out
        elif missing or few:
            out[key] = common.not_judged(few or "N = " + ", ".join(f"{n:,}" for n in missing) + " not measured",
                                         **figures)
        else:
            out[key] = common.judged(True, **figures)
    if "2000" in sizes and "4000" in sizes:
        a, b = sizes["2000"], sizes["4000"]
        figures = {"value": b["ours"]["wall"] / a["ours"]["wall"], "cpu_value": b["ours"]["cpu"] / a["ours"]["cpu"],
                   "bare_value": b["bare"]["wall"] / a["bare"]["wall"],
                   "hugo_value": b["hugo"]["wall"] / a["hugo"]["wall"]}
        out["scaling"] = (common.not_judged(few, **figures) if few
                          else common.judged(figures["value"] <= TARGETS.scaling, **figures))
    else:
        out["scaling"] = common.not_judged("needs N = 2,000 and N = 4,000")
    found = next(((int(n), e) for n, e in sizes.items() if "rebuild" in e), None)
    if found is None:
        out["rebuild_share"] = common.not_judged(f"no rebuild measured at N = {REBUILD_N:,}")
    else:
        rebuild_n, entry = found
        r = entry["rebuild"]
        figures = {"n": rebuild_n, "rebuild_s": r["median_s"], "full_s": r["full_s"], "value": r["share"],
                   "same_as_full_build": r["same_as_full_build"]["same"]}
        met = r["share"] <= TARGETS.rebuild_share and r["same_as_full_build"]["same"]
        if rebuild_n != REBUILD_N and met:
            out["rebuild_share"] = common.not_judged(f"measured at N = {rebuild_n:,}, the target is at "
                                                     f"N = {REBUILD_N:,}", **figures)
        else:
            out["rebuild_share"] = common.judged(met, **figures)
    peak_n = max(SIZES)
    if str(peak_n) in sizes:
        top = sizes[str(peak_n)]["ours"]
        out["peak_mb"] = common.judged(top["tree_pss_mb"] <= TARGETS.peak_mb, n=peak_n,
                                       tree_pss_mb=top["tree_pss_mb"], largest_rss_mb=top["largest_rss_mb"])
    elif sizes:
        n_max = max(measured)
        top = sizes[str(n_max)]["ours"]
        out["peak_mb"] = common.not_judged(f"N = {peak_n:,} not measured", n=n_max, tree_pss_mb=top["tree_pss_mb"],
                                           largest_rss_mb=top["largest_rss_mb"])
    else:
        out["peak_mb"] = common.not_judged(f"N = {peak_n:,} not measured")
    return out


# --- report --------------------------------------------------------------------------------------

#: What the design does and why, written by hand, is kept apart from the figures of a run.
NOTES_POINTER = ("How the build is organised and where its time goes: `bench/results/build-notes.md` (written "
                 "by hand; each figure there names the run it comes from).")


def summary_table(results: dict[str, Any]) -> str:
    """The short table for the README and the top of build.md (medians, wall seconds)."""
    lines = ["| N pages | `make build` | of which search index | bare Pelican | Hugo + Pagefind (Hugo / Pagefind) "
             "| ratio to bare Pelican | ratio to Hugo + Pagefind | peak memory, all processes |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, e in results["sizes"].items():
        o, h = e["ours"], e["hugo"]
        lines.append(f"| {int(n):,} | {o['wall']:.1f} s | {o['search_wall']:.1f} s | {e['bare']['wall']:.1f} s | "
                     f"{h['wall']:.1f} s ({h['hugo_wall']:.1f} / {h['pagefind_wall']:.1f}) | "
                     f"{e['ratio_to_bare']:.2f}× | {e['ratio_to_hugo']:.2f}× | {o['tree_pss_mb']:.0f} MB |")
    v = results["verdict"]
    if "value" in v["rebuild_share"]:
        r = v["rebuild_share"]
        lines += ["", f"`make build` after editing one guidance file at N = {r['n']:,}: {r['rebuild_s']:.2f} s, "
                  f"{100 * r['value']:.1f}% of the full `make build` ({r['full_s']:.1f} s); result "
                  f"{'identical to' if r['same_as_full_build'] else '**different from**'} a full build, file by file."]
    return "\n".join(lines)


def like_with_like(results: dict[str, Any]) -> list[str]:
    """The comparison proposed in place of the two ratio targets: both peers given the same search index.

    Bare Pelican builds no index, and Pagefind alone over the same pages takes about as long as bare Pelican's
    whole build, so a searchable site meets 1.0x bare Pelican only if its index costs next to no wall time;
    Hugo + Pagefind is mostly Pagefind.
    The like-for-like peer is bare Pelican followed by the same Pagefind over the same pages: its time here is
    the sum of two walls measured in this run (bare Pelican's, and Pagefind's over Hugo's output of those
    pages), not a run of its own. Without an index on either side, our build is measured as a run of its own
    (the side ``unindexed``); ``make build`` less its index step is shown beside it.
    """
    sizes = results["sizes"]
    if not sizes:
        return []
    out = ["", "## Like with like (proposed target)", "",
           "Bare Pelican builds no search index, and Pagefind alone over the same pages takes "
           + ", ".join(f"{e['hugo']['pagefind_wall']:.1f} s" for e in sizes.values())
           + " against bare Pelican's whole build of "
           + ", ".join(f"{e['bare']['wall']:.1f} s" for e in sizes.values())
           + " (N = " + ", ".join(f"{int(n):,}" for n in sizes) + "): a searchable site meets 1.0× bare Pelican only "
           "if its index costs next to no wall time, and Hugo + Pagefind is mostly Pagefind. Proposed instead: `make build` ≤ 1.0× bare Pelican "
           "followed by the same Pagefind over the same pages (the sum of the two walls measured above, not a run "
           "of its own), and our build without its index ≤ 1.0× bare Pelican (a run of its own, with the setting "
           "`ESURETY_SEARCH_INDEX = False`). `make build` less its index step is shown too: it is more than the "
           "build without the index, because the indexer's Japanese dictionary loads on the other core while the "
           "pages are rendered.", "",
           "| N pages | `make build` | bare Pelican + Pagefind | ratio | our build without the index | ratio to bare "
           "Pelican | `make build` less its index step |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for n, e in sizes.items():
        rest = e["ours"]["wall"] - e["ours"]["search_wall"]
        lean = (f"{e['unindexed']['wall']:.1f} s | {e['ratio_unindexed_to_bare']:.2f}×" if "unindexed" in e
                else "— | —")
        out.append(f"| {int(n):,} | {e['ours']['wall']:.1f} s | {e['bare_and_pagefind_wall']:.1f} s | "
                   f"{e['ratio_to_bare_and_pagefind']:.2f}× | {lean} | {rest:.1f} s ({rest / e['bare']['wall']:.2f}×) |")
    out.append("")
    for key, label in (("ratio_to_bare_and_pagefind", "`make build` ≤ {}× bare Pelican + Pagefind"),
                       ("ratio_unindexed_to_bare", "our build without the index ≤ {}× bare Pelican")):
        found = {n: e[key] for n, e in sizes.items() if key in e}
        if not found:
            continue
        worst = max(found, key=lambda n: found[n])
        over = [f"{int(n):,}" for n, r in found.items() if r > PROPOSED_RATIO]
        out.append(f"- {label.format(PROPOSED_RATIO)} at every N: worst {found[worst]:.2f}× (N = {int(worst):,}); "
                   + (f"**missed** at N = {', '.join(over)}" if over else "met at every N measured") + ".")
    return out


def markdown_report(results: dict[str, Any], notes: str = NOTES_POINTER) -> str:
    m, v, t = results["machine"], results["verdict"], TARGETS
    out = ["# Build benchmark", "",
           f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; "
           f"Python {m['python']}, Pelican {m['pelican']}, pydantic {m['pydantic']}, PyYAML {m['pyyaml']}, "
           f"Jinja2 {m['jinja2']}, Markdown {m['markdown']}, {m['hugo']}, Pagefind {m['pagefind']}; "
           f"commit {m['commit']}. Load average at start {m['load_average_at_start'][0]:.1f}, at end "
           f"{m['load_average_at_end'][0]:.1f} (the machine is shared with other work). Each figure is the median "
           f"of {results['repeats']} runs, sides alternating; every run is listed below and in build.json. "
           f"Command: `{results.get('command', 'python -m bench.bench_build')}`."
           + "".join(f" Sizes {', '.join(f'{int(n):,}' for n in r['sizes'])} were measured in a later run, {r['date']} "
                     f"(load average {r['load_average_at_start'][0]:.1f} at its start)." for r in results.get("later_runs", [])),
           "",
           summary_table(results), "", "## Targets", "", "| target | measured | |", "|---|---|---|"]
    for key, label in (("ratio_to_bare", "bare Pelican (no index)"), ("ratio_to_hugo", "Hugo + Pagefind")):
        r = v[key]
        figure = f"worst {r['value']:.2f}× (N = {r['worst_n']:,})" if "value" in r else "—"
        out.append(f"| `make build` ≤ {getattr(t, key)}× {label} at every N | {figure} | {common.status_text(r)} |")
    s = v["scaling"]
    figure = (f"{s['value']:.2f} (CPU {s['cpu_value']:.2f}; bare Pelican {s['bare_value']:.2f}; Hugo + Pagefind "
              f"{s['hugo_value']:.2f})" if "value" in s else "—")
    out.append(f"| time(4,000) / time(2,000) ≤ {t.scaling} | {figure} | {common.status_text(s)} |")
    s = v["rebuild_share"]
    figure = (f"{100 * s['value']:.1f}% ({s['rebuild_s']:.2f} s / {s['full_s']:.1f} s, N = {s['n']:,}); identical: "
              f"{s['same_as_full_build']}" if "value" in s else "—")
    out.append(f"| `make build` after one edit ≤ {100 * t.rebuild_share:.0f}% of a full build, N = {REBUILD_N:,}, "
               f"byte-identical | {figure} | {common.status_text(s)} |")
    p = v["peak_mb"]
    figure = (f"{p['tree_pss_mb']:.0f} MB at N = {p['n']:,} (PSS summed over the process tree, sampled every "
              f"{common.SAMPLE_INTERVAL_S * 1000:.0f} ms; largest single process {p['largest_rss_mb']:.0f} MB RSS)"
              if "tree_pss_mb" in p else "—")
    out.append(f"| peak memory of all processes ≤ {t.peak_mb:.0f} MB at N = {max(SIZES):,} | {figure} | "
               f"{common.status_text(p)} |")
    out += ["", f"Run {'with' if results.get('full') else 'without'} `--full`: "
            + ("every target is judged." if not common.unjudged(v) else
               "targets not judged: " + ", ".join(common.unjudged(v))
               + (" (the run exits non-zero)." if results.get("full") else "."))]
    out += like_with_like(results)
    if notes:
        out += ["", "## Notes", "", notes]
    out += ["", "## All figures", "",
            "| N | side | wall s (median) | CPU s | peak MB (tree PSS) | wall s, each run (load average before it) |",
            "|---:|---|---:|---:|---:|---|"]
    for n, e in results["sizes"].items():
        for side in (side for side in SIDES if side in e):
            s = e[side]
            each = ", ".join(f"{r['wall']:.2f} ({r['extra']['load_average']:.1f})" for r in s["runs"])
            out.append(f"| {int(n):,} | {side} | {s['wall']:.2f} | {s['cpu']:.2f} | {s['tree_pss_mb']:.0f} | {each} |")
    for n, e in results["sizes"].items():
        if "likeness" in e:
            lk = e["likeness"]
            out += ["", f"Pages alike (N = {int(n):,}, {lk['pages_sampled']} pages): the visible text of `<main>` is "
                    f"{lk['ours_main_text_chars']:.0f} characters on a guidance page, "
                    f"{lk['bare_main_text_chars']:.0f} on the bare Markdown page and {lk['hugo_main_text_chars']:.0f} "
                    "on Hugo's page, on average."]
        if "rebuild" in e:
            r = e["rebuild"]
            out += ["", f"## Rebuild (N = {int(n):,})", "",
                    f"- `make build` with nothing changed: {r['unchanged_s']:.2f} s",
                    "- `make build` after editing one guidance file: " + ", ".join(f"{x:.2f} s" for x in r["after_edit_s"])
                    + " (CPU " + ", ".join(f"{x:.2f} s" for x in r["after_edit_cpu_s"]) + ")",
                    f"- full `make build`: {r['full_s']:.2f} s",
                    f"- incremental result against a full build: {r['same_as_full_build']['files']} files compared, "
                    f"identical: {r['same_as_full_build']['same']}"
                    + (f"; differing: {', '.join(r['same_as_full_build']['different'])}" if r['same_as_full_build']['different'] else "")]
        if "transfer" in e:
            out += ["", f"## Transfer size of the three heaviest pages (N = {int(n):,}, bytes)", "",
                    "| page | as stored | gzip 6 | gzip 9 | brotli 5 | brotli 11 |", "|---|---:|---:|---:|---:|---:|"]
            out += [f"| {x['page']} | {x['raw']:,} | {x['gzip6']:,} | {x['gzip9']:,} | "
                    f"{x['brotli5'] if x['brotli5'] is None else format(x['brotli5'], ',')} | "
                    f"{x['brotli11'] if x['brotli11'] is None else format(x['brotli11'], ',')} |" for x in e["transfer"]]
    if "rule_cost" in results:
        rc = results["rule_cost"]
        per = rc["decision_table_ms"] + rc["rules_json_ms"] + rc["rule_table_ms"]
        out += ["", "## The eligibility rule per orderer", "",
                f"CPU per orderer in one process, median over {rc['orderers']} synthetic orderers (N = "
                f"{min(int(n) for n in results['sizes']):,}): decision table {rc['decision_table_ms']:.1f} ms, "
                f"rules.json from it {rc['rules_json_ms']:.1f} ms, the page's rule table {rc['rule_table_ms']:.1f} ms; "
                "at each N that is "
                + ", ".join(f"{per * int(n) / 1000:.1f} s (N = {int(n):,})" for n in results["sizes"])
                + " of CPU, against the bare Pelican build's "
                + ", ".join(f"{e['bare']['cpu']:.1f} s" for e in results["sizes"].values()) + " of CPU."]
    how = (__doc__ or "").split("What is compared", 1)[-1].strip().lstrip("-").strip()
    out += ["", "## How it is measured", "", how, ""]
    return "\n".join(out)


def write_results(results: dict[str, Any], folder: Path = RESULTS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "build.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (folder / "build.md").write_text(markdown_report(results), encoding="utf-8")
    logger.info("results written to %s", folder)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 1 when a target is missed, or (``--full``) when one could not be judged; else 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=lambda s: tuple(int(x) for x in s.split(",")), default=SIZES)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rebuild-n", type=int, default=REBUILD_N, help="N of the rebuild measurement (one of --sizes)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the synthetic projects (default: temporary)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for build.json and build.md")
    parser.add_argument("--merge", action="store_true",
                        help="add these sizes to the existing bench/results/build.json instead of replacing it")
    parser.add_argument("--full", action="store_true",
                        help="the run must judge every target: exit 1 when one is not judged (make bench)")
    parser.add_argument("--rule-cost", type=int, metavar="N", default=None,
                        help="only print the eligibility rule's CPU per orderer on N synthetic orderers")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("root", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv if argv is not None else [])
    if args.child:
        logging.basicConfig(level=logging.WARNING)
        return CHILDREN[args.child](args.root)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.rule_cost:
        with tempfile.TemporaryDirectory(prefix="esurety-rule-cost-") as tmp:
            synthetic.make_project(Path(tmp), args.rule_cost)
            print(json.dumps({"date": common.machine()["date"], **rule_cost(Path(tmp), args.rule_cost)}))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="esurety-bench-"))
    try:
        results = benchmark(args.sizes, args.repeats, work, rebuild_n=args.rebuild_n)
    finally:
        empty_trash(work)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.merge and (args.results / "build.json").is_file():
        earlier = json.loads((args.results / "build.json").read_text(encoding="utf-8"))
        sizes = {**earlier["sizes"], **results["sizes"]}
        earlier["sizes"] = dict(sorted(sizes.items(), key=lambda kv: int(kv[0])))
        earlier.setdefault("later_runs", []).append({k: results["machine"][k] for k in
                                                     ("date", "load_average_at_start", "load_average_at_end")}
                                                    | {"sizes": sorted(results["sizes"], key=int)})
        earlier["verdict"] = verdict(earlier)
        results = earlier
    results["full"] = args.full
    results.setdefault("command", " ".join(["python -m bench.bench_build", *(argv or [])]))
    write_results(results, args.results)
    print(markdown_report(results).split("## All figures")[0])
    for name in common.unjudged(results["verdict"]):
        logger.warning("not judged: %s (%s)", name, results["verdict"][name]["reason"])
    return common.exit_code(results["verdict"], full=args.full)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
