"""The JSON Schemas under schemas/ are current, point editors at the right rules, and agree with the model."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from esurety.data import model, schemas, yamlsource

from .conftest import BROKEN, FIXTURE, ROOT


def _plain(value: Any) -> Any:
    """YAML data as a JSON document: dates become the text editors see."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / schemas.schema_file(kind)).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_committed_schemas_are_current() -> None:
    assert schemas.stale(ROOT) == [], "run: .venv/bin/python -m scripts.gen_schemas"


def test_regenerating_gives_identical_bytes(tmp_path: Path) -> None:
    for kind in model.FILE_MODELS:
        committed = (ROOT / schemas.schema_file(kind)).read_bytes()
        assert schemas.render(schemas.generate(kind, ROOT)).encode("utf-8") == committed, kind


def test_one_schema_per_model() -> None:
    assert sorted(p.name for p in (ROOT / "schemas").glob("*.schema.json")) == sorted(
        f"{k}.schema.json" for k in model.FILE_MODELS)


def test_schemas_speak_japanese_to_editors() -> None:
    guidance = json.loads((ROOT / "schemas/guidance.schema.json").read_text(encoding="utf-8"))
    assert guidance["title"] == "発注者ごとの電子保証の案内"
    start = guidance["$defs"]["Start"]["properties"]
    assert "2026-04-01" in start["from"]["description"] and "unstated" in start["from"]["description"]
    basis = next(member for member in start["basis"]["anyOf"] if "enum" in member)
    assert basis["enumDescriptions"][basis["enum"].index("contract_conclusion")] == "契約締結日"
    assert {"const": "unstated", "type": "string"} in start["basis"]["anyOf"]
    source = guidance["$defs"]["Source"]["properties"]
    assert source["checked_on"]["title"] == "最終確認日" and "checked_on" in guidance["$defs"]["Source"]["required"]
    prefecture = guidance["properties"]["prefecture"]["anyOf"][0]
    assert len(prefecture["enum"]) == 47 and "大分県" in prefecture["enum"]


@pytest.mark.parametrize("kind,path", schemas.data_files(ROOT), ids=lambda v: str(v).replace(str(ROOT) + "/", ""))
def test_real_data_file_starts_with_its_schema_line(kind: str, path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == schemas.expected_modeline(ROOT, path)
    # and the path in it really leads to the schema
    target = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert target == (ROOT / schemas.schema_file(kind)).resolve()


def test_modelines() -> None:
    assert schemas.expected_modeline(ROOT, ROOT / "content/municipalities/x.yaml") == \
        "# yaml-language-server: $schema=../../schemas/guidance.schema.json"
    assert schemas.expected_modeline(ROOT, ROOT / "data/adopters.yaml") == \
        "# yaml-language-server: $schema=../schemas/adopters.schema.json"
    assert schemas.expected_modeline(ROOT, ROOT / "data/usage/x.yaml") == \
        "# yaml-language-server: $schema=../../schemas/usage.schema.json"
    assert schemas.expected_modeline(ROOT, ROOT / "README.md") is None


def _valid_files() -> list[object]:
    """The fixture's own files, the real files it shares, and the corpus files that must be accepted."""
    files: list[tuple[str, Path]] = schemas.data_files(FIXTURE)
    files += [("vocabulary", ROOT / "data/vocabulary.yaml"), ("guarantors", ROOT / "data/guarantors.yaml")]
    files += [("guidance", p) for p in sorted((BROKEN / "guidance").glob("ok-*.yaml"))]
    return list(files)


@pytest.mark.parametrize("kind,path", _valid_files(), ids=lambda v: v.name if isinstance(v, Path) else str(v))
def test_schema_accepts_valid_data(kind: str, path: Path) -> None:
    doc = yamlsource.load(path)
    errors = list(_validator(kind).iter_errors(_plain(doc.data)))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("case", [
    "guidance/unknown-prefecture.yaml", "guidance/mailto-email.yaml", "guidance/wareki-in-date.yaml",
    "guidance/unknown-field.yaml", "guidance/bad-slug.yaml", "guidance/unknown-method.yaml",
    "guidance/katakana-reading.yaml", "guidance/javascript-url.yaml", "guidance/unquoted-code.yaml",
    "guidance/unknown-basis.yaml", "guidance/label-as-key.yaml", "guidance/printout-no.yaml",
    "guidance/source-without-checked-on.yaml", "guidance/start-not-list.yaml", "guidance/start-month-13.yaml",
    "adopters/start-wareki.yaml", "adopters/bad-source-id.yaml", "guarantors/unknown-id.yaml",
    "usage/negative-count.yaml",
])
def test_schema_underlines_what_the_check_rejects(case: str) -> None:
    """Editors underline these while staff type, before `make check` is even run."""
    doc = yamlsource.load(BROKEN / case)
    assert list(_validator(case.split("/")[0]).iter_errors(_plain(doc.data)))


def test_schema_underlines_an_unknown_vocabulary_key(tmp_path: Path) -> None:
    path = tmp_path / "vocabulary.yaml"
    text = (ROOT / "data/vocabulary.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("orderer_kind:\n", "orderer_kind:\n  ward: {label: 区, description: 特別区}\n", 1),
                    encoding="utf-8")
    assert list(_validator("vocabulary").iter_errors(_plain(yamlsource.load(path).data)))


def test_gen_schemas_check_flag(capsys: pytest.CaptureFixture[str]) -> None:
    from scripts import gen_schemas

    assert gen_schemas.main(["--check"]) == 0
