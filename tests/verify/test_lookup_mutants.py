"""The lookup's key check and attempt limits, at the edges mutation testing (`make mutation`) found.

A stored hash with its last character changed does not match; the key check runs (through
``hmac.compare_digest``) for unknown numbers too; windows of different lengths report their own
Retry-After; slots free exactly when their window has passed.
"""

from __future__ import annotations

import hmac
import math

import pytest

from lambda_verify import keys, limits, service
from lambda_verify.addresses import ClientAddress, client_address
from lambda_verify.keys import DUMMY_HASH, KEY_ALPHABET, SCHEME, hash_key, key_bits, keys_match
from lambda_verify.limits import Gate, Limit, Limits, Slots, decide, make_stamp, stamp_cutoff, stamp_time
from lambda_verify.service import Limited, LookupService, NoMatch, Shown
from lambda_verify.stores.sqlite import SqliteStore
from tests.verify.support import KEY, NUMBER, T0, FakeClock, certificate_doc, put_certificate

CLIENT = client_address({}, "198.51.100.7")


# --- keys ---------------------------------------------------------------------------------------

def _flip(ch: str) -> str:
    return "0" if ch != "0" else "1"


@pytest.mark.parametrize("position", [-1, 7, len(SCHEME) + 1, len(SCHEME) + 17, len(SCHEME) + 33])
def test_a_stored_hash_changed_in_any_one_character_does_not_match(position: int) -> None:
    stored = hash_key(NUMBER, KEY)
    assert keys_match(stored, NUMBER, KEY)
    changed = stored[:position] + _flip(stored[position]) + (stored[position + 1:] if position != -1 else "")
    assert len(changed) == len(stored) and changed != stored
    assert not keys_match(changed, NUMBER, KEY)


def test_a_hash_shorter_or_longer_does_not_match() -> None:
    stored = hash_key(NUMBER, KEY)
    assert not keys_match(stored[:-1], NUMBER, KEY)
    assert not keys_match(stored + "0", NUMBER, KEY)
    assert not keys_match(stored[:len(SCHEME) + 17], NUMBER, KEY)   # a prefix of 16 hex digits


def test_the_hash_is_sha256_over_domain_number_and_key() -> None:
    import hashlib

    digest = hashlib.sha256(b"esurety-access-key/v1\x00" + NUMBER.encode() + b"\x00" + KEY.encode()).hexdigest()
    assert hash_key(NUMBER, KEY) == f"s256v1${digest}"
    # the separator keeps number and key apart: 2099000101 + 0K… is not 20990001010 + K…
    assert hash_key("2099000101", "0" + KEY) != hash_key("20990001010", KEY)


def test_the_comparison_is_hmac_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    stored = hash_key(NUMBER, KEY)
    assert keys_match(stored, NUMBER, KEY) is True
    assert keys_match(stored, NUMBER, "WRONGKEY23456789") is False
    assert calls == [(stored.encode(), stored.encode()),
                     (stored.encode(), hash_key(NUMBER, "WRONGKEY23456789").encode())]


def test_key_entropy_and_alphabet() -> None:
    assert key_bits() == 80.0
    assert key_bits(12, "ab") == 12.0
    assert len(keys.generate_key()) == 16 and len(keys.generate_key(20)) == 20
    assert set(keys.generate_key(400)) == set(KEY_ALPHABET)       # every letter is used
    assert hash_key("0000000000", "unknown-number-placeholder") == DUMMY_HASH


# --- limits (pure) --------------------------------------------------------------------------------

def test_stamps_keep_the_microsecond_and_differ_at_the_same_moment() -> None:
    stamp = make_stamp(T0 + 0.123456)
    assert stamp_time(stamp) == pytest.approx(T0 + 0.123456, abs=1e-6)
    assert stamp // 1000 == int((T0 + 0.123456) * 1_000_000)
    assert len({make_stamp(T0) for _ in range(50)}) > 1


def test_a_slot_frees_exactly_when_its_window_has_passed() -> None:
    limit = Limit(max_attempts=2, window_seconds=600)
    stamp = int(T0 * 1_000_000) * 1000 + 999
    slots = Slots((stamp, None))
    assert slots.live(limit, T0 + 599.999999) == 1
    assert slots.live(limit, T0 + 600) == 0          # spans are [t, t + W)
    assert slots.free(limit, T0 + 599.999999) == [1]
    assert slots.free(limit, T0 + 600) == [0, 1]
    assert stamp_cutoff(T0 + 600, 600) == (int(T0 * 1_000_000) + 1) * 1000


def test_slots_beyond_the_limit_are_ignored_and_short_tables_padded() -> None:
    limit = Limit(max_attempts=2, window_seconds=60)
    live = make_stamp(T0)
    assert Slots.of([(0, live), (5, live), (-1, live)], 3).stamps == (live, None, None)
    assert Slots((live, live, live)).live(limit, T0) == 2
    assert Slots((live,)).free(limit, T0) == [1]
    assert Slots(()).free(limit, T0) == [0, 1]


def test_retry_after_is_the_oldest_live_slot_of_that_window() -> None:
    short, long = Limit(2, 60), Limit(2, 600)
    oldest, newer = make_stamp(T0 - 50), make_stamp(T0 - 10)
    slots = Slots((newer, oldest))
    assert slots.retry_after(short, T0) == 10
    assert slots.retry_after(long, T0) == 550
    assert Slots(()).retry_after(short, T0) == 1
    assert Slots((make_stamp(T0 - 59.9),)).retry_after(short, T0) == 1   # never 0
    assert Slots((make_stamp(T0 - 30.5),)).retry_after(short, T0) == math.ceil(29.5)


def test_decide_reports_the_window_of_the_subject_that_blocks() -> None:
    lim = Limits(client=Limit(2, 60), number=Limit(3, 600))
    full_client = Slots((make_stamp(T0 - 20), make_stamp(T0 - 5)))
    full_number = Slots((make_stamp(T0 - 100), make_stamp(T0 - 50), make_stamp(T0 - 1)))
    assert decide(Slots(), Slots(), lim, T0) == (Gate.OPEN, None)
    assert decide(full_client, Slots(), lim, T0) == (Gate.BLOCKED, 40)            # the client's 60 s window
    assert decide(Slots(), full_number, lim, T0) == (Gate.LAST_CHANCE, 500)       # the number's 600 s window
    one = Slots((make_stamp(T0 - 5),))
    assert decide(one, full_number, lim, T0) == (Gate.BLOCKED, 500)
    assert decide(Slots((make_stamp(T0 - 5), None)), Slots(full_number.stamps[:2]), lim, T0).gate is Gate.OPEN


def test_limits_defaults_and_slot_count() -> None:
    assert Limit(10, 600) == limits.CLIENT_LIMIT and Limit(10, 600) == limits.NUMBER_LIMIT
    assert Limits(Limit(3, 60), Limit(7, 60)).slot_count == 7
    assert Limits(Limit(9, 60), Limit(7, 60)).slot_count == 9
    assert Limit(4, 60).max_failures == 4
    assert limits.Claim.blocked(None) == (Gate.BLOCKED, 1, None, None, None)
    assert limits.Claim.blocked(30).retry_after == 30
    assert sorted(limits.shuffled(range(10))) == list(range(10))


# --- the service --------------------------------------------------------------------------------

@pytest.fixture
def store(sqlite_store: SqliteStore) -> SqliteStore:
    """The embedded store only: these tests are about the service's order, not a store (test_stores.py)."""
    return sqlite_store


def test_an_unknown_number_is_checked_against_the_dummy_hash(store: SqliteStore, monkeypatch) -> None:
    checked: list[tuple[str, str, str]] = []
    real = keys_match
    monkeypatch.setattr(service, "keys_match", lambda h, n, k: checked.append((h, n, k)) or real(h, n, k))
    svc = LookupService(store, FakeClock())
    assert svc.lookup("2099000999", KEY, CLIENT) == NoMatch("2099000999", known=False)
    assert checked == [(DUMMY_HASH, "2099000999", KEY)]
    put_certificate(store, certificate_doc(NUMBER), KEY)
    assert svc.lookup(NUMBER, "WRONGKEY23456789", CLIENT) == NoMatch(NUMBER, known=True)
    assert checked[1][0] == hash_key(NUMBER, KEY)


def test_a_right_key_shows_and_records_the_first_view_once(store: SqliteStore) -> None:
    put_certificate(store, certificate_doc(NUMBER), KEY)
    clock = FakeClock()
    svc = LookupService(store, clock)
    first = svc.lookup(NUMBER, KEY, CLIENT)
    assert isinstance(first, Shown) and first.view.recorded_now and first.looked_up_at == T0
    clock.advance(3600)
    again = svc.lookup(NUMBER, KEY, CLIENT)
    assert isinstance(again, Shown) and not again.view.recorded_now
    assert again.view.first_viewed_at == first.view.first_viewed_at


def test_the_number_limit_reports_its_own_window(store: SqliteStore) -> None:
    """Client window 60 s, number window 600 s: a full number answers the number's Retry-After."""
    put_certificate(store, certificate_doc(NUMBER), KEY)
    clock = FakeClock()
    svc = LookupService(store, clock, Limits(client=Limit(2, 60), number=Limit(2, 600)))
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert isinstance(svc.lookup(NUMBER, "WRONGKEY23456789", client_address({}, ip)), NoMatch)
    clock.advance(100)
    out = svc.lookup(NUMBER, "WRONGKEY23456789", client_address({}, "198.51.100.3"))
    assert out == Limited(NUMBER, 500, key_checked=True)      # last chance, spent: the number's window
    blocked = svc.lookup(NUMBER, KEY, client_address({}, "198.51.100.3"))
    # the number is still full and this client now has a live slot: blocked, the key not even looked at
    assert blocked == Limited(NUMBER, 500, key_checked=False)
    clock.advance(500)
    assert isinstance(svc.lookup(NUMBER, KEY, client_address({}, "198.51.100.3")), Shown)


def test_the_client_limit_reports_its_own_window(store: SqliteStore) -> None:
    clock = FakeClock()
    svc = LookupService(store, clock, Limits(client=Limit(2, 60), number=Limit(10, 600)))
    assert isinstance(svc.lookup("2099000998", KEY, CLIENT), NoMatch)
    clock.advance(10)
    assert isinstance(svc.lookup("2099000997", KEY, CLIENT), NoMatch)
    assert svc.lookup("2099000996", KEY, CLIENT) == Limited("2099000996", 50)
    clock.advance(50)
    assert isinstance(svc.lookup("2099000996", KEY, CLIENT), NoMatch)   # the first slot freed


def test_a_right_key_gives_its_slots_back(store: SqliteStore) -> None:
    put_certificate(store, certificate_doc(NUMBER), KEY)
    svc = LookupService(store, FakeClock(), Limits(client=Limit(2, 60), number=Limit(2, 600)))
    for _ in range(5):
        assert isinstance(svc.lookup(NUMBER, KEY, CLIENT), Shown)


def test_unknown_client_address_has_its_own_subject() -> None:
    assert ClientAddress(None).limit_subject != CLIENT.limit_subject
    assert ClientAddress(None).audit_network == "unknown"


# --- edges of the slots -------------------------------------------------------------------------

def test_a_stamp_exactly_at_the_cutoff_is_live() -> None:
    limit = Limit(max_attempts=2, window_seconds=60)
    edge = stamp_cutoff(T0, 60)
    slots = Slots((edge, edge - 1))
    assert slots.live(limit, T0) == 1
    assert slots.free(limit, T0) == [1]
    assert slots.retry_after(limit, T0) == math.ceil(stamp_time(edge) + 60 - T0)


def test_retry_after_ignores_expired_and_empty_slots() -> None:
    limit = Limit(max_attempts=3, window_seconds=60)
    slots = Slots((make_stamp(T0 - 100), None, make_stamp(T0 - 20)))
    assert slots.retry_after(limit, T0) == 40


def test_slots_of_drops_an_index_at_the_size() -> None:
    stamp = make_stamp(T0)
    assert Slots.of([(3, stamp), (2, stamp)], 3).stamps == (None, None, stamp)


def test_stamps_take_three_random_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    monkeypatch.setattr(limits.secrets, "randbelow", lambda n: asked.append(n) or n - 1)
    assert make_stamp(T0) == int(T0 * 1_000_000) * 1000 + 999
    assert asked == [1000]


def test_shuffled_is_a_fisher_yates_over_every_position(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    monkeypatch.setattr(limits.secrets, "randbelow", lambda n: asked.append(n) or 0)
    assert limits.shuffled([0, 1, 2, 3]) == [1, 2, 3, 0]
    assert asked == [4, 3, 2]
    assert limits.shuffled([7]) == [7] and limits.shuffled([]) == []


# --- the service against a store that answers as the test says ----------------------------------

class Scripted:
    """The embedded store, recording calls, with answers a test may replace."""

    def __init__(self, inner: SqliteStore):
        self.inner = inner
        self.calls: list[tuple] = []
        self.read_answer = None
        self.get_answer: object = "real"
        self.claim_answer = None
        self.fail_read: Exception | None = None

    def read(self, *args):
        self.calls.append(("read", *args))
        if self.fail_read:
            raise self.fail_read
        snap = self.inner.read(*args)
        return self.read_answer(snap) if self.read_answer else snap

    def claim(self, *args):
        self.calls.append(("claim", *args))
        return self.claim_answer or self.inner.claim(*args)

    def release(self, *args):
        self.calls.append(("release", *args))
        return self.inner.release(*args)

    def get(self, number):
        self.calls.append(("get", number))
        return self.inner.get(number) if self.get_answer == "real" else self.get_answer

    def record_first_view(self, *args):
        return self.inner.record_first_view(*args)


@pytest.fixture
def scripted(store: SqliteStore) -> Scripted:
    put_certificate(store, certificate_doc(NUMBER), KEY)
    return Scripted(store)


def test_the_service_passes_number_subject_limits_and_time(scripted: Scripted) -> None:
    lim = Limits(Limit(3, 60), Limit(4, 600))
    out = LookupService(scripted, FakeClock(), lim).lookup(NUMBER, KEY, CLIENT)
    assert isinstance(out, Shown) and out.guarantee_number == NUMBER
    assert out.certificate.guarantee_number == NUMBER
    read, claim, release = scripted.calls[:3]
    subject = CLIENT.limit_subject
    assert read[:5] == ("read", NUMBER, subject, lim, T0)
    assert claim[:5] == ("claim", NUMBER, subject, lim, T0) and claim[5].certificate.guarantee_number == NUMBER
    assert release[:3] == ("release", NUMBER, subject) and release[3].stamp is not None


def test_a_store_that_cannot_answer_is_unavailable_with_its_retry(scripted: Scripted) -> None:
    from lambda_verify.stores.base import StoreUnavailable

    scripted.fail_read = StoreUnavailable("down", retry_after=7)
    assert LookupService(scripted, FakeClock()).lookup(NUMBER, KEY, CLIENT) == service.Unavailable(7, NUMBER)


def test_invalid_input_names_its_errors(scripted: Scripted) -> None:
    out = LookupService(scripted, FakeClock()).lookup("12", "", CLIENT)
    assert isinstance(out, service.Invalid) and out.errors and scripted.calls == []


@pytest.mark.parametrize("gate, key, expected", [
    (Gate.BLOCKED, KEY, Limited(NUMBER, 1)),
    (Gate.LAST_CHANCE, "WRONGKEY23456789", Limited(NUMBER, 1, key_checked=True)),
])
def test_a_limit_without_a_retry_says_one_second(scripted: Scripted, gate: Gate, key: str, expected) -> None:
    scripted.claim_answer = limits.Claim(gate, None)
    assert LookupService(scripted, FakeClock()).lookup(NUMBER, key, CLIENT) == expected


def test_a_read_without_the_document_fetches_it_after_the_key_matched(scripted: Scripted) -> None:
    scripted.read_answer = lambda snap: snap._replace(certificate=snap.certificate._replace(document=None))
    out = LookupService(scripted, FakeClock()).lookup(NUMBER, KEY, CLIENT)
    assert isinstance(out, Shown) and out.certificate.guarantee_number == NUMBER
    assert ("get", NUMBER) in scripted.calls


def test_a_read_with_the_document_does_not_fetch_it_again(scripted: Scripted) -> None:
    assert isinstance(LookupService(scripted, FakeClock()).lookup(NUMBER, KEY, CLIENT), Shown)
    assert not [c for c in scripted.calls if c[0] == "get"]


@pytest.mark.parametrize("change", ["gone", "rekeyed", "emptied"])
def test_a_certificate_that_changed_during_the_lookup_is_unavailable(scripted: Scripted, change: str) -> None:
    scripted.read_answer = lambda snap: snap._replace(certificate=snap.certificate._replace(document=None))
    full = scripted.inner.get(NUMBER)
    scripted.get_answer = {"gone": None, "rekeyed": full._replace(key_hash=hash_key(NUMBER, "OTHERKEY23456789")),
                           "emptied": full._replace(document=None)}[change]
    assert LookupService(scripted, FakeClock()).lookup(NUMBER, KEY, CLIENT) == service.Unavailable(1, NUMBER)


def test_a_broken_stored_document_is_unavailable_and_logged(scripted: Scripted, caplog) -> None:
    scripted.read_answer = lambda snap: snap._replace(certificate=snap.certificate._replace(document="{not json"))
    with caplog.at_level("ERROR", logger=service.__name__):
        out = LookupService(scripted, FakeClock()).lookup(NUMBER, KEY, CLIENT)
    assert out == service.Unavailable(5, NUMBER)
    assert [r.getMessage() for r in caplog.records if r.name == service.__name__] == [
        f"stored document of {NUMBER} cannot be read: JSONDecodeError"]
