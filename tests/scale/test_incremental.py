"""make serve's rebuild (build_site(..., incremental=True)) redoes only what changed, and nothing else."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

from esurety.data.dataset import load_dataset
from esurety.data.errors import DataErrors
from scripts.build import build_site

pytestmark = pytest.mark.usefixtures("no_post_build")


def _pages(out: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in (out / "municipalities").glob("*/index.html")}


def _mtimes(out: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in (out / "municipalities").glob("*/index.html")}


def _edit_note(path: Path, marker: str) -> None:
    text = path.read_text(encoding="utf-8")
    new = text.replace("- text: これは性能測定用の合成データです。", f"- text: これは性能測定用の合成データです。{marker}", 1)
    assert new != text
    path.write_text(new, encoding="utf-8")


def test_edit_rerenders_only_that_page_and_matches_a_full_build(fresh_project: Path, tmp_path: Path) -> None:
    out, settings = fresh_project / "output", fresh_project / "pelicanconf.py"
    build_site(out, settings, incremental=True)
    before = _mtimes(out)
    edited = sorted((fresh_project / "content/municipalities").glob("*.yaml"))[4]
    _edit_note(edited, "（編集）")

    build_site(out, settings, incremental=True)

    after = _mtimes(out)
    changed = {slug for slug in after if after[slug] != before[slug]}
    assert changed == {edited.stem}
    assert "（編集）" in (out / "municipalities" / edited.stem / "index.html").read_text(encoding="utf-8")
    full = build_site(tmp_path / "full", settings)
    assert _pages(out) == _pages(full)


def test_nothing_changed_writes_no_guidance_page(fresh_project: Path) -> None:
    out, settings = fresh_project / "output", fresh_project / "pelicanconf.py"
    build_site(out, settings, incremental=True)
    before = _mtimes(out)
    build_site(out, settings, incremental=True)
    assert _mtimes(out) == before


def test_template_change_rerenders_every_page(fresh_project: Path) -> None:
    out, settings = fresh_project / "output", fresh_project / "pelicanconf.py"
    build_site(out, settings, incremental=True)
    template = fresh_project / "theme/templates/guidance.html"
    template.write_text(template.read_text(encoding="utf-8").replace("要点", "要点（改）", 1), encoding="utf-8")
    build_site(out, settings, incremental=True)
    assert all("要点（改）" in page.decode("utf-8") for page in _pages(out).values())


def test_overwritten_output_is_rendered_again(fresh_project: Path) -> None:
    out, settings = fresh_project / "output", fresh_project / "pelicanconf.py"
    build_site(out, settings, incremental=True)
    page = next((out / "municipalities").glob("*/index.html"))
    good = page.read_bytes()
    page.write_text("broken", encoding="utf-8")
    build_site(out, settings, incremental=True)
    assert page.read_bytes() == good


def test_removed_guidance_file_removes_its_page(fresh_project: Path) -> None:
    out, settings = fresh_project / "output", fresh_project / "pelicanconf.py"
    build_site(out, settings, incremental=True)
    victim = sorted((fresh_project / "content/municipalities").glob("*.yaml"))[0]
    adopters = fresh_project / "data/adopters.yaml"
    text = adopters.read_text(encoding="utf-8")
    line = re.compile(rf"^ *page: {victim.stem}\n", re.M)
    assert line.search(text)
    adopters.write_text(line.sub("", text), encoding="utf-8")  # the row stays, without a page
    victim.unlink()
    build_site(out, settings, incremental=True)
    assert not (out / "municipalities" / victim.stem).exists()


def test_invalid_edit_fails_and_leaves_the_output(fresh_project: Path) -> None:
    out, settings = fresh_project / "output", fresh_project / "pelicanconf.py"
    build_site(out, settings, incremental=True)
    before = _pages(out)
    edited = sorted((fresh_project / "content/municipalities").glob("*.yaml"))[2]
    edited.write_text(edited.read_text(encoding="utf-8").replace("kind: ", "kind: castle_", 1), encoding="utf-8")
    with pytest.raises(DataErrors):
        build_site(out, settings, incremental=True)
    assert _pages(out) == before


def test_make_build_never_skips(fresh_project: Path) -> None:
    out, settings = fresh_project / "output", fresh_project / "pelicanconf.py"
    build_site(out, settings)
    stamp = {slug: os.stat(out / "municipalities" / slug / "index.html").st_mtime_ns for slug in _pages(out)}
    build_site(out, settings)
    again = {slug: os.stat(out / "municipalities" / slug / "index.html").st_mtime_ns for slug in _pages(out)}
    assert all(again[s] != stamp[s] for s in stamp)


def test_removed_last_row_of_a_prefecture_removes_its_adopter_page(fresh_project: Path) -> None:
    """The preview rebuilds in place: a group page whose last row went away must not stay behind."""
    out, settings = fresh_project / "output", fresh_project / "pelicanconf.py"
    build_site(out, settings, incremental=True)
    data = load_dataset(fresh_project)
    counts = Counter(a.prefecture for a in data.adopters.adopters if a.prefecture)
    row = next(a for a in data.adopters.adopters if a.prefecture and counts[a.prefecture] == 1 and a.page)
    code = next(p["code"][:2] for p in data.prefectures if p["name"] == row.prefecture)
    assert (out / "adopters" / f"pref-{code}" / "index.html").is_file()
    adopters = fresh_project / "data/adopters.yaml"
    text = adopters.read_text(encoding="utf-8")
    block = re.compile(rf"^- name: {re.escape(row.name)}\n(?:  .*\n)*", re.M)
    assert len(block.findall(text)) == 1
    adopters.write_text(block.sub("", text), encoding="utf-8")
    (fresh_project / "content/municipalities" / f"{row.page}.yaml").unlink()
    build_site(out, settings, incremental=True)
    assert not (out / "adopters" / f"pref-{code}").exists()
    assert f"/adopters/pref-{code}/" not in (out / "adopters" / "index.html").read_text(encoding="utf-8")
