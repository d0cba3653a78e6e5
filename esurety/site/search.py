"""Site search in Japanese with Pagefind: the /search/ page, and the index built on the finished HTML.

Pagefind's extended build segments Japanese text, so 竹田, 前払金 and 認証キー match inside longer
words, and the reading on each guidance page (よみ: たけたし) lets たけた find 竹田市. The index is
built after Pelican, on the staging folder, by :func:`build_index` (listed in scripts/build.py's
POST_BUILD_STEPS); a failure there fails the build and leaves the published output/ as it was.
It is built in shards of at most :data:`SHARD_PAGES` pages, each its own Pagefind bundle, so the
indexer's memory does not grow with the site; the search page merges them (theme/static/js/search.js).

This module imports only the standard library at import time: scripts/build.py imports it before
the plugin package is on the path.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from esurety.site.pagefind_service import PagefindService

logger = logging.getLogger(__name__)

__all__ = ["SEARCH_URL", "FILTERS", "keywords", "build_index", "warm_indexer", "write_outputs"]

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


#: Pages per Pagefind bundle. Pagefind holds a whole index in memory until it writes it: about 330 MB
#: for the Japanese dictionary plus about 0.28 MB per page (1.5 GB for one index of 4,000 guidance
#: pages). Shards of at most this many pages keep the indexer under 500 MB whatever the site's size;
#: the search page merges the bundles in the browser (theme/static/js/search.js).
SHARD_PAGES = 300
#: The bundles, first one first, as URL paths from the site root: read by the search page.
MANIFEST = "pagefind/bundles.json"
#: Only pages marked with this are indexed (base.html's <main>); Pagefind skips the others anyway
#: once any page has it, but only within one index, so a shard without any would index whole pages.
_BODY_MARK = b"data-pagefind-body"
_SAFE_PATH = re.compile(r"[A-Za-z0-9._/-]+")


def bundle_name(shard: int) -> str:
    """``pagefind`` for the first shard (the search page and its tests load it first), then ``pagefind-2``, …"""
    return "pagefind" if shard == 0 else f"pagefind-{shard + 1}"


def searchable_pages(site: Path) -> list[str]:
    """Site-relative paths of the HTML pages to index, sorted, so shards are the same from build to build."""
    pages = []
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        if rel.split("/", 1)[0].startswith("pagefind") or _BODY_MARK not in path.read_bytes():
            continue
        if not _SAFE_PATH.fullmatch(rel):  # the shard is a glob of literal paths
            raise SearchIndexError(f"cannot index {rel}: only letters, digits and ._/- in page paths")
        pages.append(rel)
    return sorted(pages)


#: The indexer started by :func:`warm_indexer` for the build under way, if any.
_warm: PagefindService | None = None


@contextlib.contextmanager
def warm_indexer() -> Iterator[None]:
    """Start the indexer before Pelican runs so it loads its dictionary meanwhile; stop it after the build.

    scripts/build.py enters this around a full build (``BUILD_CONTEXTS``). Loading Pagefind's
    Japanese dictionary takes about 0.9 s of CPU in the indexer's own process: on the second core
    it is done by the time Pelican has finished, instead of after it. The indexer's memory (about
    330 MB until the first shard) sits beside Pelican's for that time; the build's largest moment is
    still the post-build step, with the Pelican process's memory beside the indexer's first shard.
    """
    global _warm
    from esurety.site.pagefind_service import PagefindService

    with PagefindService() as service:
        service.warm_up()
        _warm = service
        try:
            yield
        finally:
            _warm = None


@contextlib.contextmanager
def _indexer() -> Iterator[PagefindService]:
    """The warm indexer of this build, or else a new one for this call."""
    if _warm is not None:
        yield _warm
        return
    from esurety.site.pagefind_service import PagefindService

    with PagefindService() as service:
        yield service


def build_index(site: Path, shard_pages: int = SHARD_PAGES) -> None:
    """Index the built site in ``site`` in shards of at most ``shard_pages`` pages, one after the other.

    One Pagefind service process (the pinned pagefind[extended] binary) loads the Japanese dictionary
    once and writes each shard as its own bundle, deleting the shard's index before the next one.
    ``pagefind/bundles.json`` lists the bundles for the search page.
    """
    from esurety.site.pagefind_service import PagefindServiceError

    site = Path(site).resolve()
    pages = searchable_pages(site)
    shards = [pages[i:i + shard_pages] for i in range(0, len(pages), shard_pages)] or [[]]
    logger.info("building the search index: %d pages in %d shards", len(pages), len(shards))
    bundles = []
    try:
        with _indexer() as service:
            for number, shard in enumerate(shards):
                index_id = service.new_index()
                found = service.add_directory(index_id, site, "{" + ",".join(shard) + "}") if shard else 0
                if found != len(shard):
                    raise SearchIndexError(f"Pagefind indexed {found} of the {len(shard)} pages of shard {number + 1}")
                service.write_files(index_id, site / bundle_name(number))
                service.delete_index(index_id)
                bundles.append(f"/{bundle_name(number)}/")
    except PagefindServiceError as exc:
        raise SearchIndexError(str(exc)) from exc
    if not (site / "pagefind" / "pagefind.js").is_file():
        raise SearchIndexError("Pagefind wrote no pagefind/pagefind.js")
    (site / MANIFEST).write_text(json.dumps({"bundles": bundles}) + "\n", encoding="utf-8")


def write_outputs(generator: Any, writer: Any, data: Any, adopters: Any) -> None:
    """Write the search page; it works with the index that :func:`build_index` adds afterwards."""
    from esurety.site import outfiles

    writer.write_file(f"{SEARCH_URL}index.html", generator.get_template("search"), generator.context,
                      **outfiles.page_context(generator, SEARCH_URL))
