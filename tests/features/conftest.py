"""Set-up for the feature tests (eligibility check, search, feeds, charts, open data).

The real site is built once per session into a temporary folder (``scripts.build.build_site``, which
writes only there) with the fixed build date of tests/conftest.py. Browser tests serve that folder with
Python's http.server on a free port, sending the project's security headers. To run them against other
data, set FEATURES_SETTINGS (a Pelican settings file setting ESURETY_ROOT) and FEATURES_DATA_ROOT.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scripts.build import build_site

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
BUILD_DATE = dt.date.fromisoformat(os.environ.get("BUILD_DATE", "2026-11-20"))
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
    from esurety import views
    from esurety.dataset import load_dataset

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

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 — the base class's name
        pass


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    """http://127.0.0.1:<free port> serving the built site with the project's headers (+ Pagefind's CSP need)."""
    handler = type("Handler", (_Handler,), {"headers_to_send": security_headers(with_wasm=True)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; a missing Chromium is an error (CI installs it)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    """A fresh page that fails the test on any script error or CSP violation."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    pg.on("console", lambda msg: errors.append(f"console: {msg.text} {msg.location.get('url', '')}")
          if msg.type == "error" and "favicon.ico" not in msg.location.get("url", "") else None)
    yield pg
    context.close()
    assert not errors, "\n".join(errors)


@pytest.fixture()
def page_without_js(browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()
