"""The search index and what it needs, without a browser: Pagefind's output, the CSP, the weighted keywords."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from esurety.site import search, search_index, views


def test_index_was_built(site: Path):
    assert (site / "pagefind" / "pagefind.js").is_file()
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert "ja" in entry["languages"]


def test_manifest_lists_the_bundles(site: Path):
    manifest = json.loads((site / search_index.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["bundles"][0] == "/pagefind/"
    for bundle in manifest["bundles"]:
        assert (site / bundle.strip("/") / "pagefind.js").is_file(), bundle


def test_shards_cover_every_searchable_page_once(site: Path, tmp_path: Path):
    """Small shards of a copy of the site: one bundle per shard, every page in exactly one of them."""
    import shutil

    copy = tmp_path / "site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("pagefind*"))
    pages = search_index.searchable_pages(copy)
    assert "index.html" in pages and "search/index.html" not in pages and "404.html" not in pages
    search_index.build_index(copy, shard_pages=20)
    bundles = json.loads((copy / search_index.MANIFEST).read_text(encoding="utf-8"))["bundles"]
    assert len(bundles) == -(-len(pages) // 20) > 1
    assert [search_index.bundle_name(i) for i in range(len(bundles))] == [b.strip("/") for b in bundles]
    for bundle in bundles:
        entry = json.loads((copy / bundle.strip("/") / "pagefind-entry.json").read_text(encoding="utf-8"))
        assert "ja" in entry["languages"]
    counted = sum(json.loads((copy / b.strip("/") / "pagefind-entry.json").read_text(encoding="utf-8"))
                  ["languages"]["ja"]["page_count"] for b in bundles)
    assert counted == len(pages)


def _indexed_texts(site: Path) -> dict[str, str]:
    """What Pagefind keeps of each indexed page (its fragments), by URL, without the segmentation marks."""
    import gzip

    texts = {}
    for bundle in json.loads((site / search_index.MANIFEST).read_text(encoding="utf-8"))["bundles"]:
        for fragment in (site / bundle.strip("/") / "fragment").glob("*.pf_fragment"):
            raw = gzip.decompress(fragment.read_bytes())
            data = json.loads(raw[raw.index(b"{"):])
            texts[data["url"]] = data["content"].replace("\u200b", "")
    return texts


def test_the_small_print_of_sources_is_left_out_and_the_sources_section_is_kept(site: Path, dataset):
    data, _labels = dataset
    texts = _indexed_texts(site)
    small_print = "出典（発注者の資料）"
    # GIVEN the guidance pages that show people the small print naming an orderer's document
    pages = [(g, url) for g in data.guidance for url in texts if url.rstrip("/").endswith(f"/{g.slug}")
             and small_print in (site / url.strip("/") / "index.html").read_text(encoding="utf-8")]
    assert pages
    for g, url in pages:
        # WHEN their indexed text is read, THEN the small print is not in it, each source's title is
        assert small_print not in texts[url] and "出典（保証事業会社の資料）" not in texts[url], url
        for source in g.sources.values():
            assert source.title in texts[url], (url, source.title)
    assert search_index.EXCLUDED_SELECTORS == (".provenance",)


def test_csp_allows_pagefind_webassembly():
    """Pagefind compiles WebAssembly: script-src needs 'wasm-unsafe-eval' (lambda_verify/security.py)."""
    from lambda_verify.security import CONTENT_SECURITY_POLICY

    script_src = next(d for d in CONTENT_SECURITY_POLICY.split(";") if d.strip().startswith("script-src"))
    assert "'wasm-unsafe-eval'" in script_src, (
        "add 'wasm-unsafe-eval' to script-src in lambda_verify/security.py: \"script-src 'self' 'wasm-unsafe-eval'\"")



@pytest.mark.parametrize(("name", "reading", "kind", "expected"), [
    ("竹田市", "たけたし", "city", "竹田市（竹田） よみ: たけたし（たけた）"),
    ("芦屋町", "あしやまち", "town", "芦屋町（芦屋） よみ: あしやまち（あしや）"),
    ("十津川村", "とつかわむら", "village", "十津川村（十津川） よみ: とつかわむら（とつかわ）"),
    ("京都府", "きょうとふ", "prefecture", "京都府（京都） よみ: きょうとふ（きょうと）"),
    ("国土交通省", None, "national", "国土交通省"),
])
def test_keywords(name, reading, kind, expected):
    assert search.keywords(name, reading, kind) == expected


def test_guidance_pages_carry_filters_and_keywords(site: Path, dataset):
    data, labels = dataset
    for g in data.guidance:
        html = (site / "municipalities" / g.slug / "index.html").read_text(encoding="utf-8")
        assert f'data-pagefind-filter="prefecture:{g.prefecture}"' in html
        assert f'data-pagefind-filter="kind:{labels("orderer_kind", g.kind)}"' in html
        for gid in views.guidance_guarantors(data, g):
            assert f'data-pagefind-filter="guarantor:{data.guarantors[gid].name}"' in html
        assert f'<p data-pagefind-weight="10">{search.keywords(g.name, g.reading, g.kind)}</p>' in html


def test_search_page_degrades_without_javascript(site: Path):
    html = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert '<form action="/search/" method="get" role="search"' in html
    assert 'id="search-nojs"' in html and "JavaScript" in html
    assert "data-pagefind-body" not in html
