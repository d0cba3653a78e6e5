"""The kernel: standard library only, generated from the data, and right at the edges (eras, numbers, types)."""

from __future__ import annotations

import ast
import datetime as dt
import sys
from pathlib import Path

import pytest

from esurety.data import schemas
from esurety.kernel import content_types, glossary, numbering, paths, wareki

ROOT = Path(__file__).resolve().parents[2]
KERNEL = ROOT / "esurety" / "kernel"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module if node.module.startswith("esurety") else node.module.split(".")[0])
    return found


@pytest.mark.parametrize("module", sorted(p.name for p in KERNEL.glob("*.py")))
def test_kernel_imports_only_the_standard_library_and_itself(module: str) -> None:
    for name in _imports(KERNEL / module):
        assert name in sys.stdlib_module_names or name.startswith("esurety.kernel") or name == "__future__", \
            f"{module} imports {name}"


def test_glossary_is_generated_from_the_data() -> None:
    # GIVEN data/vocabulary.yaml and data/guarantors.yaml WHEN the glossary is generated THEN it is the shipped file
    assert glossary.GLOSSARY_FILE.read_text(encoding="utf-8") == schemas.glossary_text(ROOT)


def test_glossary_holds_every_vocabulary_group_and_guarantor() -> None:
    g = glossary.glossary()
    assert g.label("certificate_type", "advance_payment") == "前払金保証"
    assert set(g.guarantors) == {"wjcs", "ejcs", "hokkaido"}
    assert g.guarantors["ejcs"].key_notice_name != g.guarantors["wjcs"].key_notice_name


@pytest.mark.parametrize("day, text", [
    (dt.date(2019, 5, 1), "令和元年5月1日"),       # first day of 令和 is 元年, not 平成31年
    (dt.date(2019, 4, 30), "平成31年4月30日"),
    (dt.date(2020, 1, 1), "令和2年1月1日"),
    (dt.date(1989, 1, 8), "平成元年1月8日"),
    (dt.date(1989, 1, 7), "昭和64年1月7日"),
])
def test_era_dates_at_the_boundaries(day: dt.date, text: str) -> None:
    assert wareki.era_date(day) == text
    assert wareki.era_date_and_iso(day) == f"{text} ({day.isoformat()})"
    assert wareki.parse_wareki(text) == day


@pytest.mark.parametrize("text, day", [("R8.4.1", dt.date(2026, 4, 1)), ("令和元年10月", dt.date(2019, 10, 1)),
                                       ("平成32年1月1日", None), ("令和元年4月30日", None), ("2026-04-01", None)])
def test_parse_wareki(text: str, day: dt.date | None) -> None:
    assert wareki.parse_wareki(text) == day


def test_era_month() -> None:
    assert wareki.era_month_and_iso(2019, 5) == "令和元年5月 (2019-05)"


@pytest.mark.parametrize("typed, number, guarantor", [
    ("2070004426", "2070004426", "wjcs"),
    ("00000-000000", "00000-000000", "ejcs"),
    ("00000000000", "00000-000000", "ejcs"),   # the hyphen may be left out
    ("0000-0000000", None, None),               # but not put elsewhere
    ("207000442", None, None),
])
def test_guarantee_numbers(typed: str, number: str | None, guarantor: str | None) -> None:
    assert numbering.canonical(typed) == number
    if number:
        assert numbering.guarantor_of(number) == guarantor


@pytest.mark.parametrize("name, ctype", [
    ("feeds/adopters.atom.xml", "application/atom+xml; charset=utf-8"),
    ("sitemap.xml", "application/xml; charset=utf-8"),
    ("index.html", "text/html; charset=utf-8"),
    ("pagefind/x.pf_meta", "application/octet-stream"),
])
def test_one_content_type_table(name: str, ctype: str) -> None:
    assert content_types.content_type_for(name) == ctype


def test_paths() -> None:
    assert paths.orderer("taketa") == "municipalities/taketa/"
    assert paths.url(paths.CHECK) == "check/"
    assert paths.orderer_rules("taketa").endswith("/rules.json")
