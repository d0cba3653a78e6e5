"""The search index: Pagefind over the finished HTML, in shards, in a process that holds no site data.

Pagefind's extended build segments Japanese text, so 竹田, 前払金 and 認証キー match inside longer
words. The index is built in shards of at most :data:`SHARD_PAGES` pages, each its own Pagefind
bundle, so the indexer's memory does not grow with the site; the search page merges them
(theme/static/js/search.js). On an incremental build a shard whose pages did not change is linked
from the previous build (esurety/site/buildstate.py); only changed shards are indexed again.

This module imports only the standard library, the kernel and the Pagefind client, so the process
that runs it can stay small: ``make build`` renders in a forked child and indexes here once the
child, with all the data, has gone (scripts/build.py); a plain Pelican run indexes on its
``finalized`` signal (esurety/site/search.py).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from esurety.kernel import paths

if TYPE_CHECKING:
    from esurety.site.pagefind_service import PagefindService

logger = logging.getLogger(__name__)

#: Pelican setting: False builds no search index (tests that are not about search; default True).
SETTING = "ESURETY_SEARCH_INDEX"
#: Pelican setting: True when the caller builds the index once Pelican's run is over (make build);
#: the run then neither starts an indexer nor indexes, and leaves its build record to the caller.
AFTER_RUN = "ESURETY_INDEX_AFTER_RUN"

__all__ = [
    "AFTER_RUN",
    "EXCLUDED_SELECTORS",
    "FAMILY",
    "MANIFEST",
    "SETTING",
    "SHARD_PAGES",
    "SearchIndexError",
    "build_index",
    "bundle_name",
    "index_after_run",
    "index_and_record",
    "index_enabled",
    "index_in_run",
    "searchable_pages",
    "start_indexer",
    "stop_indexer",
    "warm_indexer",
]


class SearchIndexError(RuntimeError):
    """Pagefind failed; its own output is in the message."""


#: Pages per Pagefind bundle. Pagefind holds a whole index in memory until it writes it: about 330 MB
#: for the Japanese dictionary plus about 0.28 MB per page (1.5 GB for one index of 4,000 guidance
#: pages). Shards of at most this many pages keep the indexer under 500 MB whatever the site's size;
#: the search page merges the bundles in the browser (theme/static/js/search.js).
SHARD_PAGES = 300
#: The bundles, first one first, as URL paths from the site root: read by the search page.
MANIFEST = paths.SEARCH_BUNDLES
#: Parts of an indexed page left out of the index. The small print under each statement names its
#: source again (出典（発注者の資料）: <title>), twenty times a page; the page's own 出典 section lists
#: every source once and stays searchable. Left in, those repeats made every page match the words of
#: document titles, and took about 9 % of the index's time (N = 2,000: 8.6 s → 7.8 s).
EXCLUDED_SELECTORS: tuple[str, ...] = (".provenance",)
#: Only pages marked with this are indexed (base.html's <main>); Pagefind skips the others anyway
#: once any page has it, but only within one index, so a shard without any would index whole pages.
_BODY_MARK = b"data-pagefind-body"
_SAFE_PATH = re.compile(r"[A-Za-z0-9._/-]+")


def bundle_name(shard: int) -> str:
    """``pagefind`` for the first shard (the search page and its tests load it first), then ``pagefind-2``, …"""
    return paths.search_bundle(shard).rstrip("/")


def searchable_pages(site: Path) -> list[str]:
    """Site-relative paths of the HTML pages to index, sorted, so shards are the same from build to build."""
    return sorted(_searchable(site))


def _searchable(site: Path, known: dict[str, tuple[int, int, str]] | None = None) -> dict[str, str]:
    """The pages to index, each with the digest of its bytes.

    ``known``: pages an earlier build indexed, with their size, modification time and digest; a page
    whose size and time are still those (a file linked from that build) is not read again.
    """
    known = known or {}
    pages = {}
    base = str(site)
    for dirpath, dirs, files in os.walk(base):
        rel_dir = os.path.relpath(dirpath, base).replace(os.sep, "/")
        if rel_dir == ".":
            rel_dir = ""
            dirs[:] = [d for d in dirs if not d.startswith("pagefind")]
        for name in files:
            if not name.endswith(".html") or (not rel_dir and name.startswith("pagefind")):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            path = os.path.join(dirpath, name)
            seen = known.get(rel)
            if seen is not None:
                st = os.stat(path)
                if (st.st_size, st.st_mtime_ns) == seen[:2]:
                    pages[rel] = seen[2]
                    continue
            with open(path, "rb") as fh:
                raw = fh.read()
            if _BODY_MARK not in raw:
                continue
            if not _SAFE_PATH.fullmatch(rel):  # the shard is a glob of literal paths
                raise SearchIndexError(f"cannot index {rel}: only letters, digits and ._/- in page paths")
            pages[rel] = hashlib.blake2b(raw, digest_size=16).hexdigest()
    return pages


#: The indexer started for the build under way, if any.
_warm: PagefindService | None = None


def start_indexer() -> None:
    """Start the indexer now and have it load its dictionary in its own process, without waiting.

    Loading Pagefind's Japanese dictionary takes about 0.9 s of CPU; started before the data is
    loaded, it is done on the second core by the time the pages are written. A previous indexer
    that was never stopped (a failed build) is stopped first.
    """
    global _warm
    from esurety.site.pagefind_service import PagefindService

    stop_indexer()
    service = PagefindService().__enter__()
    service.warm_up()
    _warm = service


def stop_indexer() -> None:
    global _warm
    service, _warm = _warm, None
    if service is not None:
        service.__exit__(None, None, None)


atexit.register(stop_indexer)


@contextlib.contextmanager
def warm_indexer() -> Iterator[None]:
    """The indexer started for the duration of the block (for callers that index outside Pelican)."""
    start_indexer()
    try:
        yield
    finally:
        stop_indexer()


@contextlib.contextmanager
def _indexer() -> Iterator[PagefindService]:
    """The warm indexer of this build, or else a new one for this call."""
    if _warm is not None:
        yield _warm
        return
    from esurety.site.pagefind_service import PagefindService

    with PagefindService() as service:
        yield service


def _digest(*parts: str) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def _files_under(site: Path, folder: str) -> list[str]:
    out = []
    for dirpath, _dirs, files in os.walk(site / folder):
        for name in files:
            out.append(Path(dirpath, name).relative_to(site).as_posix())
    return out


#: The family name the shards are recorded under (esurety/site/buildstate.py).
FAMILY = "SearchIndex"


def build_index(site: Path, shard_pages: int = SHARD_PAGES, state: Any = None) -> None:
    """Index the built site in ``site`` in shards of at most ``shard_pages`` pages, one after the other.

    One Pagefind service process (the pinned pagefind[extended] binary) loads the Japanese dictionary
    once and writes each shard as its own bundle, deleting the shard's index before the next one.
    ``pagefind/bundles.json`` lists the bundles for the search page. With ``state`` (a
    buildstate.BuildState), a shard whose pages are byte for byte those of the previous build is
    linked from it instead.
    """
    from esurety.site.pagefind_service import PagefindServiceError

    site = Path(site).resolve()
    found_pages = _searchable(site, state.previous_pages() if state is not None else None)
    if state is not None:
        state.extra["pages"] = found_pages  # for the next build (esurety/site/buildstate.py)
    pages = sorted(found_pages)
    shards = [pages[i:i + shard_pages] for i in range(0, len(pages), shard_pages)] or [[]]
    logger.info("building the search index: %d pages in %d shards", len(pages), len(shards))
    bundles = []
    code = getattr(state, "code", "")
    indexed = 0
    try:
        with _indexer() as service:
            for number, shard in enumerate(shards):
                name = bundle_name(number)
                bundles.append(f"/{name}/")
                digest = _digest(code, name, *(f"{p}={found_pages[p]}" for p in shard))
                if state is not None and state.keep(site, FAMILY, str(number), digest):
                    continue
                index_id = service.new_index({"exclude_selectors": list(EXCLUDED_SELECTORS)})
                found = service.add_directory(index_id, site, "{" + ",".join(shard) + "}") if shard else 0
                if found != len(shard):
                    raise SearchIndexError(f"Pagefind indexed {found} of the {len(shard)} pages of shard {number + 1}")
                service.write_files(index_id, site / name)
                service.delete_index(index_id)
                indexed += 1
                if state is not None:
                    state.record(FAMILY, str(number), digest, _files_under(site, name))
    except PagefindServiceError as exc:
        raise SearchIndexError(str(exc)) from exc
    if not (site / "pagefind" / "pagefind.js").is_file():
        raise SearchIndexError("Pagefind wrote no pagefind/pagefind.js")
    (site / MANIFEST).write_text(json.dumps({"bundles": bundles}) + "\n", encoding="utf-8")
    if state is not None:
        state.record(FAMILY, "bundles", "", [MANIFEST])
    logger.info("search index: %d of %d shards indexed", indexed, len(shards))


def index_enabled(settings: dict[str, Any]) -> bool:
    return bool(settings.get(SETTING, True))


def index_after_run(settings: dict[str, Any]) -> bool:
    """True when the run leaves the index to its caller (:data:`AFTER_RUN`)."""
    return index_enabled(settings) and bool(settings.get(AFTER_RUN))


def index_in_run(settings: dict[str, Any]) -> bool:
    """True when Pelican's run builds the index itself, on its ``finalized`` signal."""
    return index_enabled(settings) and not settings.get(AFTER_RUN)


def index_and_record(output: Path, settings: dict[str, Any], state: Any) -> None:
    """The last step of a build, wherever it runs: index the written site (unless the index is off),
    stop the indexer, then write the build's record (esurety/site/buildstate.py) for the next one."""
    try:
        if index_enabled(settings):
            build_index(output, state=state)
    finally:
        stop_indexer()  # in a forked child this only lets go of its parent's indexer
    state.finish(output)
