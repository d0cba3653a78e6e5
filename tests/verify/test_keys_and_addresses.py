"""Keys are generated with enough entropy, stored as hashes and compared in constant time; client
addresses are taken from CloudFront's header and reduced before anything keeps them."""

from __future__ import annotations

import inspect

import pytest

from lambda_verify import keys
from lambda_verify.addresses import client_address
from lambda_verify.keys import KEY_ALPHABET, generate_key, hash_key, key_bits, keys_match


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


def test_comparison_is_constant_time() -> None:
    assert "compare_digest" in inspect.getsource(keys.keys_match)


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
