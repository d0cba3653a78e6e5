"""Plain-Japanese explanations of validation errors, for staff who are not programmers.

Pydantic reports errors as a type code and a location; this module turns each into a sentence
that says what was found and what is expected, in the words staff use, and guesses the fix for
the mistakes people really make (和暦 in a date field, 「mailto:」 before an address, katakana
in a reading, a label typed where a key belongs).
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import re
import types
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from esurety.kernel.wareki import ERAS, parse_wareki

logger = logging.getLogger(__name__)

__all__ = ["date_problem", "email_problem", "explain", "known_fields", "prefecture_problem", "url_problem"]

#: Hints for fields whose pattern alone would not tell staff what to write.
FIELD_HINTS: dict[str, str] = {
    "slug": "英小文字・数字・ハイフンで書いてください（例: taketa, omura-shi）。",
    "page": "案内ページのファイル名（slug: 英小文字・数字・ハイフン）を書いてください。",
    "source": "sources に書いた資料ID（英小文字・数字・ハイフン）を書いてください。",
    "guide_page": "ページの slug（英小文字・数字・ハイフン）を書いてください。",
    "reading": "ひらがなで書いてください（例: たけたし）。",
    "lg_code": "6桁の全国地方公共団体コードを引用符で囲んで書いてください（例: \"442089\"）。",
    "start": "開始年月を 2026-04 の形式で書いてください。",
    "phone": "電話番号を半角の数字とハイフンで書いてください（例: 018-863-1000）。",
}

#: What a missing required field is for, in the words of the guidance file format.
MISSING_HINTS: dict[str, str] = {
    "checked_on": "この資料を原本と見比べて最後に確かめた日を 2026-12-02 の形式で書きます。",
    "basis": "どの日付で対象かを判断するかを書きます。資料に書かれていなければ basis: unstated と書きます。",
    "from": "開始日を書きます。資料に書かれていなければ from: unstated と書きます。",
    "methods": "提出方法を書きます。資料に書かれていなければ methods: unstated と書きます。",
    "documents": "提出する書類（key_notice など）を書きます。資料に書かれていなければ documents: unstated と書きます。",
}

#: The pattern of every vocabulary key (model.vocabulary_key).
_VOCABULARY_KEY = r"^[a-z][a-z0-9_]*$"

_ERA_NAMES = "|".join(name for name, _ in ERAS) + "|[RHS]"
_GREGORIAN_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_WAREKI_DAY_RE = re.compile(rf"^\s*({_ERA_NAMES})\s*(元|\d{{1,2}})\s*[年.\-/]\s*(\d{{1,2}})\s*[月.\-/]\s*(\d{{1,2}})\s*日?\s*$")
_MONTH_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")
_KATAKANA = re.compile(r"[ァ-ヶ]")
_QUOTED = re.compile(r"'([^']*)'")


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "（空）"
    if isinstance(value, list):
        return "一覧"
    if isinstance(value, dict):
        return "「名前: 値」の集まり"
    text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _field_name(loc: tuple[Any, ...]) -> str:
    for part in reversed(loc):
        if isinstance(part, str):
            return part
    return ""


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _last_day(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (dt.date(year, month + 1, 1) - dt.timedelta(days=1)).day


def _nonexistent(year: int, month: int, day: int) -> str:
    if not 1 <= month <= 12:
        return f"{month}月という月はありません"
    return f"{year}年{month}月は{_last_day(year, month)}日までです"


def date_problem(value: Any) -> tuple[str, dt.date | None]:
    """Classify a value that should have been a date: ("wareki"|"format"|"nonexistent"|"other", fix)."""
    if isinstance(value, dt.datetime):
        return "datetime", value.date()
    if not isinstance(value, str):
        return "other", None
    text = unicodedata.normalize("NFKC", value)
    converted = parse_wareki(text)
    if converted:
        return "wareki", converted
    m = _WAREKI_DAY_RE.match(text)
    if m:
        return "nonexistent", None
    m = _GREGORIAN_RE.match(text)
    if m:
        year, month, day = (int(g) for g in m.groups())
        try:
            return "format", dt.date(year, month, day)
        except ValueError:
            return "nonexistent", None
    return "other", None


def _date_message(path: str, value: Any) -> str:
    kind, fixed = date_problem(value)
    if kind == "wareki" and fixed:
        return f"{path} に「{_shown(value)}」とありますが、{fixed.isoformat()} の形式で書いてください（西暦の 年-月-日）。"
    if kind == "format" and fixed:
        return f"{path} に「{_shown(value)}」とありますが、{fixed.isoformat()} の形式で書いてください（西暦の 年-月-日、月と日は2桁）。"
    if kind == "datetime" and fixed:
        return f"{path} には時刻を書かず、日付だけを {fixed.isoformat()} の形式で書いてください。"
    if kind == "nonexistent":
        why = ""
        m = re.match(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$", str(value))
        if m:
            why = f"（{_nonexistent(*(int(g) for g in m.groups()))}）"
        return f"{path} の「{_shown(value)}」という日付は存在しません{why}。実在する日付を 2026-04-01 の形式で書いてください。"
    if value is None:
        return f"{path} が空です。日付を 2026-04-01 の形式で書くか、項目ごと消してください。"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{path} に数字「{_shown(value)}」とありますが、日付は 2026-04-01 の形式（西暦の 年-月-日）で書いてください。"
    return f"{path} の「{_shown(value)}」は日付として読めません。2026-04-01 の形式（西暦の 年-月-日）で書いてください。"


def _month_message(path: str, value: Any) -> str | None:
    """YearMonth fields (adopters' start): 2026-04. Staff often write a whole date or an era."""
    if isinstance(value, dt.date):
        return f"{path} に「{value.isoformat()}」とありますが、開始年月は {value.year:04d}-{value.month:02d} の形式（年-月）で書いてください。"
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value)
    converted = parse_wareki(text)
    if converted:
        return f"{path} に「{_shown(value)}」とありますが、{converted.year:04d}-{converted.month:02d} の形式（西暦の 年-月）で書いてください。"
    m = _MONTH_RE.match(text) or _GREGORIAN_RE.match(text)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return f"{path} に「{_shown(value)}」とありますが、{year:04d}-{month:02d} の形式（西暦の 年-月、月は2桁）で書いてください。"
        return f"{path} の「{_shown(value)}」という年月は存在しません（{month}月という月はありません）。"
    return None


def email_problem(value: str) -> str:
    """What is wrong with a mail address, as staff would fix it."""
    example = "keiyaku@city.example.lg.jp"
    if value.lower().startswith("mailto:"):
        return f"「mailto:」を付けずに、アドレスだけを書いてください（例: {value[7:] or example}）。"
    if unicodedata.normalize("NFKC", value) != value:
        return f"全角の文字（＠ など）が含まれています。半角で書いてください（例: {example}）。"
    if any(ch.isspace() for ch in value):
        return "空白が含まれています。空白を消してください。"
    if "@" not in value:
        return f"「@」がありません。{example} の形式で書いてください。"
    if value.count("@") > 1:
        return "「@」が2つ以上あります。アドレスは1つだけ書いてください。"
    local, domain = value.split("@")
    if not local:
        return "「@」の前が空です。"
    if "." not in domain or domain.startswith(".") or domain.endswith(".") or ".." in domain:
        return f"「@」の後ろ（ドメイン名）が不完全です。{example} の形式で書いてください。"
    return f"メールアドレスとして正しくない文字があります。{example} の形式で書いてください。"


def url_problem(value: str) -> str:
    """What is wrong with a URL, as staff would fix it."""
    lower = value.lower()
    if lower.startswith("mailto:"):
        return "メールアドレスは url ではなく email に、「mailto:」を付けずに書いてください。"
    if unicodedata.normalize("NFKC", value) != value or any(ch.isspace() for ch in value):
        return "全角の文字か空白が含まれています。URL は半角で、空白なしで書いてください。"
    if re.match(r"^[a-z][a-z0-9+.-]*:", lower) and not lower.startswith(("http://", "https://")):
        return "使える URL は http:// または https:// で始まるものだけです。"
    if lower.startswith("www.") or re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(/|$)", lower):
        return f"先頭に https:// を付けてください（例: https://{value}）。"
    return "http:// または https:// で始まる URL を書いてください（例: https://www.city.example.lg.jp/）。"


def prefecture_problem(value: str, names: list[str]) -> str:
    """Unknown prefecture: say it must be one of the 47 and guess which was meant."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    guesses = [n for n in names if n.rstrip("都道府県") == text.rstrip("都道府県") or n == text + "県"]
    if not guesses:
        guesses = difflib.get_close_matches(text, names, n=1, cutoff=0.5)
    hint = f"「{guesses[0]}」ではありませんか。" if guesses else ""
    return f"「{_shown(value)}」は47都道府県の名前ではありません。{hint}都道府県名は正式名（例: 大分県、東京都、京都府、北海道）で書いてください。"


def _slug_fix(value: str) -> str:
    fixed = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKC", value).lower()).strip("-")
    return fixed


def _vocabulary_key_message(path: str, value: Any, labels: Mapping[str, str]) -> str:
    """A value that cannot be a vocabulary key: a Japanese label typed for its key, or a misspelt key."""
    by_label = {label: key for key, label in labels.items()}
    if isinstance(value, str) and value in by_label:
        return f"{path} の「{value}」は表示名です。キーの {by_label[value]} を書いてください（表示名は vocabulary.yaml にあります）。"
    close = difflib.get_close_matches(str(value).lower().replace("-", "_"), list(labels), n=1, cutoff=0.6)
    hint = f"「{close[0]}」（{labels[close[0]]}）の書き間違いではありませんか。" if close else ""
    return (f"{path} の「{_shown(value)}」は使えません。{hint}data/vocabulary.yaml にあるキー"
            "（英小文字・数字・「_」、例: email）を書いてください。")


def _pattern_message(path: str, name: str, value: Any) -> str:
    if name in ("email",):
        return f"{path} の「{_shown(value)}」はメールアドレスの形式ではありません。{email_problem(str(value))}"
    if name in ("url",):
        return f"{path} の「{_shown(value)}」は URL の形式ではありません。{url_problem(str(value))}"
    if name == "start":
        month = _month_message(path, value)
        if month:
            return month
    if name == "reading" and isinstance(value, str) and _KATAKANA.search(value):
        hira = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in value)
        return f"{path} の「{_shown(value)}」はカタカナです。ひらがなで書いてください（例: {hira}）。"
    if name in ("slug", "page", "source", "guide_page") and isinstance(value, str):
        fixed = _slug_fix(value)
        example = f"（例: {fixed}）" if fixed and fixed != value else ""
        return f"{path} の「{_shown(value)}」は使えない文字を含んでいます。英小文字・数字・ハイフンだけで書いてください{example}。"
    if name == "lg_code":
        return f"{path} の「{_shown(value)}」は団体コードの形式ではありません。{FIELD_HINTS['lg_code']}"
    hint = FIELD_HINTS.get(name, "書式を確かめてください。")
    return f"{path} の「{_shown(value)}」は書式が違います。{hint}"


def _literal_message(path: str, name: str, value: Any, expected: str, labels: Mapping[str, str]) -> str:
    allowed = _QUOTED.findall(expected) or [expected]
    if name == "prefecture":
        return f"{path} の{prefecture_problem(str(value), allowed)}"
    by_label = {labels.get(k): k for k in allowed if labels.get(k)}
    if isinstance(value, str) and value in by_label:
        return f"{path} の「{value}」は表示名です。キーの {by_label[value]} を書いてください（表示名は vocabulary.yaml にあります）。"
    shown = "、".join(f"{k}（{labels[k]}）" if k in labels else k for k in allowed)
    close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
    hint = f"「{close[0]}」の書き間違いではありませんか。" if close else ""
    return f"{path} に「{_shown(value)}」とありますが、この値は使えません。{hint}次のどれかを書いてください: {shown}"


def explain(error: Mapping[str, Any], labels: Mapping[str, str] | None = None,
            known: list[str] | None = None, loc: tuple[Any, ...] | None = None, on_key: bool = False) -> str:
    """One pydantic error dict → one Japanese sentence that names the field and what to write.

    ``labels`` maps vocabulary keys to their Japanese labels (shown next to allowed values);
    ``known`` lists the field names allowed where an unknown field was found (to guess a typo).
    """
    labels = labels or {}
    kind = str(error.get("type", ""))
    value = error.get("input")
    loc = tuple(error.get("loc", ())) if loc is None else loc
    name = _field_name(loc)
    path = _dotted(loc) or "ファイル全体"
    ctx = error.get("ctx") or {}
    if on_key:
        parent = _dotted(loc[:-1]) or "ファイルの最上位"
        if kind == "string_pattern_mismatch":
            return f"{parent} の項目名「{_shown(value)}」は使えません。英小文字・数字・ハイフンだけで書いてください（例: {_slug_fix(str(value)) or 'wjcs-saga'}）。"
        if kind == "literal_error":
            allowed = "、".join(_QUOTED.findall(str(ctx.get("expected", ""))))
            return f"{parent} に「{_shown(value)}」という項目は書けません。書けるのは次の項目です: {allowed}"
    if kind == "missing":
        parent = _dotted(loc[:-1])
        where = f"{parent} の中に" if parent else "ファイルの最上位に"
        return f"必須の項目「{name}」がありません。{where}「{name}:」の行を書いてください。{MISSING_HINTS.get(name, '')}"
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(name, known or [], n=1, cutoff=0.6)
        hint = f"「{close[0]}」の書き間違いではありませんか。" if close else "綴りと字下げの位置を確かめてください。"
        return f"「{name}」という項目はここには書けません。{hint}"
    if kind == "literal_error":
        return _literal_message(path, name, value, str(ctx.get("expected", "")), labels)
    if kind.startswith("date") or kind.startswith("datetime"):
        if name == "from" and isinstance(value, str) and _MONTH_RE.match(unicodedata.normalize("NFKC", value)):
            # a start known only to the month (2025-04) is allowed; say what is wrong with this one
            month = _month_message(path, value)
            if month:
                return month.replace("開始年月は ", "") + "日が資料にないときは、年-月だけでも書けます。"
        return _date_message(path, value)
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == _VOCABULARY_KEY:
            return _vocabulary_key_message(path, value, labels)
        return _pattern_message(path, name, value)
    if kind == "string_type":
        if name == "start":
            month = _month_message(path, value)
            if month:
                return month
        if value is None:
            return f"{path} が空です。値を書くか、項目ごと消してください。"
        if isinstance(value, bool):
            return (f"{path} の値が true/false と読まれました。yes・no・on・off などを文字として書くときは"
                    f"引用符で囲んでください（例: \"{_shown(value)}\"）。")
        if isinstance(value, (int, float)):
            return f"{path} の「{_shown(value)}」は数として読まれました。文字として書くため、引用符で囲んでください（例: \"{_shown(value)}\"）。"
        if isinstance(value, dt.date):
            return f"{path} の「{_shown(value)}」は日付として読まれました。文字として書くときは引用符で囲んでください。"
        return f"{path} には文字を書いてください（いまは {_shown(value)}）。"
    if kind == "string_too_short":
        return f"{path} が空になっています。内容を書くか、項目ごと消してください。"
    if kind == "string_too_long":
        return f"{path} が長すぎます（{len(str(value)):,} 文字、上限 {ctx.get('max_length')} 文字）。"
    if kind == "list_type":
        if value is None:
            return (f"{path} が空です。一覧を書いてください。資料に書かれていなければ unstated と書けます"
                    "（省ける項目なら、項目ごと消しても構いません）。")
        return f"{path} は一覧（「- 」で始まる行、または [a, b] の形）で書いてください（いまは {_shown(value)}）。"
    if kind == "too_short":
        return f"{path} には少なくとも {ctx.get('min_length', 1)} 件書いてください。"
    if kind == "too_long":
        return f"{path} に書けるのは {ctx.get('max_length')} 件までです。"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        if not loc:
            return f"ファイル全体を「名前: 値」の行で書いてください（いまは{_shown(value)}になっています）。"
        if value is None:
            return f"{path} が空です。その下に字下げして「名前: 値」の行を書いてください。"
        return f"{path} には項目の集まり（字下げした「名前: 値」の行）を書いてください（いまは {_shown(value)}）。"
    if kind in ("bool_type", "bool_parsing"):
        return f"{path} には true か false を書いてください（いまは {_shown(value)}）。"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{path} には整数を書いてください（いまは {_shown(value)}）。"
    if kind in ("float_type", "float_parsing"):
        return f"{path} には数値を書いてください（いまは {_shown(value)}）。"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{path} の {_shown(value)} は小さすぎます（{ctx.get('ge', ctx.get('gt'))} 以上）。"
    if kind in ("less_than_equal", "less_than"):
        return f"{path} の {_shown(value)} は大きすぎます（{ctx.get('le', ctx.get('lt'))} 以下）。"
    if kind == "value_error":
        message = str(ctx.get("error", error.get("msg", "")))
        return message.removeprefix("Value error, ")
    logger.debug("no Japanese text for pydantic error type %s", kind)
    return f"{path} の値が正しくありません（{error.get('msg', kind)}）。"


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes reachable through Optional, list, dict and Annotated."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, dict, tuple, set, frozenset):
        found: list[Any] = []
        for arg in get_args(annotation):
            found.extend(_unwrap(arg))
        return found
    if origin is Literal:
        return []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def known_fields(cls: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names allowed in the mapping at ``loc`` (the parent of an unknown field)."""
    current: type[BaseModel] | None = cls
    for part in loc:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        if info is None:
            continue  # a dict key such as an adopters source id
        models = _unwrap(info.annotation)
        current = models[0] if models else None
    return list(current.model_fields) if current else []
