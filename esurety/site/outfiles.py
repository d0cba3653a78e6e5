"""Writing non-HTML outputs (JSON, CSV, Atom, iCalendar, SVG) into the build's output folder.

Pelican's writer renders templates into HTML; data files are plain bytes, written here so that every
extra output creates folders and chooses its encoding the same way.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["page_context", "write_bytes", "write_text"]


def write_bytes(generator: Any, relative: str, data: bytes) -> Path:
    """Write ``data`` to ``relative`` under the generator's output path and return the file's path."""
    path = Path(generator.output_path) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    note = getattr(generator, "_note", None)  # a page family records what it wrote (esurety/site/family.py)
    if note is not None:
        note(relative)
    logger.debug("wrote %s (%d bytes)", path, len(data))
    return path


def write_text(generator: Any, relative: str, text: str, *, bom: bool = False) -> Path:
    """Write UTF-8 text as is (line endings are the caller's choice); ``bom`` for spreadsheet programs."""
    data = text.encode("utf-8")
    return write_bytes(generator, relative, (b"\xef\xbb\xbf" + data) if bom else data)


def page_context(generator: Any, url: str) -> dict[str, Any]:
    """The keyword arguments every page written by an extra output passes to ``writer.write_file``."""
    return {"url": url, "relative_urls": generator.settings["RELATIVE_URLS"], "page_name": url.rstrip("/") + "/index"}
