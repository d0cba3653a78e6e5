"""A synthetic project of N orderers, for the scale benchmark and the scale tests.

The real data grows toward every public orderer in Japan; this writes a project tree of that size
today so the build can be measured before the data exists. Every guidance file has the shapes of
the real ones (several submissions, notes, FAQ, contacts, sources, an electronic contract on some)
and is valid under ``esurety/data/model.py`` (guidance file format 2); ``data/adopters.yaml`` has one row per guidance
file that agrees with it, so the cross-file checks pass. The first 1,794 orderers are real
prefectures and local governments from ``data/local_governments.json`` (codes, readings); beyond
that come national bodies, agencies and public bodies with obviously synthetic names
(「合成機関0042」). Every file says in a note that it is synthetic benchmark data.

The output is deterministic for a given ``(n, seed)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's emitter: writing 4,000 files with the pure-Python one takes seconds
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

logger = logging.getLogger(__name__)

__all__ = ["REPO", "SYNTHETIC_NOTE", "Orderer", "documents", "guidance", "make_bare_project", "make_project", "markdown_page", "orderers"]

REPO = Path(__file__).resolve().parent.parent

#: Said on every synthetic page, so nobody mistakes it for a real rule.
SYNTHETIC_NOTE = "これは性能測定用の合成データです。実在の団体の規則ではありません。"

#: What is copied from the repository as it is (the site's code, theme, vocabularies, fixed pages).
COPIED: tuple[str, ...] = ("pelicanconf.py", "theme", "data", "content")
#: Not copied: replaced by synthetic files, or not part of a site build.
SKIPPED: frozenset[str] = frozenset({"content/municipalities", "data/adopters.yaml", "data/demo_certificates.yaml"})

_DIGIT_KANA = ("ぜろ", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう")
_SYNTHETIC_KINDS: tuple[tuple[str, str, str], ...] = (
    # kind, name prefix, reading prefix
    ("national", "合成省", "ごうせいしょう"),
    ("agency", "合成機関", "ごうせいきかん"),
    ("public_body", "合成公社", "ごうせいこうしゃ"),
)


@dataclass(frozen=True)
class Orderer:
    """One orderer of the synthetic set: enough to write its guidance file and its adopters row."""

    slug: str
    name: str
    reading: str
    kind: str
    prefecture: str | None
    lg_code: str | None
    capital: bool = False


def _guarantors_for(prefecture: str | None, pref_code: str | None, rng: random.Random) -> list[str]:
    """Roughly the real split: Hokkaido, East Japan (codes 02–24), West Japan; some orderers take two."""
    if pref_code is None:
        main = rng.choice(("wjcs", "ejcs"))
    elif pref_code.startswith("01"):
        main = "hokkaido"
    elif int(pref_code[:2]) <= 24:
        main = "ejcs"
    else:
        main = "wjcs"
    if rng.random() < 0.08:
        other = rng.choice([g for g in ("wjcs", "ejcs", "hokkaido") if g != main])
        return [main, other]
    return [main]


def _kana_number(i: int) -> str:
    return "".join(_DIGIT_KANA[int(d)] for d in f"{i:04d}")


def orderers(n: int, seed: int = 0, reference: Path | None = None, bodies: int | None = None) -> list[Orderer]:
    """``n`` orderers: real prefectures and local governments (in random order), then synthetic bodies.

    There are as many synthetic bodies as the reference list cannot fill, or ``bodies`` of them
    when given (tests use a few at small N, so national bodies and agencies get pages too).
    """
    ref = json.loads((reference or REPO / "data/local_governments.json").read_text(encoding="utf-8"))
    real: list[Orderer] = [
        Orderer(slug=f"pref{p['code']}", name=p["name"], reading=p["reading"], kind="prefecture",
                prefecture=p["name"], lg_code=p["code"])
        for p in ref["prefectures"]
    ]
    for lg in ref["local_governments"]:
        name = lg["name"]
        kind = ("designated_city" if lg["designated_city"]
                else {"町": "town", "村": "village"}.get(name[-1], "city"))
        real.append(Orderer(slug=f"lg{lg['code']}", name=name, reading=lg["reading"], kind=kind,
                            prefecture=lg["prefecture"], lg_code=lg["code"]))
    # the reference has two 泊村 in 北海道; the data model allows one page per (prefecture, name)
    unique = list({(o.prefecture, o.name): o for o in reversed(real)}.values())[::-1]
    rng = random.Random(seed)
    rng.shuffle(unique)
    out = unique[:n if bodies is None else max(0, n - bodies)]
    prefs = [p["name"] for p in ref["prefectures"]]
    for i in range(n - len(out)):
        kind, name, reading = _SYNTHETIC_KINDS[i % len(_SYNTHETIC_KINDS)]
        # national bodies and agencies have no prefecture; half of the public bodies belong to one
        prefecture = prefs[i % len(prefs)] if kind == "public_body" and i % 2 == 0 else None
        out.append(Orderer(slug=f"synthetic-{i:04d}", name=f"{name}{i:04d}",
                           reading=f"{reading}・{_kana_number(i)}", kind=kind, prefecture=prefecture,
                           lg_code=None))
    return out


# --- guidance text -----------------------------------------------------------------------------

_PROJECTS = (["construction"], ["construction"], ["construction", "consulting"],
             ["construction", "consulting", "surveying"], ["construction", "maintenance"])
_BASES = ("contract_conclusion", "initial_contract", "tender_notice", "public_notice", "guarantee_conclusion",
          "public_or_designation_notice", "unstated")
_BASIS_JA = {"contract_conclusion": "契約を締結する", "initial_contract": "当初契約を締結する",
             "tender_notice": "入札公告を行う", "public_notice": "公告を行う", "guarantee_conclusion": "保証契約を締結する",
             "public_or_designation_notice": "公告又は指名通知を行う", "unstated": "契約する"}
_PROJECT_JA = {"construction": "工事", "consulting": "建設コンサルタント業務", "surveying": "測量業務",
               "maintenance": "建設維持関連業務"}
_DEPARTMENTS = ("契約課", "契約検査課", "財政課契約係", "総務課管財係", "建設課", "工事検査室", "会計課")
_NOTES = (
    ("paper_certificates", "電子保証を利用する場合、保証証書の原本（紙）の提出は不要です。"),
    ("general", "認証キーの通知書は、保証契約ごとに1通ずつ提出してください。複数の保証をまとめて1通にすることはできません。"),
    ("general", "保証事業会社のサービスで「電子交付を希望する」を選んだ場合に限り、電子証書が発行されます。"),
    ("contract_documents", "変更契約に伴う保証の変更も、当初契約と同じ方法で提出してください。"),
    ("invoice", "前払金の請求書は従来どおり書面で提出してください。押印は不要です。"),
    ("arrival_check", "提出された認証キーで電子証書を確認できない場合は、担当課から連絡します。"),
    ("paper_certificates", "電子保証の利用は任意です。書面の保証証書による提出も引き続き受け付けます。"),
    ("general", "メールの容量は1通あたり10MBまでです。超える場合は分けて送信してください。"),
)
_FAQ = (
    ("電子保証を利用するにはどのような手続きが必要ですか。",
     "保証事業会社のオンラインサービスの利用登録が必要です。すでに登録済みの場合は新たな手続きは不要です。"),
    ("全ての保証証書が電子保証の対象となりますか。",
     "対象は前払金保証・中間前払金保証・契約保証です。契約保証予約は対象外です。"),
    ("{name}における電子保証の対象案件を教えてください。",
     "{date}以降に{basis}{projects}が対象です。"),
    ("{name}における認証キーの提出方法を教えてください。",
     "{method}で提出してください。詳細は{department}にお問い合わせください。"),
    ("保証証書以外の書類も電子化されますか。",
     "保証料計算書とお客様控えが電子で交付されます。請求書は書面での提出が必要です。"),
    ("認証キーを紛失した場合はどうすればよいですか。",
     "保証事業会社のサービスから認証キー等のお知らせを再度ダウンロードできます。"),
    ("変更契約の場合も電子保証を利用できますか。",
     "当初契約で電子保証を利用した場合、変更契約も電子で手続きできます。当初が書面の場合は書面で手続きしてください。"),
    ("電子証書の内容はどこで確認できますか。",
     "発注者は保証事業会社の保証確認サービスで、保証契約番号と認証キーを入力して確認します。"),
)
_ECONTRACT_SYSTEMS = ("合成電子契約サービス", "電子契約システム（合成）", "クラウド型電子契約（合成）")
#: The id of the synthetic orderer's own page in its ``sources`` (every claim cites it).
SOURCE_ID = "synthetic-page"
#: Checked on: a fixed day, so the output depends only on ``(n, seed)``.
CHECKED_ON = dt.date(2026, 12, 1)


def _date_ja(d: dt.date) -> str:
    return f"令和{d.year - 2018}年{d.month}月{d.day}日"


def _when_ja(value: dt.date | str) -> str:
    if isinstance(value, dt.date):
        return _date_ja(value)
    year, month = (int(p) for p in value.split("-"))
    return f"令和{year - 2018}年{month}月"


def guidance(o: Orderer, rng: random.Random, guarantors: list[str]) -> dict[str, Any]:
    """The guidance document of one orderer, as plain data in the shape of content/municipalities/*.yaml
    (guidance file format 2: every claim cites the synthetic page; what it does not say is ``unstated``)."""
    start_day = dt.date(rng.randint(2022, 2027), rng.choice((1, 4, 4, 4, 7, 10)), 1)
    month_only = rng.random() < 0.1
    start: dt.date | str = f"{start_day.year:04d}-{start_day.month:02d}" if month_only else start_day
    basis = rng.choice(_BASES)
    projects = rng.choice(_PROJECTS)
    projects_ja = "・".join(_PROJECT_JA[p] for p in projects)
    department = rng.choice(_DEPARTMENTS)
    host = f"{o.slug}.example.jp"
    covered = ["advance_payment", "contract_performance"]
    if rng.random() < 0.7:
        covered.insert(1, "interim_advance_payment")
    cite = {"source": SOURCE_ID}

    submissions: list[dict[str, Any]] = []
    advance = [c for c in covered if c != "contract_performance"]
    method_ja = "電子メール"
    if rng.random() < 0.6:  # advance payments to the works department, contract bonds to the contract section
        submissions.append({
            "for": {"certificates": advance}, "methods": ["email"], "recipient": "工事担当課", "email": "unstated",
            "subject": "unstated", "body_items": "unstated", "timing": "unstated",
            "documents": ["key_notice"], "printout": "refused",
            "note": f"工事担当課のメールアドレスは{o.name}のホームページで確認してください。", **cite,
        })
        submissions.append({
            "for": {"certificates": ["contract_performance"]}, "methods": ["email"], "recipient": department,
            "email": f"keiyaku@{host}", "subject": "【電子保証】{工事名}_{受注者名}",
            "body_items": ["contractor_name", "contact_person", "work_name"], "timing": "契約書を提出する前に送る",
            "documents": ["key_notice"], "printout": "refused", **cite,
        })
    else:
        method = rng.choice(("in_person", "e_contract_upload", "mail"))
        method_ja = {"in_person": "持参", "e_contract_upload": "電子契約システムへの登録", "mail": "郵送"}[method]
        submissions.append({
            "for": {"contract_stages": ["initial"]}, "methods": [method], "recipient": department,
            "documents": ["key_notice", "certificate_printout"], "printout": rng.choice(("required", "accepted")),
            "note": ("受注者は、電子証書閲覧用「認証キー」等のお知らせと、電子証書の内容を確認する画面を印刷したものを"
                     "発注者に提出します。"), **cite,
        })
        submissions.append({
            "for": {"contract_stages": ["change"]}, "methods": ["email", "mail"], "recipient": department,
            "email": f"keiyaku@{host}", "cc": "unstated", "subject": "unstated", "documents": ["key_notice"],
            "printout": "accepted", "note": "変更契約の場合は、変更後の認証キー等のお知らせを提出してください。", **cite,
        })

    scope: dict[str, Any] = {
        "certificates": {"only": list(covered), "excludes": ["contract_reservation"], **cite},
        "issuers": {"only": list(guarantors), **cite},
        "project_types": {"includes": list(projects), **cite},
    }
    if rng.random() < 0.2:
        scope["departments"] = {"only": [department], "note": f"{department}が発注するものに限る。", **cite}
    if rng.random() < 0.3:
        scope["procurement_methods"] = {"excludes": ["negotiated"], **cite}
    else:
        scope["procurement_methods"] = "unstated"
    doc: dict[str, Any] = {
        "slug": o.slug, "name": o.name, "reading": o.reading,
        **({"prefecture": o.prefecture} if o.prefecture else {}),
        "kind": o.kind,
        **({"lg_code": o.lg_code} if o.lg_code else {}),
        "sources": {SOURCE_ID: {"kind": "orderer",
                                "title": f"電子保証のご案内（{_when_ja(start)}より{o.name}で運用開始）",
                                "publisher": "合成データ", "url": f"https://www.{host}/keiyaku/denshi-hosho.html",
                                "checked_on": CHECKED_ON, "note": SYNTHETIC_NOTE}},
        "start": [{"from": start, "basis": basis, "trial": rng.random() < 0.3, **cite, "where": "電子保証の対象"}],
        "scope": scope,
        "submissions": submissions,
        "notes": [{"text": SYNTHETIC_NOTE, "topic": "general", **cite}]
        + [{"text": t, "topic": topic, **cite} for topic, t in rng.sample(_NOTES, rng.randint(2, 5))],
    }
    if rng.random() < 0.4:
        doc["sources"]["synthetic-econtract"] = {
            "kind": "orderer", "title": f"{o.name} 電子契約の手引き（合成）", "publisher": o.name,
            "date": start_day - dt.timedelta(days=rng.randint(10, 90)), "checked_on": CHECKED_ON}
    if rng.random() < 0.2:
        doc["e_contract"] = {
            "system": rng.choice(_ECONTRACT_SYSTEMS), "applies_from": start_day, "basis": "tender_notice",
            "scope": "電子契約の利用に同意した受注者との契約", "consent_form": "電子契約利用承諾書",
            "signing_deadline": "落札決定の日から7日以内に電子署名を完了してください。",
            "back_dating": "電子契約では契約日を遡って締結することはできません。",
            "change_contracts": "当初契約を電子契約で締結した場合、変更契約も電子契約で締結します。",
            "rules": [{"title": "認証キーの登録", "text": "前払金保証の認証キー等のお知らせは、電子契約システムの添付書類として登録してください。"},
                      {"title": "印紙", "text": "電子契約では収入印紙は不要です。"}],
            "contacts": [{"name": "電子契約の操作", "organization": "合成電子契約サービス サポート窓口",
                          "phone": "0120-000-000", "hours": "平日 9:00〜17:00", **cite}],
            **cite,
        }
    doc["contacts"] = [{"name": department, "organization": o.name,
                        "phone": f"0{rng.randint(10, 99)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                        "email": f"keiyaku@{host}", "url": f"https://www.{host}/keiyaku/",
                        "hours": "平日 8:30〜17:15", "note": SYNTHETIC_NOTE, **cite}]
    if rng.random() < 0.5:
        doc["contacts"].append({"name": "工事担当課", "organization": o.name,
                                "note": "各工事の担当課。所在は発注者のホームページで確認してください。", **cite})
    fill = {"name": o.name, "date": _when_ja(start), "basis": _BASIS_JA[basis], "projects": projects_ja,
            "method": method_ja, "department": department}
    doc["faq"] = [{"question": q.format(**fill), "answer": a.format(**fill), **cite}
                  for q, a in rng.sample(_FAQ, rng.randint(3, len(_FAQ)))]
    doc["unconfirmed"] = [f"{o.name} {department}の所在地（合成データのため記載なし）"] if rng.random() < 0.5 else []
    return doc


def documents(n: int, seed: int = 0, repo: Path = REPO,
              bodies: int | None = None) -> Iterator[tuple[Orderer, dict[str, Any]]]:
    """Each orderer with its guidance document; the same sequence for the same ``(n, seed)``."""
    reference = repo / "data/local_governments.json"
    pref_codes = {p["name"]: p["code"] for p in json.loads(reference.read_text(encoding="utf-8"))["prefectures"]}
    rng = random.Random(seed)
    for o in orderers(n, seed, reference, bodies):
        guarantors = _guarantors_for(o.prefecture, pref_codes.get(o.prefecture or ""), rng)
        yield o, guidance(o, rng, guarantors)


def adopter_row(o: Orderer, doc: dict[str, Any]) -> dict[str, Any]:
    """The adopters row that agrees with ``doc`` (start month, prefecture, name, guarantors, page)."""
    start = doc["start"][0]["from"]
    month = start if isinstance(start, str) else f"{start.year:04d}-{start.month:02d}"
    return {
        "name": o.name, "reading": o.reading,
        **({"prefecture": o.prefecture} if o.prefecture else {}),
        "kind": o.kind,
        **({"lg_code": o.lg_code} if o.lg_code else {}),
        "start": month,
        "guarantors": list(doc["scope"]["issuers"]["only"]),
        "page": o.slug, "source": "synthetic",
    }


class _NoAliasDumper(_Dumper):
    """Hand-written data files never use anchors (the strict reader refuses them); neither do these."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False, width=100)


def _copy_repo_files(root: Path, repo: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).relative_to(repo)
        return {n for n in names if n == "__pycache__" or (rel / n).as_posix() in SKIPPED}

    for name in COPIED:
        src = repo / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=ignore, dirs_exist_ok=True)
        elif src.exists():
            shutil.copy2(src, root / name)


def make_project(root: Path, n: int, seed: int = 0, repo: Path = REPO, bodies: int | None = None) -> list[Orderer]:
    """Write a complete project under ``root`` with ``n`` guidance files; return their orderers.

    ``root`` gets the repository's settings, plugin, theme, data and fixed pages, ``n`` synthetic
    files in content/municipalities/ and a data/adopters.yaml that agrees with them.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    _copy_repo_files(root, repo)
    folder = root / "content/municipalities"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    header = f"# {SYNTHETIC_NOTE}（bench/synthetic.py, n={n}, seed={seed}）\n"
    people = []
    for o, doc in documents(n, seed, repo, bodies):
        (folder / f"{o.slug}.yaml").write_text(header + _dump(doc), encoding="utf-8")
        rows.append(adopter_row(o, doc))
        people.append(o)
    table = {
        "as_of": dt.date(2026, 2, 2),
        "sources": {"synthetic": {"title": "合成データ（性能測定用の採用団体一覧）", "publisher": "合成データ",
                                  "checked_on": CHECKED_ON, "note": SYNTHETIC_NOTE}},
        "adopters": rows,
    }
    (root / "data").mkdir(exist_ok=True)
    (root / "data/adopters.yaml").write_text(header + _dump(table), encoding="utf-8")
    logger.info("wrote a synthetic project of %d orderers under %s", n, root)
    return people


# --- the bare-Pelican baseline ----------------------------------------------------------------

#: Settings of the baseline: the project's own settings and theme, without the plugin, reading
#: the same number of Markdown pages instead of guidance YAML.
BARE_SETTINGS = """
# --- the bare-Pelican baseline of bench/bench_build.py: the settings above, without the plugin ---
PLUGINS = []
PAGE_PATHS = ["pages"]
"""


def markdown_page(doc: dict[str, Any], labels: dict[str, dict[str, Any]]) -> str:
    """The same guidance written as a plain Markdown page, for the baseline (about as much text)."""
    def label(group: str, key: str) -> str:
        if key == "unstated":
            return "資料に記載なし"
        term = labels[group][key]
        return term["label"] if isinstance(term, dict) else str(term)

    def many(group: str, keys: Any, sep: str = "、") -> str:
        return "資料に記載なし" if keys == "unstated" else sep.join(label(group, k) for k in keys)

    def fact(value: Any) -> str:
        return "資料に記載なし" if value in (None, "unstated") else str(value)

    source = next(iter(doc["sources"].values()))
    cite = f"出典（発注者の資料）: {source['title']}"
    start = doc["start"][0]
    scope = doc["scope"]
    lines = [f"Title: {doc['name']}の電子保証", f"Slug: {doc['slug']}",
             f"Summary: {doc['name']}の電子保証: {_when_ja(start['from'])}から。認証キーの出し方、対象案件、対象の保証証書。",
             "", f"[発注者別の案内](/municipalities/) › {doc.get('prefecture', '')} › {doc['name']}", "",
             f"# {doc['name']}の電子保証", "", f"運用中（令和8年11月20日時点） · {_when_ja(start['from'])}から", ""]
    lines += ["## 認証キーの提出方法", ""]
    for sub in doc["submissions"]:
        f = sub.get("for", {})
        title = many("certificate_type", f["certificates"], "・") if "certificates" in f else "すべての保証"
        if "contract_stages" in f:
            title += f"（{many('contract_stage', f['contract_stages'])}）"
        lines += [f"### {title}", "", f"- 方法: {many('submission_method', sub['methods'], '・')}",
                  f"- 提出先: {fact(sub.get('recipient'))}"]
        if "email" in sub:
            lines += [f"- メールアドレス: {fact(sub['email'])}", f"- 件名: {fact(sub.get('subject'))}",
                      f"- 本文に書くこと: {many('body_item', sub.get('body_items', 'unstated'))}"]
        lines += [f"- 送るもの: {many('document', sub['documents'])}",
                  f"- 印刷したもの: {label('printout_rule', sub.get('printout', 'unstated'))}",
                  f"- 時期: {fact(sub.get('timing'))}", ""]
        lines += [sub["note"], ""] if sub.get("note") else []
        lines += [cite, ""]
    if "wjcs" in scope["issuers"]["only"]:
        lines += ["提出するのは e-Net保証の STEP 4 でダウンロードする電子証書閲覧用「認証キー」等のお知らせ（PDF）です。"
                  "STEP 3 で電子証書の画面を保存したファイルを誤って提出しないようご注意ください（[手順](/apply-wjcs/)）。", ""]
    if "ejcs" in scope["issuers"]["only"]:
        lines += ["提出するのは、ネットデスクからダウンロードする「電子保証にかかる「認証キー」のお知らせ」（PDF）です"
                  "（[手順](/apply-ejcs/)）。", ""]
    lines += ["## 要点", "",
              f"- 開始日と判断する日付: {_when_ja(start['from'])}から（判断する日付: {label('date_basis', start['basis'])}）"
              f"{'・試行' if start['trial'] else ''} {cite}",
              f"- 保証の種類: {many('certificate_type', scope['certificates']['only'])}に限る。"
              f"対象外: {many('certificate_type', scope['certificates']['excludes'])} {cite}",
              f"- 保証の発行元: {many('issuer', scope['issuers']['only'])}に限る {cite}",
              f"- 業種: {many('project_type', scope['project_types']['includes'])}（ほかは資料に記載なし） {cite}"]
    if isinstance(scope.get("departments"), dict):
        lines += [f"- 発注課: {'、'.join(scope['departments']['only'])}に限る {cite}"]
    if isinstance(scope.get("procurement_methods"), dict):
        lines += [f"- 契約方式: 対象外: {many('procurement_method', scope['procurement_methods']['excludes'])} {cite}"]
    lines += ["", "## 電子保証の対象か確かめる", "",
              "保証の種類: " + "、".join(label("certificate_type", k) for k in labels["certificate_type"]) + "。発行元: "
              + "、".join(label("issuer", k) for k in labels["issuer"]) + "。契約の段階: 当初契約、変更契約。"
              f"{label('date_basis', start['basis'])}: 日付を入力すると判定します。判定: 電子保証の対象です／"
              "電子保証の対象外です／確認が必要です。", "",
              "| 保証の種類 | 発行元 | 契約の段階 | 判定 | 理由 |", "|---|---|---|---|---|"]
    for cert in scope["certificates"]["only"]:
        for issuer in scope["issuers"]["only"]:
            lines.append(f"| {label('certificate_type', cert)} | {label('issuer', issuer)} | 当初契約・変更契約 | 対象 | "
                         f"{label('date_basis', start['basis'])}が{_when_ja(start['from'])}以降です。 |")
    lines += ["| 契約保証予約（入札ボンド） | 保証事業会社 | 当初契約・変更契約 | 対象外 | 契約保証予約（入札ボンド）は電子保証の対象になりません。 |",
              ""]
    lines += ["## 注意事項", ""] + [f"- **{label('note_topic', n['topic'])}:** {n['text']} {cite}" for n in doc["notes"]]
    lines += [""]
    if "e_contract" in doc:
        ec = doc["e_contract"]
        lines += [f"## 電子契約（{ec['system']}）", "", f"- 適用時期: 入札公告日が{_date_ja(ec['applies_from'])}以降",
                  f"- 適用案件: {ec['scope']}", f"- 必要な書類: {ec['consent_form']}", f"- 締結期限: {ec['signing_deadline']}",
                  f"- 遡及: {ec['back_dating']}", f"- 変更契約: {ec['change_contracts']}", ""]
        for rule in ec["rules"]:
            lines += [f"### {rule['title']}", "", rule["text"], ""]
        lines += [f"- **{c['organization']} {c['name']}** 電話: {c['phone']}（{c['hours']}）" for c in ec["contacts"]] + [""]
    lines += ["## 問い合わせ先", ""]
    for c in doc["contacts"]:
        lines += [f"- **{c.get('organization', '')} {c['name']}** 電話: {c.get('phone', '')}（{c.get('hours', '')}）"
                  f" メール: <{c.get('email', '')}> <{c.get('url', '')}> {c.get('note', '')}"]
    lines += ["", "## よくある質問", ""]
    for f in doc["faq"]:
        lines += [f"**Q. {f['question']}**", "", f"A. {f['answer']} {cite}", ""]
    if doc["unconfirmed"]:
        lines += ["## 資料で確認できていない点", ""] + [f"- {u}" for u in doc["unconfirmed"]]
        lines += ["", "これらは発注者に直接ご確認ください。", ""]
    lines += ["## 出典", ""] + [f"- [{s['title']}]({s.get('url', '')})（{s.get('publisher', '')}） 最終確認日 "
                               f"{_date_ja(s['checked_on'])} — {s.get('note', '')}" for s in doc["sources"].values()]
    return "\n".join(lines) + "\n"


def make_bare_project(root: Path, n: int, seed: int = 0, repo: Path = REPO) -> None:
    """The baseline: ``n`` Markdown pages with the text of the same synthetic guidance, for Pelican alone."""
    root = Path(root)
    (root / "content/pages").mkdir(parents=True, exist_ok=True)
    shutil.copytree(repo / "theme", root / "theme", dirs_exist_ok=True)
    settings = (repo / "pelicanconf.py").read_text(encoding="utf-8")
    (root / "bareconf.py").write_text(settings + BARE_SETTINGS, encoding="utf-8")
    labels = yaml.load((repo / "data/vocabulary.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    for o, doc in documents(n, seed, repo):
        (root / "content/pages" / f"{o.slug}.md").write_text(markdown_page(doc, labels), encoding="utf-8")
    logger.info("wrote a bare baseline of %d Markdown pages under %s", n, root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic project of N orderers (benchmark data).")
    parser.add_argument("root", type=Path)
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bare", action="store_true", help="write the Markdown baseline instead")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    (make_bare_project if args.bare else make_project)(args.root, args.n, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
