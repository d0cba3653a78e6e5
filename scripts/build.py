"""Build the site: validate all data, render with Pelican into a temporary folder, then swap it in.

A failed build leaves the previously built output/ untouched, so a broken YAML file can never
replace a working site with half-written pages.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent


def _pelican_settings(settings_file: Path, output_dir: Path) -> dict:
    from pelican.settings import read_settings

    cwd = os.getcwd()
    os.chdir(ROOT)  # Pelican resolves relative paths in settings against the working directory
    try:
        return read_settings(str(settings_file), override={"OUTPUT_PATH": str(output_dir),
                                                           "DELETE_OUTPUT_DIRECTORY": False})
    finally:
        os.chdir(cwd)


def render(output_dir: Path, settings_file: Path | None = None) -> None:
    """Run Pelican once into ``output_dir``; raises DataErrors on invalid data."""
    from pelican import Pelican

    settings = _pelican_settings(settings_file or ROOT / "pelicanconf.py", output_dir)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        Pelican(settings).run()
    finally:
        os.chdir(cwd)


def build_site(output_dir: Path | None = None, settings_file: Path | None = None) -> Path:
    """Build into a sibling temporary folder and replace ``output_dir`` only when the build succeeded."""
    output_dir = Path(output_dir or ROOT / "output").resolve()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-tmp-", dir=output_dir.parent))
    try:
        render(staging, settings_file)
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
    logger.info("site written to %s", output_dir)
    return output_dir


def _post_build(staging: Path) -> None:
    """Steps that run on the finished HTML (e.g. the search index); each module registers itself here."""
    for step in POST_BUILD_STEPS:
        step(staging)


#: Callables run on the staging folder after Pelican; kept here so a failure still keeps output/ intact.
POST_BUILD_STEPS: list = []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="電子保証ガイドのサイトを output/ に書き出します。")
    parser.add_argument("--output", type=Path, default=ROOT / "output")
    parser.add_argument("--settings", type=Path, default=None, help="pelicanconf.py（既定）または publishconf.py")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    sys.path.insert(0, str(ROOT / "plugins"))
    from esurety.errors import DataErrors

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
