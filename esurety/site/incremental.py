"""Incremental rebuilds for the preview server (make serve): after one edit, redo only what it changed.

``make build`` always builds everything into a fresh folder. The preview server rebuilds in place
each time a file changes; with 2,000 guidance pages a full build takes seconds, most of it spent
parsing YAML files and rendering pages that did not change. Two records, both kept in the memory of
the long-running server process (nothing is written to disk, so a new process always starts from a
full build and a stale record can never outlive it):

* :class:`FileCache` — each data file already validated, keyed by its path and the hash of its bytes,
  so an unchanged file is neither parsed nor validated again (``dataset.load_dataset(root, cache=…)``);
  the cross-file checks still run on every build.
* :class:`PageLedger` — for each guidance page written, the digest of everything it is made from and
  the size and modification time of the file written. A page is skipped only when the digest is the
  same *and* the file on disk is still the one written, so a page from an aborted build is redone.

What a guidance page is made from (see :func:`shared_digest`): its own validated file, the
settings, the templates, the vocabulary, the guarantors, the adopter table, the usage tables, the
list of all guidance pages (names, places, starts) and the build date. A template that starts showing
anything else on a guidance page must add it to :func:`shared_digest`, or previews of it go stale
(``make build`` is unaffected: it never skips).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["FileCache", "PageLedger", "SETTING", "enabled", "file_cache", "ledger", "page_digest",
           "shared_digest"]

#: The Pelican setting that turns incremental rendering on (scripts/build.py sets it for make serve).
SETTING = "ESURETY_INCREMENTAL"


def enabled(settings: dict[str, Any]) -> bool:
    return bool(settings.get(SETTING))


# --- validated data files ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Entry:
    digest: bytes
    loaded: Any


class FileCache:
    """Validated files of one project, reused while their bytes are unchanged.

    Keyed by path and model class; an entry is valid while the file's bytes hash the same (reading
    2,000 small files and hashing them takes milliseconds; parsing them takes seconds). Files that
    failed are never stored, so their errors are reported on every build.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], _Entry] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _key(path: Path, cls: type) -> tuple[str, str]:
        return str(path), f"{cls.__module__}.{cls.__qualname__}"

    @staticmethod
    def _digest(path: Path) -> bytes | None:
        try:
            return hashlib.blake2b(Path(path).read_bytes(), digest_size=16).digest()
        except OSError:
            return None

    def get(self, path: Path, cls: type) -> Any | None:
        """The validated file as stored by :meth:`put`, or None when it changed or was never stored."""
        entry = self._entries.get(self._key(path, cls))
        if entry is not None and entry.digest == self._digest(path):
            self.hits += 1
            return entry.loaded
        self.misses += 1
        return None

    def put(self, path: Path, cls: type, loaded: Any) -> None:
        digest = self._digest(path)
        if digest is not None:
            self._entries[self._key(path, cls)] = _Entry(digest, loaded)

    def keep_only(self, paths: set[str]) -> None:
        """Forget files that no longer exist (deleted or renamed)."""
        for key in [k for k in self._entries if k[0] not in paths]:
            del self._entries[key]


_FILE_CACHES: dict[str, FileCache] = {}


def file_cache(root: Path) -> FileCache:
    """The file cache of the project at ``root`` in this process."""
    return _FILE_CACHES.setdefault(str(Path(root).resolve()), FileCache())


# --- rendered pages ----------------------------------------------------------------------------

def _stable(value: Any) -> str:
    """A JSON text for settings and models; objects without a stable text count by their type."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=lambda o: type(o).__qualname__)
    except (TypeError, ValueError):  # unsortable keys: a text that may differ only costs a re-render
        return repr(value)


def _template_files(settings: dict[str, Any]) -> list[tuple[str, int, int]]:
    folders = [Path(settings["THEME"]) / "templates",
               *map(Path, settings.get("THEME_TEMPLATES_OVERRIDES") or []),
               *map(Path, settings.get("EXTRA_TEMPLATES_PATHS") or [])]
    out = []
    for folder in folders:
        for dirpath, _dirs, files in os.walk(folder):
            for name in files:
                st = os.stat(os.path.join(dirpath, name))
                out.append((os.path.join(dirpath, name), st.st_mtime_ns, st.st_size))
    return sorted(out)


#: Settings that differ between the server's first (staging) build and its in-place rebuilds
#: without changing any page.
_VOLATILE_SETTINGS: frozenset[str] = frozenset({SETTING, "OUTPUT_PATH", "DELETE_OUTPUT_DIRECTORY"})


def shared_digest(settings: dict[str, Any], data: Any, today: Any) -> str:
    """Digest of everything every guidance page is made from besides its own file."""
    h = hashlib.blake2b(digest_size=16)
    simple = {k: v for k, v in settings.items() if k.isupper() and k not in _VOLATILE_SETTINGS}
    for part in (
        _stable(simple),
        _stable(_template_files(settings)),
        data.vocabulary.model_dump_json(),
        _stable({k: g.model_dump(mode="json") for k, g in data.guarantors.items()}),
        data.adopters.model_dump_json(),
        _stable([u.model_dump(mode="json") for u in data.usage]),
        _stable([(g.slug, g.name, g.reading, g.prefecture, g.kind, g.start_month)
                 for g in data.guidance]),
        str(today),
    ):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def page_digest(shared: str, guidance: Any) -> str:
    """Digest of one guidance page's inputs: the shared ones and its own validated file."""
    return hashlib.blake2b((shared + guidance.model_dump_json()).encode("utf-8"), digest_size=16).hexdigest()


class PageLedger:
    """The pages this process wrote for one project: relative path → (digest, mtime_ns, size)."""

    def __init__(self) -> None:
        self._pages: dict[str, tuple[str, int, int]] = {}

    def unchanged(self, output: str | Path, relative: str, digest: str) -> bool:
        """True when ``relative`` was written from the same inputs and the file is still that file."""
        seen = self._pages.get(relative)
        if seen is None or seen[0] != digest:
            return False
        try:
            st = os.stat(os.path.join(output, relative))
        except OSError:
            return False
        return (st.st_mtime_ns, st.st_size) == seen[1:]

    def record(self, output: str | Path, relative: str, digest: str) -> None:
        st = os.stat(os.path.join(output, relative))
        self._pages[relative] = (digest, st.st_mtime_ns, st.st_size)

    def forget_except(self, keep: set[str]) -> list[str]:
        """Drop and return the pages not written by this build (their source files were removed)."""
        gone = [p for p in self._pages if p not in keep]
        for p in gone:
            del self._pages[p]
        return gone


_LEDGERS: dict[str, PageLedger] = {}


def ledger(root: Path) -> PageLedger:
    """The page ledger of the project at ``root`` in this process."""
    return _LEDGERS.setdefault(str(Path(root).resolve()), PageLedger())
