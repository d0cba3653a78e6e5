"""`make help` lists every target of the Makefile with one line each."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _targets() -> list[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return [m for m in re.findall(r"^([a-z][a-z-]*):(?!=)", text, flags=re.M)]


def test_every_target_is_listed_by_make_help() -> None:
    # GIVEN the Makefile's targets WHEN make help runs THEN each appears once with a description
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    listed = {line.split()[1]: line for line in out.splitlines() if line.strip().startswith("make ")}
    targets = _targets()
    assert targets and set(targets) == set(listed), (sorted(set(targets) ^ set(listed)))
    for target, line in listed.items():
        assert len(line.split(None, 2)) == 3, f"{target} has no description"


def test_ci_runs_only_make_test() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1].strip() == "make test"
    assert not any("apt-get" in line for line in commands)
