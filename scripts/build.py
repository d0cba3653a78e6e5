"""Build the site: render with Pelican into a temporary folder, then swap it in.

Everything the site is made of — validation, every page family, the search index — runs inside
Pelican's own run (the plugin esurety.site), so ``pelican content -s pelicanconf.py`` writes the same
site. This script adds the staging folder and the swap, and the record that makes the next build
incremental (esurety/site/buildstate.py); and it renders in a forked child and builds the search
index itself once the child has gone, so the indexer's memory is not added to the data's. A failed
build leaves the previously built output/ untouched, so a broken YAML file can never replace a
working site with half-written pages.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent

from esurety.site import buildstate, parallel, search_index  # noqa: E402


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
def _cyclic_gc_paused(*, collect: bool = True) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while Pelican runs.

    Reading thousands of YAML files allocates millions of small containers; they trigger the
    collector again and again, and its full collections walk the whole, growing heap, so the cost
    grows faster than the page count. At 4,000 guidance pages loading the data took 5.0–5.4 s of CPU
    with the collector and 2.9–3.0 s without (bench/results/build.md). Reference counting frees
    nearly everything anyway; peak memory measured the same. The few cycles left are collected once,
    unless ``collect`` is false: the process ends next (that one collection walks the whole heap,
    0.06 s at 300 guidance files and 0.3 s at 2,000, for memory about to go back to the system), and
    what is alive is frozen instead, so that no collection the collector starts by itself walks it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        if collect:
            gc.collect()
        else:
            gc.freeze()


def render(output_dir: Path, settings_file: Path | None = None,
           extra: dict[str, Any] | None = None, *, collect: bool = True) -> buildstate.BuildState | None:
    """Run Pelican once into ``output_dir`` (``extra``: further settings); raises DataErrors on invalid data.

    With the setting ``ESURETY_INDEX_AFTER_RUN`` (esurety/site/search_index.py) the run builds no
    search index and writes no build record: it returns its record, for the caller to index and
    record; otherwise it returns None. ``collect``: false when the process ends after this
    (:func:`_cyclic_gc_paused`).
    """
    from pelican import Pelican

    from esurety.site import family, sitedata

    settings = _pelican_settings(settings_file or ROOT / "pelicanconf.py", output_dir)
    settings.update(extra or {})
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with _cyclic_gc_paused(collect=collect):
            Pelican(settings).run()
    except BaseException:
        site = sitedata.current()
        if site is not None:  # failed before finalized: no worker goes on writing
            family.cancel_orderers(site)
        raise
    finally:
        os.chdir(cwd)
        search_index.stop_indexer()  # a failed run leaves no indexer behind (a forked one: not its parent's)
    site = sitedata.current() if search_index.index_after_run(settings) else None
    return site.state if site is not None else None


def _render_then_index(staging: Path, settings_file: Path | None, extra: dict[str, Any], *, collect: bool) -> None:
    """make build: render in a forked child, then index and record the build here, once it has gone.

    The child holds the validated data, the templates and every page's work; when it exits all of
    that goes back to the system, so the indexer's memory (its Japanese dictionary and one shard)
    is not added to it. The indexer starts before the child, so its dictionary loads on the other
    core while the data is read. Where there is no ``fork``, the render runs here, and the rest the same.
    The child does not collect its garbage before it exits; this process does unless ``collect`` is false.
    """
    if not search_index.index_enabled(extra):
        render(staging, settings_file, extra, collect=collect)
        return
    search_index.start_indexer()
    try:
        state = parallel.run_apart(lambda: render(staging, settings_file, {**extra, search_index.AFTER_RUN: True},
                                                  collect=collect and not parallel.CAN_FORK))
        if state is not None:  # None: the index is off in the settings file, and the run recorded itself
            search_index.index_and_record(staging, extra, state)
    finally:
        search_index.stop_indexer()


#: Kept for callers that turn the search index off by emptying it (tests/scale); the index itself is
#: built after the render (:func:`_render_then_index`). Prefer the setting ESURETY_SEARCH_INDEX = False.
POST_BUILD_STEPS: list[str] = ["search index (after the render, in this process)"]


def build_site(output_dir: Path | None = None, settings_file: Path | None = None, *,
               incremental: bool = False, settings: dict[str, Any] | None = None,
               remove_old_in_background: bool = False, collect: bool = True) -> Path:
    """Build into a sibling temporary folder and replace ``output_dir`` only when the build succeeded.

    With ``incremental`` (make build when output/ exists, and every rebuild of make serve), outputs
    whose inputs did not change since the build that wrote ``output_dir`` are linked from it
    instead of rendered (esurety/site/buildstate.py); the result is the same tree a full build
    writes. Without it, everything is rendered. Either way the build's record is kept beside the
    output (var/build/<name>/) for the next incremental build. Invalid data fails before anything
    is written. ``collect``: false when the process ends after the build (make build), so the build's
    objects are not walked once more by the cyclic garbage collector.
    """
    output_dir = Path(output_dir or ROOT / "output").resolve()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    state = buildstate.state_dir(output_dir)
    staging = Path(tempfile.mkdtemp(prefix=".build-tmp-", dir=output_dir.parent))
    state_new = state.with_name(f".{state.name}.new-{os.getpid()}")
    shutil.rmtree(state_new, ignore_errors=True)
    extra: dict[str, Any] = {buildstate.STATE_OUT: str(state_new)}
    if incremental and output_dir.is_dir() and (state / "manifest.json").is_file():
        extra.update({buildstate.PREVIOUS: str(output_dir), buildstate.STATE_IN: str(state)})
    if not POST_BUILD_STEPS:
        extra[search_index.SETTING] = False
    extra.update(settings or {})  # further Pelican settings, e.g. ESURETY_BUILD_DATE (--build-date)
    try:
        _render_then_index(staging, settings_file, extra, collect=collect)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(state_new, ignore_errors=True)
        raise
    old = None
    if output_dir.exists():
        old = output_dir.with_name(f".build-tmp-old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        output_dir.rename(old)
    staging.rename(output_dir)
    shutil.rmtree(state, ignore_errors=True)
    if state_new.is_dir():
        state_new.rename(state)
    if old is not None and remove_old_in_background and shutil.which("rm"):
        # make build: the previous tree goes away after this process has answered (thousands of folders)
        subprocess.Popen(["rm", "-rf", "--", str(old)], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elif old is not None:
        shutil.rmtree(old, ignore_errors=True)
    logger.info("site written to %s", output_dir)
    return output_dir


def main(argv: list[str] | None = None, *, settings: dict[str, Any] | None = None) -> int:
    """make build; ``settings``: further Pelican settings for the run (the benchmark turns the index off)."""
    parser = argparse.ArgumentParser(description="電子保証ガイドのサイトを output/ に書き出します。")
    parser.add_argument("--output", type=Path, default=ROOT / "output")
    parser.add_argument("--settings", type=Path, default=None, help="pelicanconf.py（既定）または publishconf.py")
    parser.add_argument("--full", action="store_true",
                        help="前回の出力を使わず、すべてを書き直します（既定では、変わった入力に関わる部分だけを書き直します）")
    parser.add_argument("--build-date", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                        help="運用中／開始予定を判断する「今日」（既定: 日本時間の今日）。環境変数では変わりません")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    from esurety.data.errors import DataErrors

    try:
        build_site(args.output, args.settings, incremental=not args.full, remove_old_in_background=True,
                   collect=False, settings={**({"ESURETY_BUILD_DATE": args.build_date} if args.build_date else {}),
                                            **(settings or {})})
    except DataErrors as exc:
        print(exc.report(), file=sys.stderr)
        print("データに誤りがあるため、サイトを書き出しませんでした（output/ は前回のまま）。", file=sys.stderr)
        return 1
    print(f"サイトを {args.output} に書き出しました。")
    return 0


def _exit_now(code: int) -> None:
    """End the process without tearing the interpreter down.

    Freeing every object of a build one by one took 0.4–0.5 s after an edit rebuild of 4–5 s
    (N = 2,000); nothing is left to do by then: the indexer is stopped, the output is swapped in,
    the old tree is removed by its own process, and log records are written as they come.
    """
    search_index.stop_indexer()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main())
