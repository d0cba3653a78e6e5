"""Scale tests: a small synthetic project (bench/synthetic.py) built like the real one.

The benchmark (make bench) builds thousands of these pages; the tests build 30, enough to check
that the generator writes valid data and that every page of it is built, and to exercise the
incremental rebuild make serve uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import synthetic

#: Guidance files in the scale tests' project, and how many of them are national bodies, agencies
#: and public bodies (the rest are real prefectures and municipalities).
N = 30
BODIES = 6


def make(root: Path, n: int = N, bodies: int = BODIES) -> Path:
    synthetic.make_project(root, n, seed=1, bodies=bodies)
    return root


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic project of N orderers, shared by tests that only read it."""
    return make(tmp_path_factory.mktemp("synthetic"))


@pytest.fixture()
def fresh_project(tmp_path: Path) -> Path:
    """A synthetic project of N orderers for one test that edits it."""
    return make(tmp_path / "project")


@pytest.fixture()
def no_post_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the search index: the incremental tests are about pages, and the indexer takes seconds."""
    from scripts import build

    monkeypatch.setattr(build, "POST_BUILD_STEPS", [])
