"""Page budgets: what every page weighs, and how Lighthouse (mobile) scores the pages people use most.

Contractors read this site on phones, often on a site office's weak connection, so every page must stay
small and fast. This is a benchmark, not a timed test: it writes its figures to
``bench/results/pages.json`` and ``bench/results/pages.md`` and returns 1 when a target is missed.

What is measured
----------------
* Weight: for every generated page (and the certificate page the lookup answers with), the bytes of the
  HTML plus every stylesheet and script it references (``<link rel=stylesheet>``, ``<script src>``,
  ``@import``), uncompressed, each file once per page. Budget: 30 KB = 30 × 1024 bytes. Gzip sizes are
  recorded for information. Not counted: the search index under ``/pagefind/`` (index chunks, fragments,
  WebAssembly and the loader that fetches them only when someone searches), and images.
* Lighthouse (npm ``lighthouse``, Debian Chromium via ``CHROME_PATH``, mobile form factor with its default
  simulated throttling) on the home page, a guidance page, the adopter table and the lookup page.
  Targets: performance ≥ 0.95, accessibility = 1.0, best practices ≥ 0.95, SEO ≥ 0.95. Each page runs
  ``--runs`` times; the run with the median performance score is reported (Lighthouse's own advice).

The site is built into a temporary folder with a fixed build date and served by ``scripts.devserver``
with the deployment's security headers, so Lighthouse sees what production sends (except HTTPS).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPORTS = ROOT / "test-artifacts" / "lighthouse"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path(os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
BUILD_DATE = "2026-11-20"

BUDGET_BYTES = 30 * 1024
#: Pages of the search index are fetched only while searching; they are not part of a page's weight.
EXCLUDED_PREFIXES = ("/pagefind/",)

LIGHTHOUSE_PAGES = {
    "home": "/",
    "guidance": "/municipalities/taketa/",
    "adopters": "/adopters/",
    "lookup": "/lookup/",
}
#: category → (comparison, target)
TARGETS: dict[str, tuple[str, float]] = {
    "performance": (">=", 0.95),
    "accessibility": ("==", 1.0),
    "best-practices": (">=", 0.95),
    "seo": (">=", 0.95),
}
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
        if tag == "link" and "stylesheet" in a.get("rel", "").lower().split() and a.get("href"):
            self.css.append(a["href"])
        elif tag == "link" and a.get("rel", "").lower() == "modulepreload" and a.get("href"):
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


def _resolve(site: Path, page_url: str, ref: str) -> tuple[str, Path | None]:
    """The site path of ``ref`` (as seen from ``page_url``) and its file in ``site`` (None if external)."""
    absolute = urllib.parse.urljoin("http://site" + page_url, ref)
    parts = urllib.parse.urlsplit(absolute)
    if parts.netloc != "site":
        return absolute, None
    path = urllib.parse.unquote(parts.path)
    return path, site / path.lstrip("/")


def weigh(site: Path, url: str, html: bytes) -> PageWeight:
    """Weight of one page given its HTML: the HTML and every CSS/JS file it loads (each once)."""
    parser = _Assets()
    parser.feed(html.decode("utf-8", "replace"))
    seen: set[str] = set()
    sizes = {"css": 0, "js": 0}
    blobs = [html]
    excluded: list[str] = []

    def add(kind: str, ref: str, base: str) -> None:
        path, file = _resolve(site, base, ref)
        if path in seen:
            return
        seen.add(path)
        if path.startswith(EXCLUDED_PREFIXES):
            excluded.append(path)
            return
        if file is None or not file.is_file():
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
                      gzip_total=sum(len(gzip.compress(b, 9)) for b in blobs), files=sorted(seen - set(excluded)),
                      excluded=sorted(excluded))


def site_pages(site: Path) -> list[tuple[str, Path]]:
    """(URL, file) of every generated HTML page outside the search index."""
    out = []
    for f in sorted(site.rglob("*.html")):
        rel = f.relative_to(site).as_posix()
        url = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        if not url.startswith(EXCLUDED_PREFIXES):
            out.append((url, f))
    return out


# ---------------------------------------------------------------------------------------------- server


@dataclass
class LocalSite:
    site: Path
    base_url: str
    process: subprocess.Popen


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, BUILD_DATE=BUILD_DATE)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), str(ROOT / "plugins"), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def _run(*args: str, **env: str) -> None:
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=_env(**env), capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"python -m {' '.join(args)}: {proc.stdout}{proc.stderr}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_site(workdir: Path) -> LocalSite:
    """Build the site, load the demo certificates and serve both, like ``make run`` but in ``workdir``."""
    site = workdir / "output"
    db = workdir / "verify.sqlite3"
    _run("scripts.build", "--output", str(site))
    _run("scripts.load_certificates", str(ROOT / "data" / "demo_certificates.yaml"), "--demo", "--quiet",
         "--db", str(db), "--notices", str(workdir / "notices"), "--no-pdf", VERIFY_DB=str(db))
    port = _free_port()
    log = (workdir / "devserver.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "scripts.devserver", "--port", str(port), "--root", str(site)],
                            cwd=ROOT, env=_env(VERIFY_DB=str(db)), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError("devserver exited: " + (workdir / "devserver.log").read_text())
        try:
            urllib.request.urlopen(base + "/", timeout=2).close()
            return LocalSite(site, base, proc)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"devserver did not answer on {base}")


def certificate_html(base_url: str) -> bytes:
    """The certificate page the lookup answers a plain form POST with (first demo certificate)."""
    import yaml

    demo = yaml.safe_load((ROOT / "data" / "demo_certificates.yaml").read_text(encoding="utf-8"))
    first = (demo.get("certificates") if isinstance(demo, dict) else demo)[0]
    body = urllib.parse.urlencode({"guarantee_number": first["guarantee_number"],
                                   "access_key": first["access_key"]}).encode()
    req = urllib.request.Request(base_url + "/api/verify", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded",
                                          "Accept": "text/html"})
    with urllib.request.urlopen(req, timeout=15) as resp:
        return resp.read()


# ---------------------------------------------------------------------------------------------- lighthouse


def lighthouse_version() -> str:
    return json.loads((ROOT / "node_modules" / "lighthouse" / "package.json").read_text())["version"]


def chromium_version() -> str:
    proc = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True)
    return proc.stdout.strip()


def run_lighthouse(url: str, out: Path) -> dict:
    """One Lighthouse run (mobile); returns the JSON report."""
    if not LIGHTHOUSE.exists():
        raise RuntimeError("node_modules/.bin/lighthouse is missing: run `make node` (npm ci)")
    cmd = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}", "--form-factor=mobile",
           "--only-categories=performance,accessibility,best-practices,seo", f"--chrome-flags={CHROME_FLAGS}",
           "--disable-full-page-screenshot"]
    proc = subprocess.run(cmd, env=dict(os.environ, CHROME_PATH=str(CHROMIUM)), capture_output=True, text=True,
                          timeout=300)
    if proc.returncode or not out.exists():
        raise RuntimeError(f"lighthouse {url} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse {url}: {report['runtimeError']}")
    return report


def _failing_audits(report: dict) -> list[str]:
    """Audits that cost points outside performance, so a missed target says why."""
    out = []
    for cat in ("accessibility", "best-practices", "seo"):
        for ref in report["categories"][cat]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                out.append(f"{cat}: {ref['id']} — {audit['title']}")
    return out


def lighthouse_page(name: str, base_url: str, path: str, runs: int) -> dict:
    """Lighthouse ``runs`` times on one page; the full reports stay in test-artifacts/lighthouse/."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    reports = [run_lighthouse(base_url + path, REPORTS / f"{name}-{i + 1}.json") for i in range(runs)]
    perf = [r["categories"]["performance"]["score"] for r in reports]
    median = sorted(range(runs), key=lambda i: perf[i])[runs // 2]
    chosen = reports[median]
    scores = {cat: chosen["categories"][cat]["score"] for cat in TARGETS}
    metrics = {k: chosen["audits"][k]["numericValue"] for k in
               ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
                "speed-index")}
    return {"url": path, "scores": scores, "performance_runs": perf, "median_run": median + 1,
            "metrics_ms": {k: round(v, 3) for k, v in metrics.items()}, "costing_audits": _failing_audits(chosen),
            "passed": {cat: _meets(scores[cat], *TARGETS[cat]) for cat in TARGETS}}


def _meets(score: float | None, op: str, target: float) -> bool:
    if score is None:
        return False
    return score >= target if op == ">=" else abs(score - target) < 1e-9


# ---------------------------------------------------------------------------------------------- report


def write_results(weights: list[PageWeight], lighthouse: dict[str, dict], meta: dict) -> bool:
    over = [w for w in weights if not w.ok]
    lh_failed = {n: [c for c, ok in r["passed"].items() if not ok] for n, r in lighthouse.items()}
    lh_failed = {n: c for n, c in lh_failed.items() if c}
    passed = not over and not lh_failed
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {
        **meta,
        "passed": passed,
        "budget": {"bytes_per_page": BUDGET_BYTES, "counts": "HTML + CSS + JS loaded by tag, uncompressed",
                   "excluded": list(EXCLUDED_PREFIXES) + ["images"]},
        "pages": [{**asdict(w), "total": w.total, "ok": w.ok} for w in weights],
        "lighthouse": {"targets": {c: f"{op} {t}" for c, (op, t) in TARGETS.items()}, "pages": lighthouse},
    }
    (RESULTS / "pages.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    lines = [
        "# Page budgets",
        "",
        f"Measured {meta['measured']} with {meta['lighthouse']} and {meta['chromium']}; site built with "
        f"BUILD_DATE={BUILD_DATE}. Result: **{'pass' if passed else 'FAIL'}**.",
        "",
        f"## Weight (HTML + CSS + JS, budget {BUDGET_BYTES:,} bytes = 30 KB per page)",
        "",
        "Uncompressed bytes of the page and every stylesheet and script it loads by tag. Not counted: the "
        "search index under /pagefind/ (fetched only while searching) and images.",
        "",
        "| page | HTML | CSS | JS | total | gzip | |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for w in sorted(weights, key=lambda w: -w.total):
        lines.append(f"| `{w.url}` | {w.html:,} | {w.css:,} | {w.js:,} | {w.total:,} | {w.gzip_total:,} | "
                     f"{'ok' if w.ok else '**over**'} |")
    lines += ["", "## Lighthouse, mobile (median of runs by performance)", "",
              "| page | performance | accessibility | best practices | SEO | LCP ms | TBT ms | CLS |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in lighthouse.items():
        s, m, ok = r["scores"], r["metrics_ms"], r["passed"]

        def cell(cat: str) -> str:
            return f"{s[cat]:.2f}" + ("" if ok[cat] else " **✗**")

        lines.append(f"| {name} `{r['url']}` | {cell('performance')} | {cell('accessibility')} | "
                     f"{cell('best-practices')} | {cell('seo')} | {m['largest-contentful-paint']:.0f} | "
                     f"{m['total-blocking-time']:.0f} | {m['cumulative-layout-shift']:.3f} |")
    lines += ["", "Targets: " + ", ".join(f"{c} {op} {t}" for c, (op, t) in TARGETS.items()) + "."]
    costing = {n: r["costing_audits"] for n, r in lighthouse.items() if r["costing_audits"]}
    if costing:
        lines += ["", "Audits below full score (outside performance):", ""]
        lines += [f"- {n}: {a}" for n, audits in costing.items() for a in audits]
    (RESULTS / "pages.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for w in over:
        logger.warning("over budget: %s %s bytes", w.url, w.total)
    for n, cats in lh_failed.items():
        logger.warning("lighthouse below target: %s %s", n, cats)
    return passed


def main(argv: list[str] | None = None) -> int:
    """Measure, write bench/results/pages.{json,md}; 1 when a budget or a Lighthouse target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median reported)")
    parser.add_argument("--skip-lighthouse", action="store_true", help="only weigh the pages")
    args = parser.parse_args(argv if argv is not None else [])
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        local = start_site(Path(tmp))
        try:
            weights = [weigh(local.site, url, f.read_bytes()) for url, f in site_pages(local.site)]
            weights.append(weigh(local.site, "/api/verify (certificate)", certificate_html(local.base_url)))
            logger.info("weighed %d pages; heaviest %s (%s bytes)", len(weights),
                        max(weights, key=lambda w: w.total).url, max(w.total for w in weights))
            lighthouse: dict[str, dict] = {}
            if not args.skip_lighthouse:
                for name, path in LIGHTHOUSE_PAGES.items():
                    lighthouse[name] = lighthouse_page(name, local.base_url, path, max(1, args.runs))
                    logger.info("lighthouse %s: %s", name, lighthouse[name]["scores"])
        finally:
            local.process.terminate()
            local.process.wait(timeout=10)
    meta = {"measured": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "lighthouse": f"lighthouse {lighthouse_version()}", "chromium": chromium_version(),
            "runs_per_page": max(1, args.runs)}
    ok = write_results(weights, lighthouse, meta)
    logger.info("results: %s", RESULTS / "pages.md")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
