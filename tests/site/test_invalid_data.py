"""Invalid data fails the build with file and line, and no page is written from it."""

from __future__ import annotations

from pathlib import Path

import pytest

import scripts.build as build
from esurety.data.errors import DataErrors


def test_invalid_guidance_fails_with_file_and_line(project_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project_copy / "content" / "municipalities" / "taketa.yaml"
    text = path.read_text(encoding="utf-8").replace("  - from: 2024-10-01", "  - from: 令和6年10月1日")
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("  - from: 令和6年10月1日") + 1
    monkeypatch.setattr(build, "ROOT", project_copy)
    out = project_copy / "output"
    with pytest.raises(DataErrors) as info:
        build.build_site(out)
    report = info.value.report()
    assert f"taketa.yaml:{line}:" in report
    assert "2024-10-01 の形式で書いてください" in report
    assert not out.exists()
    assert not list(project_copy.glob(".build-tmp*")), "staging folder left behind"


def test_failed_build_keeps_previous_output(project_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "ROOT", project_copy)
    out = project_copy / "output"
    build.build_site(out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    path = project_copy / "content" / "municipalities" / "omura.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("prefecture: 長崎県", "prefecture: 長崎"), encoding="utf-8")
    with pytest.raises(DataErrors) as info:
        build.build_site(out)
    assert "omura.yaml" in info.value.report()
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
