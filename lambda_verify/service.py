"""The lookup itself, free of HTTP: number + key + client in, one outcome out.

Order matters and is the same for every request, so an unknown number and a wrong key walk the same
path with the same store requests: normalize → one read (the certificate's key hash and both slot
items) → **claim** the attempt (limits.py: atomically, before the key is looked at; if the claim
cannot be recorded the answer is 503 for right and wrong keys alike) → compare the key hash in
constant time (against a dummy hash when the number is unknown). A wrong key stops there: its
attempt stays counted. A right key gives its slots back, reads the document and, the very first
time, records the first view (電子証書の到達日時) with one conditional write. A stored document
that cannot be read answers 503 (the log says which number). Views are counted from the audit log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

from .addresses import ClientAddress
from .clock import Clock, iso_utc
from .documents import PreparedCertificate, prepare
from .keys import DUMMY_HASH, keys_match
from .limits import Gate, Limits
from .model import Certificate, ModelError
from .normalization import FieldError, InvalidInput, normalize_pair
from .stores.base import CertificateStore, FirstView, StoreCorrupt, StoreUnavailable

logger = logging.getLogger(__name__)

__all__ = ["Failed", "Invalid", "Limited", "LookupService", "NoMatch", "Outcome", "Shown", "Unavailable"]


@dataclass(frozen=True)
class Shown:
    guarantee_number: str
    prepared: PreparedCertificate
    view: FirstView
    looked_up_at: float
    status: ClassVar[str] = "shown"

    @property
    def certificate(self) -> Certificate:
        return self.prepared.certificate


@dataclass(frozen=True)
class NoMatch:
    """Unknown number or wrong key: deliberately one outcome. ``known`` is for the audit log only."""

    guarantee_number: str
    known: bool = False
    status: ClassVar[str] = "no_match"


@dataclass(frozen=True)
class Limited:
    """Over a failure limit. ``key_checked`` is True when this very attempt was a wrong key (the last
    chance): only then does the answer carry timing worth hiding."""

    guarantee_number: str
    retry_after: int
    key_checked: bool = False
    status: ClassVar[str] = "limited"


@dataclass(frozen=True)
class Invalid:
    errors: tuple[FieldError, ...]
    guarantee_number: str | None = None
    status: ClassVar[str] = "invalid"


@dataclass(frozen=True)
class Unavailable:
    retry_after: int
    guarantee_number: str | None = None
    status: ClassVar[str] = "unavailable"


@dataclass(frozen=True)
class Failed:
    """The lookup broke (a bug); the handler answers 503 and logs it: fail closed, say nothing."""

    status: ClassVar[str] = "error"


#: The things a lookup can end in.
Outcome = Shown | NoMatch | Limited | Invalid | Unavailable | Failed


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
        subject = client.limit_subject
        try:
            snap = self.store.read(number, subject, self.limits, now)
            claim = self.store.claim(number, subject, self.limits, now, snap)
            if claim.gate is Gate.BLOCKED:
                return Limited(number, claim.retry_after or 1)
            stored = snap.certificate
            matched = keys_match(stored.key_hash if stored else DUMMY_HASH, number, key) and stored is not None
            if not matched or stored is None:
                if claim.gate is Gate.LAST_CHANCE:
                    return Limited(number, claim.retry_after or 1, key_checked=True)
                return NoMatch(number, known=stored is not None)
            self.store.release(number, subject, claim)
            document = stored.document
            if document is None:
                full = self.store.get(number)
                if full is None or full.key_hash != stored.key_hash or full.document is None:
                    raise StoreUnavailable("certificate changed during the lookup", retry_after=1)
                document = full.document
            try:
                prepared = prepare(document)
            except (ValueError, TypeError, KeyError, ModelError, RecursionError) as exc:
                logger.error("stored document of %s cannot be read: %s", number, type(exc).__name__)
                raise StoreCorrupt(f"document of {number} is broken") from exc
            if stored.first_viewed_at is None:
                view = self.store.record_first_view(number, iso_utc(now))
            else:
                view = FirstView(stored.first_viewed_at)
        except StoreUnavailable as exc:
            return Unavailable(exc.retry_after, number)
        return Shown(number, prepared, view, now)
