"""The one small interface every certificate store offers, and what crosses it.

The lookup needs exactly three operations, each one round trip to the store:

* ``read``: the certificate (if any) and the two failure counters of the current windows, together;
* ``record_view``: count a successful view and keep the first one's moment;
* ``record_failure``: add one to both failure counters.

Staff tools need ``get`` (one certificate, nothing else; also the benchmark's bare read) and ``put``
(create, or replace only the revision they read, so two loaders never overwrite each other).

Every store turns its own faults (throttling, timeouts, a locked file) into ``StoreUnavailable`` so
the handler can answer 503 without knowing which store it talks to.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from ..limits import Windows

__all__ = [
    "CertificateStore",
    "Snapshot",
    "StoreConflict",
    "StoreError",
    "StoreUnavailable",
    "StoredCertificate",
    "ViewRecord",
]


class StoreError(Exception):
    """Base of the store's own errors."""


class StoreUnavailable(StoreError):
    """The store cannot answer now (throttled, timed out, locked, unreachable); try again later."""

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message)
        self.retry_after = retry_after


class StoreConflict(StoreError):
    """``put`` found a different revision than the one the caller read (or a certificate where none was)."""


class StoredCertificate(NamedTuple):
    """A certificate as stored: the key only as a hash, the document as JSON text, the view record."""

    guarantee_number: str
    key_hash: str
    document: str
    revision: str
    demo: bool = False
    loaded_at: str | None = None
    view_count: int = 0
    first_viewed_at: str | None = None
    last_viewed_at: str | None = None


class Snapshot(NamedTuple):
    """What ``read`` returns: everything the lookup decides on, read in one round trip."""

    certificate: StoredCertificate | None
    client_failures: int
    number_failures: int


class ViewRecord(NamedTuple):
    """After a successful view: how many there have been and when the first was."""

    view_count: int
    #: None only when a store could not say (DynamoDB's UPDATED_NEW omits unchanged attributes).
    first_viewed_at: str | None
    last_viewed_at: str


class CertificateStore(Protocol):
    """Where certificates and failure counters live (SQLite locally, DynamoDB in production)."""

    name: str

    def read(self, guarantee_number: str, client_subject: str, windows: Windows, now: float) -> Snapshot: ...

    def record_view(self, guarantee_number: str, at: str) -> ViewRecord: ...

    def record_failure(self, guarantee_number: str, client_subject: str, windows: Windows, now: float) -> None: ...

    def get(self, guarantee_number: str) -> StoredCertificate | None: ...

    def put(self, certificate: StoredCertificate, *, expected_revision: str | None) -> None: ...

    def close(self) -> None: ...
