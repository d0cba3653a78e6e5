"""Availability under floods: the function behind the deployment's own throttles, simulated in process.

The caps are read from infra/template.yaml and infra/waf.yaml (their defaults), so the simulation
checks the numbers that are deployed: the WAF rate rule per viewer address (a count over the trailing
5 minutes), the HTTP API stage throttle (a token bucket for all callers), the function's reserved
concurrency (each lookup occupying an execution for its measured duration), then the real handler over
a real SQLite store on a hand-moved clock. Two floods, each beside 20 rightful orderers:

* one client sending 50 lookups a second with wrong keys;
* 1,000 addresses each sending just under the per-address limit, some at the orderers' own numbers.

In both, every rightful orderer's lookup is answered 200.
"""

from __future__ import annotations

import collections
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from lambda_verify.clock import SystemClock
from lambda_verify.keys import generate_key

from .support import ROOT, FakeClock, certificate_doc, json_event, make_app, put_certificate


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags read as plain values (only the defaults matter here)."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _defaults(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
    return {name: spec.get("Default") for name, spec in data["Parameters"].items()}


STACK = _defaults(ROOT / "infra" / "template.yaml")
WAF = _defaults(ROOT / "infra" / "waf.yaml")


class Edge:
    """WAF per address → stage token bucket → reserved concurrency → the function."""

    def __init__(self, app: Any, clock: FakeClock, *, duration: float):
        self.app, self.clock, self.duration = app, clock, duration
        self.waf_limit = int(WAF["ApiRequestsPer5Min"])
        self.rate, self.burst = float(STACK["ApiRateLimit"]), float(STACK["ApiBurstLimit"])
        self.concurrency = int(STACK["ReservedConcurrency"])
        self.tokens, self.last = self.burst, clock.time()
        self.seen: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self.running: list[float] = []
        self.outcomes: collections.Counter[str] = collections.Counter()

    def request(self, ip: str, number: str, key: str) -> int:
        now = self.clock.time()
        window = self.seen[ip]
        while window and window[0] <= now - 300:
            window.popleft()
        window.append(now)
        if len(window) > self.waf_limit:  # AWS WAF counts every request, blocked ones included
            self.outcomes["waf"] += 1
            return 429
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            self.outcomes["stage"] += 1
            return 429
        self.tokens -= 1
        self.running = [t for t in self.running if t > now]
        if len(self.running) >= self.concurrency:
            self.outcomes["concurrency"] += 1
            return 429
        self.running.append(now + self.duration)
        status = self.app(json_event({"guarantee_number": number, "access_key": key}, ip=ip))["statusCode"]
        self.outcomes[f"function {status}"] += 1
        return status


ORDERERS = 20


@pytest.fixture
def world(sqlite_store: Any, clock: FakeClock) -> Iterator[tuple[Edge, list[tuple[str, str, str]]]]:
    orderers = []
    for i in range(ORDERERS):
        number, key = f"20970{i:05d}", generate_key()
        put_certificate(sqlite_store, certificate_doc(number), key)
        orderers.append((f"192.0.2.{i + 1}", number, key))
    app = make_app(sqlite_store, clock)
    # measure how long one lookup keeps an execution busy here (the simulation charges that per request)
    real = make_app(sqlite_store, SystemClock())
    started = time.perf_counter()
    for i in range(50):
        real(json_event({"guarantee_number": orderers[0][1], "access_key": orderers[0][2]}, ip=f"10.0.0.{i}"))
    duration = max(0.03, (time.perf_counter() - started) / 50)
    yield Edge(app, clock, duration=duration), orderers


def _run(edge: Edge, clock: FakeClock, orderers: list[tuple[str, str, str]], flood: Any, seconds: int,
         rng: random.Random) -> list[int]:
    served = []
    start = clock.time()
    step = 0.01
    ticks = int(seconds / step)
    for tick in range(ticks):
        clock.now = start + tick * step
        for ip, number, key in flood(tick, step):
            edge.request(ip, number, key)
        for j, (ip, number, key) in enumerate(orderers):
            if (tick + j * 150) % 3000 == 0:  # each orderer looks up its certificate every 30 s
                served.append(edge.request(ip, number, key))
    return served


def test_one_client_flooding_does_not_stop_other_orderers(world: Any, clock: FakeClock) -> None:
    edge, orderers = world
    rng = random.Random(1)

    def flood(tick: int, step: float) -> list[tuple[str, str, str]]:
        if tick % 2:  # 50 per second
            return []
        return [("203.0.113.66", rng.choice(orderers)[1], "WRONGKEY2345")]

    served = _run(edge, clock, orderers, flood, 60, rng)
    assert len(served) >= ORDERERS and set(served) == {200}
    assert edge.outcomes["waf"] >= 2900  # the flood stops at the edge after its first 30 requests
    assert edge.outcomes["stage"] == edge.outcomes["concurrency"] == 0


def _thousand_addresses(edge: Edge, clock: FakeClock, orderers: list[tuple[str, str, str]]) -> list[int]:
    rng = random.Random(2)
    per_address = edge.waf_limit - 1  # just under the WAF limit, every 5 minutes
    attackers = [f"198.{18 + i // 65536}.{i // 256 % 256}.{i % 256}" for i in range(1000)]
    interval = 300 / per_address
    offsets = {ip: rng.uniform(0, interval) for ip in attackers}
    per_tick = collections.defaultdict(list)
    for ip in attackers:
        t = offsets[ip]
        while t < 60:
            per_tick[int(t / 0.01)].append(ip)
            t += interval

    def flood(tick: int, step: float) -> list[tuple[str, str, str]]:
        # a third of the guesses go at the orderers' own numbers, the rest anywhere
        return [(ip, rng.choice(orderers)[1] if rng.random() < 0.33 else f"2096{rng.randrange(10**6):06d}",
                 "WRONGKEY2345") for ip in per_tick.get(tick, [])]

    return _run(edge, clock, orderers, flood, 60, rng)


def test_a_thousand_addresses_just_under_the_limit_do_not_stop_other_orderers(world: Any, clock: FakeClock) -> None:
    edge, orderers = world
    served = _thousand_addresses(edge, clock, orderers)
    assert len(served) >= ORDERERS and set(served) == {200}
    assert edge.outcomes["waf"] == 0  # nobody crossed the per-address limit
    assert edge.outcomes["stage"] == 0 and edge.outcomes["concurrency"] == 0
    assert edge.outcomes["function 400"] + edge.outcomes["function 429"] > 5000


def test_the_old_stage_throttle_would_have_locked_orderers_out(world: Any, clock: FakeClock) -> None:
    """The same flood against the caps before issue 13 (10 a second, burst 20): orderers get 429 too —
    the sizing above is what keeps them served."""
    edge, orderers = world
    edge.rate, edge.burst, edge.tokens = 10.0, 20.0, 20.0
    served = _thousand_addresses(edge, clock, orderers)
    assert served.count(429) > 0 and edge.outcomes["stage"] > 1000
