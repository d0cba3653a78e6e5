"""Site search in Japanese with Pagefind: the /search/ page, and the index built on the finished HTML.

Pagefind's extended build segments Japanese text, so 竹田, 前払金 and 認証キー match inside longer
words, and the reading on each guidance page (よみ: たけたし) lets たけた find 竹田市. The index is
built after Pelican, on the staging folder, by :func:`build_index` (listed in scripts/build.py's
POST_BUILD_STEPS); a failure there fails the build and leaves the published output/ as it was.

This module imports only the standard library at import time: scripts/build.py imports it before
the plugin package is on the path.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["SEARCH_URL", "FILTERS", "keywords", "build_index", "write_outputs"]

SEARCH_URL = "search/"
#: Pagefind filter names set on guidance pages (theme/templates/partials/search_meta.html).
FILTERS: tuple[str, ...] = ("prefecture", "kind", "guarantor")


#: Kind suffixes (kanji, kana) people leave out when they type a name: 竹田 / たけた for 竹田市 / たけたし.
SUFFIXES: dict[str, tuple[tuple[str, str], ...]] = {
    "city": (("市", "し"),),
    "designated_city": (("市", "し"),),
    "town": (("町", "ちょう"), ("町", "まち")),
    "village": (("村", "むら"), ("村", "そん")),
    "prefecture": (("県", "けん"), ("府", "ふ"), ("都", "と")),
}


def keywords(name: str, reading: str | None, kind: str) -> str:
    """Name and reading, also without the kind suffix, for a heavily weighted (hidden) search field.

    Pagefind ranks by the words it finds; hiragana queries such as たけた otherwise match common
    syllables on every page, and the orderer's own page would not come first. The text reads like a
    sentence because Pagefind may show it in a result's excerpt: 竹田市（竹田） よみ: たけたし（たけた）.
    """
    short_name = short_reading = ""
    for kanji, kana in SUFFIXES.get(kind, ()):
        if not short_name and name.endswith(kanji) and len(name) > len(kanji):
            short_name = name[: -len(kanji)]
        if not short_reading and reading and reading.endswith(kana) and len(reading) > len(kana):
            short_reading = reading[: -len(kana)]
    text = f"{name}（{short_name}）" if short_name else name
    if reading:
        text += f" よみ: {reading}" + (f"（{short_reading}）" if short_reading else "")
    return text


class SearchIndexError(RuntimeError):
    """Pagefind failed; its own output is in the message."""


def build_index(site: Path) -> None:
    """Run Pagefind (the pinned pagefind[extended] package) over the built site in ``site``."""
    cmd = [sys.executable, "-m", "pagefind", "--site", str(site), "--quiet"]
    logger.info("building the search index: %s", " ".join(cmd))
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not (Path(site) / "pagefind" / "pagefind.js").is_file():
        raise SearchIndexError(f"Pagefind failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def write_outputs(generator: Any, writer: Any, data: Any, adopters: Any) -> None:
    """Write the search page; it works with the index that :func:`build_index` adds afterwards."""
    from . import outfiles

    writer.write_file(f"{SEARCH_URL}index.html", generator.get_template("search"), generator.context,
                      **outfiles.page_context(generator, SEARCH_URL))
