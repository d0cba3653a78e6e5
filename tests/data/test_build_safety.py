"""Markup typed into a text field is shown as text, and a failed build never touches the last good site."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

import scripts.build as build
from esurety.data.errors import DataErrors

from .conftest import BROKEN


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def built(site_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(build, "ROOT", site_project)
    return site_project


def test_markup_in_text_is_rendered_as_text(built: Path) -> None:
    # the corpus file becomes the taketa page (same orderer, so the adopters row still agrees)
    text = (BROKEN / "guidance" / "html-in-text.yaml").read_text(encoding="utf-8")
    text = text.replace("slug: html-in-text", "slug: taketa")
    (built / "content" / "municipalities" / "taketa.yaml").write_text(text, encoding="utf-8")
    out = build.build_site(built / "output")
    page = (out / "municipalities" / "taketa" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;&lt;b&gt;太字&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;a href=&#34;javascript:alert(2)&#34;&gt;" in page
    # no element from the data made it into the page
    assert "<img src=x" not in page and 'href="javascript:' not in page
    assert not re.search(r"<script>alert", page)
    assert "<b>太字</b>" not in page
    # nor into any other output (feeds, exports, search data): never as live markup
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".js", ".csv", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "<script>alert" not in text and "<img src=x" not in text, path


def test_failed_build_leaves_previous_output_byte_identical(built: Path) -> None:
    out = built / "output"
    build.build_site(out)
    before = _snapshot(out)
    assert "municipalities/taketa/index.html" in before
    for case in ("wareki-in-date", "alias-bomb", "non-utf8"):
        shutil.copy(BROKEN / "guidance" / f"{case}.yaml", built / "content" / "municipalities" / f"{case}.yaml")
    with pytest.raises(DataErrors) as info:
        build.build_site(out)
    assert {"wareki-in-date.yaml", "alias-bomb.yaml", "non-utf8.yaml"} <= {Path(e.file).name for e in info.value.errors}
    assert _snapshot(out) == before
    assert not list(built.glob(".build-tmp*")), "staging folder left behind"


def test_build_cli_says_output_was_kept(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = built / "output"
    build.build_site(out)
    shutil.copy(BROKEN / "guidance" / "date-not-exist.yaml", built / "content" / "municipalities" / "date-not-exist.yaml")
    assert build.main(["--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "date-not-exist.yaml:14:11: start[0].from:" in err
    assert "output/ は前回のまま" in err
