"""Keys are generated with enough entropy, stored as hashes and compared in constant time; client
addresses are taken from CloudFront's header and reduced before anything keeps them."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambda_verify.addresses import client_address
from lambda_verify.keys import DUMMY_HASH, KEY_ALPHABET, generate_key, hash_key, key_bits, keys_match
from lambda_verify.service import LookupService, NoMatch, Shown
from lambda_verify.stores.sqlite import SqliteStore

from .support import KEY, NUMBER, FakeClock, certificate_doc, put_certificate


def test_generated_keys_have_at_least_60_bits_and_no_look_alikes() -> None:
    assert key_bits() >= 60
    for ch in "0O1Il":
        assert ch not in KEY_ALPHABET
    generated = {generate_key() for _ in range(200)}
    assert len(generated) == 200
    assert all(len(k) == 16 and set(k) <= set(KEY_ALPHABET) for k in generated)


def test_hash_depends_on_number_and_key_and_never_contains_the_key() -> None:
    h = hash_key("2099000101", "K7QWMP3RX9TB4HNC")
    assert h.startswith("s256v1$") and "K7QWMP3RX9TB4HNC" not in h
    assert h != hash_key("2099000102", "K7QWMP3RX9TB4HNC")
    assert keys_match(h, "2099000101", "K7QWMP3RX9TB4HNC")
    assert not keys_match(h, "2099000101", "k7qwmp3rx9tb4hnc")


class _CompareSpy:
    """Stands in for ``hmac.compare_digest``: records each call and answers as told (else as the real one)."""

    def __init__(self, answer: bool | None = None):
        self.calls: list[tuple[bytes, bytes]] = []
        self.answer = answer
        self._real = hmac.compare_digest

    def __call__(self, a: bytes, b: bytes) -> bool:
        self.calls.append((a, b))
        return self._real(a, b) if self.answer is None else self.answer


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LookupService]:
    store = SqliteStore(tmp_path / "verify.sqlite3", busy_timeout=0.2, create=True)
    put_certificate(store, certificate_doc(), KEY)
    yield LookupService(store, FakeClock())
    store.close()


CLIENT = client_address({}, "198.51.100.7")


@pytest.mark.parametrize("number, stored", [(NUMBER, True), ("2099000999", False)], ids=["known", "unknown"])
def test_comparison_is_hmac_compare_digest_for_known_and_unknown_numbers(
        service: LookupService, monkeypatch: pytest.MonkeyPatch, number: str, stored: bool) -> None:
    """Every lookup compares exactly once, with hmac.compare_digest: against the stored hash for a known
    number, against the dummy hash for an unknown one (the same work either way)."""
    spy = _CompareSpy()
    monkeypatch.setattr(hmac, "compare_digest", spy)
    outcome = service.lookup(number, "WRONGKEY2345", CLIENT)
    assert isinstance(outcome, NoMatch) and outcome.known is stored
    expected = hash_key(NUMBER, KEY) if stored else DUMMY_HASH
    assert spy.calls == [(expected.encode(), hash_key(number, "WRONGKEY2345").encode())]


def test_the_decision_is_the_answer_of_compare_digest(service: LookupService, monkeypatch: pytest.MonkeyPatch) -> None:
    """No other comparison stands beside it: what compare_digest answers decides, and an unknown number
    never matches even when the dummy hash is said to."""
    monkeypatch.setattr(hmac, "compare_digest", _CompareSpy(answer=False))
    assert isinstance(service.lookup(NUMBER, KEY, CLIENT), NoMatch)            # the right key, refused
    says_yes = _CompareSpy(answer=True)
    monkeypatch.setattr(hmac, "compare_digest", says_yes)
    assert isinstance(service.lookup(NUMBER, "WRONGKEY2345", CLIENT), Shown)   # a wrong key, accepted
    assert isinstance(service.lookup("2099000999", "WRONGKEY2345", CLIENT), NoMatch)
    assert [a for a, _ in says_yes.calls] == [hash_key(NUMBER, KEY).encode(), DUMMY_HASH.encode()]


@pytest.mark.parametrize("header, source, network", [
    ("203.0.113.77:443", "10.0.0.1", "203.0.113.0/24"),
    ("2001:db8:1234:5678::1:443", "10.0.0.1", "2001:db8:1234::/48"),
    ("[2001:db8:1234:5678::1]:443", "10.0.0.1", "2001:db8:1234::/48"),
    (None, "198.51.100.9", "198.51.100.0/24"),
    ("not an address", "198.51.100.9", "198.51.100.0/24"),
    (None, None, "unknown"),
])
def test_client_address_prefers_cloudfront_and_audit_keeps_only_the_network(header: str | None, source: str | None,
                                                                            network: str) -> None:
    headers = {"cloudfront-viewer-address": header} if header else {}
    assert client_address(headers, source).audit_network == network


def test_limits_count_ipv6_per_64_and_ipv4_per_address() -> None:
    a = client_address({"cloudfront-viewer-address": "2001:db8:1:2::1:443"}, None)
    b = client_address({"cloudfront-viewer-address": "2001:db8:1:2:ffff::9:51000"}, None)
    c = client_address({"cloudfront-viewer-address": "2001:db8:1:3::1:443"}, None)
    assert a.limit_subject == b.limit_subject != c.limit_subject
    d = client_address({}, "203.0.113.5")
    e = client_address({}, "203.0.113.6")
    assert d.limit_subject != e.limit_subject
    assert "203.0.113" not in d.limit_subject
