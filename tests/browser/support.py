"""Helpers shared by the browser tests: where things live, the local server and requests to it.

Kept apart from conftest.py so the fixtures there stay short and each helper can be read on its own.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, ConsoleMessage, Page

from esurety.devtools import Response, Running, request, start_devserver
from esurety.localserver import FORWARDED_FOR, write_clock_file
from lambda_verify.limits import CLIENT_LIMIT, NUMBER_LIMIT

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
#: The phone every phone test uses: 375 × 812 CSS px at 2× (an iPhone-sized screen), touch, mobile viewport.
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
#: The height of that phone's first screen, in CSS px.
FIRST_SCREEN = PHONE["viewport"]["height"]
NODE_MODULES = ROOT / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))

#: The fixed 'today' of every build made by these tests (運用中 / 開始予定 depend on it).
BUILD_DATE = "2026-11-20"

#: Flags without which Chromium tries to reach the network on start and this machine refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

#: Demo certificates shipped with the project (data/demo_certificates.yaml).
DEMO_CERTIFICATES = ROOT / "data" / "demo_certificates.yaml"


#: The limits' window (both limits have the same), and a step that leaves every earlier attempt outside it.
LIMIT_WINDOW_SECONDS = max(CLIENT_LIMIT.window_seconds, NUMBER_LIMIT.window_seconds)
#: Where each server's lookup clock stands when it starts: 09:00 in Japan on the build date.
CLOCK_START = dt.datetime.fromisoformat(f"{BUILD_DATE}T09:00:00+09:00").timestamp()


@dataclass
class Server:
    """A running local server: the site and the lookup API on one origin, with a lookup clock set by hand.

    The server believes ``X-Forwarded-For`` (``--trust-forwarded-for``), so each test names its own
    client address, and its lookup clock stands still (``--clock-file``): a test's attempts all fall
    at one moment, whatever the wall clock does meanwhile; ``step_past_limits`` moves the clock on
    after a test so the next one finds every slot of every address and number free.
    """

    running: Running
    site_dir: Path
    verify_db: Path
    clock_file: Path

    @property
    def base_url(self) -> str:
        return self.running.url + "/"

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self.running.process

    def url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base_url, path)

    def lookup_time(self) -> float:
        """The lookup's wall time now (epoch seconds)."""
        return float(self.clock_file.read_text(encoding="ascii"))

    def step_past_limits(self) -> None:
        """Move the lookup clock one window on: every attempt made so far no longer counts."""
        write_clock_file(self.clock_file, self.lookup_time() + LIMIT_WINDOW_SECONDS + 1)

    def stop(self) -> None:
        _started.remove(self)
        self.running.stop()


#: The servers this process has started and not stopped yet.
_started: list[Server] = []


def step_every_server_past_limits() -> None:
    """After a test: no attempt it made counts for the next one, on any server (see ``Server``)."""
    for server in _started:
        server.step_past_limits()


_addresses = itertools.count(1)


def new_client_address() -> str:
    """An IPv4 address no other test of this process uses (198.18.0.0/15, set aside for benchmarking by RFC 2544).

    The limits count IPv4 addresses one by one, so each address is a client of its own.
    """
    n = next(_addresses)
    if n >= 1 << 17:
        raise RuntimeError("198.18.0.0/15 is used up")
    return str(ipaddress.IPv4Address("198.18.0.0") + n)


def python_env(**extra: str) -> dict[str, str]:
    """The environment for the project's own scripts run as child processes."""
    env = dict(os.environ)
    paths = [str(ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env.update(extra)
    return env


def run_script(module: str, *args: str, env: dict[str, str] | None = None, timeout: float = 180) -> str:
    """Run ``python -m module args`` from the repository root; fail with its output if it fails."""
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env or python_env(),
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"python -m {module} {' '.join(args)} failed ({proc.returncode}):\n"
                           f"{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def build_site(dest: Path) -> Path:
    """Build the real site into ``dest`` exactly as ``make build`` does, with the fixed build date."""
    run_script("scripts.build", "--output", str(dest), "--build-date", BUILD_DATE)
    return dest


def load_demo_certificates(db: Path) -> Path:
    """Load the demo certificates into a fresh SQLite store at ``db``; their key notices go next to it.

    The notices (HTML, no PDF) land in ``db.parent / "notices"`` so nothing is written under var/.
    """
    run_script("scripts.load_certificates", str(DEMO_CERTIFICATES), "--demo", "--quiet", "--db", str(db),
               "--notices", str(db.parent / "notices"), "--no-pdf", env=python_env(VERIFY_DB=str(db)))
    return db


def start_server(site_dir: Path, verify_db: Path, log: Path, **env: str) -> Server:
    """Start the devserver on a port of the system's choosing and wait until it answers."""
    clock_file = verify_db.with_suffix(".clock")  # beside this server's own store: never shared by two servers
    write_clock_file(clock_file, CLOCK_START)
    running = start_devserver(site_dir, log=log, options=["--trust-forwarded-for", "--clock-file", str(clock_file)],
                              env=python_env(VERIFY_DB=str(verify_db), **env))
    server = Server(running, site_dir, verify_db, clock_file)
    _started.append(server)
    return server


def http(url: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None, *,
         client: str | None = None) -> Response:
    """GET (or form POST when ``data`` is given) without following redirects or raising on 4xx/5xx.

    The request comes from ``client`` (``X-Forwarded-For``), by default from an address of its own, so
    no request counts against another one's limit.
    """
    sent = {FORWARDED_FOR: client or new_client_address(), **(headers or {})}
    return request(url, form=data, headers=sent)


def site_pages(site_dir: Path) -> list[Path]:
    """Every generated HTML page, in a stable order."""
    return sorted(site_dir.rglob("*.html"))


def page_url(site_dir: Path, page: Path) -> str:
    """The URL path a generated file is served under (…/index.html → …/)."""
    rel = page.relative_to(site_dir).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def vnu(files: list[Path]) -> list[dict]:
    """Run the Nu HTML Checker over ``files`` (HTML and SVG); return its errors (empty when all are valid)."""
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java is missing: apt-get install default-jre-headless")
    cmd = [java, "-Xss4m", "-jar", str(VNU_JAR), "--errors-only", "--also-check-svg", "--format", "json"]
    proc = subprocess.run([*cmd, *map(str, files)], capture_output=True, text=True, timeout=300)
    report = json.loads(proc.stderr or proc.stdout or '{"messages": []}')
    return [m for m in report.get("messages", []) if m.get("type") in ("error", "non-document-error")]


@dataclass
class ConsoleLog:
    """Console errors and page errors seen during one test; CSP violations are reported here by Chromium."""

    messages: list[str] = field(default_factory=list)

    def listen(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.messages.append(f"pageerror: {exc}"))

    def _on_console(self, msg: ConsoleMessage) -> None:
        if msg.type in ("error", "warning"):
            self.messages.append(f"{msg.type}: {msg.text}")

    @property
    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m or "Content-Security-Policy" in m]

    @property
    def errors(self) -> list[str]:
        """Script errors. Chromium also logs every 4xx/5xx response as "Failed to load resource", including
        the 404 page and the lookup's own 400/429 answers: those are expected and left out here."""
        return [m for m in self.messages
                if not m.startswith("warning:") and "Failed to load resource" not in m]


#: Opens a browser context with test-specific options; see the ``new_context`` fixture.
NewContext = Callable[..., BrowserContext]


def console_of(page: Page) -> ConsoleLog:
    """The console log of the context a page belongs to."""
    return page.context.console_log  # type: ignore[attr-defined]


def axe_violations(page: Page, context: str | None = None) -> list[dict[str, Any]]:
    """Inject axe-core into ``page`` and return its violations (all rules axe runs by default).

    The page must come from a context with ``bypass_csp=True``: axe is injected as a script the site's
    CSP would otherwise refuse. The CSP itself is tested separately.
    """
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async (ctx) => {
            const r = await axe.run(ctx || document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
        }""",
        context,
    )
    return list(result)


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for n in v["nodes"][:5]:
            lines.append(f"    {n['target']}: {(n['summary'] or '').splitlines()[-1:]}")
    return "\n".join(lines)
