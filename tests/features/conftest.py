"""Set-up for the feature tests (eligibility check, search, feeds, charts, open data).

The real site is built once per session into a temporary folder (``scripts.build.build_site``, which
writes only there) with the run's build date (the ``build_date`` fixture of tests/conftest.py). Browser tests serve that folder with
Python's http.server on a free port, sending the project's security headers. To run them against other
data, set FEATURES_SETTINGS (a Pelican settings file setting ESURETY_ROOT) and FEATURES_DATA_ROOT.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

from scripts.build import build_site

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
#: Pagefind compiles WebAssembly; Chromium allows that under a CSP only with this source in script-src.
WASM_SOURCE = "'wasm-unsafe-eval'"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once (FEATURES_SETTINGS may name another Pelican settings file)."""
    out = tmp_path_factory.mktemp("features") / "output"
    settings = os.environ.get("FEATURES_SETTINGS")
    return build_site(out, Path(settings) if settings else None)


@pytest.fixture(scope="session")
def dataset():
    """The validated data the site was built from (FEATURES_DATA_ROOT, with FEATURES_SETTINGS), and its labels."""
    from esurety.data.dataset import load_dataset
    from esurety.site import views

    data = load_dataset(Path(os.environ.get("FEATURES_DATA_ROOT") or ROOT))
    return data, views.Labels(data.vocabulary)


def security_headers(with_wasm: bool) -> dict[str, str]:
    """The project's security headers; ``with_wasm`` adds the CSP source Pagefind needs if it is missing."""
    from lambda_verify.security import SECURITY_HEADERS

    headers = dict(SECURITY_HEADERS)
    csp = headers["Content-Security-Policy"]
    if with_wasm and WASM_SOURCE not in csp:
        headers["Content-Security-Policy"] = csp.replace("script-src 'self'", f"script-src 'self' {WASM_SOURCE}")
    return headers


class _Handler(SimpleHTTPRequestHandler):
    headers_to_send: dict[str, str] = {}
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".json": "application/json", ".svg": "image/svg+xml", ".wasm": "application/wasm",
                      ".xml": "application/xml", ".ics": "text/calendar", ".csv": "text/csv"}

    def end_headers(self) -> None:
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """http://127.0.0.1:<free port> serving ``folder`` with the project's headers (+ Pagefind's CSP need)."""
    handler = type("Handler", (_Handler,), {"headers_to_send": security_headers(with_wasm=True)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    """The built site served with the project's headers."""
    with serve(site) as url:
        yield url


class BrowserThread:
    """Debian's Chromium driven by Playwright from one worker thread of its own.

    Playwright's sync API allows one instance per thread, and tests/browser keeps one open for the whole
    session in the main thread; this one lives in its own thread, so both folders run in one session.
    Tests pass a function of a page; it runs in that thread and its exceptions come back here.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="features-browser")
        self._pool.submit(self._start).result()

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)

    def run(self, steps: Callable[[Any], T], *, javascript: bool = True) -> T:
        """Run ``steps(page)`` on a fresh phone-sized page; script errors and CSP violations fail it."""
        def job() -> T:
            context = self._browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP",
                                                java_script_enabled=javascript)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
            page.on("console", lambda msg: errors.append(f"console: {msg.text} {msg.location.get('url', '')}")
                    if msg.type == "error" and "favicon.ico" not in msg.location.get("url", "") else None)
            try:
                result = steps(page)
            finally:
                context.close()
            assert not errors, "\n".join(errors)
            return result

        return self._pool.submit(job).result()

    def close(self) -> None:
        def stop() -> None:
            self._browser.close()
            self._pw.stop()

        self._pool.submit(stop).result()
        self._pool.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[BrowserThread]:
    """The Chromium of these tests; a missing Chromium is an error (CI installs it)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    b = BrowserThread()
    yield b
    b.close()
