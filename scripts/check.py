"""Validate every data file and list every error as file:line:column, field and a Japanese explanation."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="データファイルをすべて検査し、誤りをすべて表示します。")
    parser.add_argument("--root", type=Path, default=ROOT, help="プロジェクトのフォルダ（既定: このリポジトリ）")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    sys.path.insert(0, str(ROOT / "plugins"))
    from esurety.dataset import load_dataset
    from esurety.errors import DataErrors

    started = time.perf_counter()
    try:
        data = load_dataset(args.root)
    except DataErrors as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    took = time.perf_counter() - started
    print(f"誤りはありません: 案内 {len(data.guidance)} 件、採用団体 {len(data.adopters.adopters)} 件（{took:.2f} 秒）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
