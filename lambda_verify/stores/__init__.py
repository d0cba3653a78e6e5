"""Certificate stores behind one interface (base.py): SQLite locally, DynamoDB in production.

``open_store`` picks by environment, as everything else in the project does: ``CERTIFICATES_TABLE``
names a DynamoDB table; without it the embedded SQLite file ``VERIFY_DB`` is used. Each store module
is imported only when chosen, so a local run never loads boto3 and the function never loads sqlite3.
"""

from __future__ import annotations

from .base import (
    CertificateStore,
    FirstView,
    Snapshot,
    StoreConflict,
    StoreCorrupt,
    StoredCertificate,
    StoreError,
    StoreUnavailable,
)

__all__ = [
    "CertificateStore",
    "FirstView",
    "Snapshot",
    "StoreConflict",
    "StoreCorrupt",
    "StoreError",
    "StoreUnavailable",
    "StoredCertificate",
    "open_store",
]


def open_store(table: str | None = None, db_path: str | None = None, *,
               busy_timeout: float | None = None) -> CertificateStore:
    """The DynamoDB store for ``table`` if given, else the SQLite store at ``db_path``.

    ``busy_timeout`` (SQLite only): None is the store's own ``BUSY_TIMEOUT_SECONDS``.
    """
    if table:
        from .dynamodb import DynamoDbStore

        return DynamoDbStore(table)
    if not db_path:
        raise ValueError("either a DynamoDB table or a SQLite path is needed")
    from .sqlite import SqliteStore

    return SqliteStore(db_path, busy_timeout=busy_timeout)
