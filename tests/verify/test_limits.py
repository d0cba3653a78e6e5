"""Attempt limits per client address and per number, in sliding windows of claimed slots, over both stores.

Every attempt is counted before its key is compared, atomically; if the count cannot be written the
answer is 503 for right and wrong keys alike. The clock is moved by hand.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from lambda_verify.addresses import client_address
from lambda_verify.limits import CLIENT_LIMIT, NUMBER_LIMIT, Gate, Limit, Limits, Slots, decide, make_stamp
from lambda_verify.stores.sqlite import SqliteStore

from .support import (
    KEY,
    NUMBER,
    FakeClock,
    InjectedFault,
    at_once,
    body_json,
    certificate_doc,
    json_event,
    make_app,
    put_certificate,
)

WRONG = "WRONGKEY2345"
WINDOW = CLIENT_LIMIT.window_seconds


def ask(app: Any, number: str, key: str, ip: str) -> dict[str, Any]:
    return app(json_event({"guarantee_number": number, "access_key": key}, ip=ip))


def live_slots(store: Any, scope: str, subject: str, now: float) -> int:
    """How many attempts the store holds for a client (hash of its address) or a number right now."""
    limit = CLIENT_LIMIT if scope == "client" else NUMBER_LIMIT
    if store.name == "sqlite":
        rows = store._conn().execute("SELECT slot, stamp FROM attempt_slots WHERE scope = ? AND subject = ?",
                                     (scope, subject)).fetchall()
        return Slots.of(rows, limit.max_attempts).live(limit, now)
    snap = store.read("2099000000" if scope == "client" else subject, subject if scope == "client" else "-",
                      Limits(), now)
    return (snap.client if scope == "client" else snap.number).live(limit, now)


def subject_of(ip: str) -> str:
    return client_address({}, ip).limit_subject


# ---------------------------------------------------------------------- the rules, without a store


def test_slots_free_after_the_window_wherever_it_started() -> None:
    limit = Limit(max_attempts=3, window_seconds=600)
    slots = Slots.of([(0, make_stamp(1000.0)), (1, make_stamp(1300.0))], 3)
    assert slots.live(limit, 1599.0) == 2 and slots.free(limit, 1599.0) == [2]
    assert slots.live(limit, 1600.5) == 1 and slots.free(limit, 1600.5) == [0, 2]
    assert slots.retry_after(limit, 1599.0) == 1          # the oldest (t=1000) frees at 1600
    assert slots.retry_after(limit, 1650.0) == 250        # then the one from t=1300


def test_decide_applies_the_trade_off() -> None:
    limits = Limits(client=Limit(2, 600), number=Limit(2, 600))
    now = 10_000.0
    full = Slots.of([(0, make_stamp(now - 1)), (1, make_stamp(now - 2))], 2)
    one = Slots.of([(0, make_stamp(now - 1))], 2)
    assert decide(Slots(), Slots(), limits, now).gate is Gate.OPEN
    assert decide(full, Slots(), limits, now).gate is Gate.BLOCKED
    assert decide(Slots(), full, limits, now).gate is Gate.LAST_CHANCE
    assert decide(one, full, limits, now).gate is Gate.BLOCKED


# ---------------------------------------------------------------------- through the handler


def test_one_address_is_limited_across_numbers(app: Any, clock: FakeClock) -> None:
    attacker = "203.0.113.66"
    for i in range(CLIENT_LIMIT.max_attempts):
        assert ask(app, f"20990005{i:02d}", WRONG, attacker)["statusCode"] == 400
    blocked = ask(app, NUMBER, KEY, attacker)  # even the right key: the address has no attempt left
    assert blocked["statusCode"] == 429
    assert blocked["headers"]["Retry-After"] == str(WINDOW)
    assert body_json(blocked)["status"] == "limited" and "約10分後" in body_json(blocked)["message"]
    assert ask(app, NUMBER, KEY, "198.51.100.1")["statusCode"] == 200  # someone else is not affected
    clock.advance(WINDOW)  # ten minutes after those attempts, their slots are free
    assert ask(app, NUMBER, KEY, attacker)["statusCode"] == 200


def test_right_keys_do_not_use_up_the_limit(app: Any) -> None:
    office = "192.0.2.10"
    for _ in range(3 * CLIENT_LIMIT.max_attempts):
        assert ask(app, NUMBER, KEY, office)["statusCode"] == 200
    for _ in range(CLIENT_LIMIT.max_attempts):
        assert ask(app, NUMBER, WRONG, office)["statusCode"] == 400


def test_no_doubling_at_any_edge(store: Any, clock: FakeClock) -> None:
    """A guess every 5 s for 25 minutes: no 600-second span, wherever it starts, has more than 10 evaluated."""
    put_certificate(store, certificate_doc(), KEY)
    app = make_app(store, clock)
    evaluated: list[float] = []
    start = clock.time()
    for step in range(300):
        clock.now = start + step * 5
        if ask(app, NUMBER, WRONG, "203.0.113.5")["statusCode"] == 400:
            evaluated.append(clock.now)
    assert len(evaluated) >= 20  # the limit recovers: about 10 per 600 s over 1,500 s
    for t in evaluated:
        in_span = [u for u in evaluated if t <= u < t + WINDOW]
        assert len(in_span) <= CLIENT_LIMIT.max_attempts, (t, in_span)


def test_a_flood_against_one_number_does_not_lock_out_the_rightful_orderer(app: Any, clock: FakeClock) -> None:
    """The documented trade-off: many addresses fail on one number; a clean address still gets in."""
    for i in range(NUMBER_LIMIT.max_attempts):
        assert ask(app, NUMBER, WRONG, f"203.0.113.{i + 1}")["statusCode"] == 400
    flooder = ask(app, NUMBER, WRONG, "203.0.113.1")       # an address that already failed: not evaluated
    assert flooder["statusCode"] == 429
    orderer = ask(app, NUMBER, KEY, "192.0.2.50")           # a clean address with the right key
    assert orderer["statusCode"] == 200
    newcomer = ask(app, NUMBER, WRONG, "192.0.2.51")        # a clean address with a wrong key: one try, then 429
    assert newcomer["statusCode"] == 429
    assert int(newcomer["headers"]["Retry-After"]) == WINDOW
    assert ask(app, NUMBER, KEY, "192.0.2.51")["statusCode"] == 429  # no second try while its attempt is live
    clock.advance(WINDOW)
    assert ask(app, NUMBER, KEY, "192.0.2.51")["statusCode"] == 200


def test_who_can_still_be_locked_out_and_for_how_long(app: Any, clock: FakeClock) -> None:
    """README: people behind the same address as the guesser, until the guesses are 10 minutes old;
    and an orderer who mistyped during a flood on its number, until its own mistype is 10 minutes old."""
    nat = "198.51.100.200"
    for i in range(CLIENT_LIMIT.max_attempts):           # someone in the same office NAT guesses
        ask(app, f"20990007{i:02d}", WRONG, nat)
        clock.advance(30)
    locked = ask(app, NUMBER, KEY, nat)                   # the orderer in that office, right key
    assert locked["statusCode"] == 429
    wait = int(locked["headers"]["Retry-After"])
    assert wait == WINDOW - 30 * CLIENT_LIMIT.max_attempts  # until the oldest of those guesses ages out
    clock.advance(wait)
    assert ask(app, NUMBER, KEY, nat)["statusCode"] == 200

    # a flood on the number keeps it full; the orderer mistypes once, then types it right
    orderer = "192.0.2.77"
    for i in range(NUMBER_LIMIT.max_attempts):
        ask(app, NUMBER, WRONG, f"203.0.113.{100 + i}")
    assert ask(app, NUMBER, WRONG, orderer)["statusCode"] == 429   # its last chance used by a mistype
    assert ask(app, NUMBER, KEY, orderer)["statusCode"] == 429
    for minute in range(1, 11):                                      # the flood goes on, from new addresses
        clock.advance(61)
        for i in range(NUMBER_LIMIT.max_attempts):
            ask(app, NUMBER, WRONG, f"203.0.{minute}.{i}")
    assert ask(app, NUMBER, KEY, orderer)["statusCode"] == 200      # 10 minutes after its mistype: in again


def test_unknown_numbers_are_limited_exactly_like_known_ones(store: Any, clock: FakeClock) -> None:
    """The same flood against an unknown number gives the same sequence of answers."""
    put_certificate(store, certificate_doc(), KEY)
    app = make_app(store, clock)
    start = clock.time()

    def flood(number: str, prefix: str) -> list[tuple[int, str, str]]:
        clock.now = start
        out = []
        for i in range(NUMBER_LIMIT.max_attempts + 2):
            r = ask(app, number, WRONG, f"{prefix}.{i % (NUMBER_LIMIT.max_attempts + 1) + 1}")
            out.append((r["statusCode"], r["headers"].get("Retry-After", ""), r["body"]))
        return out

    known = flood(NUMBER, "203.0.113")
    unknown = flood("2099000999", "198.51.100")
    assert known == unknown
    assert [s for s, _, _ in known].count(429) == 2


def test_stale_slots_are_ignored_even_if_still_stored(store: Any, clock: FakeClock) -> None:
    """TTL deletes late (or never, in SQLite): the code compares each slot's stamp itself."""
    limits = Limits(client=Limit(2, 600), number=Limit(100, 600))
    app = make_app(store, clock, limits=limits)
    put_certificate(store, certificate_doc(), KEY)
    ip = "203.0.113.91"
    ask(app, NUMBER, WRONG, ip)
    ask(app, NUMBER, WRONG, ip)
    assert ask(app, NUMBER, KEY, ip)["statusCode"] == 429
    clock.advance(601)
    assert ask(app, NUMBER, KEY, ip)["statusCode"] == 200


def test_slot_items_carry_an_expiry_for_ttl(dynamodb_store: Any, clock: FakeClock) -> None:
    app = make_app(dynamodb_store, clock)
    ask(app, NUMBER, WRONG, "203.0.113.92")
    items = dynamodb_store.client.scan(TableName=dynamodb_store.table)["Items"]
    slots = [i for i in items if i["pk"]["S"].startswith("slots#")]
    assert len(slots) == 2
    assert {int(i["expires_at"]["N"]) for i in slots} == {int(clock.time()) + WINDOW + 1}
    assert all("203.0.113" not in i["pk"]["S"] for i in slots)  # the address itself is not stored


@pytest.mark.parametrize("max_attempts", [1, 3])
def test_limit_sizes_are_respected(store: Any, clock: FakeClock, max_attempts: int) -> None:
    app = make_app(store, clock, limits=Limits(client=Limit(max_attempts, 60), number=Limit(1000, 60)))
    put_certificate(store, certificate_doc(), KEY)
    answers = [ask(app, NUMBER, WRONG, "203.0.113.93")["statusCode"] for _ in range(max_attempts + 1)]
    assert answers == [400] * max_attempts + [429]


# ---------------------------------------------------------------------- fail closed


def _failing_claims(store: Any, tmp_path: Path) -> Any:
    """A context in which the attempt cannot be recorded: SQLite locked by a writer; DynamoDB UpdateItem
    throttled (then denied) — reads still work."""
    import contextlib
    import sqlite3

    @contextlib.contextmanager
    def sqlite_locked() -> Any:
        holder = sqlite3.connect(store.path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()

    if store.name == "sqlite":
        return sqlite_locked()
    return InjectedFault(store.client, "UpdateItem", "ThrottlingException")


@pytest.mark.parametrize("code", ["ThrottlingException", "AccessDeniedException",
                                  "ProvisionedThroughputExceededException"])
def test_an_attempt_that_cannot_be_counted_is_not_evaluated(dynamodb_store: Any, clock: FakeClock, code: str) -> None:
    put_certificate(dynamodb_store, certificate_doc(), KEY)
    app = make_app(dynamodb_store, clock)
    with InjectedFault(dynamodb_store.client, "UpdateItem", code) as fault:
        right = ask(app, NUMBER, KEY, "198.51.100.9")
        wrong = ask(app, NUMBER, WRONG, "198.51.100.9")
    assert fault.failed >= 2
    assert right["statusCode"] == wrong["statusCode"] == 503
    assert right["body"] == wrong["body"]  # nothing tells right from wrong


def test_right_and_wrong_key_alike_get_503_when_counting_fails(store: Any, clock: FakeClock, tmp_path: Path) -> None:
    put_certificate(store, certificate_doc(), KEY)
    app = make_app(store, clock)
    with _failing_claims(store, tmp_path):
        answers = [ask(app, NUMBER, key, "198.51.100.8") for key in (KEY, WRONG, KEY, WRONG)]
    assert {a["statusCode"] for a in answers} == {503}
    assert len({a["body"] for a in answers}) == 1
    # afterwards nothing was counted against the address or the number, and the right key works
    assert ask(app, NUMBER, KEY, "198.51.100.8")["statusCode"] == 200


# ---------------------------------------------------------------------- concurrency


@pytest.fixture
def patient_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """The store under test, with a busy timeout long enough that 40 writers queue instead of failing."""
    if request.param == "sqlite":
        store = SqliteStore(tmp_path / "verify.sqlite3", busy_timeout=10.0, create=True)
        yield store
        store.close()
    else:
        yield request.getfixturevalue("dynamodb_store")


@pytest.mark.parametrize("patient_store", ["sqlite", "dynamodb"], indirect=True)
def test_forty_at_once_from_one_address_get_at_most_the_limit(patient_store: Any, clock: FakeClock) -> None:
    put_certificate(patient_store, certificate_doc(), KEY)
    app = make_app(patient_store, clock)
    results = at_once([lambda i=i: ask(app, f"20990008{i:02d}", WRONG, "203.0.113.40") for i in range(40)])
    statuses = Counter(r["statusCode"] for r in results)
    assert set(statuses) <= {400, 429, 503}
    assert statuses[400] <= CLIENT_LIMIT.max_attempts
    assert statuses[400] + statuses[503] >= 1
    # what was evaluated is exactly what was counted
    assert live_slots(patient_store, "client", subject_of("203.0.113.40"), clock.time()) == statuses[400]
    assert ask(app, NUMBER, KEY, "203.0.113.40")["statusCode"] == (429 if statuses[400] == 10 else 200)


@pytest.mark.parametrize("patient_store", ["sqlite", "dynamodb"], indirect=True)
def test_forty_addresses_at_once_against_one_number_get_at_most_its_limit(patient_store: Any,
                                                                          clock: FakeClock) -> None:
    put_certificate(patient_store, certificate_doc(), KEY)
    app = make_app(patient_store, clock)
    addresses = [f"198.51.100.{i + 1}" for i in range(40)]
    for i, ip in enumerate(addresses):  # each address has failed once elsewhere: no last chance for any
        assert ask(app, f"20990010{i:02d}", WRONG, ip)["statusCode"] == 400
    results = at_once([lambda ip=ip: ask(app, NUMBER, WRONG, ip) for ip in addresses])
    statuses = Counter(r["statusCode"] for r in results)
    assert set(statuses) <= {400, 429, 503}
    assert 1 <= statuses[400] <= NUMBER_LIMIT.max_attempts
    assert live_slots(patient_store, "number", NUMBER, clock.time()) == statuses[400]


@pytest.mark.parametrize("patient_store", ["sqlite", "dynamodb"], indirect=True)
def test_clean_addresses_at_once_get_one_last_chance_each_and_no_more(patient_store: Any, clock: FakeClock) -> None:
    """The number is full; 20 clean addresses send 3 wrong keys each at once: at most one evaluated per address."""
    put_certificate(patient_store, certificate_doc(), KEY)
    app = make_app(patient_store, clock)
    for i in range(NUMBER_LIMIT.max_attempts):
        ask(app, NUMBER, WRONG, f"203.0.113.{i + 1}")
    addresses = [f"192.0.2.{i + 1}" for i in range(20)]
    calls = [lambda ip=ip: (ip, ask(app, NUMBER, WRONG, ip)) for ip in addresses for _ in range(3)]
    results = at_once(calls)
    assert all(r["statusCode"] in (429, 503) for _, r in results)
    # each address's one last chance was claimed by exactly one of its three requests; the number gained none
    assert [live_slots(patient_store, "client", subject_of(ip), clock.time()) for ip in addresses] == [1] * 20
    assert live_slots(patient_store, "number", NUMBER, clock.time()) == NUMBER_LIMIT.max_attempts


def _process_guesses(db: str, ip: str, count: int, queue: Any) -> None:
    from .support import FakeClock as Clock
    from .support import make_app as build

    store = SqliteStore(db, busy_timeout=10.0)
    app = build(store, Clock())
    queue.put([ask(app, f"20990009{i:02d}", WRONG, ip)["statusCode"] for i in range(count)])
    store.close()


def test_processes_at_once_share_one_limit(tmp_path: Path) -> None:
    """Four processes, ten guesses each, one address, one SQLite file: ten evaluated in all."""
    db = tmp_path / "verify.sqlite3"
    SqliteStore(db, create=True).close()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_process_guesses, args=(str(db), "203.0.113.44", 10, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    statuses = Counter(s for _ in procs for s in queue.get(timeout=60))
    for p in procs:
        p.join(timeout=30)
    assert statuses[400] == CLIENT_LIMIT.max_attempts
    assert statuses[429] + statuses[503] == 40 - CLIENT_LIMIT.max_attempts


# ---------------------------------------------------------------------- failure floor


def test_no_failure_is_held_by_default(app: Any, clock: FakeClock) -> None:
    """Equal timing comes from equal work (test_handler), not from sleeping in the function."""
    ask(app, NUMBER, WRONG, "203.0.113.77")
    assert clock.slept == []


def test_a_configured_floor_holds_key_checks_but_not_refusals(store: Any, clock: FakeClock) -> None:
    put_certificate(store, certificate_doc(), KEY)
    app = make_app(store, clock, floor=0.25)
    attacker = "203.0.113.78"
    for i in range(CLIENT_LIMIT.max_attempts):
        clock.slept.clear()
        assert ask(app, f"20990006{i:02d}", WRONG, attacker)["statusCode"] == 400
        assert sum(clock.slept) == pytest.approx(0.25)
    clock.slept.clear()
    assert ask(app, NUMBER, WRONG, attacker)["statusCode"] == 429
    assert clock.slept == []
