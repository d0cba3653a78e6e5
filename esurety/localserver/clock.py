"""A lookup clock the tests set by hand (``--clock-file``): the wall time stands where a file says.

The attempt limits count in ten-minute windows of wall time. A browser test that sends wrong keys
must not depend on where the real clock happens to be, nor on what earlier tests sent: with
``python -m scripts.devserver --clock-file PATH`` the lookup's wall time is the number of epoch
seconds written in PATH (read on every use; moved by rewriting the file), while monotonic time and
sleeps stay real. The server then builds its own ``lambda_verify`` App around that clock instead of
the process-wide one. Without the option nothing changes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from lambda_verify.clock import Clock

logger = logging.getLogger(__name__)

__all__ = ["ClockedHandler", "FileClock", "write_clock_file"]


def write_clock_file(path: Path, epoch: float) -> None:
    """Set the clock file at ``path`` to ``epoch`` in one step (a reader never sees half a number)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(f"{epoch:.6f}\n", encoding="ascii")
    partial.replace(path)


class FileClock:
    """Wall time from a file (epoch seconds), monotonic time and sleep from the real clock."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def time(self) -> float:
        return float(self.path.read_text(encoding="ascii").strip())

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ClockedHandler:
    """``lambda_verify.handler.handler`` over the store the environment names, with ``clock`` as its clock.

    The App is built on the first request, as the module-level handler does; if the store cannot be
    opened, the module-level handler answers (503, and the audit line) exactly as it would.
    """

    def __init__(self, clock: Clock):
        self.clock = clock
        self._app: Any = None
        self._lock = threading.Lock()

    def _get_app(self) -> Any:
        with self._lock:
            if self._app is None:
                from lambda_verify.config import Settings
                from lambda_verify.handler import App
                from lambda_verify.service import LookupService
                from lambda_verify.stores import open_store

                settings = Settings.from_env()
                store = open_store(settings.table, str(settings.db_path), busy_timeout=settings.sqlite_busy_timeout)
                self._app = App(LookupService(store, self.clock, settings.limits), settings, self.clock)
            return self._app

    def __call__(self, event: Any, context: Any = None) -> dict[str, Any]:
        try:
            app = self._get_app()
        except Exception:
            logger.exception("cannot open the certificate store")
            from lambda_verify.handler import handler

            return handler(event, context)
        result: dict[str, Any] = app(event, context)
        return result
