"""Check every external URL of the data, the pages and the built site (`make links`).

    make links                       # data/, content/ and output/ (if built)
    make links ARGS="--timeout 5 --workers 4"

Prints each broken link as file:line:column: URL: reason (Japanese), then links that redirect
(fix them to the final address), and a summary. Exit status: 0 none broken, 1 some broken, 2 bad
arguments.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from esurety.reconcile.links import DEFAULT_IGNORE, RESERVED, SOURCES, check_links, find_links, report  # noqa: E402

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="make links ARGS=...", description="データとページの外部リンクをすべて確かめます。")
    p.add_argument("--root", type=Path, default=ROOT, help="プロジェクトのフォルダ（既定: このリポジトリ）")
    p.add_argument("--workers", type=int, default=8, help="同時に確かめる数（既定: 8）")
    p.add_argument("--timeout", type=float, default=10.0, help="1つの URL を待つ秒数（既定: 10）")
    p.add_argument("--ignore", action="append", default=[], help="確かめない URL（正規表現、複数回可）")
    p.add_argument("--include-local", action="store_true", help="localhost・127.0.0.1 の URL も確かめる")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    root = args.root.resolve()
    rel = os.path.relpath(root)
    shown = Path(rel) if not rel.startswith("..") else root
    patterns = [(RESERVED if args.include_local else DEFAULT_IGNORE).pattern, *args.ignore]
    ignore = re.compile("|".join(f"(?:{x})" for x in patterns))
    started = time.perf_counter()
    links = find_links(root, SOURCES, ignore, shown=shown)
    results = check_links(links, workers=args.workers, timeout=args.timeout)
    lines, broken, moved = report(links, results)
    for line in lines:
        print(line)
    took = time.perf_counter() - started
    print(f"外部リンク {len(results)} 件（{len(links)} か所）を確かめました: 切れている {broken} 件、転送 {moved} 件（{took:.1f} 秒）。")
    if results and broken == len(results) and all("名前が見つかりません" in (r.error or "") for r in results.values()):
        print("注意: どのサーバーの名前も見つかりません。このコンピューターがインターネットにつながっているか確かめてください。")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
