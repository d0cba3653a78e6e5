"""Shared test set-up: the day every build counts as today, chosen by the run, and the moto server.

The build date decides 運用中 / 開始予定. It is a Pelican setting (ESURETY_BUILD_DATE), never an
environment variable: the session's :func:`build_date` (``pytest --build-date YYYY-MM-DD``, default
2026-11-20) is put into Pelican's defaults, so every in-process build (scripts.build.build_site) uses it
unless it names its own (``build_site(..., settings={"ESURETY_BUILD_DATE": day})``); a build in a
subprocess passes ``--build-date``. Tests derive what they expect from the fixture, never from a
literal date, so the suite passes on any date (`make test` runs one after every start and one before some).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUILD_DATE = dt.date(2026, 11, 20)

# The build no longer reads BUILD_DATE; a stray one in the caller's shell must not reach a test either.
os.environ.pop("BUILD_DATE", None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--build-date", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                     help=f"the day the tests' builds count as today (default {DEFAULT_BUILD_DATE.isoformat()})")


@pytest.fixture(scope="session")
def build_date(request: pytest.FixtureRequest) -> dt.date:
    """The day this run's builds count as today (--build-date, else 2026-11-20)."""
    return request.config.getoption("--build-date") or DEFAULT_BUILD_DATE


@pytest.fixture(scope="session", autouse=True)
def _builds_use_the_build_date(build_date: dt.date) -> Iterator[None]:
    """Every in-process build of the session gets ESURETY_BUILD_DATE = build_date from Pelican's defaults."""
    from pelican import settings as pelican_settings

    missing = object()
    saved = pelican_settings.DEFAULT_CONFIG.get("ESURETY_BUILD_DATE", missing)
    pelican_settings.DEFAULT_CONFIG["ESURETY_BUILD_DATE"] = build_date
    yield
    if saved is missing:
        pelican_settings.DEFAULT_CONFIG.pop("ESURETY_BUILD_DATE", None)
    else:
        pelican_settings.DEFAULT_CONFIG["ESURETY_BUILD_DATE"] = saved


@pytest.fixture(autouse=True)
def _each_test_logs_afresh() -> Iterator[None]:
    """The lookup's loggers log as in Lambda, and Pelican's duplicate filter forgets earlier tests' lines.

    Importing Pelican makes every logger created afterwards a ``pelican.log.LimitLogger``, whose one shared
    filter drops a warning (or anything below error) whose text it has seen before in the process. In a
    run where Pelican is imported before the lookup's modules, a test expecting a warning that another test
    (or the same one) already caused would otherwise see nothing. The function never imports Pelican, so its
    loggers go without the filter; the other loggers keep it, with its memory cleared for each test.
    """
    import logging

    from pelican.log import LimitFilter, LimitLogger

    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if name.split(".")[0] == "lambda_verify" and isinstance(logger, LimitLogger):
            logger.disable_filter()
    for seen in (LimitFilter._raised_messages, LimitFilter._group_count):
        seen.clear()
    yield


@pytest.fixture
def use_build_date(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.date], dt.date]:
    """For one test: builds it runs count ``day`` as today (restored after the test)."""
    from pelican import settings as pelican_settings

    def choose(day: dt.date) -> dt.date:
        monkeypatch.setitem(pelican_settings.DEFAULT_CONFIG, "ESURETY_BUILD_DATE", day)
        return day

    return choose


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One moto_server on 127.0.0.1 for the session: the real HTTP endpoint boto3 talks to in tests.

    Under ``python -m scripts.moto_server`` (``make mutation``) the sessions share that command's server."""
    from scripts.moto_server import ENDPOINT_VARIABLE, MotoServerError, run_moto_server

    shared = os.environ.get(ENDPOINT_VARIABLE)
    if shared:
        yield shared
        return
    try:
        with run_moto_server(tmp_path_factory.mktemp("moto") / "moto_server.log") as endpoint:
            yield endpoint
    except MotoServerError as exc:
        pytest.fail(str(exc))
