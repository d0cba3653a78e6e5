"""`make mutation`: score mutmut's last run per area and write bench/results/mutation.md.

mutmut (configured in pyproject.toml, [tool.mutmut]) mutates the kernel, the eligibility rule and the
lookup in a copy under mutants/ and runs each area's own fast tests against every mutant. This reads
its per-file results (mutants/<file>.meta), scores each area (killed / all mutants checked; a mutant
no test reaches counts as surviving; an area is judged only when every mutant of its files was
checked), lists every survivor with the one-line reason kept in bench/mutation_survivors.txt
("<mutant name>  <reason>"), and exits non-zero when an area is under 90 %, is not judged, or a survivor
has no reason.

    python -m bench.mutation [--areas kernel,rules,lookup]
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
REASONS = ROOT / "bench" / "mutation_survivors.txt"
RESULT = ROOT / "bench" / "results" / "mutation.md"
TARGET = 0.90

#: lambda_verify modules left out of the lookup area, each with why (listed in the results file).
LEFT_OUT: dict[str, str] = {}

AREAS: dict[str, tuple[str, ...]] = {
    "kernel": tuple(f"esurety/kernel/{m}.py" for m in ("wareki", "numbering", "kana", "glossary", "content_types",
                                                        "paths")),
    "rules": ("esurety/rules/eligibility.py", "esurety/rules/export.py"),
    "lookup": tuple(sorted(f for f in (str(p.relative_to(ROOT)) for p in (ROOT / "lambda_verify").rglob("*.py"))
                           if f not in LEFT_OUT)),
}

#: mutmut's exit codes (mutmut/stats.py); anything else is "suspicious".
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 36: "timeout",
          24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", 37: "caught by type check", None: "not checked"}
KILLED = {"killed", "timeout", "caught by type check"}


def reasons() -> dict[str, str]:
    out: dict[str, str] = {}
    if REASONS.exists():
        for line in REASONS.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, reason = line.partition(" ")
                out[name] = reason.strip()
    return out


def results(files: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in files:
        meta = MUTANTS / (f + ".meta")
        if meta.exists():
            for name, code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
                out[name] = STATUS.get(code, "suspicious")
    return out


def has_functions(f: str) -> bool:
    path = ROOT / f
    return path.exists() and any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                                 for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


def checked(files: tuple[str, ...]) -> list[str]:
    """The files whose every mutant has a verdict (a run of only some files leaves the others unchecked);
    a file without any function (a package's docstring) has nothing to mutate and counts as checked."""
    out = []
    for f in files:
        ran = (MUTANTS / (f + ".meta")).exists()
        if (ran and "not checked" not in results((f,)).values()) or (not ran and not has_functions(f)):
            out.append(f)
    return out


def unmutated(files: tuple[str, ...]) -> list[str]:
    """Functions mutmut leaves alone: decorated ones (lru_cache, property) other than static/class methods."""
    out = []
    for f in files:
        path = ROOT / f
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.decorator_list and not (
                    len(node.decorator_list) == 1 and isinstance(node.decorator_list[0], ast.Name)
                    and node.decorator_list[0].id in ("staticmethod", "classmethod")):
                out.append(f"{f}:{node.lineno} {node.name}")
    return out


def diff_line(name: str) -> str:
    """The changed line of a mutant, from `mutmut show`."""
    shown = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=ROOT, capture_output=True, text=True)
    minus = [ln[1:].strip() for ln in shown.stdout.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    plus = [ln[1:].strip() for ln in shown.stdout.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    return f"`{' / '.join(minus)[:90]}` → `{' / '.join(plus)[:90]}`"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", default="kernel,rules,lookup")
    args = ap.parse_args(argv)
    why = reasons()
    lines = [f"# Mutation testing — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC", "",
             "`make mutation` (mutmut 3.8.1, configuration in pyproject.toml `[tool.mutmut]`); each area runs only its "
             "own fast tests. Score = killed / mutants checked (a mutant no test reaches counts as surviving); an area "
             f"is judged only when every mutant of its files was checked; target {TARGET:.0%} in each area. Every survivor is listed with its reason (bench/mutation_survivors.txt).", "",
             "| area | files mutated | mutants | killed | survived | score | target met |", "|---|---|---|---|---|---|---|"]
    failed = False
    survivors: list[tuple[str, str]] = []
    areas = args.areas.split(",")
    for area in areas:
        got = {name: status for name, status in results(AREAS[area]).items() if status != "not checked"}
        done = checked(AREAS[area])
        if not got:
            lines.append(f"| {area} | 0 of {len(AREAS[area])} | not run | | | not judged | no |")
            failed = True
            continue
        killed = sum(1 for s in got.values() if s in KILLED)
        score = killed / len(got)
        whole = len(done) == len(AREAS[area])
        met = score >= TARGET and whole
        failed |= not met
        missing = [Path(f).name for f in AREAS[area] if f not in done]
        verdict = ("yes" if met else "NO") if whole else f"not judged (not run: {', '.join(missing)})"
        lines.append(f"| {area} | {len(done)} of {len(AREAS[area])} | {len(got)} | {killed} | {len(got) - killed} | "
                     f"{score:.1%} | {verdict} |")
        survivors += [(name, status) for name, status in sorted(got.items()) if status not in KILLED]
    if "lookup" in areas and LEFT_OUT:
        lines += ["", "Left out of the lookup area:", ""] + [f"- `{f}`: {why}" for f, why in LEFT_OUT.items()]
    lines += ["", "## Surviving mutants", ""]
    if survivors:
        lines += ["| mutant | status | change | reason |", "|---|---|---|---|"]
    for name, status in survivors:
        reason = why.get(name)
        if reason is None:
            failed = True
            reason = "**no reason given**"
        lines.append(f"| `{name}` | {status} | {diff_line(name)} | {reason} |")
    skipped = [u for area in args.areas.split(",") for u in unmutated(AREAS[area])]
    if skipped:
        lines += ["", "## Not mutated by mutmut", "",
                  "mutmut does not mutate decorated functions; these are held by behavioural tests instead "
                  "(tests/kernel/test_kernel_mutants.py checks 元年 and every era boundary through them):", ""]
        lines += [f"- `{u}`" for u in skipped]
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:8 + len(args.areas.split(","))]))
    print(f"written {RESULT.relative_to(ROOT)}; {len(survivors)} survivors")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
