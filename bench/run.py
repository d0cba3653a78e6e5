"""Run every benchmark module (bench/bench_*.py) in turn; each writes its results under bench/results/.

``make bench`` runs this: each module gets ``--full``, so a module that could not judge one of its
targets fails the run, as one that missed a target does.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    names = argv if argv else sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    failed = []
    for name in names:
        logger.info("== %s", name)
        module = importlib.import_module(f"bench.{name}")
        if module.main(["--full"]):
            failed.append(name)
    if failed:
        logger.warning("missed or not judged: %s", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
