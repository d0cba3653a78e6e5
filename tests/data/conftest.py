"""Fixtures for the data-editing tests: throwaway copies of a small, stable project.

The tests never touch the real data: another person edits content/ and data/ while tests run,
so every test works on a copy of tests/data/fixture (two guidance pages, a four-row adopter
table) plus the reference list of local governments from the repository.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixture"
BROKEN = HERE / "broken"



def make_project(dest: Path) -> Path:
    """A data-only copy of the fixture project at ``dest``."""
    shutil.copytree(FIXTURE, dest)
    shutil.copy(ROOT / "data" / "local_governments.json", dest / "data" / "local_governments.json")
    return dest


@pytest.fixture(scope="session")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Read-only: the fixture project with its reference data, shared by the whole session."""
    return make_project(tmp_path_factory.mktemp("fixture") / "project")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A fresh fixture project each test may change."""
    return make_project(tmp_path / "project")


@pytest.fixture()
def site_project(project: Path) -> Path:
    """The fixture project plus everything the build reads (theme, plugin, settings, Markdown pages)."""
    for name in ("theme",):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pages", "faq"):
        if (ROOT / "content" / name).is_dir():
            shutil.copytree(ROOT / "content" / name, project / "content" / name)
    shutil.copy(ROOT / "pelicanconf.py", project / "pelicanconf.py")
    return project
