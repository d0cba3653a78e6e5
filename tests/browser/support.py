"""Helpers shared by the browser tests: where things live, starting and waiting for local processes.

Kept apart from conftest.py so the fixtures there stay short and each helper can be read on its own.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, ConsoleMessage, Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
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


@dataclass(frozen=True)
class Server:
    """A running local server: the site and the lookup API on one origin."""

    base_url: str
    site_dir: Path
    verify_db: Path
    process: subprocess.Popen

    def url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base_url, path)


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it; the short race is acceptable for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def devserver_command(port: int, site_dir: Path) -> list[str]:
    """``make run``'s server, on ``port``, serving ``site_dir`` instead of output/."""
    return [sys.executable, "-m", "scripts.devserver", "--port", str(port), "--root", str(site_dir)]


def start_server(site_dir: Path, verify_db: Path, log: Path, **env: str) -> Server:
    """Start the devserver on a free port and wait until it answers."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    out = log.open("w", encoding="utf-8")
    proc = subprocess.Popen(devserver_command(port, site_dir), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                            env=python_env(VERIFY_DB=str(verify_db), **env))
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"devserver exited with {proc.returncode}:\n{log.read_text(encoding='utf-8')}")
        try:
            with urllib.request.urlopen(base, timeout=2):
                return Server(base, site_dir, verify_db, proc)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError(f"devserver did not answer on {base}:\n{log.read_text(encoding='utf-8')}")


def stop(proc: subprocess.Popen) -> None:
    """Stop a child process we started, politely first."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: str


def http(url: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Response:
    """GET (or form POST when ``data`` is given) without following redirects or raising on 4xx/5xx."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {})
    if body is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=15) as resp:
            return Response(resp.status, {k.lower(): v for k, v in resp.headers.items()},
                            resp.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as err:
        return Response(err.code, {k.lower(): v for k, v in err.headers.items()},
                        err.read().decode("utf-8", "replace"))


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
