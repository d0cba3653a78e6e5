"""Which access keys the loader accepts: none a guess list or a patient attacker would find.

A key that came in the export (already issued) must have

* at least ``MIN_LENGTH`` (10) characters;
* at least ``MIN_BITS`` (50) bits for its length and the character classes it uses (digits 10,
  upper case 26, lower case 26): 10 digits are 33 bits, 12 mixed-case letters and digits 71;
* no single repeated unit (``abcabcabcabc``, ``aaaaaaaaaa``), no sequence covering half of it (``0123456789ab``,
  ``abcdefghij``, ``9876543210``) and at least ``MIN_DISTINCT`` different characters;
* no common password or keyboard walk making up half of it (``password1234``, ``qwertyuiop``);
* not mostly look-alike characters (0/O/o, 1/l/I/i): ``lI1lI1lIl1Il`` reads the same many ways, and
  after folding look-alikes together the key must still pass the rules above.

With 50 bits, the per-address limit (10 per 10 minutes) and one address per IPv6 /64, even an
attacker holding a whole /48 (65,536 /64s, each with one last-chance attempt per window against a
flooded number) needs on average 2^49 / (65,536 × 144) ≈ 60 million days. ``--accept-issued-keys``
lets a key the guarantor issued as it is through anyway (the guarantor answers for it).
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

__all__ = ["MIN_BITS", "MIN_LENGTH", "KeyVerdict", "assess_key", "key_strength_bits"]

MIN_LENGTH = 10
MIN_BITS = 50.0
MIN_DISTINCT = 5

#: Look-alike characters and the one each folds to.
_LOOKALIKE_FOLD = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "i": "1"})
_LOOKALIKES = frozenset("0Oo1lIi")

#: Passwords and keyboard walks from the public top lists; lower case, compared without case.
COMMON = frozenset(["password", "passw0rd", "p@ssword", "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbn", "zxcvbnm", "1qaz2wsx", "qazwsx", "letmein", "welcome", "monkey", "dragon", "master", "login", "admin", "administrator", "abc123", "iloveyou", "sunshine", "princess", "football", "baseball", "superman", "batman", "trustno1", "starwars", "whatever", "freedom", "shadow", "michael", "jennifer", "hunter", "ranger", "secret", "changeme", "default", "guest", "test", "testtest", "access", "summer", "winter", "spring", "autumn", "nippon", "tokyo", "osaka", "sakura", "pokemon", "naruto", "doraemon", "hello", "hello123", "computer", "internet"])
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv")


class KeyVerdict(NamedTuple):
    ok: bool
    reason: str | None = None


def key_strength_bits(key: str) -> float:
    """Bits for a key of this length drawn from the character classes it uses."""
    pool = 0
    if any(c.isdigit() for c in key):
        pool += 10
    if any("A" <= c <= "Z" for c in key):
        pool += 26
    if any("a" <= c <= "z" for c in key):
        pool += 26
    return len(key) * math.log2(pool) if pool > 1 else 0.0


def _repeated_unit(key: str) -> bool:
    n = len(key)
    return any(n % period == 0 and key[:period] * (n // period) == key for period in range(1, n // 2 + 1))


def _sequential(key: str) -> bool:
    lowered = key.lower()
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(lowered)}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        return True
    runs = [r for seq in _SEQUENCES for r in (seq * 2, seq[::-1] * 2)]
    half = max(4, (len(lowered) + 1) // 2)
    # a run from a sequence covering half of the key or more
    return any(any(lowered[i:i + half] in run for run in runs) for i in range(len(lowered) - half + 1))


def _common(key: str) -> bool:
    lowered = key.lower()
    return any(len(word) * 2 >= len(lowered) and word in lowered for word in COMMON)


def _pattern_problem(key: str) -> str | None:
    if _repeated_unit(key):
        return "同じ文字や同じ並びを繰り返しただけです"
    if _sequential(key):
        return "連続した文字（0123…、abcd…、キーボードの並び）です"
    if len(set(key)) < MIN_DISTINCT:
        return f"使われている文字の種類が少なすぎます（{MIN_DISTINCT} 種類以上が必要）"
    if _common(key):
        return "よく使われるパスワードや単語が大半を占めています"
    return None


def assess_key(key: str) -> KeyVerdict:
    """Whether the loader accepts ``key`` (canonical form) without ``--accept-issued-keys``."""
    if len(key) < MIN_LENGTH:
        return KeyVerdict(False, f"{MIN_LENGTH} 文字以上が必要です（{len(key)} 文字）")
    bits = key_strength_bits(key)
    if bits < MIN_BITS:
        return KeyVerdict(False, f"推測されやすすぎます（約 {bits:.0f} ビット、{MIN_BITS:.0f} ビット以上が必要。"
                                 "文字数を増やすか英大文字・小文字・数字を混ぜてください）")
    problem = _pattern_problem(key)
    if problem:
        return KeyVerdict(False, problem)
    if sum(c in _LOOKALIKES for c in key) * 2 > len(key):
        return KeyVerdict(False, "見間違えやすい文字（0/O/o、1/l/I/i）が半分以上を占めています")
    folded = key.translate(_LOOKALIKE_FOLD)
    if folded != key:
        problem = _pattern_problem(folded)
        if problem:
            return KeyVerdict(False, f"見間違えやすい文字を同じとみなすと、{problem}")
    return KeyVerdict(True)
