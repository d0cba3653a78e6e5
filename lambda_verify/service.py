"""The lookup itself, free of HTTP: number + key + client in, one outcome out.

Order matters and is the same for every request, so an unknown number and a wrong key walk the same
path: normalize → one read (certificate and both counters) → apply the limits → compare the key
hash in constant time (against a dummy hash when the number is unknown) → on failure one write (the
two failure counters). A success writes nothing, except the very first one for a certificate, which
records the first view (電子証書の到達日時) with one conditional write; views are counted from the
audit log the handler writes for every lookup. The caller turns the outcome into a response and
gives every failure the same minimum duration.
"""

from __future__ import annotations

import logging
from typing import NamedTuple, Union

from .addresses import ClientAddress
from .clock import Clock, iso_utc
from .keys import DUMMY_HASH, keys_match
from .limits import Gate, Limits, decide
from .documents import PreparedCertificate, prepare
from .model import Certificate
from .normalization import FieldError, InvalidInput, normalize_pair
from .stores.base import CertificateStore, FirstView, StoreUnavailable

logger = logging.getLogger(__name__)

__all__ = ["Failed", "Invalid", "Limited", "LookupService", "NoMatch", "Outcome", "Shown", "Unavailable"]


class Shown(NamedTuple):
    guarantee_number: str
    prepared: PreparedCertificate
    view: FirstView
    looked_up_at: float
    status = "shown"

    @property
    def certificate(self) -> Certificate:
        return self.prepared.certificate


class NoMatch(NamedTuple):
    """Unknown number or wrong key: deliberately one outcome. ``known`` is for the audit log only."""

    guarantee_number: str
    known: bool = False
    status = "no_match"


class Limited(NamedTuple):
    """Over a failure limit. ``key_checked`` is True when this very attempt was a wrong key (the last
    chance): only then does the answer carry timing worth hiding."""

    guarantee_number: str
    retry_after: int
    key_checked: bool = False
    status = "limited"


class Invalid(NamedTuple):
    errors: tuple[FieldError, ...]
    guarantee_number: str | None = None
    status = "invalid"


class Unavailable(NamedTuple):
    retry_after: int
    guarantee_number: str | None = None
    status = "unavailable"


class Failed(NamedTuple):
    """The lookup broke (a bug); the handler answers 500."""

    status = "error"


#: The things a lookup can end in.
Outcome = Union[Shown, NoMatch, Limited, Invalid, Unavailable, Failed]


class LookupService:
    """Applies normalization, limits, the key check and the records to one store."""

    def __init__(self, store: CertificateStore, clock: Clock, limits: Limits | None = None):
        self.store = store
        self.clock = clock
        self.limits = limits or Limits()

    def lookup(self, number_text: str | None, key_text: str | None, client: ClientAddress) -> Outcome:
        try:
            number, key = normalize_pair(number_text, key_text)
        except InvalidInput as exc:
            return Invalid(exc.errors)
        now = self.clock.time()
        windows = self.limits.windows(now)
        subject = client.limit_subject
        try:
            snap = self.store.read(number, subject, windows, now)
            decision = decide(snap.client_failures, snap.number_failures, self.limits, windows, now)
            if decision.gate is Gate.BLOCKED:
                return Limited(number, decision.retry_after or 1)
            stored = snap.certificate
            matched = keys_match(stored.key_hash if stored else DUMMY_HASH, number, key) and stored is not None
            if not matched:
                self.store.record_failure(number, subject, windows, now)
                if decision.gate is Gate.LAST_CHANCE:
                    return Limited(number, decision.retry_after or 1, key_checked=True)
                return NoMatch(number, known=stored is not None)
            if stored.first_viewed_at is None:
                view = self.store.record_first_view(number, iso_utc(now))
            else:
                view = FirstView(stored.first_viewed_at)
        except StoreUnavailable as exc:
            return Unavailable(exc.retry_after, number)
        return Shown(number, prepare(stored.document), view, now)
