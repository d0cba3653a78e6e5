"""The loader's command line (``python -m scripts.load_certificates``): read, validate, plan, load.

Exit status, for every failure and never a traceback:

* 0 — done (or nothing to do; ``--dry-run`` showed the plan);
* 1 — refused: a certificate differs without ``--overwrite`` / ``--rotate-key``, a demo/real mix-up,
  another loader holds the store's lock, or another process changed a certificate meanwhile;
* 2 — invalid input: unreadable file, wrong encoding, a weak key, a bad value (file:line and what);
* 3 — unavailable: the store (or the notices folder) cannot be read or written now. Whatever the
  run had staged is repaired by the next run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from lambda_verify.config import PROJECT_ROOT, Settings
from lambda_verify.stores import StoreConflict, StoreUnavailable

from . import transaction as tx
from .planning import Plan, plan_one
from .reading import Incoming, InputError, build_certificate, read_export

logger = logging.getLogger(__name__)

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_REFUSED", "EXIT_UNAVAILABLE", "main", "parse_args"]

EXIT_OK, EXIT_REFUSED, EXIT_INVALID, EXIT_UNAVAILABLE = 0, 1, 2, 3
ROOT = PROJECT_ROOT
VOCABULARY = ROOT / "data" / "vocabulary.yaml"
STYLESHEET = ROOT / "theme" / "static" / "css" / "certificate.css"
DEFAULT_NOTICES = ROOT / "var" / "notices"
DEMO_SITE_URL = "http://127.0.0.1:8000"

EPILOG = """終了コード:
  0  完了（変更なし、--dry-run を含む）
  1  拒否（登録済みの内容・認証キーとの違い、デモと実際の証書の取り違え、別の読み込みが実行中、同時の書き換え）
  2  入力の誤り（読めないファイル・文字コード、弱い認証キー、値の誤り。ファイル:行 と内容を表示）
  3  ストア（またはお知らせのフォルダ）に書き込めない。途中まで進んだ分は次の実行が修復します

認証キーは、ストアにハッシュが書き込まれてから初めてお知らせのフォルダに置かれます。"""


def _vocabulary() -> dict[str, dict[str, str]]:
    from esurety.data.yamlsource import load

    return load(VOCABULARY).data


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.load_certificates",
        description="保証事業会社のシステムから書き出した証書（YAML / CSV / JSON）を照会用のストアに登録し、"
                    "認証キー等のお知らせを書き出します。",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", type=Path, help="書き出したファイル（.yaml .yml .json .csv）")
    parser.add_argument("--dry-run", action="store_true", help="何が変わるかを表示するだけで、何も書き込まない")
    parser.add_argument("--overwrite", action="store_true", help="登録済みの証書と内容が違っても置き換える")
    parser.add_argument("--rotate-key", action="store_true",
                        help="認証キーを変える（ファイルにキーがあればそれに、なければ新しく生成）")
    parser.add_argument("--accept-issued-keys", action="store_true",
                        help="弱い認証キーでも、保証事業会社が発行したままのキーとして登録する")
    parser.add_argument("--encoding", help="入力ファイルの文字コード（utf-8 または cp932）。既定は自動判定"
                                           "（UTF-8、だめなら Shift_JIS。混在は拒否）")
    parser.add_argument("--demo", action="store_true",
                        help="デモ用の証書として登録する（ファイルに demo: true が必要。登録済みのデモ証書は置き換えてよい）")
    parser.add_argument("--db", type=Path, help="SQLite ファイル（既定: 環境変数 VERIFY_DB または var/verify.sqlite3）")
    parser.add_argument("--table", help="DynamoDB のテーブル（既定: 環境変数 CERTIFICATES_TABLE）")
    parser.add_argument("--create-table", action="store_true", help="DynamoDB のテーブルがなければ作る（ローカルの検証用）")
    parser.add_argument("--notices", type=Path, default=DEFAULT_NOTICES, help="お知らせを書き出すフォルダ（既定: var/notices）")
    parser.add_argument("--no-notices", action="store_true", help="お知らせを書き出さない")
    parser.add_argument("--site-url", default=os.environ.get("SITE_URL"),
                        help="お知らせの QR コードに載せるサイトのアドレス（例: https://guide.example.jp）")
    parser.add_argument("--wait", type=float, default=0.0, metavar="秒",
                        help="別の読み込みが実行中なら、終わるまで最大この秒数待つ（既定 0: 待たずに終了コード 1）")
    pdf = parser.add_mutually_exclusive_group()
    pdf.add_argument("--pdf", dest="pdf", action="store_true", default=None,
                     help="お知らせの PDF も作る（Chromium が必要）")
    pdf.add_argument("--no-pdf", dest="pdf", action="store_false", help="PDF は作らない")
    parser.add_argument("--quiet", action="store_true", help="誤りと拒否だけを表示する")
    return parser.parse_args(argv)


def open_target(args: argparse.Namespace, *, create: bool) -> tuple[Any, Any]:
    """(store, loader target) named on the command line, else by the environment (as the function)."""
    settings = Settings.from_env()
    table = args.table or (None if args.db else settings.table)
    if table:
        from lambda_verify.stores.dynamodb import DynamoDbStore, create_table

        store = DynamoDbStore(table)
        if args.create_table:
            try:
                store.client.describe_table(TableName=table)
            except store.client.exceptions.ResourceNotFoundException:
                create_table(store.client, table)
        return store, tx.DynamoDbTarget(store)
    from lambda_verify.stores.sqlite import SqliteStore

    path = Path(args.db or settings.db_path)
    if not create and not path.exists():
        return _NothingStored(), None
    store = SqliteStore(path, create=create or path.exists())
    return store, tx.SqliteTarget(store)


class _NothingStored:
    """What a dry run plans against when the SQLite file does not exist yet."""

    def get(self, number: str) -> None:
        return None

    def close(self) -> None:
        pass


def _render(plan: Plan, *, site_url: str, today: dt.date) -> bytes:
    from esurety.loader.notice import render_notice

    assert plan.notice_key is not None
    return render_notice(plan.incoming.certificate, plan.notice_key, site_url=site_url, issued_on=today).encode()


def _stylesheet(notices: Path) -> None:
    css = notices / "certificate.css"
    if STYLESHEET.exists() and (not css.exists() or css.read_bytes() != STYLESHEET.read_bytes()):
        tx.write_private(css, STYLESHEET.read_bytes())
        os.chmod(css, 0o644)


def _pdf_printer(args: argparse.Namespace, needed: bool) -> str | None:
    """Chromium's path when PDFs are wanted: always with --pdf, never with --no-pdf, otherwise when
    Chromium is installed and the run is not a demo (``make run`` should not wait for a browser)."""
    if not needed or args.pdf is False or (args.pdf is None and args.demo):
        return None
    from esurety.loader.notice import chromium_path

    chromium = chromium_path()
    if chromium is None and args.pdf:
        print("Chromium が見つからないため PDF は作りませんでした（HTML のお知らせを印刷してください）。",
              file=sys.stderr)
    return chromium


def _read_all(args: argparse.Namespace) -> tuple[list[Incoming], list[str]]:
    incoming: list[Incoming] = []
    errors: list[str] = []
    vocabulary = _vocabulary()
    for path in args.files:
        try:
            declared, records = read_export(path, args.encoding)
        except InputError as exc:
            errors.append(str(exc))
            continue
        if bool(declared) != args.demo:
            errors.append(f"{path}: " + ("デモの証書のファイル（demo: true）です。--demo を付けてください"
                                         if declared else
                                         "--demo で読み込めるのは、先頭に demo: true と書いたファイルだけです"))
            continue
        for rec in records:
            try:
                incoming.append(build_certificate(rec, demo=args.demo, vocabulary=vocabulary,
                                                  accept_issued_keys=args.accept_issued_keys))
            except InputError as exc:
                errors.append(str(exc))
    seen: dict[str, str] = {}
    for item in incoming:
        number = item.certificate.guarantee_number
        if number in seen:
            errors.append(f"{item.where}: 保証契約番号 {number} が {seen[number]} にもあります")
        seen.setdefault(number, item.where)
    return incoming, errors


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return _main(args)
    except KeyboardInterrupt:
        print("中断しました。途中まで進んだ分は次の実行が修復します。", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except Exception as exc:
        logger.debug("loader failed", exc_info=True)
        print(f"予期しない誤りで止まりました（{type(exc).__name__}: {exc}）。途中まで進んだ分は次の実行が修復します。",
              file=sys.stderr)
        return EXIT_UNAVAILABLE


def _main(args: argparse.Namespace) -> int:
    say = (lambda *a: None) if args.quiet else print

    # 1. read and validate everything first: one bad record stops the whole run
    try:
        incoming, errors = _read_all(args)
    except Exception as exc:
        print(f"{VOCABULARY}: 読めません（{exc}）", file=sys.stderr)
        return EXIT_INVALID
    if errors:
        for line in errors:
            print(line, file=sys.stderr)
        print(f"{len(errors)} 件の誤りがあります。何も登録していません。", file=sys.stderr)
        return EXIT_INVALID
    notices = not args.no_notices
    site_url = args.site_url or (DEMO_SITE_URL if args.demo else None)
    if notices and not site_url and not args.dry_run:
        print("お知らせに載せる確認ページのアドレスを --site-url で指定してください"
              "（お知らせが不要なら --no-notices）。", file=sys.stderr)
        return EXIT_INVALID

    # --wait also covers a store that is busy for a moment (SQLite's write lock, held by the other loader's
    # transaction): opening and taking the loader's lock are tried again until the deadline
    deadline = time.monotonic() + max(0.0, args.wait)
    while True:
        try:
            store, target = open_target(args, create=not args.dry_run)
            break
        except StoreUnavailable as exc:
            if time.monotonic() >= deadline:
                print(f"ストアを開けません（{exc}）。", file=sys.stderr)
                return EXIT_UNAVAILABLE
            time.sleep(0.2)
    run = tx.Run.start(args.notices.resolve())
    locked = False
    try:
        if args.dry_run:
            return _plan_and_report(args, incoming, store, say)[0]
        # 2. one loader at a time per store; then finish or undo what earlier runs left half done
        while True:
            try:
                target.acquire_lock(run.holder)
                locked = True
                break
            except tx.LoaderLocked as exc:
                if time.monotonic() >= deadline:
                    print(f"別の読み込み（{exc.holder}、{exc.since or '開始時刻不明'} から）がこのストアで実行中です。"
                          "終わってからもう一度実行してください（待つには --wait 秒数）。何も登録していません。",
                          file=sys.stderr)
                    return EXIT_REFUSED
            except StoreUnavailable:
                if time.monotonic() >= deadline:
                    raise
            time.sleep(0.2)
        repaired = tx.repair(run.notices, target, run.run_id)
        if repaired.runs:
            print(f"前回までに中断した読み込み {repaired.runs} 件を修復しました（お知らせを配置 {repaired.placed} 件、"
                  f"ストアに届かなかったキーのお知らせを破棄 {repaired.discarded} 件、元に戻したお知らせ {repaired.restored} 件）。",
                  file=sys.stderr)
        status, plans = _plan_and_report(args, incoming, store, say)
        if status != EXIT_OK:
            return status
        todo = [p for p in plans if p.record is not None]
        if not todo:
            say(f"登録 0 件、更新 0 件、変更なし {len(plans)} 件。")
            return EXIT_OK

        # 3. stage notices, commit the hashes, then put the notices in place (transaction.py)
        target.register_run(run)
        today = dt.datetime.fromtimestamp(time.time(), dt.timezone(dt.timedelta(hours=9))).date()
        with_notice = [p for p in todo if notices and p.notice_key]
        if notices:
            run.notices.mkdir(parents=True, exist_ok=True, mode=0o700)
            _stylesheet(run.notices)
        tx.stage(run, todo, (lambda p: _render(p, site_url=site_url or DEMO_SITE_URL, today=today))
                 if notices else None, renew=lambda: target.renew_lock(run.holder))
        target.commit(todo, run.run_id, holder=run.holder)
        html_files = tx.place(run, [p.number for p in with_notice])
        tx.remove_journal(run.journal)
        target.finish_run(run.run_id)
        for p in with_notice:
            say(f"{p.number}: お知らせ {html_files[p.number]}")
        _pdfs(args, with_notice, html_files, say)
        created = sum(p.action == "create" for p in todo)
        say(f"登録 {created} 件、更新 {len(todo) - created} 件、変更なし {len(plans) - len(todo)} 件。")
        return EXIT_OK
    except StoreConflict as exc:
        _undo(run, target)
        print(tx.commit_conflict_message(exc), file=sys.stderr)
        return EXIT_REFUSED
    except tx.LoaderLocked as exc:  # the lock was taken over during a long run: stop, the next run repairs
        locked = False
        print(f"読み込みの途中でロックを失いました（{exc.holder}）。何も上書きせずに止めました。"
              "もう一度実行してください（途中の分は修復されます）。", file=sys.stderr)
        return EXIT_REFUSED
    except StoreUnavailable as exc:
        print(f"ストアに接続できません（{exc}）。登録できなかった分のお知らせは置いていません。"
              "次の実行が途中の分を修復します。", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except OSError as exc:
        _undo(run, target)
        print(f"お知らせのフォルダに書き込めません（{exc}）。", file=sys.stderr)
        return EXIT_UNAVAILABLE
    finally:
        if locked:
            try:
                target.release_lock(run.holder)
            except StoreUnavailable:
                print("ロックを解除できませんでした（期限が来れば自動で解除されます）。", file=sys.stderr)
        store.close()


def _undo(run: tx.Run, target: Any) -> None:
    """After a refused commit: the store decides what stays (repair), now rather than next time."""
    try:
        if run.journal.exists():
            tx.repair(run.notices, target, current_run="")
    except (StoreUnavailable, OSError) as exc:
        logger.warning("repair after a failed run postponed: %s", exc)


def _plan_and_report(args: argparse.Namespace, incoming: list[Incoming], store: Any,
                     say: Any) -> tuple[int, list[Plan]]:
    now = time.time()
    plans = [plan_one(item, store.get(item.certificate.guarantee_number), demo=args.demo,
                      overwrite=args.overwrite, rotate_key=args.rotate_key, now=now) for item in incoming]
    refused = [p for p in plans if p.refused]
    for p in plans:
        if p.refused:
            print(f"{p.incoming.where}: {p.number}: 拒否 — {p.refused}", file=sys.stderr)
        elif p.action == "unchanged":
            say(f"{p.number}: 変更なし")
        else:
            say(f"{p.number}: {'、'.join(p.changes)}")
    if refused:
        print(f"{len(refused)} 件を拒否しました。何も登録していません。", file=sys.stderr)
        return EXIT_REFUSED, plans
    if args.dry_run:
        say(f"--dry-run: {sum(p.record is not None for p in plans)} 件が変わります（書き込みはしていません）。")
    return EXIT_OK, plans


def _pdfs(args: argparse.Namespace, with_notice: list[Plan], html_files: dict[str, Path], say: Any) -> None:
    chromium = _pdf_printer(args, bool(with_notice))
    for p in with_notice if chromium else []:
        from esurety.loader.notice import write_pdf

        pdf_file = html_files[p.number].with_suffix(".pdf")
        try:
            write_pdf(html_files[p.number], pdf_file, chromium=chromium)
            os.chmod(pdf_file, 0o600)
            say(f"{p.number}: お知らせ {pdf_file}")
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            print(f"{p.number}: PDF を作れませんでした（{exc}）。HTML のお知らせを印刷してください。", file=sys.stderr)
