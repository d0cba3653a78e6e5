"""Scaffold a new orderer: a complete, commented guidance file and its row in the adopter table.

`make new-city ARGS="--name 竹田市 --prefecture 大分県 --start 2026-04-01 --guarantor wjcs --slug taketa"`
Missing values are asked for when run in a terminal. The guidance file has every section, each
explained in a comment with its allowed values (from data/vocabulary.yaml); what the scaffold
cannot know is written as the honest "資料に記載なし" value, marked ``# 要記入`` and listed under
``unconfirmed:``, so nothing invented can be published unnoticed. Existing files and rows are
never overwritten. After writing, the whole data set is checked and the result shown.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, get_args

import yaml

ROOT = Path(__file__).resolve().parent.parent

from esurety.data import model, schemas, yamlsource

from esurety.kernel import wareki
from esurety.data.dataset import Layout, Reference, load_dataset
from esurety.data.errors import DataErrors
from esurety.data.messages import date_problem, prefecture_problem

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
    start: dt.date
    basis: str
    guarantor: str
    slug: str
    source_id: str
    guarantors: list[str]
    source_title: str | None = None
    source_url: str | None = None
    source_publisher: str | None = None


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


# ---------------------------------------------------------------- writing the guidance file


def q(text: str) -> str:
    """``text`` as a YAML value: plain when it reads back unchanged, otherwise double-quoted."""
    try:
        plain_ok = "#" not in text and yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        plain_ok = False
    return text if plain_ok else json.dumps(text, ensure_ascii=False)


def _choices(labels: dict[str, str]) -> str:
    return " / ".join(f"{k} = {v}" for k, v in labels.items())


def guidance_text(o: Orderer, vocab: model.Vocabulary, guarantor_name: str) -> str:
    """The new guidance file: every section present, each explained, placeholders marked."""
    v = vocab
    covered = ["advance_payment", "interim_advance_payment", "contract_performance"]
    lines = [
        schemas.modeline("guidance", 2),
        f"# {o.name}{f'（{o.prefecture}）' if o.prefecture else ''}の電子保証の案内。make new-city で作成（{dt.date.today().isoformat()}）。",
        "# 資料（発注者・保証事業会社の案内）に書かれた事実だけを書きます。確かめられない点は unconfirmed に書きます。",
        f"# 「{TODO}」の行は仮の値です。資料を見て直し、直したら「{TODO}」を消してください（make check が一覧にします）。",
        "# 項目の意味と使える値はエディタでも表示されます（1行目の $schema の行）。",
        "",
        "# ページの URL とファイル名（英小文字・数字・ハイフン）。変えるときはファイル名も同じにします。",
        f"slug: {o.slug}",
        f"name: {q(o.name)}",
        f"reading: {q(o.reading)}" + ("  # 全国地方公共団体コードの一覧から。小さい「ゃゅょっ」が大きい字になっていることがあります" if o.lg_code else f"  {TODO}: ひらがなのよみ"),
    ]
    lines.append(f"prefecture: {o.prefecture}" if o.prefecture else "# prefecture: 国・独立行政法人等には書きません")
    lines += [
        f"# 団体の種類: {_choices(v.orderer_kind)}",
        f"kind: {o.kind}",
    ]
    lines.append(f'lg_code: "{o.lg_code}"' if o.lg_code else "# lg_code: 全国地方公共団体コード（6桁、引用符で囲む）。地方公共団体でなければ書きません")
    lines += [
        f"# 電子保証を扱う保証事業会社: {_choices(v.guarantor)}",
        f"guarantors: [{', '.join(o.guarantors)}]",
        "",
        "# 開始日と、どの日付で対象かを判断するか。",
        "start:",
        "  # 開始日。西暦の 年-月-日 で書きます（和暦は使えません）。",
        f"  date: {o.start.isoformat()}  # {wareki.era_date(o.start)}",
        f"  # 判断基準: {_choices(v.date_basis)}",
        f"  basis: {o.basis}" + (f"  {TODO}: 資料で確かめてください" if o.basis == "unspecified" else ""),
        "  # 試行として始まる場合は true",
        "  trial: false",
        "  # wording: 資料の文言をそのまま（例: 令和8年4月1日以降の契約締結分が対象となります。）",
        "",
        "# 対象となる案件。",
        "scope:",
        f"  # 対象業種: {_choices(v.project_type)}",
        f"  project_types: [construction]  {TODO}: 資料の対象業種に直してください",
        "  # wording: 資料の文言をそのまま",
        "  # departments: 発注課などの限定があれば",
        f"  # 契約方式の限定があれば: {_choices(v.procurement_method)}",
        "  procurement_methods: []",
        "  excluded_procurement_methods: []",
        "  # 対象外となる案件（資料の文言）",
        "  exclusions: []",
        "",
        f"# 電子保証の対象になる保証証書: {_choices(v.certificate_type)}",
        "# 契約保証予約（contract_reservation）は電子保証の対象になりません。",
        "certificates:",
        f"  covered: [{', '.join(covered)}]  {TODO}: 資料の対象に直してください",
        "  excluded: [contract_reservation]",
        "",
        "# 認証キー等のお知らせの提出方法。covered の保証ごとに、少なくとも1つ書きます。",
        "# 送付先が保証ごとに違えば、「- certificates:」から始まるまとまりを分けて書きます。",
        "submissions:",
        f"  - certificates: [{', '.join(covered)}]",
        f"    # 契約の段階: {_choices(v.contract_stage)}",
        "    contract_stages: [initial, change]",
        f"    # 提出方法: {_choices(v.submission_method)}",
        f"    methods: [unspecified]  {TODO}: 発注者の資料から書いてください",
        "    # recipient: 提出先の部署（例: 契約検査課）",
        "    # email: 提出先のメールアドレス（「mailto:」は付けない。例: keiyaku@city.example.lg.jp）",
        "    # address_note: 送付先の確かめ方など",
        "    # url: ウェブフォーム・電子契約システムの URL（https:// で始まる）",
        "    # subject_format: メール件名の書式",
        f"    # 印刷したものの扱い: {_choices(v.printout_rule)}",
        "    printout: unspecified",
        f"    # 提出する書類: {_choices(v.document)}",
        "    documents: [key_notice]",
        "    # wording: 資料の文言をそのまま",
        "    # note: 補足",
        "",
        f"# 紙のまま残る書類・電子化される書類: {_choices(v.document)}",
        "paper_documents: []",
        "electronic_documents: []",
        "",
        "# 専用の項目がない注意事項。「- text: 本文」と書き、出典があれば「source: 資料名」を添えます。",
        "notes: []",
        "",
        "# 発注者の電子契約システム（あれば）。system（システム名）、applies_from（開始日）などを書きます。",
        "e_contract: null",
        "",
        "# 問い合わせ先。「- name: 部署名」のあとに organization, phone, email, url, hours, note を書けます。",
        "contacts: []",
        "",
        "# 資料の Q&A。「- question: 質問」「answer: 回答」を資料の文言のまま書きます。",
        "faq: []",
        "",
        "# 出典。この案内の事実を確かめた資料（少なくとも1つ）。",
        "sources:",
        f"  - title: {q(o.source_title or f'電子保証のご案内（{o.name}）')}" + ("" if o.source_title else f"  {TODO}: 資料の題名に直してください"),
        f"    publisher: {q(o.source_publisher or guarantor_name)}",
    ]
    lines.append(f"    url: {q(o.source_url)}" if o.source_url else "    # url: 資料の URL（https:// で始まる）")
    lines += [
        "    # date: 資料の日付（例: 2026-02-26）。資料に日付がなければ書かず、note にそう書きます",
        "",
        "# 資料で確かめられなかった点。ページに「未確認」として表示されます。確かめたら消してください。",
        "unconfirmed:",
    ]
    unconfirmed = [
        "対象業種（作成時の仮の値は工事）",
        "対象の保証証書（作成時の仮の値は前払金保証・中間前払金保証・契約保証）",
        "認証キー等のお知らせの提出方法と提出先",
    ]
    if o.basis == "unspecified":
        unconfirmed.insert(0, "対象かどうかを判断する日付（契約締結日・入札公告日など）")
    if not o.source_title:
        unconfirmed.append("出典の資料の題名と日付")
    lines += [f"  - {q(item)}" for item in unconfirmed]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the adopters row


def _row_lines(o: Orderer, indent: int) -> list[str]:
    pad = " " * indent
    lines = [f"{pad}- name: {q(o.name)}"]
    body = [f"reading: {q(o.reading)}"]
    body += [f"prefecture: {o.prefecture}"] if o.prefecture else []
    body += [f"kind: {o.kind}"]
    body += [f'lg_code: "{o.lg_code}"'] if o.lg_code else []
    body += [f"start: {o.start.year:04d}-{o.start.month:02d}", f"guarantors: [{o.guarantor}]", f"page: {o.slug}",
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
    entry = [f"{pad}{o.source_id}:", f"{pad}  title: {q(o.source_title or f'電子保証のご案内（{o.name}）')}",
             f"{pad}  publisher: {q(guarantor_name)}"]
    entry += [f"{pad}  url: {q(o.source_url)}"] if o.source_url else []
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
    month = f"{o.start.year:04d}-{o.start.month:02d}"
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
    guarantors = list(get_args(model.GuarantorId))
    bases = list(get_args(model.DateBasis))
    kinds = list(get_args(model.OrdererKind))
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
    start = need(args.start, "開始日（例: 2026-04-01 または 令和8年4月1日）", parse_date, "--start")
    guarantor = need(args.guarantor, f"保証事業会社（{' / '.join(guarantors)}）", _one_of(guarantors, "保証事業会社"), "--guarantor")
    basis = args.basis or (_ask(f"判断基準（{' / '.join(bases)}、資料になければ unspecified）", _one_of(bases, "判断基準"),
                                "unspecified") if interactive else "unspecified")
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
        source_url=args.source_url,
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
    guidance = guidance_text(o, project.vocabulary(), names.get(o.guarantor, o.guarantor))
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
    p.add_argument("--start", help="開始日（2026-04-01 または 令和8年4月1日）")
    p.add_argument("--guarantor", help="保証事業会社: wjcs / ejcs / hokkaido")
    p.add_argument("--slug", help="URL とファイル名（英小文字・数字・ハイフン、例: taketa）")
    p.add_argument("--basis", help="判断基準（contract_conclusion など。既定: unspecified = 資料に記載なし）")
    p.add_argument("--kind", help="団体の種類（市区町村・都道府県は一覧から自動。それ以外は national / agency / public_body）")
    p.add_argument("--reading", help="よみ（市区町村・都道府県は一覧から自動）")
    p.add_argument("--source", help="採用団体一覧の sources にある資料ID を使う")
    p.add_argument("--source-title", help="出典の資料の題名（新しい資料ID を作るとき）")
    p.add_argument("--source-url", help="出典の資料の URL")
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
