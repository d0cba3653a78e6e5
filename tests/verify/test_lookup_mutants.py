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


# --- settings from the environment --------------------------------------------------------------

def test_settings_without_any_variable_are_the_local_defaults() -> None:
    from lambda_verify.config import DEFAULT_DB, Settings

    # GIVEN an empty environment WHEN the settings are read THEN every default applies
    got = Settings.from_env({})
    assert got == Settings(table=None, db_path=DEFAULT_DB, failure_floor=0.0, static_base="/theme",
                           origin_secret=None, trust_unverified_viewer=True)
    assert got.limits == Limits() and got.sqlite_busy_timeout is None


def test_settings_take_each_variable(tmp_path) -> None:
    from pathlib import Path

    from lambda_verify.config import Settings

    # GIVEN every variable set WHEN read THEN each lands in its own field
    got = Settings.from_env({"CERTIFICATES_TABLE": "certs", "VERIFY_DB": "~/x.sqlite3",
                             "VERIFY_STATIC_BASE": "/static/theme///", "ORIGIN_VERIFY_SECRET": "s3cret",
                             "VERIFY_FAILURE_FLOOR": "0.5", "AWS_LAMBDA_FUNCTION_NAME": "verify"})
    assert got.table == "certs"
    assert got.db_path == Path("~/x.sqlite3").expanduser() and "~" not in str(got.db_path)
    assert got.static_base == "/static/theme"
    assert got.origin_secret == "s3cret"
    assert got.failure_floor == 0.5
    assert got.trust_unverified_viewer is False


@pytest.mark.parametrize("text, floor", [("3", 2.0), ("2", 2.0), ("-1", 0.0), ("0.25", 0.25), ("many", 0.0),
                                         ("", 0.0)])
def test_the_failure_floor_is_kept_between_zero_and_two_seconds(text: str, floor: float) -> None:
    from lambda_verify.config import Settings

    # GIVEN a floor typed in the environment WHEN read THEN it is clamped to [0, 2] and junk means 0
    assert Settings.from_env({"VERIFY_FAILURE_FLOOR": text}).failure_floor == floor


def test_empty_variables_count_as_unset() -> None:
    from lambda_verify.config import DEFAULT_DB, Settings

    got = Settings.from_env({"CERTIFICATES_TABLE": "", "VERIFY_DB": "", "VERIFY_STATIC_BASE": "",
                             "ORIGIN_VERIFY_SECRET": "", "AWS_LAMBDA_FUNCTION_NAME": ""})
    assert (got.table, got.db_path, got.static_base, got.origin_secret, got.trust_unverified_viewer) == (
        None, DEFAULT_DB, "/theme", None, True)


def test_settings_read_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_verify.config import Settings

    monkeypatch.setenv("VERIFY_STATIC_BASE", "/from-env/")
    assert Settings.from_env().static_base == "/from-env"


# --- the store the environment names ------------------------------------------------------------

def test_open_store_picks_sqlite_for_a_path_and_passes_its_timeout(tmp_path) -> None:
    from lambda_verify.stores import open_store

    path = tmp_path / "v.sqlite3"
    SqliteStore(path, create=True).close()
    # GIVEN no table and a path WHEN opened THEN the SQLite store of that file, with the timeout asked for
    opened = open_store(None, str(path), busy_timeout=0.3)
    try:
        assert isinstance(opened, SqliteStore) and opened.path == path and opened.busy_timeout == 0.3
        assert opened.count() == 0
    finally:
        opened.close()
    assert open_store("", str(path)).busy_timeout == 5.0


def test_open_store_picks_dynamodb_for_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_verify.stores import open_store
    from lambda_verify.stores.dynamodb import DynamoDbStore

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # GIVEN a table name WHEN opened THEN the DynamoDB store of that table (creating a client sends nothing)
    opened = open_store("certs", "/nowhere.sqlite3")
    try:
        assert isinstance(opened, DynamoDbStore) and opened.table == "certs"
    finally:
        opened.close()


@pytest.mark.parametrize("path", [None, ""])
def test_open_store_without_table_or_path_is_refused(path) -> None:
    from lambda_verify.stores import open_store

    with pytest.raises(ValueError) as caught:
        open_store(None, path)
    assert str(caught.value) == "either a DynamoDB table or a SQLite path is needed"


# --- which guarantor's numbering ----------------------------------------------------------------

def test_guarantor_of_names_the_numbering_or_refuses_the_field() -> None:
    from lambda_verify.normalization import NUMBER_FORMAT_MESSAGE, FieldError, InvalidInput, guarantor_of

    assert guarantor_of(NUMBER) == "wjcs"
    assert guarantor_of("99001-000101") == "ejcs"
    with pytest.raises(InvalidInput) as caught:
        guarantor_of("12")
    assert caught.value.errors == (FieldError("guarantee_number", NUMBER_FORMAT_MESSAGE),)


# --- counting stored certificates ---------------------------------------------------------------

def test_count_is_the_number_of_stored_certificates(store: SqliteStore) -> None:
    assert store.count() == 0
    put_certificate(store, certificate_doc(NUMBER), KEY)
    put_certificate(store, certificate_doc("2099000102"), KEY)
    assert store.count() == 2


# --- small pieces the answers are made of -------------------------------------------------------

def test_invalid_input_says_every_field_and_its_message() -> None:
    from lambda_verify.normalization import FieldError, InvalidInput

    exc = InvalidInput([FieldError("guarantee_number", "a"), FieldError("access_key", "b")])
    assert str(exc) == "guarantee_number: a; access_key: b"
    assert exc.errors == (FieldError("guarantee_number", "a"), FieldError("access_key", "b"))


@pytest.mark.parametrize("retry_after, minutes", [(0, 1), (1, 1), (60, 1), (61, 2), (599, 10), (600, 10), (601, 11)])
def test_the_limited_message_rounds_the_wait_up_to_whole_minutes(retry_after: int, minutes: int) -> None:
    from lambda_verify.messages import limited_message

    assert limited_message(retry_after) == (
        f"照会の失敗が続いたため、しばらく照会できません。約{minutes}分後にもう一度お試しください。"
        "保証契約番号と認証キーは、お知らせの記載をもう一度ご確認ください。")


def test_a_viewer_header_without_a_port_is_not_believed() -> None:
    # GIVEN CloudFront's header carrying no ":port" WHEN the client is named THEN the connection's address counts
    got = client_address({"cloudfront-viewer-address": "203.0.113.5"}, "198.51.100.7")
    assert got.audit_network == "198.51.100.0/24"
    assert client_address({"cloudfront-viewer-address": "203.0.113.5:443"}, "198.51.100.7").audit_network == (
        "203.0.113.0/24")


def test_a_secret_with_a_lone_surrogate_is_still_compared() -> None:
    """os.environ turns undecodable bytes into lone surrogates; such a secret must still work, not crash."""
    from lambda_verify.origin import HEADER, OriginCheck, OriginGuard

    secret = "cf-\udcff-secret"
    guard = OriginGuard(secret)
    assert guard.check({HEADER: secret}) is OriginCheck.VERIFIED
    assert guard.check({HEADER: "cf--secret"}) is OriginCheck.REFUSED


def test_a_static_base_loses_only_its_trailing_slashes() -> None:
    from lambda_verify.config import Settings

    assert Settings.from_env({"VERIFY_STATIC_BASE": "/assetsX//"}).static_base == "/assetsX"


def test_a_prepared_document_carries_its_json_answer_and_no_rendering_yet() -> None:
    import json

    from lambda_verify.documents import PreparedCertificate, encode_json, prepare
    from lambda_verify.model import Certificate

    # GIVEN a document text WHEN prepared anew (prepare() would give one kept from an earlier call)
    doc = certificate_doc("2099000177")
    text = json.dumps(doc, ensure_ascii=False)
    prepared = PreparedCertificate(text)
    # THEN its JSON is the certificate's to_dict, encoded compactly and unescaped, and nothing is rendered yet
    assert prepared.certificate == Certificate.from_dict(doc)
    assert prepared.json == encode_json(Certificate.from_dict(doc).to_dict())
    assert json.loads(prepared.json) == Certificate.from_dict(doc).to_dict()
    assert "テスト建設株式会社" in prepared.json and ", " not in prepared.json
    assert prepared.renderings == {}
    # AND prepare() keeps one per text
    assert prepare(text) is prepare(text) and prepare(text).json == prepared.json


def test_an_audit_line_is_one_json_object_with_every_field(caplog: pytest.LogCaptureFixture) -> None:
    import json
    import logging

    from lambda_verify.audit import AUDIT_LOGGER, record_lookup

    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    # WHEN a lookup is recorded with extras, one of them None
    entry = record_lookup(at=T0 + 0.9, outcome="shown", status=200, guarantee_number=NUMBER,
                          client=client_address({}, "2001:db8:1:2::7"), request_id="req-1", first_view=True,
                          version=None)
    # THEN the line is exactly the entry: whole seconds in UTC, the client's /48, extras without the None
    assert entry == {"event": "lookup", "at": "2026-09-21T14:21:00Z", "outcome": "shown", "status": 200,
                     "guarantee_number": NUMBER, "client_network": "2001:db8:1::/48", "request_id": "req-1",
                     "first_view": True}
    records = [r for r in caplog.records if r.name == AUDIT_LOGGER]
    assert len(records) == 1 and records[0].levelno == logging.INFO
    assert json.loads(records[0].getMessage()) == entry
    assert records[0].audit == entry          # type: ignore[attr-defined]


# --- the embedded store -------------------------------------------------------------------------

def test_initialise_makes_a_wal_file_of_the_current_schema_and_is_idempotent(tmp_path) -> None:
    import sqlite3

    from lambda_verify.stores.sqlite import SCHEMA_VERSION, initialise

    path = tmp_path / "two" / "levels" / "v.sqlite3"
    initialise(path)
    initialise(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"certificates", "attempt_slots", "loader_runs", "loader_lock"}
    finally:
        conn.close()


def test_a_connection_uses_the_stores_busy_timeout(tmp_path) -> None:
    path = tmp_path / "v.sqlite3"
    SqliteStore(path, create=True).close()
    opened = SqliteStore(path, busy_timeout=0.25)
    try:
        conn = opened.connection()
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 250
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1      # NORMAL
        assert opened.connection() is conn and opened.open_connections == 1
    finally:
        opened.close()
    assert opened.open_connections == 0


def test_a_store_of_an_old_schema_says_what_is_missing(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    import sqlite3

    from lambda_verify.stores.base import StoreUnavailable

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE certificates (guarantee_number TEXT)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    opened = SqliteStore(path)
    with caplog.at_level("ERROR", logger="lambda_verify.stores.sqlite"), pytest.raises(StoreUnavailable) as caught:
        opened.get(NUMBER)
    assert str(caught.value) == (f"sqlite: {path} is not a certificate store of schema 2 (version 1, missing "
                                 "attempt_slots); run the loader to create or upgrade it")
    assert [r.getMessage() for r in caplog.records] == [f"sqlite store get: {caught.value}"]
    assert opened.open_connections == 0


def test_a_missing_store_says_to_load_certificates_first(tmp_path) -> None:
    from lambda_verify.stores.base import StoreUnavailable

    path = tmp_path / "none.sqlite3"
    with pytest.raises(StoreUnavailable) as caught:
        SqliteStore(path).count()
    assert str(caught.value) == f"sqlite: {path} does not exist (load certificates first)"
    assert not path.exists()


def test_a_store_that_cannot_be_created_is_unavailable(tmp_path) -> None:
    from lambda_verify.stores.base import StoreUnavailable

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreUnavailable) as caught:
        SqliteStore(blocker / "v.sqlite3", create=True)
    assert str(caught.value).startswith(f"sqlite: cannot create or upgrade {blocker / 'v.sqlite3'}: ")


def test_a_broken_row_is_corrupt(store: SqliteStore) -> None:
    from lambda_verify.stores.base import StoreCorrupt

    put_certificate(store, certificate_doc(NUMBER), KEY)
    store.connection().execute("UPDATE certificates SET key_hash = X'41' WHERE guarantee_number = ?", (NUMBER,))
    with pytest.raises(StoreCorrupt) as caught:
        store.read(NUMBER, "s", Limits(), T0)
    assert str(caught.value) == f"sqlite: certificate {NUMBER} has a broken row"


def test_put_replaces_only_the_revision_read_and_never_creates_twice(store: SqliteStore) -> None:
    from lambda_verify.stores.base import StoreConflict

    first = put_certificate(store, certificate_doc(NUMBER), KEY)
    assert store.get(NUMBER) == first
    with pytest.raises(StoreConflict) as caught:
        store.put(first, expected_revision=None)
    assert str(caught.value) == f"{NUMBER} already exists"
    newer = first._replace(revision="r2", key_hash=hash_key(NUMBER, "OTHERKEY23456789"), demo=True,
                           loaded_at="2026-11-02T00:00:00Z", document=first.document + " ")
    with pytest.raises(StoreConflict) as caught:
        store.put(newer, expected_revision="not-the-one")
    assert str(caught.value) == f"{NUMBER} changed since it was read"
    store.put(newer, expected_revision=first.revision)
    assert store.get(NUMBER) == newer
    assert store.get("2099000999") is None


def test_a_claim_takes_one_slot_of_each_and_sweeps_slots_older_than_every_window(store: SqliteStore) -> None:
    lim = Limits(client=Limit(2, 60), number=Limit(3, 600))
    conn = store.connection()
    old = make_stamp(T0 - 601)
    conn.execute("INSERT INTO attempt_slots VALUES ('client', 'elsewhere', 0, ?)", (old,))
    recent = make_stamp(T0 - 599)
    conn.execute("INSERT INTO attempt_slots VALUES ('client', 'elsewhere', 1, ?)", (recent,))
    claim = store.claim(NUMBER, "me", lim, T0)
    assert claim.gate is Gate.OPEN and claim.retry_after is None
    rows = set(conn.execute("SELECT scope, subject, slot, stamp FROM attempt_slots"))
    assert ("client", "me", claim.client_slot, claim.stamp) in rows
    assert ("number", NUMBER, claim.number_slot, claim.stamp) in rows
    assert claim.client_slot in (0, 1) and claim.number_slot in (0, 1, 2)
    # the slot older than the longest window (600 s) is gone, the one inside it stays
    assert [r for r in rows if r[1] == "elsewhere"] == [("client", "elsewhere", 1, recent)]


def test_a_blocked_claim_takes_nothing(store: SqliteStore) -> None:
    lim = Limits(client=Limit(1, 60), number=Limit(1, 600))
    assert store.claim(NUMBER, "me", lim, T0).gate is Gate.OPEN
    before = set(store.connection().execute("SELECT * FROM attempt_slots"))
    blocked = store.claim(NUMBER, "me", lim, T0 + 10)
    assert (blocked.gate, blocked.retry_after, blocked.stamp) == (Gate.BLOCKED, 50, None)
    assert set(store.connection().execute("SELECT * FROM attempt_slots")) == before
    assert not store.connection().in_transaction


def test_a_claim_refused_on_what_was_seen_does_not_write(store: SqliteStore) -> None:
    lim = Limits(client=Limit(1, 60), number=Limit(1, 600))
    seen = store.read(NUMBER, "me", lim, T0)
    store.claim(NUMBER, "me", lim, T0)
    full = store.read(NUMBER, "me", lim, T0 + 1)
    # GIVEN a snapshot that already blocks WHEN claiming with it THEN refused with the snapshot's wait
    assert store.claim(NUMBER, "me", lim, T0 + 1, full) == limits.Claim.blocked(59)
    # AND a snapshot that does not block is checked again inside the transaction
    assert store.claim(NUMBER, "me", lim, T0 + 1, seen).gate is Gate.BLOCKED


def test_the_last_chance_takes_only_a_client_slot(store: SqliteStore) -> None:
    lim = Limits(client=Limit(2, 60), number=Limit(1, 600))
    assert store.claim(NUMBER, "a", lim, T0).gate is Gate.OPEN
    last = store.claim(NUMBER, "b", lim, T0 + 5)
    assert (last.gate, last.retry_after, last.number_slot) == (Gate.LAST_CHANCE, 595, None)
    assert last.client_slot in (0, 1)
    rows = set(store.connection().execute("SELECT scope, subject FROM attempt_slots"))
    assert rows == {("client", "a"), ("number", NUMBER), ("client", "b")}


def test_release_removes_exactly_the_claimed_slots(store: SqliteStore) -> None:
    lim = Limits(client=Limit(2, 60), number=Limit(2, 600))
    kept = store.claim(NUMBER, "me", lim, T0)
    given = store.claim(NUMBER, "me", lim, T0 + 1)
    store.release(NUMBER, "me", given)
    store.release(NUMBER, "me", limits.Claim.blocked(5))          # a claim without slots: nothing to do
    rows = set(store.connection().execute("SELECT scope, slot, stamp FROM attempt_slots"))
    assert rows == {("client", kept.client_slot, kept.stamp), ("number", kept.number_slot, kept.stamp)}


def test_a_release_that_fails_only_leaves_the_attempt_counted(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "v.sqlite3"
    opened = SqliteStore(path, create=True)
    claim = opened.claim(NUMBER, "me", Limits(), T0)
    opened.close()
    path.unlink()
    with caplog.at_level("WARNING", logger="lambda_verify.stores.sqlite"):
        opened.release(NUMBER, "me", claim)
    assert "sqlite store: a successful attempt's slots stay counted (release failed)" in [
        r.getMessage() for r in caplog.records]


def test_the_first_view_is_recorded_once(store: SqliteStore) -> None:
    from lambda_verify.stores.base import FirstView

    put_certificate(store, certificate_doc(NUMBER), KEY)
    assert store.record_first_view(NUMBER, "2026-11-20T01:00:00Z") == FirstView("2026-11-20T01:00:00Z", True)
    assert store.record_first_view(NUMBER, "2026-11-21T01:00:00Z") == FirstView("2026-11-20T01:00:00Z", False)
    assert store.get(NUMBER).first_viewed_at == "2026-11-20T01:00:00Z"


def test_a_file_replaced_while_open_is_reopened(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    import os

    path = tmp_path / "v.sqlite3"
    opened = SqliteStore(path, create=True)
    put_certificate(opened, certificate_doc(NUMBER), KEY)
    # GIVEN the file deleted (with its WAL) and created anew while the store holds it open
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if leftover.exists():
            os.unlink(leftover)
    SqliteStore(path, create=True).close()
    with caplog.at_level("WARNING", logger="lambda_verify.stores.sqlite"):
        assert opened.get(NUMBER) is None and opened.count() == 0
    assert f"sqlite store: {path} changed on disk; reopening" in [r.getMessage() for r in caplog.records]
    assert opened.open_connections == 1
    opened.close()


def test_the_audit_logger_is_plain_whatever_logger_class_and_filters_came_before() -> None:
    """Pelican, imported in the same process, swaps the logger class and filters repeated messages; the
    audit logger, made when audit.py is imported, must be a plain Logger without filters."""
    import importlib
    import logging

    from lambda_verify import audit

    class Deduplicating(logging.Logger):
        pass

    class DropAll(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return False

    previous = logging.getLoggerClass()
    try:
        # GIVEN a filter on the existing audit logger WHEN audit.py is imported again THEN the filter is gone
        audit.audit_logger.addFilter(DropAll())
        logging.setLoggerClass(Deduplicating)
        importlib.reload(audit)
        assert audit.audit_logger.name == audit.AUDIT_LOGGER and audit.audit_logger.filters == []
        assert logging.getLoggerClass() is Deduplicating          # the process's own choice is given back
        # GIVEN no audit logger yet and another logger class WHEN imported THEN the logger is a plain Logger
        del logging.Logger.manager.loggerDict[audit.AUDIT_LOGGER]
        importlib.reload(audit)
        assert type(audit.audit_logger) is logging.Logger and audit.audit_logger.level == logging.INFO
        assert logging.getLogger(audit.AUDIT_LOGGER) is audit.audit_logger
    finally:
        logging.setLoggerClass(previous)


def test_only_an_address_is_an_address() -> None:
    # GIVEN text around an address that is not part of it WHEN read THEN no address; brackets and spaces are fine
    assert client_address({}, "X198.51.100.7").audit_network == "unknown"
    assert client_address({}, " [2001:db8::1] ").audit_network == "2001:db8::/48"


def test_without_a_secret_the_viewer_header_is_believed_unless_told_otherwise() -> None:
    from lambda_verify.origin import OriginCheck, OriginGuard

    assert OriginGuard(None).trusts_viewer_address(OriginCheck.UNCHECKED) is True
    assert OriginGuard(None, trust_unverified_viewer=False).trusts_viewer_address(OriginCheck.UNCHECKED) is False


def test_stored_moments_are_utc_whatever_the_machines_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from lambda_verify.clock import iso_utc, to_jst

    # GIVEN a machine whose local zone is nine hours ahead (a POSIX zone string: no zone database needed)
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    try:
        # THEN a stored moment is still written in UTC, whole seconds, and shown in Japan time
        assert iso_utc(0.999) == "1970-01-01T00:00:00Z"
        assert iso_utc(T0) == "2026-09-21T14:21:00Z"
        assert to_jst(T0).isoformat() == "2026-09-21T23:21:00+09:00"
        assert to_jst("2026-09-21T14:21:00Z") == to_jst(T0)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.parametrize("field, label", [("guarantee_number", "保証契約番号"), ("access_key", "認証キー")])
def test_each_field_says_when_it_is_empty_or_too_long(field: str, label: str) -> None:
    from lambda_verify.normalization import (
        KEY_FORMAT_MESSAGE,
        NUMBER_FORMAT_MESSAGE,
        FieldError,
        InvalidInput,
        normalize_pair,
    )

    def errors(value: str | None) -> tuple[FieldError, ...]:
        pair = {"guarantee_number": NUMBER, "access_key": KEY, field: value}
        with pytest.raises(InvalidInput) as caught:
            normalize_pair(pair["guarantee_number"], pair["access_key"])
        return caught.value.errors

    for empty in (None, "", " \u3000 "):
        assert errors(empty) == (FieldError(field, f"{label}を入力してください。"),)
    too_long = FieldError(field, f"{label}が長すぎます。お知らせに記載の{label}を入力してください。")
    assert errors("A" * 101) == (too_long,)
    # exactly at the limit it is not too long, only in the wrong format
    wrong = NUMBER_FORMAT_MESSAGE if field == "guarantee_number" else KEY_FORMAT_MESSAGE
    assert errors("A" * 100) == (FieldError(field, wrong),)


# --- the production store, against moto in this process -----------------------------------------

@pytest.fixture
def dynamo(monkeypatch: pytest.MonkeyPatch):
    """A DynamoDbStore over a fresh table of moto's in-process DynamoDB, and its raw client."""
    from moto import mock_aws

    from lambda_verify.stores.dynamodb import DynamoDbStore, create_table, make_client

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "ap-northeast-1"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        client = make_client()
        create_table(client, "certs")
        yield DynamoDbStore("certs", client=client), client


def _item(client, pk: str, sk: str) -> dict:
    return client.get_item(TableName="certs", Key={"pk": {"S": pk}, "sk": {"S": sk}}).get("Item") or {}


def test_dynamodb_items_are_laid_out_as_the_template_says(dynamo) -> None:
    store, client = dynamo
    stored = put_certificate(store, certificate_doc(NUMBER), KEY)
    item = _item(client, f"cert#{NUMBER}", "certificate")
    assert item == {"pk": {"S": f"cert#{NUMBER}"}, "sk": {"S": "certificate"}, "key_hash": {"S": stored.key_hash},
                    "document": {"S": stored.document}, "revision": {"S": stored.revision},
                    "demo": {"BOOL": False}, "loaded_at": {"S": "2026-11-01T00:00:00Z"}}
    assert store.get(NUMBER) == stored and store.get("2099000999") is None
    claim = store.claim(NUMBER, "me", Limits(Limit(2, 60), Limit(3, 600)), T0)
    client_item = _item(client, "slots#client#me", "slots")
    number_item = _item(client, f"slots#number#{NUMBER}", "slots")
    assert client_item[f"s{claim.client_slot}"] == {"N": str(claim.stamp)}
    assert client_item["expires_at"] == {"N": str(int(T0) + 60 + 1)}
    assert number_item[f"s{claim.number_slot}"] == {"N": str(claim.stamp)}
    assert number_item["expires_at"] == {"N": str(int(T0) + 600 + 1)}


def test_dynamodb_read_gives_the_key_hash_without_the_document_and_both_slots(dynamo) -> None:
    store, _ = dynamo
    stored = put_certificate(store, certificate_doc(NUMBER), KEY)
    lim = Limits(Limit(2, 60), Limit(3, 600))
    claim = store.claim(NUMBER, "me", lim, T0)
    snap = store.read(NUMBER, "me", lim, T0 + 1)
    assert snap.certificate == stored._replace(document=None)
    assert snap.client.live(lim.client, T0 + 1) == 1 and snap.number.live(lim.number, T0 + 1) == 1
    assert snap.client.stamps[claim.client_slot] == claim.stamp and len(snap.number.stamps) == 3
    unknown = store.read("2099000999", "me", lim, T0 + 1)
    assert unknown.certificate is None and unknown.client == snap.client and unknown.number.live(lim.number, T0) == 0


def test_dynamodb_put_replaces_only_the_revision_read(dynamo) -> None:
    from lambda_verify.stores.base import StoreConflict

    store, _ = dynamo
    first = put_certificate(store, certificate_doc(NUMBER), KEY)
    with pytest.raises(StoreConflict) as caught:
        store.put(first, expected_revision=None)
    assert str(caught.value) == f"{NUMBER} changed since it was read"
    newer = first._replace(revision="r2", demo=True, loaded_at=None, document=first.document + " ")
    with pytest.raises(StoreConflict):
        store.put(newer, expected_revision="other")
    store.put(newer, expected_revision=first.revision)
    # every field replaced; a missing load time is stored as empty text
    assert store.get(NUMBER) == newer._replace(loaded_at="")


def test_dynamodb_first_view_is_kept_once(dynamo) -> None:
    from lambda_verify.stores.base import FirstView, StoreUnavailable

    store, _ = dynamo
    put_certificate(store, certificate_doc(NUMBER), KEY)
    assert store.record_first_view(NUMBER, "2026-11-20T01:00:00Z") == FirstView("2026-11-20T01:00:00Z", True)
    assert store.record_first_view(NUMBER, "2026-11-21T01:00:00Z") == FirstView("2026-11-20T01:00:00Z", False)
    assert store.get(NUMBER).first_viewed_at == "2026-11-20T01:00:00Z"
    with pytest.raises(StoreUnavailable) as caught:
        store.record_first_view("2099000999", "2026-11-20T01:00:00Z")
    assert str(caught.value) == "dynamodb: certificate disappeared during the lookup"


def test_dynamodb_claims_follow_the_limits(dynamo) -> None:
    store, client = dynamo
    lim = Limits(client=Limit(2, 60), number=Limit(1, 600))
    first = store.claim(NUMBER, "a", lim, T0)
    assert (first.gate, first.retry_after) == (Gate.OPEN, None)
    # the number is full: a clean client gets its last chance, on its slot 0, and nothing of the number
    last = store.claim(NUMBER, "b", lim, T0 + 10)
    assert (last.gate, last.retry_after, last.client_slot, last.number_slot) == (Gate.LAST_CHANCE, 590, 0, None)
    assert "s0" in _item(client, "slots#client#b", "slots")
    # that client is no longer clean: blocked with the number's wait
    again = store.claim(NUMBER, "b", lim, T0 + 20)
    assert again == limits.Claim.blocked(580)
    # a right key gives both slots back
    store.release(NUMBER, "a", first)
    assert set(_item(client, "slots#client#a", "slots")) == {"pk", "sk", "expires_at"}
    assert set(_item(client, f"slots#number#{NUMBER}", "slots")) == {"pk", "sk", "expires_at"}
    store.release(NUMBER, "a", limits.Claim.blocked(3))      # nothing claimed, nothing to give back


def test_dynamodb_a_full_client_is_blocked_with_its_own_wait(dynamo) -> None:
    store, _ = dynamo
    lim = Limits(client=Limit(2, 60), number=Limit(10, 600))
    store.claim("2099000998", "me", lim, T0)
    store.claim("2099000997", "me", lim, T0 + 5)
    assert store.claim("2099000996", "me", lim, T0 + 15) == limits.Claim.blocked(45)
    seen = store.read("2099000996", "me", lim, T0 + 15)
    assert store.claim("2099000996", "me", lim, T0 + 15, seen) == limits.Claim.blocked(45)


def test_a_read_of_an_unknown_number_still_gives_both_subjects_slots(store: SqliteStore) -> None:
    lim = Limits(client=Limit(2, 60), number=Limit(3, 600))
    mine = store.claim("2099000999", "me", lim, T0)
    theirs = store.claim("2099000999", "other", lim, T0 + 1)
    snap = store.read("2099000999", "me", lim, T0 + 2)
    assert snap.certificate is None
    assert [s for s in snap.client.stamps if s is not None] == [mine.stamp]
    assert sorted(s for s in snap.number.stamps if s is not None) == [mine.stamp, theirs.stamp]


def test_the_first_view_of_a_certificate_that_is_gone_is_unavailable(store: SqliteStore) -> None:
    from lambda_verify.stores.base import StoreUnavailable

    with pytest.raises(StoreUnavailable) as caught:
        store.record_first_view("2099000999", "2026-11-20T01:00:00Z")
    assert str(caught.value) == "sqlite: certificate disappeared during the lookup"
    assert caught.value.retry_after == 5


def test_each_operation_of_a_store_that_is_gone_logs_its_own_name(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    from lambda_verify.stores.base import StoreUnavailable

    path = tmp_path / "v.sqlite3"
    opened = SqliteStore(path, create=True)
    stored = put_certificate(opened, certificate_doc(NUMBER), KEY)
    claim = opened.claim(NUMBER, "me", Limits(), T0)
    opened.close()
    path.unlink()
    calls = {
        "read": lambda: opened.read(NUMBER, "me", Limits(), T0),
        "claim": lambda: opened.claim(NUMBER, "me", Limits(), T0),
        "record_first_view": lambda: opened.record_first_view(NUMBER, "2026-11-20T01:00:00Z"),
        "get": lambda: opened.get(NUMBER),
        "put": lambda: opened.put(stored, expected_revision=None),
        "count": opened.count,
    }
    for name, call in calls.items():
        caplog.clear()
        with caplog.at_level("ERROR", logger="lambda_verify.stores.sqlite"), pytest.raises(StoreUnavailable) as caught:
            call()
        assert [r.getMessage() for r in caplog.records] == [f"sqlite store {name}: {caught.value}"]
    caplog.clear()
    with caplog.at_level("ERROR", logger="lambda_verify.stores.sqlite"):
        opened.release(NUMBER, "me", claim)
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        f"sqlite store release: sqlite: {path} does not exist (load certificates first)"]


@pytest.mark.parametrize("tables, version, missing", [
    (("certificates", "attempt_slots"), 1, "nothing"),
    ((), 2, "certificates, attempt_slots"),
])
def test_a_file_of_another_schema_is_refused_and_says_why(tmp_path, tables, version: int, missing: str) -> None:
    import sqlite3

    from lambda_verify.stores.base import StoreUnavailable

    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    for table in tables:
        conn.execute(f"CREATE TABLE {table} (x TEXT)")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreUnavailable) as caught:
        SqliteStore(path).count()
    assert str(caught.value) == (f"sqlite: {path} is not a certificate store of schema 2 (version {version}, missing "
                                 f"{missing}); run the loader to create or upgrade it")


def test_a_closed_store_opens_again_on_use_and_waits_five_seconds_by_default(store: SqliteStore) -> None:
    put_certificate(store, certificate_doc(NUMBER), KEY)
    store.close()
    assert store.count() == 1 and store.open_connections == 1
    assert SqliteStore(store.path).busy_timeout == 5.0
