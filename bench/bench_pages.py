"""Page budgets: what every page weighs, and how Lighthouse (mobile) scores the pages people use most.

Contractors read this site on phones, often over a site office's weak connection, so every page must
stay small and fast. This is a benchmark, not a timed test: it writes its figures to
``bench/results/pages.json`` and ``bench/results/pages.md`` and returns 1 when a target is missed.

What is measured
----------------
* Weight: for every generated page, and for the certificate page the lookup answers a form POST with,
  the bytes of the HTML plus every stylesheet and script it loads (``<link rel=stylesheet>``,
  ``<script src>``, ``@import``), uncompressed, each file once per page. Budget: 30 KB = 30 × 1024 bytes.
  Gzip sizes are recorded for information. Not counted: the search index under ``/pagefind/`` (index
  chunks, fragments, WebAssembly, and the loader that fetches them only when someone searches) and images.
* Lighthouse (npm ``lighthouse``, Debian Chromium via ``CHROME_PATH``, mobile form factor with its
  default simulated throttling) on the home page, a guidance page, the adopter index, one prefecture's
  page of the adopter table and the lookup page.
  Targets: performance ≥ 0.95, accessibility = 1.0, best practices ≥ 0.95, SEO ≥ 0.95. Each page runs
  ``--runs`` times and the run with the median performance score is reported (Lighthouse's own advice:
  one run on a busy two-core machine can be an outlier). Full reports: test-artifacts/lighthouse/.

The site is built into a temporary folder with a fixed build date and served by ``scripts.devserver``
with the deployment's security headers, so Lighthouse sees what production sends (HTTPS aside).

    python -m bench.bench_pages                  # or: make bench
    python -m bench.bench_pages --runs 1 --skip-lighthouse
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from bench import common
from esurety.devtools import Running, start_devserver

logger = logging.getLogger(__name__)

__all__ = ["BUDGET_BYTES", "LIGHTHOUSE_PAGES", "TARGETS", "PageWeight", "main", "weigh"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPORTS = ROOT / "test-artifacts" / "lighthouse"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path(os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
DEMO_CERTIFICATES = ROOT / "data" / "demo_certificates.yaml"
#: The build's 'today' (運用中 / 開始予定 depend on it), the same as the tests'.
BUILD_DATE = "2026-11-20"

BUDGET_BYTES = 30 * 1024
#: The search index is fetched only while searching; it is not part of a page's weight.
EXCLUDED_PREFIXES = ("/pagefind/",)

LIGHTHOUSE_PAGES = {
    "home": "/",
    "guidance": "/municipalities/taketa/",
    "adopters": "/adopters/",
    # the adopter table is one page per prefecture or kind; 佐賀県's also carries the usage table and chart
    "adopters-saga": "/adopters/pref-41/",
    "lookup": "/lookup/",
    "check": "/check/",
    "search": "/search/",
}
#: category → (comparison, target)
TARGETS: dict[str, tuple[str, float]] = {
    "performance": (">=", 0.95),
    "accessibility": ("==", 1.0),
    "best-practices": ("==", 1.0),
    "seo": ("==", 1.0),
}
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
           "cumulative-layout-shift", "speed-index")
#: Without the background-networking flags Chromium reaches out on start, which this network refuses.
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage")


# ---------------------------------------------------------------------------------------------- weight


class _Assets(HTMLParser):
    """Stylesheets and scripts a page loads by tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.css: list[str] = []
        self.js: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        rel = a.get("rel", "").lower().split()
        if tag == "link" and "stylesheet" in rel and a.get("href"):
            self.css.append(a["href"])
        elif tag == "link" and "modulepreload" in rel and a.get("href"):
            self.js.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.js.append(a["src"])


_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)""")


@dataclass
class PageWeight:
    url: str
    html: int
    css: int
    js: int
    gzip_total: int
    files: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.html + self.css + self.js

    @property
    def ok(self) -> bool:
        return self.total <= BUDGET_BYTES


def _site_path(page_url: str, ref: str) -> str | None:
    """The site path ``ref`` points to from ``page_url``; None for another origin."""
    parts = urllib.parse.urlsplit(urllib.parse.urljoin("http://site" + page_url, ref))
    return urllib.parse.unquote(parts.path) if parts.netloc == "site" else None


def weigh(site: Path, url: str, html: bytes) -> PageWeight:
    """Weight of one page given its HTML: the HTML and every CSS/JS file it loads, each once."""
    parser = _Assets()
    parser.feed(html.decode("utf-8", "replace"))
    seen: set[str] = set()
    excluded: list[str] = []
    sizes = {"css": 0, "js": 0}
    blobs = [html]

    def add(kind: str, ref: str, base: str) -> None:
        path = _site_path(base, ref)
        if path is None:
            raise ValueError(f"{url} loads {ref} from another origin (the CSP would refuse it)")
        if path in seen:
            return
        seen.add(path)
        if path.startswith(EXCLUDED_PREFIXES):
            excluded.append(path)
            return
        file = site / path.lstrip("/")
        if not file.is_file():
            raise FileNotFoundError(f"{url} loads {ref}, which the site does not have")
        data = file.read_bytes()
        sizes[kind] += len(data)
        blobs.append(data)
        if kind == "css":
            for imported in _IMPORT.findall(data.decode("utf-8", "replace")):
                add("css", imported, path)

    for ref in parser.css:
        add("css", ref, url)
    for ref in parser.js:
        add("js", ref, url)
    return PageWeight(url=url, html=len(html), css=sizes["css"], js=sizes["js"],
                      gzip_total=sum(len(gzip.compress(b, 9)) for b in blobs),
                      files=sorted(seen - set(excluded)), excluded=sorted(excluded))


def site_pages(site: Path) -> list[tuple[str, Path]]:
    """(URL, file) of every generated HTML page outside the search index."""
    out = []
    for f in sorted(site.rglob("*.html")):
        rel = f.relative_to(site).as_posix()
        url = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        if not url.startswith(EXCLUDED_PREFIXES):
            out.append((url, f))
    return out


# ---------------------------------------------------------------------------------------------- local site


@dataclass
class LocalSite:
    site: Path
    server: Running

    @property
    def base_url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, BUILD_DATE=BUILD_DATE)
    paths = [str(ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env.update(extra)
    return env


def _run(*args: str, **env: str) -> None:
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=_env(**env),
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"python -m {' '.join(args)}: {proc.stdout}{proc.stderr}")


def start_site(workdir: Path) -> LocalSite:
    """Build the site, load the demo certificates and serve both, like ``make run`` but inside ``workdir``."""
    site = workdir / "output"
    db = workdir / "verify.sqlite3"
    _run("scripts.build", "--output", str(site))
    _run("scripts.load_certificates", str(DEMO_CERTIFICATES), "--demo", "--quiet", "--db", str(db),
         "--notices", str(workdir / "notices"), "--no-pdf", VERIFY_DB=str(db))
    server = start_devserver(site, log=workdir / "devserver.log", env=_env(VERIFY_DB=str(db)))
    return LocalSite(site, server)


def certificate_html(base_url: str) -> bytes:
    """The certificate page the lookup answers a plain form POST with (the first demo certificate)."""
    first = yaml.safe_load(DEMO_CERTIFICATES.read_text(encoding="utf-8"))["certificates"][0]
    body = urllib.parse.urlencode({"guarantee_number": first["guarantee_number"],
                                   "access_key": first["access_key"]}).encode()
    req = urllib.request.Request(base_url + "/api/verify", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=15) as resp:
        return resp.read()


# ---------------------------------------------------------------------------------------------- lighthouse


def _version(package: str) -> str:
    manifest = ROOT / "node_modules" / package / "package.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["version"] if manifest.exists() else "missing"


def chromium_version() -> str:
    return subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout.strip()


def run_lighthouse(url: str, out: Path) -> dict[str, Any]:
    """One Lighthouse run, mobile; returns the JSON report (also written to ``out``)."""
    if not LIGHTHOUSE.exists():
        raise RuntimeError("node_modules/.bin/lighthouse is missing: run `make node` (npm ci)")
    cmd = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}", "--form-factor=mobile",
           "--only-categories=performance,accessibility,best-practices,seo",
           f"--chrome-flags={CHROME_FLAGS}", "--disable-full-page-screenshot"]
    proc = subprocess.run(cmd, env=dict(os.environ, CHROME_PATH=str(CHROMIUM)),
                          capture_output=True, text=True, timeout=300)
    if proc.returncode or not out.exists():
        raise RuntimeError(f"lighthouse {url} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse {url}: {report['runtimeError']}")
    return report


def _costing_audits(report: dict[str, Any]) -> list[str]:
    """Audits that cost points outside performance, so a missed target says why."""
    out = []
    for cat in ("accessibility", "best-practices", "seo"):
        for ref in report["categories"][cat]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                out.append(f"{cat}: {ref['id']} — {audit['title']}")
    return out


def meets(score: float | None, op: str, target: float) -> bool:
    if score is None:
        return False
    return score >= target if op == ">=" else abs(score - target) < 1e-9


def lighthouse_page(name: str, base_url: str, path: str, runs: int) -> dict[str, Any]:
    """Lighthouse ``runs`` times on one page; the median run by performance is the result."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    reports = [run_lighthouse(base_url + path, REPORTS / f"{name}-{i + 1}.json") for i in range(runs)]
    perf = [r["categories"]["performance"]["score"] for r in reports]
    median = sorted(range(runs), key=lambda i: perf[i])[runs // 2]
    chosen = reports[median]
    scores = {cat: chosen["categories"][cat]["score"] for cat in TARGETS}
    return {
        "url": path,
        "scores": scores,
        "passed": {cat: meets(scores[cat], *TARGETS[cat]) for cat in TARGETS},
        "performance_runs": perf,
        "median_run": median + 1,
        "metrics_ms": {k: round(chosen["audits"][k]["numericValue"], 3) for k in METRICS},
        "costing_audits": _costing_audits(chosen),
    }


# ---------------------------------------------------------------------------------------------- results


def _markdown(data: dict[str, Any], weights: list[PageWeight], lighthouse: dict[str, dict[str, Any]]) -> str:
    lines = [
        "# Page budgets",
        "",
        f"Measured {data['measured']} with lighthouse {data['lighthouse']} and {data['chromium']}; "
        f"site built with BUILD_DATE={BUILD_DATE}. Result: **{'pass' if data['passed'] else 'FAIL'}**"
        + (" (not every target judged)." if common.unjudged(data["verdict"]) else "."),
        "",
        f"## Weight: HTML + CSS + JS per page, budget {BUDGET_BYTES:,} bytes ({BUDGET_BYTES // 1024} KB)",
        "",
        "Uncompressed bytes of the page and every stylesheet and script it loads by tag; gzip for "
        "information. Not counted: the search index under /pagefind/ (fetched only while searching) "
        "and images.",
        "",
        "| page | HTML | CSS | JS | total | gzip | |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for w in sorted(weights, key=lambda w: -w.total):
        verdict = "ok" if w.ok else "**over**"
        lines.append(f"| `{w.url}` | {w.html:,} | {w.css:,} | {w.js:,} | {w.total:,} | {w.gzip_total:,} "
                     f"| {verdict} |")
    if lighthouse:
        runs = data["runs_per_page"]
        lines += ["", f"## Lighthouse {data['lighthouse']}, mobile (median of {runs} runs)", "",
                  "| page | performance | accessibility | best practices | SEO | LCP ms | TBT ms | CLS |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, r in lighthouse.items():
            s, m = r["scores"], r["metrics_ms"]
            cells = [f"{s[c]:.2f}" + ("" if r["passed"][c] else " **✗**") for c in TARGETS]
            lines.append(f"| {name} `{r['url']}` | {' | '.join(cells)} "
                         f"| {m['largest-contentful-paint']:.0f} | {m['total-blocking-time']:.0f} "
                         f"| {m['cumulative-layout-shift']:.3f} |")
        lines += ["", "Targets: " + ", ".join(f"{c} {op} {t}" for c, (op, t) in TARGETS.items()) + "."]
        costing = [f"- {n}: {a}" for n, r in lighthouse.items() for a in r["costing_audits"]]
        if costing:
            lines += ["", "Audits below full score outside performance:", "", *costing]
    else:
        lines += ["", "Lighthouse was skipped (--skip-lighthouse): its targets are not judged."]
    skipped = common.unjudged(data["verdict"])
    if skipped:
        lines += ["", f"Not judged: {len(skipped)} target(s) (" + "; ".join(skipped) + ")."]
    return "\n".join(lines) + "\n"


def verdict(weights: list[PageWeight], lighthouse: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The weight budget over every page; each Lighthouse page and category, or "not judged" when skipped."""
    over = [w.url for w in weights if not w.ok]
    out: dict[str, Any] = {f"weight ≤ {BUDGET_BYTES:,} bytes per page": common.judged(not over, over=over)}
    for name, path in LIGHTHOUSE_PAGES.items():
        for cat, (op, target) in TARGETS.items():
            key = f"lighthouse {name} {cat} {op} {target}"
            r = lighthouse.get(name)
            out[key] = (common.judged(r["passed"][cat], value=r["scores"][cat]) if r
                        else common.not_judged(f"Lighthouse skipped for {path}"))
    return out


def write_results(weights: list[PageWeight], lighthouse: dict[str, dict[str, Any]], runs: int) -> dict[str, Any]:
    """Write pages.json and pages.md; returns the verdict."""
    missed = [w.url for w in weights if not w.ok]
    missed += [f"lighthouse {name} {cat}" for name, r in lighthouse.items()
               for cat, ok in r["passed"].items() if not ok]
    data: dict[str, Any] = {
        "measured": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "lighthouse": _version("lighthouse"),
        "chromium": chromium_version(),
        "runs_per_page": runs,
        "passed": not missed,
        "missed": missed,
        "budget": {"bytes_per_page": BUDGET_BYTES, "counts": "HTML + CSS + JS loaded by tag, uncompressed",
                   "not_counted": [*EXCLUDED_PREFIXES, "images"]},
        "pages": [{**asdict(w), "total": w.total, "ok": w.ok} for w in weights],
        "lighthouse_targets": {c: f"{op} {t}" for c, (op, t) in TARGETS.items()},
        "lighthouse_pages": lighthouse,
        "verdict": verdict(weights, lighthouse),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (RESULTS / "pages.json").write_text(text, encoding="utf-8")
    (RESULTS / "pages.md").write_text(_markdown(data, weights, lighthouse), encoding="utf-8")
    for item in missed:
        logger.warning("missed: %s", item)
    return data["verdict"]  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    """Measure and write bench/results/pages.{json,md}; 1 when a budget or a Lighthouse target is missed.

    ``bench.run`` calls ``main()`` with no arguments: that means the defaults, not sys.argv.
    """
    parser = argparse.ArgumentParser(prog="python -m bench.bench_pages",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (the median counts)")
    parser.add_argument("--skip-lighthouse", action="store_true", help="only weigh the pages")
    parser.add_argument("--full", action="store_true",
                        help="every target must be judged: exit 1 when Lighthouse was skipped (make bench)")
    args = parser.parse_args(argv if argv is not None else [])
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    runs = max(1, args.runs)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        local = start_site(Path(tmp))
        try:
            weights = [weigh(local.site, url, f.read_bytes()) for url, f in site_pages(local.site)]
            weights.append(weigh(local.site, "/api/verify (certificate, form POST)",
                                 certificate_html(local.base_url)))
            heaviest = max(weights, key=lambda w: w.total)
            logger.info("weighed %d pages; heaviest %s: %s bytes",
                        len(weights), heaviest.url, heaviest.total)
            lighthouse: dict[str, dict[str, Any]] = {}
            if not args.skip_lighthouse:
                for name, path in LIGHTHOUSE_PAGES.items():
                    lighthouse[name] = lighthouse_page(name, local.base_url, path, runs)
                    logger.info("lighthouse %s: %s", name, lighthouse[name]["scores"])
        finally:
            local.stop()
    result = write_results(weights, lighthouse, runs)
    logger.info("results: %s", RESULTS / "pages.md")
    return common.exit_code(result, full=args.full)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
