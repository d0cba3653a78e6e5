"""Scaffold a new orderer: a complete, commented guidance file (format 2) and its row in the adopter table.

`make new-city ARGS="--name 竹田市 --prefecture 大分県 --start 2026-04-01 --guarantor wjcs --slug taketa"`
Missing values are asked for when run in a terminal. The guidance file has every section; its
comments are the titles and descriptions of the generated JSON Schema (esurety/data/model.py with
the allowed values and labels of data/vocabulary.yaml), so the template never drifts from what
`make check` enforces. What the scaffold is not told is written ``unstated`` (資料に記載なし) —
never a guess — and the facts staff must look up are marked ``# 要記入`` and listed under
``unconfirmed:``. Existing files and rows are never overwritten. After writing, the whole data set
is checked and the result shown. docs/guidance-format.md describes the format.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from esurety.data import model, schemas, yamlsource
from esurety.data.dataset import Layout, Reference, load_dataset
from esurety.data.errors import DataErrors
from esurety.data.messages import date_problem, prefecture_problem
from esurety.kernel import wareki

ROOT = Path(__file__).resolve().parent.parent

#: Marks a placeholder line; `make check` lists these lines as 要記入 (to fill in) without failing.
TODO = "# 要記入"
#: Exit status when the scaffold refuses (bad input, file or row exists).
REFUSED = 2


class Refused(Exception):
    """Input the scaffold cannot use, or a file or row that already exists; the message is for staff."""


@dataclass
class Orderer:
    """What the scaffold knows about the new orderer."""

    name: str
    prefecture: str | None
    kind: str
    reading: str
    lg_code: str | None
    start: dt.date | str  # a day, or "YYYY-MM" when the source gives only the month
    basis: str
    guarantor: str
    slug: str
    source_id: str
    guarantors: list[str]
    source_title: str | None = None
    source_url: str | None = None
    source_publisher: str | None = None
    source_kind: str = "guarantor"

    @property
    def start_month(self) -> str:
        return self.start[:7] if isinstance(self.start, str) else f"{self.start.year:04d}-{self.start.month:02d}"


# ---------------------------------------------------------------- input parsing


def parse_date(text: str) -> dt.date:
    """2026-04-01, 2026/4/1, 2026年4月1日, 令和8年4月1日 or R8.4.1 → a date."""
    text = unicodedata.normalize("NFKC", text.strip())
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    kind, fixed = date_problem(text)
    if fixed and kind in ("wareki", "format"):
        return fixed
    if kind == "nonexistent":
        raise Refused(f"「{text}」という日付は存在しません。")
    raise Refused(f"「{text}」は日付として読めません。2026-04-01 または 令和8年4月1日 の形で書いてください。")


_ROMAJI = {
    **dict(zip("あいうえお", ["a", "i", "u", "e", "o"])), **dict(zip("かきくけこ", ["ka", "ki", "ku", "ke", "ko"])),
    **dict(zip("さしすせそ", ["sa", "shi", "su", "se", "so"])), **dict(zip("たちつてと", ["ta", "chi", "tsu", "te", "to"])),
    **dict(zip("なにぬねの", ["na", "ni", "nu", "ne", "no"])), **dict(zip("はひふへほ", ["ha", "hi", "fu", "he", "ho"])),
    **dict(zip("まみむめも", ["ma", "mi", "mu", "me", "mo"])), **dict(zip("やゆよ", ["ya", "yu", "yo"])),
    **dict(zip("らりるれろ", ["ra", "ri", "ru", "re", "ro"])), **dict(zip("わをん", ["wa", "o", "n"])),
    **dict(zip("がぎぐげご", ["ga", "gi", "gu", "ge", "go"])), **dict(zip("ざじずぜぞ", ["za", "ji", "zu", "ze", "zo"])),
    **dict(zip("だぢづでど", ["da", "ji", "zu", "de", "do"])), **dict(zip("ばびぶべぼ", ["ba", "bi", "bu", "be", "bo"])),
    **dict(zip("ぱぴぷぺぽ", ["pa", "pi", "pu", "pe", "po"])), "ゐ": "i", "ゑ": "e",
}
_YOON = {"ゃ": "a", "ゅ": "u", "ょ": "o"}
_SUFFIXES = {"市": ("し",), "町": ("まち", "ちょう"), "村": ("むら", "そん"), "県": ("けん",), "府": ("ふ",),
             "都": ("と",), "道": ("どう",), "区": ("く",)}


def romanize(reading: str) -> str:
    """Hiragana → plain Hepburn without long vowels (おおむら → omura), for slug suggestions."""
    out = ""
    i = 0
    while i < len(reading):
        ch = reading[i]
        nxt = reading[i + 1] if i + 1 < len(reading) else ""
        if ch == "っ" and nxt in _ROMAJI:
            out += _ROMAJI[nxt][0]
        elif nxt in _YOON and ch in _ROMAJI:
            base = _ROMAJI[ch]
            out += (base[:-1] if base.endswith(("hi", "ji")) or base == "chi" else base[:-1] + "y") + _YOON[nxt]
            i += 1
        elif ch in _ROMAJI:
            out += "n" if ch == "ん" else _ROMAJI[ch]
        i += 1
    out = re.sub(r"ou|oo", "o", out)
    return re.sub(r"uu", "u", out)


def suggest_slug(name: str, reading: str, taken: set[str]) -> str:
    """たけたし (竹田市) → taketa; with -shi, -machi… when the short form is already used."""
    stem, suffix = reading, ""
    for ending in _SUFFIXES.get(name[-1:], ()):
        if reading.endswith(ending) and len(reading) > len(ending):
            stem, suffix = reading[: -len(ending)], ending
            break
    base = romanize(stem) or "orderer"
    for candidate in (base, f"{base}-{romanize(suffix)}" if suffix else base):
        if candidate not in taken:
            return candidate
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


# ---------------------------------------------------------------- the project as it is


@dataclass
class Project:
    """The files the scaffold reads and writes."""

    root: Path

    @property
    def layout(self) -> Layout:
        return Layout(root=self.root)

    def guidance_path(self, slug: str) -> Path:
        return self.layout.path("guidance_dir") / f"{slug}.yaml"

    def reference(self) -> Reference:
        return Reference.read(self.layout.path("local_governments"))

    def vocabulary(self) -> model.Vocabulary:
        return model.Vocabulary.model_validate(yamlsource.load(self.layout.path("vocabulary")).data)

    def guarantor_names(self) -> dict[str, str]:
        data = yamlsource.load(self.layout.path("guarantors")).data
        return {g["id"]: g.get("name", g["id"]) for g in data.get("guarantors", [])}

    def adopters(self) -> tuple[str, yamlsource.Document]:
        path = self.layout.path("adopters")
        text = yamlsource.read_text(path)
        return text, yamlsource.load(path, text)

    def taken_slugs(self) -> set[str]:
        taken = {p.stem for p in self.layout.path("guidance_dir").glob("*.yaml")}
        try:
            _, doc = self.adopters()
        except Exception:  # a broken table is reported by the check at the end
            return taken
        return taken | {row.get("page") for row in doc.data.get("adopters", []) if isinstance(row, dict) and row.get("page")}


def parse_start(text: str) -> dt.date | str:
    """A start day (as :func:`parse_date`), or only a month (2026-04, 2026年4月) when the source gives no day."""
    month = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", unicodedata.normalize("NFKC", text.strip()))
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if not 1 <= number <= 12:
            raise Refused(f"「{text}」という年月は存在しません（{number}月という月はありません）。")
        return f"{year:04d}-{number:02d}"
    return parse_date(text)


# ---------------------------------------------------------------- writing the guidance file


def q(text: str) -> str:
    """``text`` as a YAML value: plain when it reads back unchanged, otherwise double-quoted."""
    try:
        plain_ok = "#" not in text and yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        plain_ok = False
    return text if plain_ok else json.dumps(text, ensure_ascii=False)


#: Template path step for one source of the ``sources`` map.
SOURCE = "<source>"


class Template:
    """The comments of the scaffold, read from the generated JSON Schema of a guidance file.

    Titles and descriptions come from the model's fields, allowed values and their labels from the
    vocabulary: nothing here repeats what a field means, so a change to the model or to
    data/vocabulary.yaml changes the next scaffold too.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        return self.schema["$defs"][ref.rsplit("/", 1)[1]] if ref else node

    def _members(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """The node and everything it may be (anyOf members, list items), resolved."""
        node = self._resolve(node)
        out = [node]
        for member in node.get("anyOf", []) + ([node["items"]] if isinstance(node.get("items"), dict) else []):
            out += self._members(member)
        return out

    def model(self, *path: str) -> dict[str, Any]:
        """The schema of the object at ``path`` (field names from the top), e.g. ("start",) → Start.

        :data:`SOURCE` stands for the value of the ``sources`` map (one Source).
        """
        node = self.schema
        for name in path:
            if name == SOURCE:
                node = self.model("sources")
                node = self._resolve(node.get("additionalProperties") or next(iter(node["patternProperties"].values())))
                continue
            node = next(m for m in self._members(node["properties"][name]) if "properties" in m
                        or "patternProperties" in m or "additionalProperties" in m)
        return node

    def field(self, path: tuple[str, ...], name: str) -> dict[str, Any]:
        return self.model(*path)["properties"][name] if path else self.schema["properties"][name]

    def about(self, path: tuple[str, ...], name: str) -> str:
        """「title: description」 of one field."""
        node = self.field(path, name)
        target = self._resolve(node)
        title = node.get("title") or target.get("title", name)
        description = node.get("description") or target.get("description")
        return f"{title}: {description}" if description and description != title else title

    def choices(self, path: tuple[str, ...], name: str) -> str:
        """「key = label / …」 of a field whose values are vocabulary keys (or a fixed set), else ""."""
        for member in self._members(self.field(path, name)):
            if "enum" in member and member.get("enumDescriptions"):
                return " / ".join(f"{k} = {v}" for k, v in zip(member["enum"], member["enumDescriptions"], strict=True))
        return ""

    def comments(self, path: tuple[str, ...], name: str, indent: str, *, value_hint: str = "") -> list[str]:
        lines = [f"{indent}# {self.about(path, name)}"]
        options = self.choices(path, name)
        if options:
            lines.append(f"{indent}#   使える値: {options}")
        if value_hint:
            lines.append(f"{indent}#   {value_hint}")
        return lines

    def limit_kinds(self) -> str:
        """What only / includes / excludes mean, as the model's description of a scope limit says it."""
        limit = next(m for m in self._members(self.field(("scope",), "certificates")) if "properties" in m)
        return limit.get("description", "").split("。", 1)[-1]

    @property
    def title(self) -> str:
        return f"{self.schema.get('title', '')}: {self.schema.get('description', '')}"


def guidance_text(o: Orderer, template: Template, guarantor_name: str, today: dt.date | None = None) -> str:
    """The new guidance file in format 2: every section present and explained; unstated where not told."""
    today = today or dt.date.today()
    tpl = template
    sid = o.source_id
    start_shown = o.start if isinstance(o.start, str) else o.start.isoformat()
    start_note = f"  # {wareki.era_date(o.start)}" if isinstance(o.start, dt.date) else "  # 資料に日がなく、月まで"
    basis_todo = f"  {TODO}: 資料で確かめてください" if o.basis == model.UNSTATED else ""

    def block(path: tuple[str, ...], name: str, indent: str, value: str, *, hint: str = "") -> list[str]:
        return [*tpl.comments(path, name, indent, value_hint=hint), f"{indent}{name}: {value}"]

    def commented(path: tuple[str, ...], name: str, indent: str, example: str) -> list[str]:
        """An optional field the scaffold cannot fill: only its comment and a commented example."""
        return [*tpl.comments(path, name, indent), f"{indent}# {name}: {example}"]

    lines = [
        schemas.modeline("guidance", 2),
        f"# {o.name}{f'（{o.prefecture}）' if o.prefecture else ''}の電子保証の案内。"
        f"make new-city で作成（{today.isoformat()}）。書式は docs/guidance-format.md。",
        f"# {tpl.title}",
        "# 資料に書かれていないことは unstated（資料に記載なし）のまま残します。推測で埋めないでください。",
        f"# 「{TODO}」の行は資料で確かめる所です。確かめたら「{TODO}」を消してください（make check が一覧にします）。",
        "# 各記述には出典（source: 資料ID）か、サイトの推論（inference: 理由 と ask: 確認先）のどちらかを付けます。",
        "",
    ]
    lines += block((), "slug", "", o.slug)
    lines += block((), "name", "", q(o.name))
    reading_note = ("  # 全国地方公共団体コードの一覧から。小さい「ゃゅょっ」が大きい字になっていることがあります"
                    if o.lg_code else "")
    lines += block((), "reading", "", q(o.reading) + reading_note)
    lines += block((), "prefecture", "", o.prefecture) if o.prefecture else commented((), "prefecture", "", "（書かない）")
    lines += block((), "kind", "", o.kind)
    lines += block((), "lg_code", "", f'"{o.lg_code}"') if o.lg_code else commented((), "lg_code", "", '"000000"')

    source = (SOURCE,)
    title = o.source_title or f"電子保証のご案内（{o.name}）"
    lines += ["", *tpl.comments((), "sources", ""), "sources:", f"  {sid}:"]
    lines += block(source, "kind", "    ", o.source_kind)
    lines += block(source, "title", "    ", q(title) + ("" if o.source_title else f"  {TODO}: 資料の題名に直してください"))
    lines += block(source, "publisher", "    ", q(o.source_publisher or guarantor_name))
    lines += (block(source, "url", "    ", q(o.source_url)) if o.source_url
              else commented(source, "url", "    ", "https://…（資料の URL）"))
    lines += commented(source, "date", "    ", "2026-02-26（資料に日付がなければ書かず、note にそう書きます）")
    lines += block(source, "checked_on", "    ", today.isoformat())

    lines += ["", *tpl.comments((), "start", ""), "start:"]
    lines += [*tpl.comments(("start",), "from", "  "), f"  - from: {start_shown}{start_note}"]
    lines += block(("start",), "basis", "    ", o.basis + basis_todo)
    lines += commented(("start",), "trial", "    ", "true")
    lines += commented(("start",), "for", "    ", "{departments: [契約課]}")
    lines += [f"    source: {sid}"]

    lines += ["", *tpl.comments((), "scope", "")]
    lines += [f"#   限定の書き方: {tpl.limit_kinds()}。出典（source）を付け、資料になければ unstated のままにします。", "scope:"]
    for name in model.DIMENSIONS:
        if name == "issuers":
            lines += tpl.comments(("scope",), name, "  ")
            lines += [f"  {name}:", f"    includes: [{', '.join(o.guarantors)}]  # 保証事業会社の導入発注者一覧による（ほかの発行元は資料で確かめる）",
                      f"    source: {sid}"]
            continue
        todo = f"  {TODO}: 資料で確かめてください" if name == "certificates" else ""
        lines += block(("scope",), name, "  ", model.UNSTATED + todo)

    sub = ("submissions",)
    lines += ["", *tpl.comments((), "submissions", "")]
    lines += ["#   保証の種類・発行元・契約の段階ごとに送り先が違えば、「- for:」から始まるまとまりを分けて書きます。", "submissions:"]
    route = [*tpl.comments(sub, "methods", "  "), f"  - methods: {model.UNSTATED}  {TODO}: 発注者の資料から書いてください"]
    route += commented(sub, "for", "    ", "{certificates: [contract_performance], issuers: [insurer], contract_stages: [initial]}")
    route += block(sub, "recipient", "    ", f"{model.UNSTATED}  {TODO}: 提出先の部署")
    route += commented(sub, "email", "    ", "keiyaku@city.example.lg.jp（methods に email があるとき。資料になければ unstated）")
    route += commented(sub, "url", "    ", "https://…（ウェブフォーム・電子契約システム）")
    route += commented(sub, "cc", "    ", "[cc@example.jp]（資料が CC を求めているとき）")
    route += commented(sub, "cc_note", "    ", "保険会社が指定する共通窓口のアドレスを CC に入れる")
    route += block(sub, "subject", "    ", model.UNSTATED, hint="例: \"【電子保証】{工事名}\"")
    route += block(sub, "body_items", "    ", model.UNSTATED)
    route += block(sub, "timing", "    ", model.UNSTATED)
    route += block(sub, "documents", "    ", model.UNSTATED)
    route += block(sub, "printout", "    ", model.UNSTATED)
    route += commented(sub, "note", "    ", "補足（自分の言葉で）")
    route += [*tpl.comments(sub, "source", "    "), f"    source: {sid}"]
    route += commented(sub, "where", "    ", "Q&A「認証キーの提出方法」（資料の見出しやページ）")
    route += ["    # 資料に書かれていないことをサイトが推論したときは、source の代わりに次の2つを書きます。"]
    route += commented(sub, "inference", "    ", "推論した理由")
    route += commented(sub, "ask", "    ", "確かめる先（例: 契約検査課）")
    lines += route

    lines += ["", *tpl.comments((), "notes", ""), "#   例: - {topic: paper_certificates, text: 紙の保証証書も受け付ける。, source: 資料ID}"]
    lines += [f"#   topic に使える値: {tpl.choices(('notes',), 'topic')}", "notes: []"]
    for name, example in (("contacts", "- {name: 契約検査課, phone: 0000-00-0000, source: 資料ID}"),
                          ("faq", "- {question: 質問, answer: 回答, source: 資料ID}")):
        lines += ["", *tpl.comments((), name, ""), f"#   例: {example}", f"{name}: []"]
    lines += ["", *tpl.comments((), "e_contract", ""), "e_contract: null"]

    unconfirmed = ["対象の保証の種類・業種・発注課・契約方式（作成時はすべて資料に記載なし）",
                   "認証キー等のお知らせの提出方法・提出先・提出する書類"]
    if o.basis == model.UNSTATED:
        unconfirmed.insert(0, "対象かどうかを判断する日付（契約締結日・入札公告日など）")
    if not o.source_title:
        unconfirmed.append("出典の資料の題名と日付")
    lines += ["", *tpl.comments((), "unconfirmed", ""), "unconfirmed:", *(f"  - {q(item)}" for item in unconfirmed)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the adopters row


def _row_lines(o: Orderer, indent: int) -> list[str]:
    pad = " " * indent
    lines = [f"{pad}- name: {q(o.name)}"]
    body = [f"reading: {q(o.reading)}"]
    body += [f"prefecture: {o.prefecture}"] if o.prefecture else []
    body += [f"kind: {o.kind}"]
    body += [f'lg_code: "{o.lg_code}"'] if o.lg_code else []
    body += [f"start: {o.start_month}", f"guarantors: [{o.guarantor}]", f"page: {o.slug}",
             f"source: {o.source_id}"]
    return lines + [f"{pad}  {line}" for line in body]


def _block_end(lines: list[str], start: int, stop: int) -> int:
    """Index after the last content line in lines[start:stop] (trailing blanks and comments belong to what follows)."""
    end = start
    for i in range(start, stop):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            end = i + 1
    return end


def _add_source(lines: list[str], doc: yamlsource.Document, o: Orderer, guarantor_name: str) -> list[str]:
    sources = doc.data.get("sources") or {}
    if o.source_id in sources:
        return lines
    keys = list(sources)
    next_key_line = doc.keys.get(("adopters",), (len(lines) + 1, 1))[0] - 1
    if keys:
        indent = doc.keys[("sources", keys[0])][1] - 1
        after = _block_end(lines, doc.keys[("sources", keys[-1])][0] - 1, next_key_line)
    else:
        indent = 2
        after = doc.keys[("sources",)][0]
    pad = " " * indent
    entry = [f"{pad}{o.source_id}:", f"{pad}  kind: {o.source_kind}",
             f"{pad}  title: {q(o.source_title or f'電子保証のご案内（{o.name}）')}",
             f"{pad}  publisher: {q(guarantor_name)}"]
    entry += [f"{pad}  url: {q(o.source_url)}"] if o.source_url else []
    entry += [f"{pad}  checked_on: {dt.date.today().isoformat()}"]
    if not o.source_title:
        entry.append(f"{pad}  note: make new-city で作成した仮の題名です。資料の題名に直してください。  {TODO}")
    return lines[:after] + entry + lines[after:]


def adopters_text(text: str, doc: yamlsource.Document, o: Orderer, guarantor_name: str) -> tuple[str, int]:
    """The adopter table with the new row after the last row of the same prefecture; and the row's line."""
    lines = text.splitlines()
    rows = doc.data.get("adopters") or []
    starts = [doc.where(("adopters", i))[0] - 1 for i in range(len(rows))]  # 0-based line of each row's name
    indent = (doc.where(("adopters", 0))[1] - 3) if rows else 2
    same = [i for i, r in enumerate(rows) if isinstance(r, dict) and r.get("prefecture") == o.prefecture
            and o.prefecture is not None]
    if not same and o.prefecture is None:
        same = [i for i, r in enumerate(rows) if isinstance(r, dict) and r.get("kind") == o.kind]
    new = _row_lines(o, indent)
    if same:
        last = same[-1]
        stop = starts[last + 1] if last + 1 < len(starts) else len(lines)
        at = _block_end(lines, starts[last], stop)
        lines[at:at] = new
    else:
        at = _block_end(lines, 0, len(lines))
        header = [""]
        header += [f"{' ' * indent}# ---- {o.prefecture}。"] if o.prefecture else []
        lines[at:at] = header + new
        at += len(header)
    # the source goes above the rows, so the row moves down by the lines added there
    before = len(lines)
    lines = _add_source(lines, doc, o, guarantor_name)
    return "\n".join(lines) + "\n", at + 1 + (len(lines) - before)


# ---------------------------------------------------------------- checks before writing


def _existing_row(doc: yamlsource.Document, o: Orderer) -> tuple[int | None, str | None]:
    """The index of this orderer's row (same name and prefecture), and why the scaffold must refuse, if it must."""
    found = None
    for i, row in enumerate(doc.data.get("adopters") or []):
        if not isinstance(row, dict):
            continue
        line = doc.where(("adopters", i))[0]
        if row.get("page") == o.slug:
            return i, f"採用団体一覧に page: {o.slug} の行がすでにあります（{doc.path}:{line}、{row.get('name')}）。"
        if row.get("name") == o.name and row.get("prefecture") == o.prefecture:
            if row.get("page"):
                return i, (f"採用団体一覧の {o.prefecture or ''}{o.name} の行（{doc.path}:{line}）には、"
                           f"すでに page: {row['page']} があります。")
            found = i
    return found, None


def link_row(text: str, doc: yamlsource.Document, i: int, o: Orderer) -> tuple[str, int]:
    """Add ``page:`` to an existing row (nothing else in it changes); the row's line."""
    lines = text.splitlines()
    rows = doc.data["adopters"]
    start = doc.where(("adopters", i))[0] - 1
    stop = doc.where(("adopters", i + 1))[0] - 1 if i + 1 < len(rows) else len(lines)
    at = _block_end(lines, start, stop)
    indent = doc.where(("adopters", i, "name"), key=True)[1] - 1
    lines[at:at] = [f"{' ' * indent}page: {o.slug}"]
    return "\n".join(lines) + "\n", start + 1


def _agree_with_row(row: dict[str, Any], o: Orderer, where: str) -> None:
    """The guidance will state the row's facts again; refuse when they already disagree."""
    month = o.start_month
    if row.get("start") and str(row["start"]) != month:
        raise Refused(f"開始年月が違います: --start は {month}、採用団体一覧 {where} は start: {row['start']} です。"
                      "どちらが正しいか資料で確かめてください。")
    if o.guarantor not in (row.get("guarantors") or []):
        raise Refused(f"採用団体一覧 {where} の guarantors {row.get('guarantors')} に {o.guarantor} がありません。")


def _validate_text(path: Path, text: str, cls: type) -> None:
    """Our own output must be valid before anything is written; a failure here is a bug in this script."""
    try:
        cls.model_validate(yamlsource.load(path, text).data)
    except Exception as exc:  # never write a file the check would refuse
        raise Refused(f"作成する内容が検査を通りません（この道具の不具合です。開発担当に知らせてください）: {exc}") from exc


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.new")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------- asking


def _ask(prompt: str, parse: Callable[[str], Any], default: str | None = None) -> Any:
    while True:
        shown = f"{prompt}{f' [{default}]' if default else ''}: "
        answer = input(shown).strip() or (default or "")
        if not answer:
            print("  値を入力してください。")
            continue
        try:
            return parse(answer)
        except Refused as exc:
            print(f"  {exc}")


def _one_of(allowed: list[str], what: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise Refused(f"{what}は次のどれかにしてください: {', '.join(allowed)}")
        return value
    return parse


def _slug(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", value) or len(value) > 60:
        raise Refused(f"slug「{value}」は英小文字・数字・ハイフンで書いてください（例: taketa）。")
    return value


def gather(args: argparse.Namespace, project: Project, interactive: bool) -> Orderer:
    """Fill in the orderer from flags, the reference list and (in a terminal) questions."""
    reference = project.reference()
    vocabulary = project.vocabulary()
    guarantors = [k for k, term in vocabulary.issuer.items() if term.kind == "guarantor"]
    bases = [*vocabulary.date_basis, model.UNSTATED]
    kinds = list(vocabulary.orderer_kind)
    prefectures = reference.prefecture_names

    def need(value: Any, prompt: str, parse: Callable[[str], Any], flag: str, default: str | None = None) -> Any:
        if value is not None:
            return parse(value)
        if interactive:
            return _ask(prompt, parse, default)
        raise Refused(f"{flag} を指定してください（{prompt}）。" + (f"候補: {default}" if default else ""))

    def pref(value: str) -> str:
        if value in ("", "-", "なし"):
            return ""
        if value not in prefectures:
            raise Refused(prefecture_problem(value, prefectures))
        return value

    name = need(args.name, "団体名（例: 竹田市）", lambda v: unicodedata.normalize("NFKC", v).strip(), "--name")
    prefecture = need(args.prefecture, "都道府県（例: 大分県。国・独立行政法人等は「なし」）", pref, "--prefecture") or None
    ref = reference.by_name.get((prefecture, name)) if prefecture else None
    if prefecture and name == prefecture:
        kind = "prefecture"
    elif ref:
        kind = "designated_city" if ref.get("designated_city") else {"町": "town", "村": "village"}.get(name[-1], "city")
    else:
        kind = args.kind
    if args.kind and args.kind != kind and ref:
        raise Refused(f"{name} は全国地方公共団体コードの一覧では kind: {kind} です（--kind {args.kind} とは違います）。")
    if prefecture and not ref and kind in (None, "designated_city", "city", "town", "village", "prefecture"):
        in_pref = [n for (p, n) in reference.by_name if p == prefecture]
        close = difflib.get_close_matches(name, in_pref, n=1, cutoff=0.5)
        hint = f"「{close[0]}」ではありませんか。" if close else "正式名で書いてください。"
        raise Refused(f"{prefecture}に「{name}」という市区町村は全国地方公共団体コードの一覧にありません。{hint}"
                      "市区町村でない発注者なら --kind（public_body など）と --reading を指定してください。")
    kind = kind or need(None, f"団体の種類（{' / '.join(kinds)}）", _one_of(kinds, "団体の種類"), "--kind")
    reading = (ref or {}).get("reading") or need(
        args.reading, "よみ（ひらがな、例: たけたし）", _kana, "--reading")
    start = need(args.start, "開始日（例: 2026-04-01、令和8年4月1日。資料に月までなら 2026-04）", parse_start, "--start")
    guarantor = need(args.guarantor, f"保証事業会社（{' / '.join(guarantors)}）", _one_of(guarantors, "保証事業会社"), "--guarantor")
    basis = args.basis or (_ask(f"判断基準（{' / '.join(bases)}。資料になければ {model.UNSTATED}）", _one_of(bases, "判断基準"),
                                model.UNSTATED) if interactive else model.UNSTATED)
    _one_of(bases, "判断基準")(basis)
    suggestion = suggest_slug(name, reading, project.taken_slugs())
    slug = need(args.slug, "slug（URL とファイル名、英小文字・数字・ハイフン）", _slug, "--slug", suggestion)
    source_title = args.source_title
    if source_title is None and args.source is None and interactive:
        source_title = input("出典の資料の題名（わからなければ空のまま Enter）: ").strip() or None
    return Orderer(
        name=name, prefecture=prefecture, kind=kind, reading=reading, lg_code=(ref or {}).get("code"),
        start=start, basis=basis, guarantor=guarantor, slug=slug,
        source_id=args.source or f"{guarantor}-{slug}", guarantors=[guarantor], source_title=source_title,
        source_url=args.source_url, source_kind=args.source_kind or "guarantor",
    )


def _kana(value: str) -> str:
    value = unicodedata.normalize("NFKC", value).strip()
    value = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in value)
    if not re.fullmatch(r"[ぁ-ゖー・ 　]+", value):
        raise Refused(f"よみ「{value}」はひらがなで書いてください。")
    return value


# ---------------------------------------------------------------- main


def scaffold(args: argparse.Namespace, interactive: bool) -> int:
    project = Project(Path(args.root))
    o = gather(args, project, interactive)
    target = project.guidance_path(o.slug)
    if target.exists():
        raise Refused(f"{target} はすでにあります。上書きはしません。別の --slug を指定してください。")
    text, doc = project.adopters()
    index, refusal = _existing_row(doc, o)
    if refusal:
        raise Refused(refusal + "上書きはしません。")
    sources = doc.data.get("sources") or {}
    if args.source:
        if args.source not in sources:
            raise Refused(f"資料ID「{args.source}」が {doc.path} の sources にありません。"
                          f"あるのは {', '.join(sources)} です。--source を外すと新しく作ります。")
        src = sources[args.source]
        o.source_title = o.source_title or src.get("title")
        o.source_url = o.source_url or src.get("url")
        o.source_publisher = src.get("publisher")
        o.source_kind = args.source_kind or src.get("kind") or o.source_kind
    elif o.source_id in sources:
        raise Refused(f"資料ID「{o.source_id}」はすでに {doc.path} の sources にあります。"
                      f"その資料を使うなら --source {o.source_id} を指定してください。")
    names = project.guarantor_names()
    if index is not None:
        row = doc.data["adopters"][index]
        where = f"{doc.path}:{doc.where(('adopters', index))[0]}"
        if not args.use_existing_row:
            raise Refused(f"採用団体一覧に {o.prefecture or ''}{o.name} の行がすでにあります（{where}）。上書きはしません。"
                          "その行に page を書き足して案内ファイルを作るには --use-existing-row を付けてください。")
        _agree_with_row(row, o, where)
        o.guarantors = list(row.get("guarantors") or [o.guarantor])
        adopters, row_line = link_row(text, doc, index, o)
    else:
        adopters, row_line = adopters_text(text, doc, o, names.get(o.guarantor, o.guarantor))
    guidance = guidance_text(o, Template(schemas.generate("guidance", project.root)), names.get(o.guarantor, o.guarantor))
    _validate_text(target, guidance, model.Guidance)
    _validate_text(doc.path, adopters, model.AdopterTable)
    if args.dry_run:
        print(guidance)
        return 0
    _write(target, guidance)
    _write(doc.path, adopters)
    print(f"作成しました: {target}")
    verb = "の行に page を書き足しました" if index is not None else "に行を足しました"
    print(f"採用団体一覧{verb}: {doc.path}:{row_line}")
    try:
        load_dataset(project.root)
    except DataErrors as exc:
        print(exc.report(), file=sys.stderr)
        print("上の誤りを直してから make check を実行してください。", file=sys.stderr)
        return 1
    print("make check: 誤りはありません。")
    print(f"次に、{target} の「{TODO}」の行を資料を見て直し、make check と make serve で確かめてください。")
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(REFUSED, f"作成しませんでした: 引数の書き方に誤りがあります（{message}）。--help で使い方を表示します。\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="make new-city ARGS=...",
        description="新しい発注者の案内ファイル（content/municipalities/<slug>.yaml）と採用団体一覧の行を作ります。"
                    "足りない値は、端末で実行したときは質問します。",
        epilog="例: make new-city ARGS=\"--name 竹田市 --prefecture 大分県 --start 令和8年4月1日 --guarantor wjcs --slug taketa\"",
    )
    p.add_argument("--name", help="団体名（例: 竹田市）")
    p.add_argument("--prefecture", help="都道府県（例: 大分県）。国・独立行政法人等は「なし」")
    p.add_argument("--start", help="開始日（2026-04-01 または 令和8年4月1日。資料に月までしかなければ 2026-04）")
    p.add_argument("--guarantor", help="保証事業会社: wjcs / ejcs / hokkaido")
    p.add_argument("--slug", help="URL とファイル名（英小文字・数字・ハイフン、例: taketa）")
    p.add_argument("--basis", help="判断基準（contract_conclusion など。既定: unstated = 資料に記載なし）")
    p.add_argument("--kind", help="団体の種類（市区町村・都道府県は一覧から自動。それ以外は national / agency / public_body）")
    p.add_argument("--reading", help="よみ（市区町村・都道府県は一覧から自動）")
    p.add_argument("--source", help="採用団体一覧の sources にある資料ID を使う")
    p.add_argument("--source-title", help="出典の資料の題名（新しい資料ID を作るとき）")
    p.add_argument("--source-url", help="出典の資料の URL")
    p.add_argument("--source-kind", choices=["orderer", "guarantor", "press", "other"],
                   help="出典の資料の種類（既定: guarantor = 保証事業会社の資料。発注者自身の資料なら orderer）")
    p.add_argument("--use-existing-row", action="store_true",
                   help="採用団体一覧に同じ団体の行があるとき、その行に page を書き足す（行のほかの値は変えない）")
    p.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    p.add_argument("--dry-run", action="store_true", help="書き込まず、作る案内ファイルを表示する")
    p.add_argument("--no-input", action="store_true", help="端末でも質問しない")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    interactive = sys.stdin.isatty() and not args.no_input
    try:
        return scaffold(args, interactive)
    except Refused as exc:
        print(f"作成しませんでした: {exc}", file=sys.stderr)
        return REFUSED
    except (KeyboardInterrupt, EOFError):
        print("\n中止しました。何も書き込んでいません。", file=sys.stderr)
        return REFUSED


if __name__ == "__main__":
    sys.exit(main())
