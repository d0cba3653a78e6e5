"""The audit log of lookups: one JSON line per request on the ``lambda_verify.audit`` logger.

In Lambda the line goes to CloudWatch Logs (retention set in infra/), locally to the console. It
says when, what happened and for which number, never the access key, and of the client only the
network (IPv4 /24, IPv6 /48; see addresses.py). ``known_number`` tells staff whether failures hit a
real certificate; it is never part of an answer.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from .addresses import ClientAddress
from .clock import iso_utc

__all__ = ["audit_logger", "record_lookup"]

audit_logger = logging.getLogger("lambda_verify.audit")
audit_logger.setLevel(logging.INFO)


def record_lookup(*, at: float, outcome: str, status: int, guarantee_number: str | None, client: ClientAddress,
                  request_id: str | None, **extra: Any) -> dict[str, Any]:
    """Write one audit line and return it (tests read it back)."""
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
    audit_logger.info("%s", json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
    return entry
