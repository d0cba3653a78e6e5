"""Stored certificate documents, prepared once per process and then reused.

A warm function answers many lookups, and the same certificate comes back often (an orderer opens
it, prints it, a colleague opens it again). Parsing and validating the stored JSON, writing it back
out for the JSON answer and rendering the certificate's HTML depend only on the document's text, so
they are done once per text and kept in a small LRU cache keyed by that text. A reloaded
certificate has a new text and is prepared anew; the old entry simply ages out. What depends on
the request (the moment of the lookup, the first view) is rendered per request (rendering.py).
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from .model import Certificate

logger = logging.getLogger(__name__)

__all__ = ["CACHE_SIZE", "PreparedCertificate", "encode_json", "prepare"]

#: Documents kept per process; a document with its two renderings is about 20 KB.
CACHE_SIZE = 128

#: The one JSON encoder of the function (compact, UTF-8 as is); building one per call costs more than using it.
encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class PreparedCertificate:
    """A certificate read from its stored document, with what every answer about it reuses."""

    __slots__ = ("certificate", "json", "renderings")

    def __init__(self, document: str):
        self.certificate = Certificate.from_dict(json.loads(document))
        #: The certificate as the JSON answer carries it (``Certificate.to_dict``), already encoded.
        self.json: str = encode_json(self.certificate.to_dict())
        #: HTML around the per-request part, by rendering kind; filled by rendering.py on first use.
        self.renderings: dict[Any, tuple[str, str]] = {}


@functools.lru_cache(maxsize=CACHE_SIZE)
def prepare(document: str) -> PreparedCertificate:
    """The prepared certificate for a stored document text (raises ModelError for a broken one)."""
    return PreparedCertificate(document)
