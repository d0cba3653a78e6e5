"""The synthetic data set of the benchmark is valid, realistic and builds completely."""

from __future__ import annotations

from pathlib import Path

import yaml

from bench import synthetic
from esurety.data.dataset import load_dataset
from scripts.build import build_site

from .conftest import BODIES, N


def test_every_file_validates_with_cross_file_checks(project: Path) -> None:
    data = load_dataset(project)
    assert len(data.guidance) == N
    assert len(data.adopters.adopters) == N
    assert {row.page for row in data.adopters.adopters} == {g.slug for g in data.guidance}


def test_shapes_of_the_real_data(project: Path) -> None:
    data = load_dataset(project)
    kinds = {g.kind for g in data.guidance}
    assert {"national", "agency", "public_body"} <= kinds
    assert kinds & {"city", "town", "village", "prefecture", "designated_city"}
    assert sum(1 for g in data.guidance if g.lg_code) == N - BODIES
    assert all(len(g.submissions) >= 2 and g.faq and g.notes and g.sources for g in data.guidance)
    assert any(g.e_contract for g in data.guidance)


def test_says_it_is_synthetic(project: Path) -> None:
    for path in (project / "content/municipalities").glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert doc["notes"][0]["text"] == synthetic.SYNTHETIC_NOTE
        assert synthetic.SYNTHETIC_NOTE in path.read_text(encoding="utf-8").splitlines()[0]


def test_same_seed_same_files(tmp_path: Path) -> None:
    synthetic.make_project(tmp_path / "a", 5, seed=3)
    synthetic.make_project(tmp_path / "b", 5, seed=3)
    for path in sorted((tmp_path / "a/content/municipalities").glob("*.yaml")):
        assert path.read_bytes() == (tmp_path / "b/content/municipalities" / path.name).read_bytes()


def test_names_beyond_the_reference_are_obviously_synthetic() -> None:
    people = synthetic.orderers(1800)
    extra = people[1794:]
    assert len(people) == 1800 and extra
    assert all(o.name.startswith("合成") and o.lg_code is None for o in extra)
    assert len({o.slug for o in people}) == 1800


def test_every_page_is_written(project: Path, tmp_path: Path) -> None:
    out = build_site(tmp_path / "output", project / "pelicanconf.py")
    data = load_dataset(project)
    for g in data.guidance:
        page = out / "municipalities" / g.slug / "index.html"
        assert page.is_file(), page
        assert g.name in page.read_text(encoding="utf-8")
    # every page is linked from some other page (the guidance index, the adopter table…)
    others = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html")
                     if p.parent.parent.name != "municipalities")
    assert [g.slug for g in data.guidance if f"/municipalities/{g.slug}/" not in others] == []


def test_bare_baseline_pages_carry_the_same_guidance(tmp_path: Path) -> None:
    synthetic.make_bare_project(tmp_path, 3, seed=1)
    pages = sorted((tmp_path / "content/pages").glob("*.md"))
    assert len(pages) == 3
    assert all("## 認証キーの提出方法" in p.read_text(encoding="utf-8") for p in pages)
    settings = (tmp_path / "bareconf.py").read_text(encoding="utf-8")
    assert settings.rstrip().endswith('PAGE_PATHS = ["pages"]') and "PLUGINS = []" in settings
