"""Time as the lookup sees it, behind one small object so tests can move it by hand.

Wall time decides rate-limit windows and the moment a certificate was first viewed; monotonic time
and sleep give failed lookups a minimum duration when ``VERIFY_FAILURE_FLOOR`` sets one (0 by default;
see handler). A fake clock replaces all three.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol

__all__ = ["JST", "Clock", "SystemClock", "iso_utc", "to_jst"]

#: Japan has no daylight saving time; a fixed offset avoids needing a time zone database in Lambda.
JST = dt.timezone(dt.timedelta(hours=9), "JST")


class Clock(Protocol):
    def time(self) -> float: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def iso_utc(epoch: float) -> str:
    """``2026-05-10T05:03:07Z``: how moments are stored (whole seconds, UTC)."""
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_jst(value: float | str) -> dt.datetime:
    """A stored moment (epoch seconds or ``iso_utc`` text) in Japan time, for display."""
    if isinstance(value, str):
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        moment = dt.datetime.fromtimestamp(value, dt.UTC)
    return moment.astimezone(JST)
