"""Access keys: how they are made, how they are stored (never in clear) and how they are checked.

Why a fast hash and not a password KDF: access keys are not chosen by people. Keys this project
issues carry 80 random bits, and keys issued by the guarantors' own systems are 12 or more random
letters and digits. Guessing such a key offline from a stolen hash is as hopeless with SHA-256 as
with scrypt, while a deliberately slow hash would make every lookup slow and give anyone who sends
requests a cheap way to burn CPU. The guarantee number is mixed into the hash, so equal keys on two
certificates never share a hash and no precomputed table serves more than one number.

Comparison uses ``hmac.compare_digest``: its time does not depend on where two hashes differ.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = [
    "KEY_ALPHABET",
    "KEY_LENGTH",
    "SCHEME",
    "generate_key",
    "hash_key",
    "key_bits",
    "keys_match",
]

#: Upper-case letters and digits without look-alikes: no 0/O, 1/I, and no lower case at all
#: (keys are case-sensitive, so a letter that looks the same in both cases would invite mistakes).
KEY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#: 16 characters of a 32-letter alphabet: 80 bits.
KEY_LENGTH = 16
#: Stored hashes start with their scheme so a later scheme can be introduced beside this one.
SCHEME = "s256v1"
_DOMAIN = b"esurety-access-key/v1\x00"


def key_bits(length: int = KEY_LENGTH, alphabet: str = KEY_ALPHABET) -> float:
    """Entropy of a generated key in bits."""
    import math

    return length * math.log2(len(alphabet))


def generate_key(length: int = KEY_LENGTH) -> str:
    """A new random access key from the operating system's CSPRNG."""
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(length))


def hash_key(guarantee_number: str, access_key: str) -> str:
    """The stored form of a key: ``s256v1$`` + hex SHA-256 over a domain tag, the number and the key.

    Both arguments must already be canonical (see normalization), so whatever way a person typed
    the key, the same hash comes out.
    """
    digest = hashlib.sha256(_DOMAIN + guarantee_number.encode() + b"\x00" + access_key.encode()).hexdigest()
    return f"{SCHEME}${digest}"


def keys_match(stored_hash: str, guarantee_number: str, access_key: str) -> bool:
    """True when ``access_key`` is the key whose hash is stored; constant time in the hash contents."""
    return hmac.compare_digest(stored_hash.encode(), hash_key(guarantee_number, access_key).encode())


#: Compared against when a number is unknown, so that path does the same work as a wrong key.
DUMMY_HASH = hash_key("0000000000", "unknown-number-placeholder")
