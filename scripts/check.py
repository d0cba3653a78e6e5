"""Validate every data file and list every error as file:line:column, field and a Japanese explanation.

`make check` runs this. It checks what the build checks (scripts/build.py refuses the same
errors) plus what only matters to editors: that each data file starts with the line that points
editors at its JSON Schema, and that the committed schemas match the model.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _shown_root(root: Path) -> Path:
    """The project root as staff typed it: relative paths make file:line:column short and clickable."""
    rel = os.path.relpath(root.resolve())
    return Path(rel) if not rel.startswith("..") else root.resolve()


def editor_errors(root: Path) -> list:
    """Data files without their `# yaml-language-server: $schema=...` first line."""
    from esurety.data import schemas
    from esurety.data.errors import DataError

    found: list[DataError] = []
    for _kind, path in schemas.data_files(root):
        want = schemas.expected_modeline(root, path)
        with path.open("rb") as fh:
            first = fh.readline().decode("utf-8", "replace").rstrip("\r\n").removeprefix("\ufeff")
        if want and first != want:
            found.append(DataError(str(path), 1, 1, "", f"1行目を「{want}」にしてください（エディタが入力を補い、誤りに下線を引くための行です）。"))
    return found


def refresh_generated(root: Path) -> list[Path]:
    """Rewrite the JSON Schemas (and the kernel's glossary) when the vocabulary or the model changed.

    They are generated files: a new vocabulary value reaches editors and the lookup without a
    separate step. Only called when every data file is valid.
    """
    from esurety.data import schemas

    if not (root / schemas.SCHEMA_DIR).is_dir():
        return []
    return schemas.write_all(root)  # writes only the files whose text changed


#: Written by `make new-city` on placeholder lines (scripts/new_city.py).
TODO_MARK = "# 要記入"


def placeholders(root: Path) -> list[str]:
    """Lines still holding a scaffold's placeholder: valid data, but not yet taken from a document."""
    from esurety.data import schemas

    found = []
    for _kind, path in schemas.data_files(root):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # reported as an error by load_dataset
        for number, line in enumerate(text.splitlines(), start=1):
            if TODO_MARK in line and not line.lstrip().startswith("#"):
                note = line.split(TODO_MARK, 1)[1].lstrip(":： ").strip()
                found.append(f"{path}:{number}: 要記入（仮の値）{f': {note}' if note else ''}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="データファイルをすべて検査し、誤りをすべて表示します。")
    parser.add_argument("--root", type=Path, default=ROOT, help="プロジェクトのフォルダ（既定: このリポジトリ）")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    from esurety.data.dataset import load_dataset
    from esurety.data.errors import DataErrors

    root = _shown_root(args.root)
    started = time.perf_counter()
    errors = []
    data = None
    try:
        data = load_dataset(root)
    except DataErrors as exc:
        errors += exc.errors
    errors += editor_errors(root)
    todo = placeholders(root) if not errors else []
    took = time.perf_counter() - started
    if errors:
        print(DataErrors(errors).report(), file=sys.stderr)
        print(f"直してから、もう一度 make check を実行してください（{took:.2f} 秒）。", file=sys.stderr)
        return 1
    assert data is not None
    for path in refresh_generated(root):
        print(f"作り直しました（自動生成のファイル）: {path}")
    from esurety.data import freshness

    for line in freshness.warnings(data, root):
        print(line)
    for line in todo:
        print(line)
    if todo:
        print(f"注意: 仮の値の行が {len(todo)} 行あります。資料を見て直し、「{TODO_MARK}」を消してから公開してください。")
    print(f"誤りはありません: 案内 {len(data.guidance)} 件、採用団体 {len(data.adopters.adopters)} 件（{took:.2f} 秒）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
