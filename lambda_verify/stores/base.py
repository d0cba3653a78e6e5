"""The one small interface every certificate store offers, and what crosses it.

The lookup needs these operations, each one round trip to the store (DynamoDB: one request):

* ``read``: the certificate's key hash (if any; the document only where it costs nothing extra) and
  the slots of the client and the number (limits.py), together;
* ``claim``: count this attempt, atomically, before the key is compared: take a free slot of the
  client and one of the number, or say the attempt is blocked (limits.py has the rules). A store that
  cannot record the claim raises ``StoreUnavailable``: no key is compared without a recorded attempt;
* ``release``: give the slots of a successful attempt back (best effort: a failed release only leaves
  the attempt counted);
* ``record_first_view``: keep the moment of the certificate's first successful lookup (電子証書の
  到達日時). It is called only while the certificate has none, writes only if it still has none
  (a conditional write: two first lookups at once keep the earlier writer's moment) and is never
  called again once it is set.

Views are not counted here: every lookup writes one audit line (audit.py) with its outcome and
guarantee number, and the views of a certificate are counted from that log (README, "Certificate
lookup"). A counter in the store would turn every successful lookup into a read and a write.

Staff tools need ``get`` (one certificate, nothing else; also the benchmark's bare read) and ``put``
(create, or replace only the revision they read, so two loaders never overwrite each other).

Every store turns its own faults (throttling, timeouts, a locked file) into ``StoreUnavailable`` so
the handler can answer 503 without knowing which store it talks to.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from ..limits import Claim, Limits, Slots

__all__ = [
    "CertificateStore",
    "FirstView",
    "Snapshot",
    "StoreConflict",
    "StoreCorrupt",
    "StoreError",
    "StoreUnavailable",
    "StoredCertificate",
]


class StoreError(Exception):
    """Base of the store's own errors."""


class StoreUnavailable(StoreError):
    """The store cannot answer now (throttled, timed out, locked, unreachable); try again later."""

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message)
        self.retry_after = retry_after


class StoreCorrupt(StoreUnavailable):
    """A stored item or document cannot be read; the lookup answers 503 and the log says which."""


class StoreConflict(StoreError):
    """``put`` found a different revision than the one the caller read (or a certificate where none was)."""


class StoredCertificate(NamedTuple):
    """A certificate as stored: the key only as a hash, the document as JSON text, the first view."""

    guarantee_number: str
    key_hash: str
    #: None when ``read`` left it out (DynamoDB reads it only after a matching key; see dynamodb.py).
    document: str | None
    revision: str
    demo: bool = False
    loaded_at: str | None = None
    #: The first successful lookup (``iso_utc``), None until there has been one.
    first_viewed_at: str | None = None


class Snapshot(NamedTuple):
    """What ``read`` returns: everything the lookup decides on, read in one round trip."""

    certificate: StoredCertificate | None
    client: Slots = Slots()
    number: Slots = Slots()


class FirstView(NamedTuple):
    """When a certificate was first viewed, and whether the lookup at hand is that first view."""

    first_viewed_at: str
    #: True when this lookup's write set ``first_viewed_at`` (the audit line says ``first_view``).
    recorded_now: bool = False


class CertificateStore(Protocol):
    """Where certificates and attempt slots live (SQLite locally, DynamoDB in production)."""

    name: str

    def read(self, guarantee_number: str, client_subject: str, limits: Limits, now: float) -> Snapshot: ...

    def claim(self, guarantee_number: str, client_subject: str, limits: Limits, now: float,
              seen: Snapshot | None = None) -> Claim: ...

    def release(self, guarantee_number: str, client_subject: str, claim: Claim) -> None: ...

    def record_first_view(self, guarantee_number: str, at: str) -> FirstView: ...

    def get(self, guarantee_number: str) -> StoredCertificate | None: ...

    def put(self, certificate: StoredCertificate, *, expected_revision: str | None) -> None: ...

    def close(self) -> None: ...
