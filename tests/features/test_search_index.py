"""The search index and what it needs, without a browser: Pagefind's output, the CSP, the weighted keywords."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from esurety import search


def test_index_was_built(site: Path):
    assert (site / "pagefind" / "pagefind.js").is_file()
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert "ja" in entry["languages"]


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
        for gid in g.guarantors:
            assert f'data-pagefind-filter="guarantor:{labels("guarantor", gid)}"' in html
        assert f'<p data-pagefind-weight="10">{search.keywords(g.name, g.reading, g.kind)}</p>' in html


def test_search_page_degrades_without_javascript(site: Path):
    html = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert '<form action="/search/" method="get" role="search"' in html
    assert 'id="search-nojs"' in html and "JavaScript" in html
    assert "data-pagefind-body" not in html
