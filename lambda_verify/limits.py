"""Attempt limits per client address and per guarantee number, in sliding windows of claimed slots.

Every lookup that will compare a key first *claims a slot* (counts the attempt), atomically, and only
then is the key compared; if the slot cannot be recorded the answer is 503 for a right and a wrong
key alike (service.py). A subject (one client address, one guarantee number) has ``max_attempts``
slots; each holds the stamp of the attempt that last claimed it. A slot is free when its stamp is
older than ``window_seconds``. So in any ``window_seconds``-long span of time a subject has at most
``max_attempts`` evaluated attempts, wherever the span starts: there is no window edge at which the
limit doubles. A lookup with the right key gives its slots back (``release``), so the rightful
orderer's own successful lookups do not use up the limit; failures keep theirs until they age out.

Claims are atomic in both stores: one ``BEGIN IMMEDIATE`` transaction in SQLite, one conditional
UpdateItem per slot in DynamoDB (``attribute_not_exists(sN) OR sN < :cutoff``), so concurrent
attempts never get more slots than there are.

The trade-off for a flood of wrong keys against one number (README, "Certificate lookup"):

* a client address whose slots are all taken gets 429 for every number until its oldest slot frees;
* a number whose slots are all taken gets 429 for every client that has an attempt in its own window;
* but a client with a clean record (no live slot) still gets one attempt evaluated (LAST_CHANCE),
  claimed with a condition that all its slots are free, so one address gets one such attempt per window.
  The rightful orderer, who types the correct key, is therefore never locked out by other people's
  failures — only by failures from its own address (an office NAT, a carrier-grade NAT).
"""

from __future__ import annotations

import enum
import math
import secrets
from collections.abc import Iterable, Sequence
from typing import NamedTuple

__all__ = [
    "CLIENT_LIMIT",
    "NUMBER_LIMIT",
    "Claim",
    "Decision",
    "Gate",
    "Limit",
    "Limits",
    "Slots",
    "decide",
    "make_stamp",
    "stamp_cutoff",
    "stamp_time",
]

#: Stamps are integers: microseconds since the epoch × 1000 + three random digits, so two claims at
#: the same microsecond still differ (a release removes only the stamp its own claim wrote).


def make_stamp(now: float) -> int:
    return int(now * 1_000_000) * 1000 + secrets.randbelow(1000)


def stamp_time(stamp: int) -> float:
    """The moment (epoch seconds, to the microsecond) a stamp was made; the random digits dropped."""
    return (stamp // 1000) / 1_000_000


def stamp_cutoff(now: float, window_seconds: int) -> int:
    """Stamps below this are ``window_seconds`` old or older: their slots are free (spans are [t, t + W))."""
    return (int((now - window_seconds) * 1_000_000) + 1) * 1000


class Limit(NamedTuple):
    """At most ``max_attempts`` evaluated attempts in any ``window_seconds``-long span."""

    max_attempts: int
    window_seconds: int

    @property
    def max_failures(self) -> int:  # the name the README and older callers use
        return self.max_attempts


#: One address: ten attempts per ten minutes (an office NAT with several typists stays well below).
CLIENT_LIMIT = Limit(max_attempts=10, window_seconds=600)
#: One number, all addresses together: ten attempts per ten minutes.
NUMBER_LIMIT = Limit(max_attempts=10, window_seconds=600)


class Limits(NamedTuple):
    client: Limit = CLIENT_LIMIT
    number: Limit = NUMBER_LIMIT

    @property
    def slot_count(self) -> int:
        """How many slot attributes any subject may have (the DynamoDB read projects this many)."""
        return max(self.client.max_attempts, self.number.max_attempts)


class Slots(NamedTuple):
    """One subject's slots as stored: index → stamp (None when never used)."""

    stamps: tuple[int | None, ...] = ()

    @classmethod
    def of(cls, stamps: Iterable[tuple[int, int]], size: int) -> Slots:
        table: list[int | None] = [None] * size
        for index, stamp in stamps:
            if 0 <= index < size:
                table[index] = int(stamp)
        return cls(tuple(table))

    def live(self, limit: Limit, now: float) -> int:
        cutoff = stamp_cutoff(now, limit.window_seconds)
        return sum(1 for s in self.stamps[:limit.max_attempts] if s is not None and s >= cutoff)

    def free(self, limit: Limit, now: float) -> list[int]:
        cutoff = stamp_cutoff(now, limit.window_seconds)
        size = limit.max_attempts
        padded = list(self.stamps[:size]) + [None] * (size - len(self.stamps[:size]))
        return [i for i, s in enumerate(padded) if s is None or s < cutoff]

    def retry_after(self, limit: Limit, now: float) -> int:
        """Whole seconds until the oldest live slot frees (at least 1), for Retry-After."""
        cutoff = stamp_cutoff(now, limit.window_seconds)
        live = [s for s in self.stamps[:limit.max_attempts] if s is not None and s >= cutoff]
        if not live:
            return 1
        return max(1, math.ceil(stamp_time(min(live)) + limit.window_seconds - now))


class Gate(enum.Enum):
    """What the slots allow before the key is looked at."""

    OPEN = "open"
    #: The number is full, the client has a clean record: one attempt, a failure answers 429.
    LAST_CHANCE = "last_chance"
    BLOCKED = "blocked"


class Decision(NamedTuple):
    gate: Gate
    #: Seconds until the blocking subject has a free slot (BLOCKED and LAST_CHANCE only).
    retry_after: int | None = None


def decide(client: Slots, number: Slots, limits: Limits, now: float) -> Decision:
    """Apply the limits to the slots as read (the claim then makes it true atomically)."""
    client_live = client.live(limits.client, now)
    if client_live >= limits.client.max_attempts:
        return Decision(Gate.BLOCKED, client.retry_after(limits.client, now))
    if number.live(limits.number, now) >= limits.number.max_attempts:
        retry = number.retry_after(limits.number, now)
        return Decision(Gate.LAST_CHANCE if client_live == 0 else Gate.BLOCKED, retry)
    return Decision(Gate.OPEN)


class Claim(NamedTuple):
    """The outcome of claiming: the gate, and which slots this attempt holds (for ``release``)."""

    gate: Gate
    retry_after: int | None = None
    stamp: int | None = None
    client_slot: int | None = None
    number_slot: int | None = None

    @classmethod
    def blocked(cls, retry_after: int | None) -> Claim:
        return cls(Gate.BLOCKED, retry_after or 1)


def shuffled(indices: Sequence[int]) -> list[int]:
    """Free slots in random order, so concurrent claimers rarely race for the same one."""
    out = list(indices)
    for i in range(len(out) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        out[i], out[j] = out[j], out[i]
    return out
