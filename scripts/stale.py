"""`make stale`: every source older than the allowed age, oldest first, with its URL (exit 0 even when some are old)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    from esurety.data import freshness
    from esurety.data.dataset import load_dataset
    from esurety.data.errors import DataErrors

    parser = argparse.ArgumentParser(description="最終確認日（checked_on）が古い資料を、古い順に表示します。")
    parser.add_argument("--root", type=Path, default=ROOT, help="プロジェクトのフォルダ")
    parser.add_argument("--days", type=int, default=None,
                        help=f"この日数より前に確かめた資料を表示（既定 {freshness.max_age_days()} 日）")
    parser.add_argument("--all", action="store_true", help="古くないものも含め、すべての資料を表示")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        data = load_dataset(args.root)
    except DataErrors as exc:
        print(exc.report(), file=sys.stderr)
        return 2
    today = args.today or dt.date.today()
    rows = freshness.sources(data, args.root) if args.all else freshness.stale(data, args.root, today, args.days)
    for a in rows:
        print(f"{a.checked_on.isoformat()}  {a.age(today):>4} 日  {a.file}  {a.source_id}  {a.source.title}  "
              f"{a.source.url or '（URL なし）'}")
    limit = args.days if args.days is not None else freshness.max_age_days()
    print(f"{len(rows)} 件" + ("" if args.all else f"（{limit} 日より前に確かめた資料）"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
