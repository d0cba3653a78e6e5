"""Shared test set-up: make the project's plugin importable and fix 'today' for every build."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Status (運用中 / 開始予定) depends on the build date; tests use a fixed one.
os.environ.setdefault("BUILD_DATE", "2026-11-20")


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One moto_server on 127.0.0.1 for the session: the real HTTP endpoint boto3 talks to in tests."""
    from scripts.moto_server import MotoServerError, run_moto_server

    try:
        with run_moto_server(tmp_path_factory.mktemp("moto") / "moto_server.log") as endpoint:
            yield endpoint
    except MotoServerError as exc:
        pytest.fail(str(exc))
