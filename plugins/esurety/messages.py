"""Plain-Japanese explanations of validation errors, for staff who are not programmers.

Pydantic reports errors as a type code and a location; this module turns each into a sentence
that says what was found and what is expected, in the words staff use.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from .wareki import parse_wareki

logger = logging.getLogger(__name__)

#: Hints for fields whose pattern alone would not tell staff what to write.
FIELD_HINTS: dict[str, str] = {
    "slug": "英小文字・数字・ハイフンで書いてください（例: taketa, omura-shi）。",
    "reading": "ひらがなで書いてください（例: たけたし）。",
    "lg_code": "6桁の全国地方公共団体コードを引用符で囲んで書いてください（例: \"442089\"）。",
    "start": "開始年月を 2026-04 の形式で書いてください。",
    "email": "メールアドレスの形式で書いてください（例: keiyaku@city.example.lg.jp）。",
    "url": "http:// または https:// で始まる URL を書いてください。",
    "phone": "電話番号を数字とハイフンで書いてください（例: 018-863-1000）。",
    "source": "sources に書いた資料ID を書いてください。",
    "page": "案内ページのファイル名（slug）を書いてください。",
}


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _field_name(loc: tuple[Any, ...]) -> str:
    for part in reversed(loc):
        if isinstance(part, str):
            return part
    return ""


def explain(error: dict[str, Any]) -> str:
    """One pydantic error dict → one Japanese sentence."""
    kind = error.get("type", "")
    value = error.get("input")
    loc = tuple(error.get("loc", ()))
    name = _field_name(loc)
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"必須の項目「{name}」がありません。"
    if kind == "extra_forbidden":
        return f"「{name}」という項目はありません。綴りと字下げの位置を確かめてください。"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return f"「{_shown(value)}」は使えません。次のどれかを書いてください: {expected}"
    if kind.startswith("date") or kind.startswith("datetime"):
        converted = parse_wareki(value) if isinstance(value, str) else None
        if converted:
            return (f"「{_shown(value)}」とありますが、{converted.isoformat()} の形式で書いてください"
                    "（西暦の年-月-日）。")
        if isinstance(value, dt.datetime):
            return f"日時ではなく日付だけを {value.date().isoformat()} の形式で書いてください。"
        return f"「{_shown(value)}」は日付として読めません。2026-04-01 の形式（西暦の年-月-日）で、実在する日付を書いてください。"
    if kind == "string_pattern_mismatch":
        converted = parse_wareki(value) if isinstance(value, str) and name == "start" else None
        if converted:
            return f"「{_shown(value)}」とありますが、{converted.year:04d}-{converted.month:02d} の形式で書いてください。"
        hint = FIELD_HINTS.get(name, "書式が違います。")
        return f"「{_shown(value)}」は書式が違います。{hint}"
    if kind == "string_type":
        return f"文字列を書いてください（いまは {_shown(value)!s}）。数字だけの値は引用符で囲んでください。"
    if kind == "string_too_short":
        return "空になっています。内容を書くか、項目ごと消してください。"
    if kind == "string_too_long":
        return f"長すぎます（上限 {ctx.get('max_length')} 文字）。"
    if kind == "list_type":
        return f"一覧（「- 」で始まる行、または [a, b] の形）で書いてください（いまは {_shown(value)}）。"
    if kind == "too_short":
        return f"少なくとも {ctx.get('min_length', 1)} 件書いてください。"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"ここには項目の集まり（「名前: 値」の行）を書いてください（いまは {_shown(value)}）。"
    if kind == "bool_type" or kind == "bool_parsing":
        return f"true か false を書いてください（いまは {_shown(value)}）。"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"整数を書いてください（いまは {_shown(value)}）。"
    if kind in ("float_type", "float_parsing"):
        return f"数値を書いてください（いまは {_shown(value)}）。"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"範囲外の値です（{_shown(value)}）。"
    if kind == "value_error":
        message = str(ctx.get("error", error.get("msg", "")))
        return message.removeprefix("Value error, ")
    logger.debug("no Japanese text for pydantic error type %s", kind)
    return f"値が正しくありません（{error.get('msg', kind)}）。"
