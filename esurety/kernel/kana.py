"""Loose matching of Japanese text for the adopter filter and search.

People type 竹田, たけた or タケタ and full- or half-width forms; all must find 竹田市. The adopter
index's script (theme/static/js/adopter-filter.js) folds the query and every row's name + reading +
prefecture this way in the browser, so both sides of a match go through one implementation; this
module is the reference the tests hold that script to.
"""

from __future__ import annotations

import unicodedata

_KATA_START, _KATA_END = ord("ァ"), ord("ヶ")
_SHIFT = ord("ァ") - ord("ぁ")
#: Small kana fold to their full-size forms: people (and some reference data) write りゆう for りゅう.
_SMALL = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")


def large(text: str) -> str:
    """Small kana written as full-size ones (the reference list of local governments writes りゆう for りゅう)."""
    return text.translate(_SMALL)


def fold(text: str) -> str:
    """NFKC, lower case, katakana to hiragana, small kana to full size, spaces removed."""
    text = unicodedata.normalize("NFKC", text).lower()
    out = []
    for ch in text:
        code = ord(ch)
        if _KATA_START <= code <= _KATA_END and ch not in "ヵヶ":
            out.append(chr(code - _SHIFT))
        elif not ch.isspace():
            out.append(ch)
    return "".join(out).translate(_SMALL)
