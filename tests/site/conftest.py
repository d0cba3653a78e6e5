"""Build the real site once per test session into a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.build import build_site

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "output"
    build_site(out)
    return out


@pytest.fixture()
def project_copy(tmp_path: Path) -> Path:
    """A throwaway copy of everything the build reads, for tests that break data on purpose."""
    for name in ("content", "data", "theme"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pelicanconf.py", tmp_path / "pelicanconf.py")
    return tmp_path
