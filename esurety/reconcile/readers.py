"""Pick the reader for a guarantor's list by its form: leaflet text, CSV, XLSX or news lines."""

from __future__ import annotations

import logging
from pathlib import Path

from esurety.reconcile.entry import Entry, InputError
from esurety.reconcile.leaflet import read_leaflet
from esurety.reconcile.news import read_news
from esurety.reconcile.tabular import read_csv, read_xlsx

logger = logging.getLogger(__name__)

__all__ = ["COMPLETE", "FORMATS", "read_entries"]

#: Format name → what it is, for --help.
FORMATS: dict[str, str] = {
    "leaflet": "案内チラシの導入発注者の表（PDF からの文字起こし。都道府県ごとの行に「R6.4 団体名」）",
    "csv": "CSV（列: 団体名・都道府県・開始年月）",
    "xlsx": "Excel（1枚目のシート。列: 団体名・都道府県・開始年月）",
    "news": "お知らせの行（「2024年4月1日 中野区、葛飾区等の取扱いを開始しました」）",
}
#: Whether a format lists every adopter of the guarantor (then rows missing from it are reported).
COMPLETE: dict[str, bool] = {"leaflet": True, "csv": True, "xlsx": True, "news": False}


def _text(path: Path, shown: str) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(shown, 1, 1, "文字コードが読めません。UTF-8 で保存したテキストにしてください。")


def read_entries(path: Path, fmt: str, shown: str | None = None) -> list[Entry]:
    """Every entry of the file, in print order; InputError when the file cannot be read as ``fmt``."""
    shown = shown or str(path)
    if fmt not in FORMATS:
        raise InputError(shown, 1, 1, f"形式「{fmt}」は使えません。{' / '.join(FORMATS)} のどれかを --format に書いてください。")
    if not path.is_file():
        raise InputError(shown, 1, 1, "ファイルが見つかりません。")
    if fmt == "xlsx":
        return read_xlsx(path, shown)
    if fmt == "csv":
        return read_csv(path.read_bytes(), shown)
    text = _text(path, shown)
    return read_leaflet(text, shown) if fmt == "leaflet" else read_news(text, shown)
