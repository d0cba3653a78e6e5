"""The adopter table as open data: CSV for spreadsheets, JSON for programs, and a page describing both.

The CSV is UTF-8 with a byte order mark and CRLF line ends, because that is what makes Excel on a
Japanese Windows open it as UTF-8 instead of Shift_JIS. Both files carry the same columns, described
once in :data:`COLUMNS`; the description page and the JSON's ``columns`` are made from it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from esurety.kernel import paths
from esurety.site import views
from esurety.site.family import FamilyGenerator

logger = logging.getLogger(__name__)

__all__ = ["COLUMNS", "CSV_PATH", "DOC_URL", "JSON_PATH", "OpenData", "records", "to_csv", "to_json"]

CSV_PATH = paths.ADOPTERS_CSV
JSON_PATH = paths.ADOPTERS_JSON
DOC_URL = paths.url(paths.OPEN_DATA)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    description: str


#: The columns of both files, in CSV order.
COLUMNS: tuple[Column, ...] = (
    Column("name", "発注者名", "発注者の名称（例: 竹田市）。"),
    Column("reading", "よみ", "ひらがなのよみ（例: たけたし）。国の機関などは空。"),
    Column("prefecture", "都道府県", "所在の都道府県名。国の機関など、一つの都道府県に属さない発注者は空。"),
    Column("kind", "区分（キー）", "national, agency, public_body, prefecture, designated_city, city, town, village のいずれか。"),
    Column("kind_label", "区分", "区分の日本語名（例: 市）。"),
    Column("capital", "都道府県庁所在地", "都道府県庁所在地の市なら true、それ以外は false。"),
    Column("lg_code", "団体コード", "全国地方公共団体コード（6桁、検査数字を含む）。地方公共団体以外は空。"),
    Column("start", "開始年月", "電子保証の開始年月（YYYY-MM）。資料に記載がなければ空。"),
    Column("status", "状態（キー）", "active（運用中）または upcoming（開始予定）。build_date 時点で開始年月を過ぎていれば active。開始年月のない行は、資料の時点で導入済みとして active。"),
    Column("status_label", "状態", "状態の日本語名（運用中・開始予定）。"),
    Column("guarantors", "保証事業会社（キー）", "wjcs, ejcs, hokkaido。複数ある場合は CSV では「;」区切り、JSON では配列。"),
    Column("guarantor_labels", "保証事業会社", "保証事業会社の名称。区切りは guarantors と同じ。"),
    Column("page_url", "案内ページ", "このサイトの発注者別の案内ページの URL。ページがなければ空。"),
    Column("source", "資料ID", "出典の資料ID（JSON の sources のキー）。"),
    Column("source_title", "出典", "出典の資料名。"),
    Column("confirmed", "確認済み", "資料の読み取りに疑いがなければ true。疑いがあれば false（理由は note）。"),
    Column("note", "備考", "資料の表記、読み取りの注意など。"),
    # Added after the first release: appended, so that programs reading columns by position keep working.
    Column("start_label", "開始年月（表示）", "開始年月を和暦と西暦で（例: 令和6年10月 (2024-10)）。開始年月がなければ空。"),
    Column("group_url", "一覧のページ", "採用団体一覧で、この行が載っているページ（国・独立行政法人等・その他公共的団体・都道府県ごと）の URL。"
                                    "採用団体一覧の名前での絞り込みは、案内ページがなければこのページへ案内します。"),
)


def _url(settings: dict[str, Any], path: str) -> str:
    return f"{settings.get('SITEURL', '')}/{path}"


def records(data: Any, adopters: views.AdopterView, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """One dict per adopter row, keyed by :data:`COLUMNS`, in the order of the adopter page."""
    labels = views.Labels(data.vocabulary)
    sources = data.adopters.sources
    rows = []
    for group in adopters.groups:
        for r in group.rows:
            a = r.adopter
            rows.append({
                "name": a.name,
                "reading": a.reading or "",
                "prefecture": a.prefecture or "",
                "kind": a.kind,
                "kind_label": labels("orderer_kind", a.kind),
                "capital": a.capital,
                "lg_code": a.lg_code or "",
                "start": a.start or "",
                "status": r.status,
                "status_label": labels("status", r.status),
                "guarantors": a.guarantor_ids,
                "guarantor_labels": [data.guarantors[g].name for g in a.guarantor_ids],
                "page_url": _url(settings, paths.orderer(a.page)) if a.page else "",
                "source": a.source,
                "source_title": sources[a.source].title,
                "confirmed": a.confirmed,
                "note": a.note or "",
                "start_label": views.month_ja(a.start),
                "group_url": _url(settings, r.group_url),
            })
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def to_csv(rows: list[dict[str, Any]]) -> str:
    """CSV text with a header row of column keys and CRLF line ends (the BOM is added when writing)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c.key for c in COLUMNS])
    for row in rows:
        w.writerow([_cell(row[c.key]) for c in COLUMNS])
    return buf.getvalue()


def to_json(rows: list[dict[str, Any]], data: Any, adopters: views.AdopterView, settings: dict[str, Any]) -> str:
    """The rows with what a program needs to read them: dates, columns and sources."""
    doc = {
        "title": "電子保証の採用団体一覧",
        "as_of": data.adopters.as_of.isoformat(),
        "build_date": adopters.today.isoformat(),
        "documentation": _url(settings, DOC_URL),
        "columns": [{"key": c.key, "title": c.title, "description": c.description} for c in COLUMNS],
        "sources": {key: s.model_dump(mode="json", exclude_none=True) for key, s in data.adopters.sources.items()},
        "adopters": rows,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


class OpenData(FamilyGenerator):
    """The adopter table as CSV and JSON, and the page that documents their columns."""

    writes: ClassVar[tuple[str, ...]] = (CSV_PATH, JSON_PATH, paths.OPEN_DATA)
    templates: ClassVar[tuple[str, ...]] = ("adopters_data",)

    def render(self) -> None:
        from esurety.site import feeds

        data, adopters = self._site.data, self._site.adopters
        rows = records(data, adopters, self.settings)
        self.data_file(CSV_PATH, to_csv(rows), bom=True)
        self.data_file(JSON_PATH, to_json(rows, data, adopters, self.settings))
        self.page(paths.OPEN_DATA, "adopters_data", columns=COLUMNS, adopters=adopters, row_count=len(rows),
                  csv_path=CSV_PATH, json_path=JSON_PATH, feeds=feeds.feed_links(data), ics_path=feeds.ICS_PATH)
        logger.info("wrote the adopter table as CSV and JSON (%d rows)", len(rows))
