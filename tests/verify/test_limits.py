"""Failure limits per client address and per number, in fixed windows, over both stores.

The clock is moved by hand, so windows open and close exactly where the test says.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from lambda_verify.limits import CLIENT_LIMIT, NUMBER_LIMIT, Gate, Limit, Limits, decide

from .support import KEY, NUMBER, FakeClock, body_json, certificate_doc, json_event, make_app, put_certificate

WRONG = "WRONGKEY2345"
#: End of the window the fake clock starts in.
WINDOW_END = 1_790_001_000


def remaining(clock: FakeClock) -> int:
    return math.ceil(WINDOW_END - clock.time())


def ask(app: Any, number: str, key: str, ip: str) -> dict[str, Any]:
    return app(json_event({"guarantee_number": number, "access_key": key}, ip=ip))


def test_windows_are_fixed_slices_of_time() -> None:
    limit = Limit(max_failures=3, window_seconds=600)
    w = limit.window(1_790_000_460.0)
    assert (w.start, w.end) == (1_790_000_400, 1_790_001_000)
    assert w.retry_after(1_790_000_460.0) == 540
    assert w.retry_after(1_790_000_999.5) == 1
    assert w.live(1_790_001_000, 1_790_000_999.0) and not w.live(1_790_001_000, 1_790_001_000.0)
    assert not w.live(None, 0)


def test_decide_applies_the_trade_off() -> None:
    limits = Limits()
    windows = limits.windows(1_790_000_460.0)
    now = 1_790_000_460.0
    assert decide(0, 0, limits, windows, now).gate is Gate.OPEN
    assert decide(CLIENT_LIMIT.max_failures, 0, limits, windows, now).gate is Gate.BLOCKED
    assert decide(0, NUMBER_LIMIT.max_failures, limits, windows, now).gate is Gate.LAST_CHANCE
    assert decide(1, NUMBER_LIMIT.max_failures, limits, windows, now).gate is Gate.BLOCKED


def test_one_address_is_limited_across_numbers(app: Any, clock: FakeClock) -> None:
    attacker = "203.0.113.66"
    for i in range(CLIENT_LIMIT.max_failures):
        assert ask(app, f"20990005{i:02d}", WRONG, attacker)["statusCode"] == 400
    wait = remaining(clock)
    blocked = ask(app, NUMBER, KEY, attacker)  # even the right key: the address is over its limit
    assert blocked["statusCode"] == 429
    assert blocked["headers"]["Retry-After"] == str(wait)
    assert body_json(blocked)["status"] == "limited" and "約9分後" in body_json(blocked)["message"]
    assert ask(app, NUMBER, KEY, "198.51.100.1")["statusCode"] == 200  # someone else is not affected
    clock.advance(remaining(clock))  # the window ends
    assert ask(app, NUMBER, KEY, attacker)["statusCode"] == 200


def test_a_flood_against_one_number_does_not_lock_out_the_rightful_orderer(app: Any, clock: FakeClock) -> None:
    """The documented trade-off: many addresses fail on one number; a clean address still gets in."""
    for i in range(NUMBER_LIMIT.max_failures):
        assert ask(app, NUMBER, WRONG, f"203.0.113.{i + 1}")["statusCode"] == 400
    # the number is now over its limit
    flooder = ask(app, NUMBER, WRONG, "203.0.113.1")       # an address that already failed: not evaluated
    assert flooder["statusCode"] == 429
    orderer = ask(app, NUMBER, KEY, "192.0.2.50")           # a clean address with the right key
    assert orderer["statusCode"] == 200
    wait = remaining(clock)
    newcomer = ask(app, NUMBER, WRONG, "192.0.2.51")        # a clean address with a wrong key: one try, then 429
    assert newcomer["statusCode"] == 429
    assert int(newcomer["headers"]["Retry-After"]) == wait
    assert ask(app, NUMBER, KEY, "192.0.2.51")["statusCode"] == 429  # no second try in this window
    clock.advance(remaining(clock))
    assert ask(app, NUMBER, KEY, "192.0.2.51")["statusCode"] == 200


def test_unknown_numbers_are_limited_exactly_like_known_ones(store: Any, clock: FakeClock) -> None:
    """The same flood against an unknown number gives the same sequence of answers."""
    put_certificate(store, certificate_doc(), KEY)
    app = make_app(store, clock)

    start = clock.time()

    def flood(number: str, prefix: str) -> list[tuple[int, str, str]]:
        clock.now = start
        out = []
        for i in range(NUMBER_LIMIT.max_failures + 2):
            r = ask(app, number, WRONG, f"{prefix}.{i % (NUMBER_LIMIT.max_failures + 1) + 1}")
            out.append((r["statusCode"], r["headers"].get("Retry-After", ""), r["body"]))
        return out

    known = flood(NUMBER, "203.0.113")
    unknown = flood("2099000999", "198.51.100")
    assert known == unknown
    assert [s for s, _, _ in known].count(429) == 2


def test_failures_in_an_old_window_do_not_count(app: Any, clock: FakeClock) -> None:
    ip = "203.0.113.90"
    for _ in range(CLIENT_LIMIT.max_failures - 1):
        ask(app, NUMBER, WRONG, ip)
    clock.advance(540)  # next window
    for _ in range(CLIENT_LIMIT.max_failures - 1):
        assert ask(app, NUMBER, WRONG, ip)["statusCode"] == 400
    assert ask(app, NUMBER, KEY, ip)["statusCode"] == 200


def test_expired_counters_are_ignored_even_if_still_stored(store: Any, clock: FakeClock) -> None:
    """TTL deletes late (or never, in SQLite): the code checks expires_at itself."""
    limits = Limits(client=Limit(2, 600), number=Limit(100, 600))
    app = make_app(store, clock, limits=limits)
    put_certificate(store, certificate_doc(), KEY)
    ip = "203.0.113.91"
    ask(app, NUMBER, WRONG, ip)
    ask(app, NUMBER, WRONG, ip)
    assert ask(app, NUMBER, KEY, ip)["statusCode"] == 429
    # Age the counter in place: same window key, expiry already passed.
    windows = limits.windows(clock.time())
    from lambda_verify.addresses import client_address

    subject = client_address({}, ip).limit_subject
    _expire_counter(store, subject, windows.client.start, int(clock.time()) - 1)
    assert ask(app, NUMBER, KEY, ip)["statusCode"] == 200


def _expire_counter(store: Any, subject: str, window_start: int, expires_at: int) -> None:
    if store.name == "sqlite":
        conn = store._conn()
        conn.execute("UPDATE failure_counters SET expires_at = ? WHERE scope = 'client' AND subject = ? "
                     "AND window_start = ?", (expires_at, subject, window_start))
    else:
        store.client.update_item(
            TableName=store.table,
            Key={"pk": {"S": f"fail#client#{subject}"}, "sk": {"S": f"window#{window_start}"}},
            UpdateExpression="SET expires_at = :e", ExpressionAttributeValues={":e": {"N": str(expires_at)}})


def test_counters_carry_an_expiry_for_ttl(dynamodb_store: Any, clock: FakeClock) -> None:
    app = make_app(dynamodb_store, clock)
    ask(app, NUMBER, WRONG, "203.0.113.92")
    items = dynamodb_store.client.scan(TableName=dynamodb_store.table)["Items"]
    counters = [i for i in items if i["pk"]["S"].startswith("fail#")]
    assert len(counters) == 2
    window_end = 1_790_001_000
    assert {int(i["expires_at"]["N"]) for i in counters} == {window_end}
    assert all("203.0.113" not in i["pk"]["S"] for i in counters)  # the address itself is not stored


@pytest.mark.parametrize("max_failures", [1, 3])
def test_limit_sizes_are_respected(store: Any, clock: FakeClock, max_failures: int) -> None:
    app = make_app(store, clock, limits=Limits(client=Limit(max_failures, 60), number=Limit(1000, 60)))
    put_certificate(store, certificate_doc(), KEY)
    answers = [ask(app, NUMBER, WRONG, "203.0.113.93")["statusCode"] for _ in range(max_failures + 1)]
    assert answers == [400] * max_failures + [429]


def test_a_request_refused_before_the_key_check_is_not_held(app: Any, clock: FakeClock) -> None:
    """Blocked requests reveal nothing by their timing, so they answer at once; the last wrong key is held."""
    attacker = "203.0.113.77"
    for i in range(CLIENT_LIMIT.max_failures):
        clock.slept.clear()
        assert ask(app, f"20990006{i:02d}", WRONG, attacker)["statusCode"] == 400
        assert sum(clock.slept) == pytest.approx(0.25)
    clock.slept.clear()
    assert ask(app, NUMBER, WRONG, attacker)["statusCode"] == 429
    assert clock.slept == []


def test_the_last_chance_wrong_key_is_held_like_any_failure(app: Any, clock: FakeClock) -> None:
    for i in range(NUMBER_LIMIT.max_failures):
        ask(app, NUMBER, WRONG, f"198.51.100.{100 + i}")
    clock.slept.clear()
    last = ask(app, NUMBER, WRONG, "198.51.100.250")   # clean address, number over its limit: one try
    assert last["statusCode"] == 429
    assert sum(clock.slept) == pytest.approx(0.25)
