"""What an incremental build reuses from the previous one never changes what it reports or keeps.

The validated files come from var/build/<name>/ without their parsed documents (an error found
later reads the file again), files taken from there skip the checks of a file on its own only while
the list of local governments is the same, and an edit writes only the changed entries
(files-changed.pickle) beside the linked files.pickle.
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

from esurety.data.dataset import load_dataset
from esurety.data.errors import DataErrors
from esurety.site import buildstate
from scripts.build import build_site

ROOT = Path(__file__).resolve().parents[2]
#: No search index: these tests are about the data the build reads.
NO_INDEX = {"ESURETY_SEARCH_INDEX": False}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for name in ("content", "data", "theme"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pelicanconf.py", root / "pelicanconf.py")
    return root


def _build(project: Path, out: Path) -> Path:
    return build_site(out, project / "pelicanconf.py", incremental=True, settings=NO_INDEX)


def _errors_of_build(project: Path, out: Path) -> list[str]:
    with pytest.raises(DataErrors) as info:
        _build(project, out)
    return [str(e) for e in info.value.errors]


def _fresh_errors(project: Path) -> list[str]:
    with pytest.raises(DataErrors) as info:
        load_dataset(project)
    return [str(e) for e in info.value.errors]


def test_an_edit_writes_only_the_changed_entries_and_the_cache_reads_back_whole(project: Path,
                                                                                tmp_path: Path) -> None:
    out = tmp_path / "site" / "output"
    _build(project, out)
    state = buildstate.state_dir(out)
    first = (state / buildstate.CACHE_FILE).stat().st_ino
    taketa = project / "content/municipalities/taketa.yaml"
    taketa.write_text(taketa.read_text(encoding="utf-8").replace("試行対象案件", "試行対象の案件", 1), encoding="utf-8")

    _build(project, out)

    assert (state / buildstate.CACHE_FILE).stat().st_ino == first  # linked, not written again
    changed, removed = pickle.loads((state / buildstate.CACHE_CHANGES).read_bytes())
    assert [Path(path).name for path, _cls in changed] == ["taketa.yaml"] and removed == []
    cache = buildstate.PickledFileCache.read(state, checks_passed=True)
    again = load_dataset(project, cache=cache)
    assert cache.misses == 0 and cache.hits == len(again.guidance) + len(again.usage) + 3
    assert again.guidance_by_slug()["taketa"] == load_dataset(project).guidance_by_slug()["taketa"]


def test_a_changed_reference_list_checks_cached_files_again(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "site" / "output"
    _build(project, out)
    reference = project / "data/local_governments.json"
    data = json.loads(reference.read_text(encoding="utf-8"))
    entry = next(lg for lg in data["local_governments"] if lg["code"] == "442089")  # 竹田市
    entry["reading"] = "たけだし"
    reference.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    errors = _errors_of_build(project, out)

    assert any("taketa.yaml" in e and "たけだし" in e for e in errors)  # the guidance file, not only the table
    assert errors == _fresh_errors(project)


def test_an_error_in_a_cached_file_points_where_a_fresh_check_points(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "site" / "output"
    _build(project, out)
    adopters = project / "data/adopters.yaml"
    text = adopters.read_text(encoding="utf-8")
    row = text.index("    page: taketa\n")
    start = text.rindex("    start: 2024-10\n", 0, row)
    adopters.write_text(text[:start] + "    start: 2024-11\n" + text[start + len("    start: 2024-10\n"):],
                        encoding="utf-8")

    errors = _errors_of_build(project, out)

    assert any("taketa.yaml:" in e and "2024-11" in e for e in errors)
    assert errors == _fresh_errors(project)
