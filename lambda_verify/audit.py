"""The audit log of lookups: one JSON line per request on the ``lambda_verify.audit`` logger.

It says when, what happened (``outcome``, ``status``) and for which number, never the access key,
and of the client only the network (IPv4 /24, IPv6 /48; see addresses.py). ``known_number`` tells
staff whether failures hit a real certificate; it is never part of an answer.

It is also the record of views: the store keeps only a certificate's first view, and the views of
a certificate are the lines with ``"outcome": "shown"`` and its ``guarantee_number`` (README,
"Certificate lookup", has the queries). So a line must be written for every lookup, and a success
line always carries both fields.

Where the lines go:

* Lambda (JSON log format, infra/template.yaml): CloudWatch Logs. The line is the log event's
  ``message``; the same entry also rides on the record as ``audit``, which Lambda's JSON formatter
  writes as a nested object, so CloudWatch Logs Insights can filter on ``audit.outcome`` and
  ``audit.guarantee_number`` without parsing a string.
* The local server (scripts/devserver.py): the console, and ``var/audit.log`` as JSON lines.
"""

from __future__ import annotations

import logging
from typing import Any

from .addresses import ClientAddress
from .clock import iso_utc
from .documents import encode_json

__all__ = ["AUDIT_LOGGER", "audit_logger", "record_lookup"]

AUDIT_LOGGER = "lambda_verify.audit"


def _plain_logger(name: str) -> logging.Logger:
    """A logger of the standard class with no filters: every audit line is written.

    Pelican, when imported in the same process (the local server's rebuilds, the tests), makes later
    loggers drop repeated identical messages; two identical lookups must still be two lines.
    """
    kind = logging.getLoggerClass()
    logging.setLoggerClass(logging.Logger)
    try:
        logger = logging.getLogger(name)
    finally:
        logging.setLoggerClass(kind)
    for f in list(logger.filters):
        logger.removeFilter(f)
    return logger


audit_logger = _plain_logger(AUDIT_LOGGER)
audit_logger.setLevel(logging.INFO)


def record_lookup(*, at: float, outcome: str, status: int, guarantee_number: str | None, client: ClientAddress,
                  request_id: str | None, **extra: Any) -> dict[str, Any]:
    """Write one audit line and return its entry (tests read it back)."""
    entry: dict[str, Any] = {
        "event": "lookup",
        "at": iso_utc(at),
        "outcome": outcome,
        "status": status,
        "guarantee_number": guarantee_number,
        "client_network": client.audit_network,
        "request_id": request_id,
    }
    entry.update({k: v for k, v in extra.items() if v is not None})
    audit_logger.info("%s", encode_json(entry), extra={"audit": entry})
    return entry
