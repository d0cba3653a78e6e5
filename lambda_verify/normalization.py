"""Turn what people type into the canonical guarantee number and access key, or say which field is wrong.

Orderer staff copy numbers from a PDF or type them on a phone: full-width digits, a full-width space,
a long vowel mark (ー) where a hyphen belongs and spaces inside the number all happen. Those are
harmless and are fixed here; anything else is refused with a message that names the field, so the
person knows what to correct. The loader applies the same rules before it hashes a key, so a key
typed with spaces or in full width matches the key that was issued.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from esurety.kernel import numbering

__all__ = [
    "FIELD_LABELS",
    "MAX_INPUT_CHARS",
    "FieldError",
    "InvalidInput",
    "guarantor_of",
    "normalize_key",
    "normalize_number",
    "normalize_pair",
]

#: Japanese names of the form fields, used in messages.
FIELD_LABELS = {"guarantee_number": "保証契約番号", "access_key": "認証キー"}

#: Longer input is not a typo but junk; refused before any other work.
MAX_INPUT_CHARS = 100

#: Every dash a keyboard, an IME or a PDF produces in place of "-".
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u30fc\uff0d\uff70\ufe63\u02d7"
#: Characters that vanish on screen but survive copy and paste.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_STRIP_TABLE = {ord(c): None for c in _INVISIBLE}
_HYPHEN_TABLE = {ord(c): "-" for c in _HYPHENS}
_SPACE_RE = re.compile(r"\s+")

_KEY_RE = re.compile(r"[A-Za-z0-9]{8,64}")

#: The guarantors' number formats, from the kernel's glossary (data/guarantors.yaml).
NUMBER_FORMAT_MESSAGE = f"保証契約番号の形式が違います。{numbering.format_hint()}です。"
KEY_FORMAT_MESSAGE = "認証キーは半角英数字（8〜64文字）で入力してください。大文字と小文字は区別します。"


class FieldError(NamedTuple):
    """One field's problem, in words the person at the form understands."""

    field: str
    message: str


class InvalidInput(ValueError):
    """The request named one or more fields that cannot be a guarantee number or an access key."""

    def __init__(self, errors: list[FieldError]):
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))


def _clean(text: str) -> str:
    """NFKC (full width → half width), invisible characters dropped, dashes unified, spaces removed."""
    text = unicodedata.normalize("NFKC", text).translate(_STRIP_TABLE).translate(_HYPHEN_TABLE)
    return _SPACE_RE.sub("", text)


def _too_long_or_empty(field: str, text: str | None) -> FieldError | None:
    label = FIELD_LABELS[field]
    if text is None or not str(text).strip():
        return FieldError(field, f"{label}を入力してください。")
    if len(text) > MAX_INPUT_CHARS:
        return FieldError(field, f"{label}が長すぎます。お知らせに記載の{label}を入力してください。")
    return None


def normalize_number(text: str | None) -> str:
    """The canonical guarantee number: ``2070004426`` (WJCS) or ``00000-000000`` (EJCS).

    EJCS numbers typed without their hyphen (11 digits) get it back, so a number typed on a phone's
    numeric keypad still works.
    """
    problem = _too_long_or_empty("guarantee_number", text)
    if problem:
        raise InvalidInput([problem])
    number = numbering.canonical(_clean(str(text)))
    if number is None:
        raise InvalidInput([FieldError("guarantee_number", NUMBER_FORMAT_MESSAGE)])
    return number


def normalize_key(text: str | None) -> str:
    """The access key as issued: half-width letters and digits, case kept, spaces and dashes dropped.

    Keys are printed in groups on some notices; dropping separators lets people type them either way.
    """
    problem = _too_long_or_empty("access_key", text)
    if problem:
        raise InvalidInput([problem])
    value = _clean(str(text)).replace("-", "")
    if _KEY_RE.fullmatch(value):
        return value
    raise InvalidInput([FieldError("access_key", KEY_FORMAT_MESSAGE)])


def normalize_pair(number: str | None, key: str | None) -> tuple[str, str]:
    """Both fields at once, reporting every problem together so the form can mark each field."""
    errors: list[FieldError] = []
    result: list[str] = []
    for fn, value in ((normalize_number, number), (normalize_key, key)):
        try:
            result.append(fn(value))
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if errors:
        raise InvalidInput(errors)
    return result[0], result[1]


def guarantor_of(number: str) -> str:
    """Which guarantor's numbering a canonical number follows (``wjcs`` or ``ejcs``)."""
    guarantor = numbering.guarantor_of(number)
    if guarantor is None:
        raise InvalidInput([FieldError("guarantee_number", NUMBER_FORMAT_MESSAGE)])
    return guarantor
