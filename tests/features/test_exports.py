"""Open data: the adopter table as CSV (UTF-8 with BOM, CRLF, for Excel) and JSON, and the page describing them."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from esurety.site import exports


@pytest.fixture(scope="module")
def csv_bytes(site: Path) -> bytes:
    return (site / "adopters" / "adopters.csv").read_bytes()


@pytest.fixture(scope="module")
def rows(csv_bytes: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"), newline="")))


def test_csv_starts_with_a_bom_and_uses_crlf(csv_bytes: bytes):
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    text = csv_bytes[3:].decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_csv_header_is_the_documented_columns(csv_bytes: bytes):
    header = csv_bytes[3:].split(b"\r\n", 1)[0].decode("utf-8")
    assert header.split(",") == [c.key for c in exports.COLUMNS]


def test_csv_has_every_adopter_once(rows, dataset):
    data, _ = dataset
    assert len(rows) == len(data.adopters.adopters)
    assert len({(r["prefecture"], r["name"]) for r in rows}) == len(rows)


def test_csv_row_of_taketa(rows):
    row = next(r for r in rows if r["name"] == "竹田市")
    assert row["reading"] == "たけたし"
    assert row["prefecture"] == "大分県"
    assert row["kind"] == "city" and row["kind_label"] == "市"
    assert row["lg_code"] == "442089"
    assert row["start"] == "2024-10"
    assert row["status"] == "active" and row["status_label"] == "運用中"  # as of the fixed build date 2026-11-20
    assert row["guarantors"] == "wjcs" and row["guarantor_labels"] == "西日本建設業保証株式会社"
    assert row["page_url"].endswith("/municipalities/taketa/")
    assert row["confirmed"] in ("true", "false") and row["capital"] == "false"
    assert row["start_label"] == "令和6年10月 (2024-10)"
    assert row["group_url"].endswith("/adopters/pref-44/")


def test_every_row_names_its_group_page(rows, site: Path):
    """group_url is the page of the adopter table that lists the row; the index's filter links it."""
    for row in rows:
        path = urlsplit(row["group_url"]).path  # absolute in production builds (SITEURL)
        page = site / path.strip("/") / "index.html"
        assert page.is_file(), row["group_url"]
        assert re.search(f">{re.escape(row['name'])}[< ]", page.read_text(encoding="utf-8")), (row["name"], row["group_url"])


def test_json_shape(site: Path, rows, dataset):
    data, _ = dataset
    doc = json.loads((site / "adopters" / "adopters.json").read_text(encoding="utf-8"))
    assert doc["as_of"] == data.adopters.as_of.isoformat()
    assert doc["build_date"] == "2026-11-20"
    assert [c["key"] for c in doc["columns"]] == [c.key for c in exports.COLUMNS]
    assert set(doc["sources"]) == set(data.adopters.sources)
    assert len(doc["adopters"]) == len(rows)
    for item, row in zip(doc["adopters"], rows):
        assert list(item) == [c.key for c in exports.COLUMNS]
        assert isinstance(item["guarantors"], list) and isinstance(item["confirmed"], bool)
        assert item["source"] in doc["sources"]
        assert item["name"] == row["name"] and ";".join(item["guarantors"]) == row["guarantors"]


def test_documentation_page_describes_every_column(site: Path):
    html = (site / "adopters" / "data" / "index.html").read_text(encoding="utf-8")
    for c in exports.COLUMNS:
        assert f"<code>{c.key}</code>" in html and c.description.split("（")[0][:10] in html


def test_adopters_page_links_the_files(site: Path):
    html = (site / "adopters" / "index.html").read_text(encoding="utf-8")
    for href in ("/adopters/adopters.csv", "/adopters/adopters.json", "/adopters/data/", "/adopters/charts/",
                 "/feeds/adopters.atom.xml", "/adopters/start-dates.ics"):
        assert f'href="{href}"' in html, href
