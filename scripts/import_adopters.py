"""Update the adopter table (data/adopters.yaml) from a guarantor's new list.

    make import-adopters ARGS="leaflet.txt --format leaflet --guarantor wjcs --source wjcs-saga-2026-05"
    make import-adopters ARGS="list.xlsx --format xlsx --guarantor ejcs --report report.html"
    make import-adopters ARGS="leaflet.txt --format leaflet --guarantor wjcs --source wjcs-saga-2026-05 \
        --source-title '電子保証のご案内' --publisher '西日本建設業保証株式会社 佐賀支店' --apply --accept 541:84"

Reads the list (--format leaflet | csv | xlsx | news), reconciles every entry with the table and the
national reference list, and prints a Japanese report (Markdown; HTML with --report FILE.html).
Nothing is written without --apply; then only 追加する / 変更する items (less --skip) and the
確認が必要 items named by --accept are written, the source entry is added, and `make check` runs;
if it fails the file is restored. Exit status: 0 done, 1 refused (check failed, rolled back),
2 invalid input (file:line:column and a Japanese message).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from esurety.reconcile import apply as applying  # noqa: E402
from esurety.reconcile.entry import InputError  # noqa: E402
from esurety.reconcile.readers import COMPLETE, FORMATS, read_entries  # noqa: E402
from esurety.reconcile.reconcile import SourceInfo, reconcile  # noqa: E402
from esurety.reconcile.reference import ReferenceList  # noqa: E402
from esurety.reconcile.report import render  # noqa: E402
from esurety.reconcile.table import AdopterTable  # noqa: E402

logger = logging.getLogger("scripts.import_adopters")

__all__ = ["build_parser", "main", "run_check"]

_SOURCE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"指定に誤りがあります: {message}", file=sys.stderr)
        raise SystemExit(2)


def _ids(values: list[str] | None) -> set[str]:
    return {part.strip() for v in values or [] for part in v.split(",") if part.strip()}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"「{text}」は 2026-05-01 の形式の日付ではありません。") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="make import-adopters ARGS=...",
                description="保証事業会社の新しい導入団体一覧を読み、採用団体一覧（data/adopters.yaml）との違いを報告します。"
                            "--apply を付けたときだけ書き込みます。")
    p.add_argument("file", type=Path, help="読み込むファイル")
    p.add_argument("--format", required=True, choices=list(FORMATS),
                   help="ファイルの形式: " + " / ".join(f"{k} = {v}" for k, v in FORMATS.items()))
    p.add_argument("--guarantor", default="wjcs", help="一覧を出した保証事業会社: wjcs / ejcs / hokkaido（既定: wjcs）")
    p.add_argument("--source", help="出典の資料ID（例: wjcs-saga-2026-05）。新しい ID なら --source-title も書きます")
    p.add_argument("--source-title", help="資料の題名（新しい出典のとき）")
    p.add_argument("--publisher", help="資料の発行者")
    p.add_argument("--source-date", type=_date, help="資料の日付（2026-05-01 の形式）")
    p.add_argument("--source-url", help="資料の URL")
    p.add_argument("--source-note", help="資料についての補足")
    p.add_argument("--source-kind", default="guarantor", choices=["guarantor", "orderer", "press", "other"],
                   help="資料の種類（既定: guarantor = 保証事業会社の資料。報道記事は press）")
    p.add_argument("--partial", action="store_true",
                   help="一部の団体だけを挙げる資料として扱う（「一覧にあるが資料にない」を調べない。news は常にこの扱い）")
    p.add_argument("--report", type=Path, help="報告を書くファイル（.md または .html）。省略すると画面に表示します")
    p.add_argument("--report-format", choices=["md", "html"], help="報告の形式（既定: --report の拡張子、なければ md）")
    p.add_argument("--apply", action="store_true", help="追加する・変更する項目（と --accept の項目）を書き込み、make check を実行します")
    p.add_argument("--accept", action="append", metavar="行:列",
                   help="「確認が必要」のうち、案のとおり書き込む項目の番号（カンマ区切り、複数回可）")
    p.add_argument("--skip", action="append", metavar="行:列", help="書き込まない「追加する・変更する」項目の番号")
    p.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true", help="報告を画面に出さない（--report とともに）")
    return p


def run_check(root: Path) -> tuple[int, str]:
    """`make check` on ``root``: the same module the Makefile runs, in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-m", "scripts.check", "--root", str(root)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    return done.returncode, (done.stdout + done.stderr).strip()


def _labels(root: Path) -> dict[str, str]:
    import yaml

    labels: dict[str, str] = {}
    try:
        vocab = yaml.safe_load((root / "data" / "vocabulary.yaml").read_text(encoding="utf-8")) or {}
        labels.update({k: v.get("label", k) for k, v in (vocab.get("orderer_kind") or {}).items()})
        guarantors = yaml.safe_load((root / "data" / "guarantors.yaml").read_text(encoding="utf-8")) or {}
        labels.update({g["id"]: g.get("name", g["id"]) for g in guarantors.get("guarantors") or []})
    except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError):
        logger.warning("labels not read from %s/data; showing codes", root)
    return labels


def _shown(root: Path) -> Path:
    """The root as staff see it: relative to the current folder when inside it (short, clickable file:line)."""
    import os

    rel = os.path.relpath(root.resolve())
    return Path(rel) if not rel.startswith("..") else root.resolve()


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    root: Path = args.root
    labels = _labels(root)
    known_guarantors = {k for k in labels if k in ("wjcs", "ejcs", "hokkaido")} or {"wjcs", "ejcs", "hokkaido"}
    if args.guarantor not in known_guarantors:
        return _fail(f"--guarantor「{args.guarantor}」は保証事業会社の ID ではありません（{' / '.join(sorted(known_guarantors))}）。")
    if args.source and not _SOURCE_ID.match(args.source):
        return _fail(f"--source「{args.source}」は資料ID の形式ではありません。英小文字・数字・ハイフンで書いてください（例: wjcs-saga-2026-05）。")
    table_path = _shown(root) / "data" / "adopters.yaml"
    try:
        entries = read_entries(args.file, args.format)
        table = AdopterTable.read(table_path)
    except InputError as exc:
        return _fail(f"{exc}")
    reference = ReferenceList.read(root / "data" / "local_governments.json")
    source = SourceInfo(args.source or "", args.source_title, args.publisher, args.source_date, args.source_url,
                        args.source_note, args.source_kind)
    complete = COMPLETE[args.format] and not args.partial
    plan = reconcile(entries, table, reference, guarantor=args.guarantor, source=source, complete=complete,
                     input_name=str(args.file), fmt=args.format)
    fmt = args.report_format or ("html" if args.report and args.report.suffix.lower() in (".html", ".htm") else "md")
    text = render(plan, fmt, labels)
    if args.report:
        args.report.write_text(text, encoding="utf-8")
        print(f"報告を書きました: {args.report}")
    if not args.quiet and not args.report:
        print(text)
    chosen, warnings = applying.select(plan, _ids(args.accept), _ids(args.skip))
    for w in warnings:
        print(f"注意: {w}", file=sys.stderr)
    if not args.apply:
        if chosen:
            print(f"書き込んでいません（{len(chosen)} 件を書き込むには --apply を付けてください）。")
        else:
            print("書き込む変更はありません。")
        return 0
    needs_source = any(f.new_row is not None or "source" in f.changes for f in chosen)
    if needs_source and not args.source:
        return _fail("書き込むには --source（出典の資料ID）が必要です。")
    if needs_source and args.source not in table.sources and not args.source_title:
        return _fail(f"資料ID「{args.source}」は sources にありません。新しい出典として足すので --source-title（資料の題名）を書いてください。")
    result = applying.apply_plan(plan, chosen, check=lambda: run_check(root))
    if not result.written:
        print("書き込む変更はありません（一覧はすでに資料のとおりです）。")
        return 0
    print(f"{table.path} に書き込みました: 追加 {len(result.added)} 件、変更 {len(result.changed)} 件"
          + ("、出典 1 件" if result.source_added else "") + "。")
    if result.check_output:
        print(result.check_output)
    if result.rolled_back:
        print(f"make check が誤りを見つけたため、{table.path} を元に戻しました。上の誤りを確かめてください。", file=sys.stderr)
        return 1
    print("次に make serve で /adopters/ を開いて確かめてください。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
