"""Browser test set-up: one real build, one demo certificate store and one local server per session.

Everything runs against what a person would meet: the site as ``scripts.build`` writes it (with a fixed
build date), served by ``scripts.devserver`` with the same security headers as the deployment, and the
lookup answering from demo certificates in a throwaway SQLite store. The attempt limits cannot link
tests: each test is a client address of its own (``client_address``, sent as ``X-Forwarded-For``,
which the test server believes), and after each test the servers' lookup clocks move one limit
window on, so the next test finds every address and every number with no attempt counted. Chromium is Debian's own
(/usr/bin/chromium); axe-core and vnu.jar come from node_modules (``make node``); nothing is downloaded.

    make test                                   # everything, after `npm ci`
    .venv/bin/python -m pytest tests/browser    # only these
    .venv/bin/python -m pytest -m "not browser" # everything else

Screenshots, PDFs (and PNGs of them), the vnu report and the servers' logs: test-artifacts/browser/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from esurety.localserver import FORWARDED_FOR

from .support import (
    ARTIFACTS,
    AXE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VNU_JAR,
    ConsoleLog,
    NewContext,
    Server,
    build_site,
    load_demo_certificates,
    new_client_address,
    start_server,
    step_every_server_past_limits,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser tool chain: mark it so ``-m 'not browser'`` skips it."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's outcome on the item so the page fixture can keep a screenshot of failures."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once, into a folder no other test writes to."""
    return build_site(tmp_path_factory.mktemp("browser") / "output")


@pytest.fixture(scope="session")
def server(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The devserver over the built site and a fresh demo store; shared by every test except the 429 test."""
    db = load_demo_certificates(tmp_path_factory.mktemp("verify") / "verify.sqlite3")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # each xdist worker runs a server of its own
    srv = start_server(site_dir, db, ARTIFACTS / f"devserver-{worker}.log")
    yield srv
    srv.stop()


@pytest.fixture()
def client_address() -> str:
    """This test's own client address: every browser context of the test sends it (``new_context``)."""
    return new_client_address()


@pytest.fixture(autouse=True)
def _attempts_do_not_outlive_their_test() -> Iterator[None]:
    """After each test, move every server's lookup clock past the limits' window (see ``Server``)."""
    yield
    step_every_server_past_limits()


@pytest.fixture(scope="package")
def playwright_session() -> Iterator[Playwright]:
    """Package scope, not session: only one sync Playwright runs per thread at a time, and other test
    folders start their own once this one is done."""
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; missing Chromium is an error, not a skip (CI installs it)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    b = playwright_session.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


@pytest.fixture(scope="package", autouse=True)
def _tidy_artifacts() -> Iterator[None]:
    """Leave only folders with something to look at (most tests save no picture when they pass)."""
    yield
    for d in sorted(ARTIFACTS.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if d.is_dir() and not any(d.iterdir()):
            d.rmdir()


@pytest.fixture(scope="session")
def axe_js() -> Path:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make node` (npm ci)")
    return AXE_JS


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    if not VNU_JAR.exists():
        pytest.fail(f"{VNU_JAR} is missing: run `make node` (npm ci)")
    return VNU_JAR


def _slug(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")[:120]


@pytest.fixture()
def artifact_dir(request: pytest.FixtureRequest) -> Path:
    """test-artifacts/browser/<module>/<test>/: screenshots and PDFs a person can look at afterwards."""
    module = Path(str(request.node.fspath)).stem
    d = ARTIFACTS / module / _slug(request.node.nodeid)
    shutil.rmtree(d, ignore_errors=True)  # only this run's pictures, never a stale failure screenshot
    d.mkdir(parents=True)
    return d


@pytest.fixture()
def new_context(browser: Browser, server: Server, request: pytest.FixtureRequest, artifact_dir: Path,
                client_address: str) -> Iterator[NewContext]:
    """Open browser contexts with test-specific options (JS off, phone size, …); closed after the test.

    Every request of them comes from the test's ``client_address``. Every page opened in them logs its
    console; a CSP violation fails the test, and a failing test leaves a screenshot of each open page
    in its artefact folder.
    """
    contexts: list[BrowserContext] = []
    logs: list[ConsoleLog] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("base_url", server.base_url)
        options.setdefault("locale", "ja-JP")
        options.setdefault("timezone_id", "Asia/Tokyo")
        options["extra_http_headers"] = {FORWARDED_FOR: client_address, **options.get("extra_http_headers", {})}
        ctx = browser.new_context(**options)
        ctx.set_default_timeout(10_000)
        log = ConsoleLog()
        ctx.on("page", log.listen)
        ctx.console_log = log  # type: ignore[attr-defined]
        contexts.append(ctx)
        if not options.get("bypass_csp"):
            logs.append(log)
        return ctx

    yield make
    reports = (getattr(request.node, f"report_{when}", None) for when in ("setup", "call"))
    failed = any(r is not None and r.failed for r in reports)
    for i, ctx in enumerate(contexts):
        if failed:
            for j, p in enumerate(ctx.pages):
                try:
                    p.screenshot(path=str(artifact_dir / f"failure-{i}-{j}.png"), full_page=True)
                except Exception:
                    pass
        ctx.close()
    violations = [v for log in logs for v in log.csp_violations]
    assert not violations, "Content Security Policy violations:\n" + "\n".join(violations)


@pytest.fixture()
def context(new_context: NewContext) -> BrowserContext:
    """A plain desktop context with JavaScript on."""
    return new_context()


@pytest.fixture()
def page(context: BrowserContext) -> Page:
    return context.new_page()
