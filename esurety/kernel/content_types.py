"""Content-Type by file name: one table for the local server and the publisher.

Longest ending wins, so ``adopters.atom.xml`` is an Atom feed, not plain XML. Text types carry
charset=utf-8: the pages are Japanese and must never be guessed as Shift_JIS. Standard library only.
"""

from __future__ import annotations

import logging
import mimetypes

logger = logging.getLogger(__name__)

__all__ = ["CONTENT_TYPES", "DEFAULT_CONTENT_TYPE", "UTF8", "content_type_for", "endings"]

UTF8 = "; charset=utf-8"

#: Content-Type by file name ending.
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html" + UTF8,
    ".htm": "text/html" + UTF8,
    ".css": "text/css" + UTF8,
    ".js": "text/javascript" + UTF8,
    ".mjs": "text/javascript" + UTF8,
    ".json": "application/json" + UTF8,
    ".map": "application/json" + UTF8,
    ".webmanifest": "application/manifest+json" + UTF8,
    ".xml": "application/xml" + UTF8,
    ".atom.xml": "application/atom+xml" + UTF8,
    ".atom": "application/atom+xml" + UTF8,
    ".rss.xml": "application/rss+xml" + UTF8,
    ".rss": "application/rss+xml" + UTF8,
    ".svg": "image/svg+xml" + UTF8,
    ".ics": "text/calendar" + UTF8,
    ".csv": "text/csv" + UTF8,
    ".txt": "text/plain" + UTF8,
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".wasm": "application/wasm",
    # Pagefind's index: fetched and decoded by pagefind.js, never rendered by the browser.
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
    ".pagefind": "application/octet-stream",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def endings(name: str) -> list[str]:
    """``a.b.atom.xml`` → [".b.atom.xml", ".atom.xml", ".xml"], longest first."""
    parts = name.rsplit("/", 1)[-1].split(".")
    return ["." + ".".join(parts[i:]).lower() for i in range(1, len(parts))]


def content_type_for(name: str) -> str:
    """Content-Type for a file name; unknown endings fall back to the platform table, then octet-stream."""
    ending = next((e for e in endings(name) if e in CONTENT_TYPES), None)
    if ending is not None:
        return CONTENT_TYPES[ending]
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed is None:
        logger.warning("no content type known for %s; using %s", name, DEFAULT_CONTENT_TYPE)
        return DEFAULT_CONTENT_TYPE
    return guessed + UTF8 if guessed.startswith("text/") else guessed
