"""Build the site: validate all data, render with Pelican into a temporary folder, then swap it in.

A failed build leaves the previously built output/ untouched, so a broken YAML file can never
replace a working site with half-written pages.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterator

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent

from esurety.site.search import build_index as build_search_index
from esurety.site.search import warm_indexer as warm_search_indexer


def _pelican_settings(settings_file: Path, output_dir: Path) -> dict:
    from pelican.settings import read_settings

    cwd = os.getcwd()
    os.chdir(ROOT)  # Pelican resolves relative paths in settings against the working directory
    try:
        return read_settings(str(settings_file), override={"OUTPUT_PATH": str(output_dir),
                                                           "DELETE_OUTPUT_DIRECTORY": False})
    finally:
        os.chdir(cwd)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while Pelican runs.

    Reading thousands of YAML files allocates millions of small containers; they trigger the
    collector again and again, and its full collections walk the whole, growing heap, so the cost
    grows faster than the page count. At 4,000 guidance pages loading the data took 5.0–5.4 s of CPU
    with the collector and 2.9–3.0 s without (bench/results/build.md). Reference counting frees
    nearly everything anyway; peak memory measured the same. The few cycles left are collected once,
    before the post-build steps run (so the search indexer does not run beside a heap of garbage).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def render(output_dir: Path, settings_file: Path | None = None, extra: dict[str, Any] | None = None) -> None:
    """Run Pelican once into ``output_dir`` (``extra``: further settings); raises DataErrors on invalid data."""
    from pelican import Pelican

    settings = _pelican_settings(settings_file or ROOT / "pelicanconf.py", output_dir)
    settings.update(extra or {})
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with _cyclic_gc_paused():
            Pelican(settings).run()
    finally:
        os.chdir(cwd)


def build_site(output_dir: Path | None = None, settings_file: Path | None = None, *,
               incremental: bool = False) -> Path:
    """Build into a sibling temporary folder and replace ``output_dir`` only when the build succeeded.

    ``incremental`` is for the preview server (make serve), which calls this after every change.
    Its first call is a full build like the one above. Later calls render into ``output_dir`` in
    place, reusing the data files and pages that did not change since the previous call
    (esurety/incremental.py), and do not rerun the post-build steps: search in the preview
    shows the text of the first build. Invalid data still fails before anything is written.
    """
    output_dir = Path(output_dir or ROOT / "output").resolve()
    extra = {"ESURETY_INCREMENTAL": True} if incremental else None
    if incremental and output_dir in _BUILT_INCREMENTALLY and output_dir.is_dir():
        render(output_dir, settings_file, extra)
        logger.info("site updated in place in %s", output_dir)
        return output_dir
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-tmp-", dir=output_dir.parent))
    try:
        with contextlib.ExitStack() as during_build:
            for context in BUILD_CONTEXTS if POST_BUILD_STEPS else ():
                during_build.enter_context(context())
            render(staging, settings_file, extra)
            _post_build(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = None
    if output_dir.exists():
        old = output_dir.with_name(f".build-tmp-old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        output_dir.rename(old)
    staging.rename(output_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    if incremental:
        _BUILT_INCREMENTALLY.add(output_dir)
    logger.info("site written to %s", output_dir)
    return output_dir


#: Output folders fully built by this process for incremental rebuilds (build_site(incremental=True)).
_BUILT_INCREMENTALLY: set[Path] = set()


def _post_build(staging: Path) -> None:
    """Steps that run on the finished HTML (e.g. the search index); each module registers itself here."""
    for step in POST_BUILD_STEPS:
        step(staging)


#: Callables run on the staging folder after Pelican; kept here so a failure still keeps output/ intact.
POST_BUILD_STEPS: list = []
POST_BUILD_STEPS.append(build_search_index)  # Pagefind over the finished HTML (esurety/search.py)
#: Context managers for the post-build steps, entered before Pelican runs and left after the steps, on
#: full builds that have steps: the search indexer starts here so it loads its dictionary while
#: Pelican renders (esurety/search.py, warm_indexer).
BUILD_CONTEXTS: list[Callable[[], ContextManager[Any]]] = [warm_search_indexer]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="電子保証ガイドのサイトを output/ に書き出します。")
    parser.add_argument("--output", type=Path, default=ROOT / "output")
    parser.add_argument("--settings", type=Path, default=None, help="pelicanconf.py（既定）または publishconf.py")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    from esurety.data.errors import DataErrors

    try:
        build_site(args.output, args.settings)
    except DataErrors as exc:
        print(exc.report(), file=sys.stderr)
        print("データに誤りがあるため、サイトを書き出しませんでした（output/ は前回のまま）。", file=sys.stderr)
        return 1
    print(f"サイトを {args.output} に書き出しました。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
