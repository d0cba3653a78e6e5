"""make build is incremental and gives the same site as a full build, and as Pelican run alone.

Each test builds a copy of the real project (content, data, theme, pelicanconf.py). Trees are
compared file by file. Pagefind itself does not write the same bytes twice for the same pages (the
order inside its filter files, hence their names and the meta file's, differs from run to run), so
those few files of a bundle are compared by name pattern and count; every other file, including
every page and every fragment and word index of the search, is compared byte for byte.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.build import build_site

ROOT = Path(__file__).resolve().parents[2]
#: Files of a Pagefind bundle whose bytes (and hashed names) differ between two runs over the same pages.
UNSTABLE = re.compile(r"pagefind[^/]*/(filter/[^/]+\.pf_filter|pagefind\.[^/]+\.pf_meta|pagefind-entry\.json)")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for name in ("content", "data", "theme"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pelicanconf.py", tmp_path / "pelicanconf.py")
    return tmp_path


def tree(folder: Path) -> tuple[dict[str, bytes], dict[str, int]]:
    """The files of a built site: bytes of the stable ones, and a count per pattern of the unstable ones."""
    stable: dict[str, bytes] = {}
    unstable: dict[str, int] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        if UNSTABLE.fullmatch(rel):
            key = re.sub(r"_[0-9a-f]+\.", "_*.", rel)
            unstable[key] = unstable.get(key, 0) + 1
        else:
            stable[rel] = path.read_bytes()
    return stable, unstable


def assert_same_site(a: Path, b: Path) -> None:
    (sa, ua), (sb, ub) = tree(a), tree(b)
    assert sorted(sa) == sorted(sb), set(sa) ^ set(sb)
    different = [rel for rel in sa if sa[rel] != sb[rel]]
    assert not different, different[:10]
    assert ua == ub


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def edit_note(path: Path, marker: str) -> None:
    text = path.read_text(encoding="utf-8")
    new = re.sub(r"(\n[ \t-]*text: [^\n]*?)(。)", lambda m: m.group(1) + marker + m.group(2), text, count=1)
    assert new != text
    path.write_text(new, encoding="utf-8")


def test_one_guidance_edit_renders_only_its_outputs_and_equals_a_full_build(project: Path, tmp_path: Path) -> None:
    out, settings = tmp_path / "site" / "output", project / "pelicanconf.py"
    build_site(out, settings, incremental=True)  # no record yet: a full build
    before = inodes(out)
    edit_note(project / "content/municipalities/taketa.yaml", "（編集）")

    build_site(out, settings, incremental=True)

    after = inodes(out)
    assert "（編集）" in (out / "municipalities/taketa/index.html").read_text(encoding="utf-8")
    rendered = {rel for rel, ino in after.items() if before.get(rel) != ino}
    own = {"municipalities/taketa/index.html", "municipalities/taketa/rules.json"}
    assert own <= rendered
    others = {rel for rel in after if rel.startswith("municipalities/") and rel.split("/")[1] != "taketa"
              and rel != "municipalities/index.html"}
    assert not rendered & others, sorted(rendered & others)[:5]
    assert not {rel for rel in rendered if rel.startswith(("adopters/", "feeds/", "check/"))}
    assert_same_site(out, build_site(tmp_path / "full" / "output", settings))


def test_nothing_changed_links_every_family_output(project: Path, tmp_path: Path) -> None:
    out, settings = tmp_path / "output", project / "pelicanconf.py"
    build_site(out, settings)
    before = inodes(out)
    build_site(out, settings, incremental=True)
    after = inodes(out)
    kept = {rel for rel in after if before.get(rel) == after[rel]}
    assert {rel for rel in after if rel.startswith(("municipalities/", "adopters/", "feeds/", "pagefind"))} \
        - {"pagefind/bundles.json"} <= kept


def test_template_change_renders_what_uses_it(project: Path, tmp_path: Path) -> None:
    out, settings = tmp_path / "output", project / "pelicanconf.py"
    build_site(out, settings)
    template = project / "theme/templates/guidance.html"
    template.write_text(template.read_text(encoding="utf-8").replace("</main>", "</main><!-- 改 -->", 1)
                        if "</main>" in template.read_text(encoding="utf-8")
                        else template.read_text(encoding="utf-8") + "\n{# 改 #}\n", encoding="utf-8")
    build_site(out, settings, incremental=True)
    assert_same_site(out, build_site(tmp_path / "full" / "output", settings))


def test_setting_change_renders_every_page_again(project: Path, tmp_path: Path) -> None:
    # GIVEN a built site WHEN a setting every page shows changes and make build runs incrementally
    out, settings = tmp_path / "output", project / "pelicanconf.py"
    build_site(out, settings)
    before = inodes(out)
    settings.write_text(settings.read_text(encoding="utf-8") + '\nSITENAME = "電子保証ガイド（改）"\n', encoding="utf-8")
    build_site(out, settings, incremental=True)
    # THEN no orderer's page is kept from the build before, each shows the new name, and the site is a full build's
    after = inodes(out)
    pages = [rel for rel in after if rel.startswith("municipalities/") and rel.endswith("/index.html")]
    assert pages and not [rel for rel in pages if before.get(rel) == after[rel]]
    assert all("電子保証ガイド（改）" in (out / rel).read_text(encoding="utf-8") for rel in pages)
    assert_same_site(out, build_site(tmp_path / "full" / "output", settings))


def test_pelican_alone_writes_the_same_site_as_make_build(project: Path, tmp_path: Path) -> None:
    day = dt.date(2026, 11, 20)
    built = build_site(tmp_path / "built" / "output", project / "pelicanconf.py",
                       settings={"ESURETY_BUILD_DATE": day})
    alone = tmp_path / "alone"
    subprocess.run([sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", str(alone), "-q",
                    "-e", f'ESURETY_BUILD_DATE="{day.isoformat()}"'], cwd=project, check=True)
    assert_same_site(built, alone)


def test_rendering_on_two_cores_writes_the_same_site_as_on_one(project: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from esurety.site import parallel
    from scripts import build

    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)  # the real project has fewer orderers than the threshold
    settings = project / "pelicanconf.py"
    for workers in (1, 2):
        build.render(tmp_path / f"w{workers}", settings, {"ESURETY_WORKERS": workers, "ESURETY_SEARCH_INDEX": False})
    assert_same_site(tmp_path / "w1", tmp_path / "w2")
