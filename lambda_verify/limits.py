"""Failure limits per client address and per guarantee number, in fixed windows.

A window is a fixed slice of wall time (``start`` … ``end``); each failed lookup adds one to the
counter of the client's window and to the counter of the number's window. Counters live in the
store with ``expires_at`` = the window's end. The code never trusts that an expired counter is gone
(DynamoDB's TTL deletes late, SQLite not at all): it reads only the current window's counter and
ignores one whose ``expires_at`` has passed.

The trade-off for a flood of wrong keys against one number (README, "Certificate lookup"):

* a client address over its own limit gets 429 for every number until its window ends;
* a number over its limit gets 429 for every client that already failed in its current window;
* but a client with no failure in its window still gets its one attempt evaluated. The rightful
  orderer, who types the correct key, is therefore never locked out by other people's failures.
  An attacker gains at most one evaluated guess per address and window beyond the number's limit;
  against an 80-bit (or at least 60-bit) key that is of no use, even with many addresses.
"""

from __future__ import annotations

import enum
import math
from typing import NamedTuple

__all__ = ["CLIENT_LIMIT", "NUMBER_LIMIT", "Gate", "Limit", "Limits", "Window", "Windows", "decide"]


class Window(NamedTuple):
    """One fixed window [start, end) in epoch seconds."""

    start: int
    end: int

    def retry_after(self, now: float) -> int:
        """Whole seconds until the window ends (at least 1), for the Retry-After header."""
        return max(1, math.ceil(self.end - now))

    def live(self, expires_at: float | int | None, now: float) -> bool:
        """Whether a stored counter with this expiry still counts; the code's own expiry check."""
        return expires_at is not None and float(expires_at) > now


class Limit(NamedTuple):
    """At most ``max_failures`` failed lookups per ``window_seconds`` window."""

    max_failures: int
    window_seconds: int

    def window(self, now: float) -> Window:
        start = int(now // self.window_seconds) * self.window_seconds
        return Window(start, start + self.window_seconds)


#: One address: ten failed lookups per ten minutes (an office NAT with several typists stays well below).
CLIENT_LIMIT = Limit(max_failures=10, window_seconds=600)
#: One number, all addresses together: ten failed lookups per ten minutes.
NUMBER_LIMIT = Limit(max_failures=10, window_seconds=600)


class Limits(NamedTuple):
    client: Limit = CLIENT_LIMIT
    number: Limit = NUMBER_LIMIT

    def windows(self, now: float) -> Windows:
        return Windows(self.client.window(now), self.number.window(now))


class Windows(NamedTuple):
    """The current client window and number window."""

    client: Window
    number: Window


class Gate(enum.Enum):
    """What the counters allow before the key is looked at."""

    OPEN = "open"
    #: The number is over its limit, the client has a clean record: one attempt, a failure answers 429.
    LAST_CHANCE = "last_chance"
    BLOCKED = "blocked"


class Decision(NamedTuple):
    gate: Gate
    #: Seconds until the blocking window ends (BLOCKED and LAST_CHANCE only).
    retry_after: int | None = None


def decide(client_failures: int, number_failures: int, limits: Limits, windows: Windows, now: float) -> Decision:
    """Apply the limits to the current counters (see the module docstring for the trade-off)."""
    if client_failures >= limits.client.max_failures:
        return Decision(Gate.BLOCKED, windows.client.retry_after(now))
    if number_failures >= limits.number.max_failures:
        retry = windows.number.retry_after(now)
        return Decision(Gate.LAST_CHANCE if client_failures == 0 else Gate.BLOCKED, retry)
    return Decision(Gate.OPEN)
