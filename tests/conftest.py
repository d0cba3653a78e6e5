"""Shared test set-up: make the project's plugin importable and fix 'today' for every build."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "plugins"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

# Status (運用中 / 開始予定) depends on the build date; tests use a fixed one.
os.environ.setdefault("BUILD_DATE", "2026-11-20")
