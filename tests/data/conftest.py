"""Fixtures for the data-editing tests: throwaway copies of a small, stable project.

The tests never write to the real data: another person edits content/ and data/ while tests run,
so every test works on a copy of tests/data/fixture (two guidance pages in format 2, a four-row
adopter table, one usage table). The files every project shares are not copied by hand into the
fixture: the vocabulary, the guarantors and the reference list of local governments are taken
from the repository when the test project is made (:data:`SHARED`), so the tests check the
fixture against the rules the site really uses.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixture"
BROKEN = HERE / "broken"
#: Data files of the real project that every test project uses as they are.
SHARED: tuple[str, ...] = ("data/vocabulary.yaml", "data/guarantors.yaml", "data/local_governments.json")


def make_project(dest: Path) -> Path:
    """A data-only copy of the fixture project at ``dest``, with the real project's shared data files."""
    shutil.copytree(FIXTURE, dest)
    for name in SHARED:
        shutil.copy(ROOT / name, dest / name)
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
