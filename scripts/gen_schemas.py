"""Write the JSON Schemas under schemas/ from the data model (`--check`: only say whether they are current).

Run after changing esurety/model.py or the labels in data/vocabulary.yaml; the tests fail
while a committed schema differs from what the model generates.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="データファイルの JSON Schema を schemas/ に書き出します。")
    parser.add_argument("--root", type=Path, default=ROOT, help="プロジェクトのフォルダ（既定: このリポジトリ）")
    parser.add_argument("--check", action="store_true", help="書き出さず、古くなっていないかだけ確かめる")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    from esurety.data import schemas

    if args.check:
        old = schemas.stale(args.root)
        for path in old:
            print(f"{path}: モデルと合っていません。python -m scripts.gen_schemas で作り直してください。", file=sys.stderr)
        return 1 if old else 0
    changed = schemas.write_all(args.root)
    for path in changed:
        print(f"書き出しました: {path}")
    if not changed:
        print("schemas/ は最新です。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
