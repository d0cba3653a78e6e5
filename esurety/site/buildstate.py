"""Incremental builds: a content hash of every input decides what is rendered again.

``make build`` builds into a fresh staging folder and swaps it in (scripts/build.py). When output/
and the record of the build that wrote it exist, every page family compares the digest of what an
output is made from with the digest recorded for it; an output whose digest is unchanged, and whose
file in output/ is still the one recorded (same size and modification time), is *hard-linked* from
output/ into the staging folder instead of being rendered. Everything else is rendered as in a full
build, so the staging folder ends up holding exactly the files a full build writes, byte for byte
(tests/site_build/ compares the trees), and a failed build still leaves output/ untouched.

What an output is made from (:meth:`BuildState.digest`):

* the code version — every source file of the esurety package, and the versions of Pelican, Jinja2,
  Markdown, pydantic and Pagefind;
* the settings (UPPERCASE values, without the ones that only say where to write);
* every template and static file of the theme, the Markdown pages (content/pages, content/faq);
* every data file except the guidance files (vocabulary, guarantors, adopters, usage, references);
* the build date;
* of the guidance files: for an orderer's own outputs (its page, its rules.json) its own file's bytes
  and the list fields of all of them; for the outputs that list orderers, the fields they list
  (:data:`LIST_FIELDS`) of every file.

The record lives beside the output folder (``var/build/<output name>/``, never published): the
digests and files of each output, and the digest of every indexed page (``manifest.json``), and
the validated data files (``files.pickle``, reused while a file's bytes, the vocabulary and the
code are unchanged; the files validated since it was written are in ``files-changed.pickle``, so an
edit writes a small file instead of the whole cache again). Files taken from there are not checked
on their own again while the list of local governments is also unchanged (the checks across
files always run). Pelican run alone (``pelican content -s pelicanconf.py``) has no record and
builds everything.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = [
    "LIST_FIELDS",
    "MANIFEST_FORMAT",
    "PREVIOUS",
    "STATE_IN",
    "STATE_OUT",
    "BuildState",
    "PickledFileCache",
    "state_dir",
]

#: Settings scripts/build.py passes to Pelican for an incremental build.
PREVIOUS = "ESURETY_PREVIOUS_OUTPUT"  # the output folder of the previous build (files are linked from it)
STATE_IN = "ESURETY_STATE"            # its record (var/build/<name>/)
STATE_OUT = "ESURETY_STATE_OUT"       # where this build writes its record (moved into place after the swap)
MANIFEST_FORMAT = 2
#: The validated files as the last full write left them, and those validated since.
CACHE_FILE = "files.pickle"
CACHE_CHANGES = "files-changed.pickle"

#: Fields of a guidance file that the outputs listing orderers show (guidance index, /check/, adopter
#: pages, feeds, open data, charts): an edit to any other field re-renders only that orderer's outputs.
LIST_FIELDS: frozenset[str] = frozenset({"slug", "name", "reading", "prefecture", "kind", "lg_code", "start"})

#: Settings that say where or how to write, not what: they never change a page.
_VOLATILE_SETTINGS: frozenset[str] = frozenset({
    "OUTPUT_PATH", "DELETE_OUTPUT_DIRECTORY", "ESURETY_INCREMENTAL", PREVIOUS, STATE_IN, STATE_OUT,
    "ESURETY_SEARCH_INDEX", "ESURETY_INDEX_AFTER_RUN", "ESURETY_WORKERS", "WRITE_SELECTED", "OUTPUT_RETENTION",
})


def state_dir(output_dir: Path) -> Path:
    """Where the record of the build of ``output_dir`` lives: ``<parent>/var/build/<name>/``."""
    output_dir = Path(output_dir).resolve()
    return output_dir.parent / "var" / "build" / output_dir.name


def _h(*parts: bytes | str) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def _stable(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=lambda o: type(o).__qualname__)
    except (TypeError, ValueError):
        return repr(value)


def _tree_bytes(folders: Iterable[Path]) -> list[tuple[str, str]]:
    out = []
    for folder in folders:
        for dirpath, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                if name.endswith((".pyc", ".pyo")):
                    continue
                with open(path, "rb") as fh:
                    out.append((os.path.relpath(path, folder), hashlib.blake2b(fh.read(), digest_size=16).hexdigest()))
    return out


def code_version() -> str:
    """Digest of the sources that shape the output (the esurety package, and the lookup's form in
    lambda_verify) and of the libraries that do."""
    import importlib.metadata as md

    import esurety
    import lambda_verify

    versions = []
    for dist in ("pelican", "jinja2", "markdown", "pydantic", "pagefind", "pyyaml", "markupsafe", "openpyxl"):
        try:
            versions.append(f"{dist}={md.version(dist)}")
        except md.PackageNotFoundError:
            versions.append(f"{dist}=-")
    return _h(_stable(_tree_bytes([Path(esurety.__file__).parent, Path(lambda_verify.__file__).parent])),
              *versions)


class PickledFileCache:
    """The validated data files of the previous build (``files.pickle``), the cache ``dataset.load_dataset(root, cache=…)`` takes.

    Valid as a whole only for the same code version and vocabulary (validation reads the vocabulary);
    each entry while its file's bytes hash the same. Files that failed are never stored, and the
    record is kept only for a build whose data passed every check: with ``checks_passed`` (the list
    of local governments is also the same) a file taken from it is not checked on its own again.
    """

    def __init__(self, entries: dict[tuple[str, str], tuple[bytes, Any]] | None = None, *,
                 base: dict[tuple[str, str], bytes] | None = None, checks_passed: bool = False) -> None:
        self._entries = entries or {}
        #: The digest of each entry as files.pickle holds it (the entries not to write again).
        self._base = base or {}
        self.checks_passed = checks_passed
        self.hits = self.misses = 0

    @classmethod
    def read(cls, folder: Path, *, checks_passed: bool) -> PickledFileCache:
        """files.pickle of ``folder``, with the changes since it was written (files-changed.pickle)."""
        with open(folder / CACHE_FILE, "rb") as fh:
            entries = pickle.load(fh)
        base = {key: entry[0] for key, entry in entries.items()}
        changes = folder / CACHE_CHANGES
        if changes.is_file():
            with open(changes, "rb") as fh:
                changed, removed = pickle.load(fh)
            entries.update(changed)
            for key in removed:
                entries.pop(key, None)
        return cls(entries, base=base, checks_passed=checks_passed)

    def changes(self) -> tuple[dict[tuple[str, str], tuple[bytes, Any]], list[tuple[str, str]]]:
        """The entries that differ from files.pickle, and the keys it holds that are gone."""
        changed = {key: entry for key, entry in self._entries.items() if self._base.get(key) != entry[0]}
        return changed, [key for key in self._base if key not in self._entries]

    @staticmethod
    def _key(path: Path, cls: type) -> tuple[str, str]:
        return str(path), f"{cls.__module__}.{cls.__qualname__}"

    def _digest(self, path: Path) -> bytes | None:
        try:
            return hashlib.blake2b(Path(path).read_bytes(), digest_size=16).digest()
        except OSError:
            return None

    def get(self, path: Path, cls: type) -> Any | None:
        entry = self._entries.get(self._key(path, cls))
        if entry is not None and entry[0] == self._digest(path):
            self.hits += 1
            return entry[1]
        self.misses += 1
        return None

    def put(self, path: Path, cls: type, loaded: Any) -> None:
        digest = self._digest(path)
        if digest is not None:
            self._entries[self._key(path, cls)] = (digest, loaded)

    def keep_only(self, paths: set[str]) -> None:
        for key in [k for k in self._entries if k[0] not in paths]:
            del self._entries[key]


@dataclass
class _Item:
    digest: str
    files: list[str]


@dataclass
class BuildState:
    """This run's input digests and outputs, and the previous build's record (if any)."""

    shared: str
    previous_output: Path | None = None
    previous: dict[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None
    in_dir: Path | None = None
    code: str = ""
    vocabulary_digest: str = ""
    reference_digest: str = ""
    #: This run's record: family → key → item.
    items: dict[str, dict[str, _Item]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    guidance_file: dict[str, str] = field(default_factory=dict)
    guidance_list: str = ""
    linked = 0
    rendered = 0
    _folders: set[str] = field(default_factory=set)
    #: The validated files of this run (:meth:`file_cache`) until :meth:`save_file_cache` writes them.
    _file_cache: Any = field(default=None, repr=False, compare=False)

    # --- set-up ---------------------------------------------------------------------------------

    @classmethod
    def begin(cls, settings: dict[str, Any], root: Path, today: Any) -> BuildState:
        from esurety.data.dataset import Layout

        code = code_version()
        simple = {k: v for k, v in settings.items() if k.isupper() and k not in _VOLATILE_SETTINGS}
        theme = Path(settings["THEME"])
        folders = [theme, *map(Path, settings.get("THEME_TEMPLATES_OVERRIDES") or []),
                   *map(Path, settings.get("EXTRA_TEMPLATES_PATHS") or [])]
        layout = Layout(root=Path(root))
        # every data file but the guidance files (each page family digests those as it needs)
        data_folders = sorted({Path(layout.path(k)).parent for k in ("vocabulary", "guarantors", "adopters",
                                                                      "local_governments")} | {layout.path("usage_dir")})
        content = Path(settings["PATH"])
        pages = [content / p for p in settings.get("PAGE_PATHS") or []]
        vocabulary = Path(layout.path("vocabulary"))
        vocab = _h(vocabulary.read_bytes()) if vocabulary.is_file() else ""
        reference = Path(layout.path("local_governments"))
        shared = _h(code, _stable(simple), _stable(_tree_bytes(folders)), _stable(_tree_bytes(pages)),
                    _stable(_tree_bytes(data_folders)), str(today))
        state = cls(shared=shared, code=code, vocabulary_digest=vocab,
                    reference_digest=_h(reference.read_bytes()) if reference.is_file() else "")
        if settings.get(STATE_OUT):
            state.out_dir = Path(settings[STATE_OUT])
        if settings.get(PREVIOUS) and settings.get(STATE_IN):
            state.in_dir = Path(settings[STATE_IN])
            try:
                record = json.loads((state.in_dir / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record = {}
            if record.get("format") == MANIFEST_FORMAT:
                state.previous = record
                state.previous_output = Path(settings[PREVIOUS])
        return state

    @property
    def incremental(self) -> bool:
        return self.previous_output is not None

    def file_cache(self) -> PickledFileCache | None:
        """The previous build's validated files, when code and vocabulary are the same; None without a record.

        The cache is kept, with what this run validates put into it, for :meth:`save_file_cache`."""
        if self.out_dir is None:
            return None
        self._file_cache = PickledFileCache()
        if self.in_dir is not None and self.previous.get("code") == self.code \
                and self.previous.get("vocabulary") == self.vocabulary_digest:
            try:
                self._file_cache = PickledFileCache.read(
                    self.in_dir, checks_passed=self.previous.get("reference") == self.reference_digest)
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
                logger.info("the validated files of the previous build could not be read; validating all")
        return self._file_cache

    def save_file_cache(self) -> None:
        """Write this run's validated files (:meth:`file_cache`) for the next build, once; then let them go.

        When few files changed, the previous files.pickle is linked and only the changed entries are
        written; otherwise the whole cache is written again. Written by the process that rendered,
        not a forked child: pickling touches every object, so a child would copy the whole validated
        data (measured: a child of 630 MB at 4,000 guidance files), while the files hold no parsed
        documents and take well under a second to write. The render calls this once its workers
        have started (esurety/site/family.py), so the writing overlaps their work.
        """
        cache, self._file_cache = self._file_cache, None
        if self.out_dir is None or not isinstance(cache, PickledFileCache):
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        changed, removed = cache.changes()
        if self.in_dir is not None and (self.in_dir / CACHE_FILE).is_file() and cache._base \
                and len(changed) + len(removed) <= max(32, len(cache._base) // 10):
            _link_or_copy(self.in_dir / CACHE_FILE, self.out_dir / CACHE_FILE)
            if changed or removed:
                with open(self.out_dir / CACHE_CHANGES, "wb") as fh:
                    pickle.dump((changed, removed), fh, protocol=pickle.HIGHEST_PROTOCOL)
            return
        target = self.out_dir / CACHE_FILE
        try:
            with open(target, "wb") as fh:
                pickle.dump(cache._entries, fh, protocol=pickle.HIGHEST_PROTOCOL)
        except (OSError, pickle.PicklingError) as exc:
            target.unlink(missing_ok=True)  # the next build validates every file again
            logger.warning("the validated files were not kept for the next build: %s", exc)

    def know_data(self, site: Any) -> None:
        """Digest the guidance files: each one's bytes, and the listed fields of all of them."""
        sources = site.data.sources
        for g in site.guidance:
            path = sources.get(g.slug)
            self.guidance_file[g.slug] = _h(Path(path).read_bytes()) if path else _h(g.model_dump_json())
        self.guidance_list = _h(*(g.model_dump_json(include=set(LIST_FIELDS)) for g in site.guidance))

    # --- per output -----------------------------------------------------------------------------

    def digest(self, family: str, key: str = "", *, orderer: str | None = None, whole: bool = False) -> str:
        """The digest of one output of ``family``: the shared inputs, the listed fields of every guidance file,
        and ``orderer``'s own file (or, with ``whole``, every guidance file)."""
        parts = [self.shared, family, key, self.guidance_list]
        if orderer is not None:
            parts.append(self.guidance_file[orderer])
        if whole:
            parts.append(_h(*(f"{k}={v}" for k, v in sorted(self.guidance_file.items()))))
        return _h(*parts)

    def reusable(self, family: str, key: str, digest: str) -> list[str] | None:
        """The files of the previous build's output (family, key) when its digest is the same and the files
        in the previous output are still the ones it wrote; else None."""
        if not self.incremental:
            return None
        item = self.previous.get("families", {}).get(family, {}).get(key)
        if not item or item["digest"] != digest:
            return None
        stats = self.previous.get("stats", {})
        assert self.previous_output is not None
        for rel in item["files"]:
            seen = stats.get(rel)
            try:
                st = os.stat(self.previous_output / rel)
            except OSError:
                return None
            if seen is None or [st.st_size, st.st_mtime_ns] != seen:
                return None
        return list(item["files"])

    def keep(self, output: Path, family: str, key: str, digest: str) -> bool:
        """Link the previous build's files of (family, key) into ``output`` when they can be reused."""
        files = self.reusable(family, key, digest)
        if files is None:
            return False
        assert self.previous_output is not None
        source, target = str(self.previous_output), str(output)
        for rel in files:
            self._link(os.path.join(source, rel), os.path.join(target, rel))
        self.record(family, key, digest, files)
        self.linked += 1
        return True

    def _link(self, source: str, target: str) -> None:
        """Hard-link one file of the previous output (its folder made once per build)."""
        folder = os.path.dirname(target)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        try:
            os.link(source, target)
        except FileExistsError:
            os.unlink(target)
            os.link(source, target)
        except OSError:  # another file system
            shutil.copy2(source, target)

    def previous_pages(self) -> dict[str, tuple[int, int, str]]:
        """The pages the previous build indexed: size, modification time and digest of each."""
        if not self.incremental:
            return {}
        stats = self.previous.get("stats", {})
        return {rel: (*stats[rel], digest) for rel, digest in self.previous.get("pages", {}).items() if rel in stats}

    def record(self, family: str, key: str, digest: str, files: list[str]) -> None:
        self.items.setdefault(family, {})[key] = _Item(digest, sorted(files))

    # --- the end --------------------------------------------------------------------------------

    def finish(self, output: Path) -> None:
        """Write this build's record: digests, files, and the size and time of every file written."""
        if self.out_dir is None:
            return
        stats: dict[str, list[int]] = {}
        base = str(output)
        for dirpath, _dirs, files in os.walk(base):
            rel_dir = os.path.relpath(dirpath, base)
            for name in files:
                st = os.stat(os.path.join(dirpath, name))
                rel = name if rel_dir == "." else f"{rel_dir}/{name}"
                stats[rel.replace(os.sep, "/")] = [st.st_size, st.st_mtime_ns]
        record = {
            "format": MANIFEST_FORMAT, "code": self.code, "vocabulary": self.vocabulary_digest,
            "reference": self.reference_digest,
            "families": {f: {k: {"digest": i.digest, "files": i.files} for k, i in items.items()}
                         for f, items in self.items.items()},
            "stats": stats,
        }
        if "pages" in self.extra:
            record["pages"] = self.extra["pages"]
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / "manifest.json").write_text(json.dumps(record, separators=(",", ":")), encoding="utf-8")
        logger.info("outputs linked from the previous build: %d, rendered: %d", self.linked, self.rendered)


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except FileExistsError:
        target.unlink()
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)
