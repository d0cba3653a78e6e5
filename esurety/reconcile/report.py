"""The staff report: Japanese, grouped 追加する / 変更する / 確認が必要 / 変更なし, as Markdown or HTML.

Every item starts with its place in the input (line:column), which is also what ``--accept`` and
``--skip`` take, and names the table line it concerns, so staff can check it against the page.
HTML is the same Markdown rendered with Python-Markdown (already a dependency of the site).
"""

from __future__ import annotations

import html
import logging
from typing import Any

from esurety.kernel.wareki import era_month_and_iso as format_month
from esurety.reconcile.prefectures import short_name
from esurety.reconcile.reconcile import ACTIONS, Finding, Plan

logger = logging.getLogger(__name__)

__all__ = ["render", "render_html", "render_markdown"]

_FIELDS = {"start": "開始年月", "guarantors": "保証事業会社", "source": "出典"}


def _month(value: Any) -> str:
    if not value:
        return "（なし）"
    text = str(value)
    try:
        year, month = (int(x) for x in text.split("-")[:2])
        return format_month(year, month)
    except (ValueError, TypeError):
        return text


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "｜").replace("\n", " ")


def _where(f: Finding, plan: Plan) -> str:
    return f"{f.entry.where}" if f.entry else ""


def _row_at(f: Finding, plan: Plan) -> str:
    return f"{plan.table.path}:{f.row.line}" if f.row else "（なし）"


def _printed(f: Finding) -> str:
    e = f.entry
    if e is None:
        return ""
    if e.section != "local":
        return f"{e.raw or e.name}（区分の欄）"
    if e.cell and e.prefecture:
        return f"{e.raw or e.name}（「{short_name(e.prefecture)}」の行）"
    return f"（{e.prefecture}）" if e.prefecture else ""


def _value(field: str, value: Any) -> str:
    if field == "start":
        return _month(value)
    if isinstance(value, (list, tuple)):
        return "、".join(map(str, value)) or "（なし）"
    return str(value) if value is not None else "（なし）"


def _add_table(items: list[Finding], labels: dict[str, str]) -> list[str]:
    out = ["| 番号 | 団体 | 都道府県 | 種類 | 開始年月 | 資料の箇所 |", "|---|---|---|---|---|---|"]
    for f in items:
        row = f.new_row or {}
        out.append(f"| `{f.id}` | {_cell(row.get('name'))} | {_cell(row.get('prefecture', '—'))} | "
                   f"{_cell(labels.get(row.get('kind', ''), row.get('kind')))} | {_cell(_month(row.get('start')))} | "
                   f"{_cell(f.entry.where if f.entry else '')} |")
    return out


def _change_table(items: list[Finding], plan: Plan) -> list[str]:
    out = ["| 番号 | 団体 | 変更 | 資料の箇所 | 一覧の行 |", "|---|---|---|---|---|"]
    for f in items:
        text = "<br>".join(f"{_FIELDS.get(k, k)}: {_value(k, a)} → {_value(k, b)}" for k, (a, b) in f.changes.items())
        name = f"{f.row.prefecture or ''} {f.row.name}".strip() if f.row else ""
        out.append(f"| `{f.id}` | {_cell(name)} | {text} | {_cell(_where(f, plan))} | {_cell(_row_at(f, plan))} |")
    return out


def _check_item(f: Finding, plan: Plan, labels: dict[str, str]) -> list[str]:
    r = f.resolution
    out = [f"- **`{f.id}` {_cell(f.entry.name if f.entry else '')}** {_printed(f)}: {f.message}"]
    if r is None:
        return out
    out.append(f"  - 資料の箇所: {r.entry.where}" + (f"、一覧の行: {_row_at(f, plan)}" if f.row else ""))
    for text in r.problems:
        out.append(f"  - 理由: {text}")
    for c in r.corrections:
        if c.kind == "duplicate":
            out.append(f"  - 重複: {c.reason}")
        else:
            label = "名前" if c.kind == "name" else "都道府県"
            out.append(f"  - 補正の案（{label}）: {c.printed} → {c.proposed}。{c.reason}")
    reading = [c for c in r.candidates if c.how == "reading"]
    spelling = [c for c in r.candidates if c.how == "spelling"]
    other = [c for c in r.candidates if c.how in ("prefecture", "name")]
    if other:
        out.append("  - 同じ名前の実在の団体: " + "、".join(c.label for c in other))
    if reading:
        out.append("  - よみが近い実在の名前: " + "、".join(c.label for c in reading))
    if spelling:
        out.append("  - 字形が近い実在の名前: " + "、".join(c.label for c in spelling))
    starts = [s for s in r.starts if s]
    if len(r.starts) > 1:
        out.append("  - 資料の開始年月: " + "、".join(_month(s) for s in starts))
    if f.new_row is not None:
        row = f.new_row
        out.append(f"  - 受け入れると追加する行: {row.get('prefecture', '')} {row['name']}"
                   f"（{labels.get(row['kind'], row['kind'])}、開始 {_month(row.get('start'))}）。"
                   f" `--accept {f.id}` を付けて --apply すると書き込みます。")
    elif f.changes:
        text = "、".join(f"{_FIELDS.get(k, k)}: {_value(k, a)} → {_value(k, b)}" for k, (a, b) in f.changes.items())
        out.append(f"  - 受け入れると変更する内容: {text}。 `--accept {f.id}` を付けて --apply すると書き込みます。")
    elif any(c.how in ("name", "prefecture") for c in r.candidates):
        pick = next(c.municipality for c in r.candidates if c.how in ("name", "prefecture"))
        out.append(f"  - 資料の原本で確かめてから、`--accept {f.id}={pick.prefecture}` のように候補の都道府県を選ぶと書き込めます。")
    else:
        out.append("  - 自動では直せません。資料の原本（PDF）で確かめ、必要なら data/adopters.yaml を手で直してください。")
    return out


def render_markdown(plan: Plan, labels: dict[str, str] | None = None) -> str:
    """The report as Markdown."""
    labels = labels or {}
    groups = {a: plan.group(a) for a in ACTIONS}
    corrected = [f for f in groups["unchanged"] if f.what == "corrected"]
    missing = [f for f in groups["check"] if f.what == "missing"]
    suspects = [f for f in groups["check"] if f.what != "missing"]
    source = plan.source
    known = source.id in plan.table.sources
    out = [f"# 採用団体一覧の取り込み: {plan.input}", ""]
    out += [f"- 資料: {plan.input}（形式 {plan.format}、読み取った団体 {plan.entries} 件）",
            f"- 保証事業会社: {labels.get(plan.guarantor, plan.guarantor)}",
            f"- 出典の資料ID: {source.id}" + ("（一覧の sources にあります）" if known else f"（新しい出典として sources に足します: {source.title or '題名なし'}）"),
            f"- 一覧: {plan.table.path}（{len(plan.table.rows)} 行）",
            "",
            f"**追加する {len(groups['add'])} 件 / 変更する {len(groups['change'])} 件 / 確認が必要 {len(groups['check'])} 件"
            f" / 変更なし {len(groups['unchanged'])} 件**（うち資料の誤りを補正すると一致 {len(corrected)} 件）",
            ""]
    out += [f"## 追加する（{len(groups['add'])} 件）", ""]
    out += (_add_table(groups["add"], labels) if groups["add"] else ["ありません。"]) + [""]
    out += [f"## 変更する（{len(groups['change'])} 件）", ""]
    out += (_change_table(groups["change"], plan) if groups["change"] else ["ありません。"]) + [""]
    out += [f"## 確認が必要（{len(groups['check'])} 件）", "",
            "ここにある項目は、`--accept 番号` を付けない限り書き込みません。", ""]
    out += [f"### 資料の記載に疑いがあるもの（{len(suspects)} 件）", ""]
    for f in suspects:
        out += _check_item(f, plan, labels)
    out += [""] if suspects else ["ありません。", ""]
    if plan.complete:
        out += [f"### 一覧にあるが、今回の資料にないもの（{len(missing)} 件）", "",
                "一覧から消すことはしません。資料で取りやめが確かめられたら、手で直してください。", ""]
        if missing:
            if source.id:
                out += [f"出典が今回と同じ（{source.id}）の行を太字で先に並べます。ほかの出典の行は、別の資料から載せたものです。", ""]
            out += ["| 団体 | 都道府県 | 開始年月 | 出典 | 一覧の行 |", "|---|---|---|---|---|"]
            for f in sorted(missing, key=lambda f: f.row is None or f.row.source != source.id):
                assert f.row is not None
                mark = "**" if f.row.source == source.id else ""
                out.append(f"| {mark}{_cell(f.row.name)}{mark} | {_cell(f.row.prefecture or '—')} | {_cell(_month(f.row.start))} | "
                           f"{_cell(f.row.source)} | {_cell(_row_at(f, plan))} |")
        else:
            out.append("ありません。")
        out.append("")
    else:
        out += ["この資料は一部の団体だけを挙げる形式のため、「一覧にあるが資料にないもの」は調べていません。", ""]
    out += [f"## 変更なし（{len(groups['unchanged'])} 件）", ""]
    if corrected:
        out += [f"### 資料の誤りを補正すると一覧と一致したもの（{len(corrected)} 件）", "",
                "| 番号 | 資料の表記 | 補正 | 理由 | 一覧の行 |", "|---|---|---|---|---|"]
        for f in corrected:
            fixes = "<br>".join(f"{c.printed} → {c.proposed}" if c.kind != "duplicate" else "重複" for c in f.corrections)
            reasons = "<br>".join(_cell(c.reason) for c in f.corrections)
            out.append(f"| `{f.id}` | {_cell(f.entry.name if f.entry else '')} | {_cell(fixes)} | {reasons} | {_cell(_row_at(f, plan))} |")
        out.append("")
    same = [f for f in groups["unchanged"] if f.what == "same"]
    out += [f"そのまま一致したもの: {len(same)} 件。", ""]
    out += ["## 次にすること", "",
            "1. 「確認が必要」の項目を資料の原本で確かめます。",
            "2. 受け入れる項目の番号を `--accept` に、書き込みたくない追加・変更の番号を `--skip` に書き、"
            "同じコマンドに `--apply` を付けて実行します（書き込んだあと make check が自動で走ります）。",
            "3. `make serve` で /adopters/ を開いて確かめ、公開の手順に進みます。", ""]
    return "\n".join(out)


def render_html(plan: Plan, labels: dict[str, str] | None = None) -> str:
    """The report as a standalone HTML page."""
    import markdown

    body = markdown.markdown(render_markdown(plan, labels), extensions=["tables"], output_format="html")
    title = html.escape(f"採用団体一覧の取り込み: {plan.input}")
    return ("<!doctype html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n"
            "<style>body{font-family:sans-serif;line-height:1.6;max-width:70rem;margin:1rem auto;padding:0 1rem}"
            "table{border-collapse:collapse}th,td{border:1px solid #999;padding:.2rem .5rem;text-align:left;vertical-align:top}"
            "code{background:#eee;padding:0 .2rem}</style>\n</head>\n<body>\n" + body + "\n</body>\n</html>\n")


def render(plan: Plan, fmt: str = "md", labels: dict[str, str] | None = None) -> str:
    """``fmt`` is "md" (Markdown) or "html"."""
    return render_html(plan, labels) if fmt == "html" else render_markdown(plan, labels)
