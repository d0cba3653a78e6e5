"""Fixtures for the adopter import and the link check: copies of the real data, never the repository's files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: The adopter table of seed 003 (WJCS 佐賀支店「電子保証のご案内」, 令和8年2月2日現在), lines 511–544 of the OCR text.
SEED003_TABLE = FIXTURES / "seed003_table.txt"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's data, content and schemas in tmp_path (what scripts.check --root reads)."""
    root = tmp_path / "project"
    for name in ("data", "content", "schemas"):
        shutil.copytree(ROOT / name, root / name)
    return root


@pytest.fixture(scope="session")
def reference():
    from esurety.reconcile.reference import ReferenceList

    return ReferenceList.read(ROOT / "data" / "local_governments.json")
