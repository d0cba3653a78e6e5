"""JSON Schemas for the data files, generated from the model the build validates with.

Editors (VS Code's YAML extension, any editor using yaml-language-server) read the
``# yaml-language-server: $schema=...`` line at the top of each data file and then complete
field names, offer allowed values and underline mistakes while staff type. The schemas are
generated, never hand-edited, so they cannot drift from what `make check` enforces; a test
regenerates them and compares bytes. Allowed values carry their Japanese labels from
data/vocabulary.yaml, so an editor shows 「city — 市」 rather than a bare key.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from esurety.data import model, yamlsource

logger = logging.getLogger(__name__)

__all__ = ["DATA_FILES", "SCHEMA_DIR", "expected_modeline", "generate", "modeline", "render", "stale", "write_all"]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Folder of the generated schemas, relative to the project root.
SCHEMA_DIR = "schemas"
#: Glob patterns of the data files of each kind, relative to the project root.
DATA_FILES: dict[str, tuple[str, ...]] = {
    "guidance": ("content/municipalities/*.yaml",),
    "adopters": ("data/adopters.yaml",),
    "guarantors": ("data/guarantors.yaml",),
    "vocabulary": ("data/vocabulary.yaml",),
    "usage": ("data/usage/*.yaml",),
}
MODELINE_PREFIX = "# yaml-language-server: $schema="


def schema_file(kind: str) -> str:
    return f"{SCHEMA_DIR}/{kind}.schema.json"


def expected_modeline(root: Path, path: Path) -> str | None:
    """The first line a data file should have, with the schema path relative to the file."""
    rel = Path(path).resolve().relative_to(Path(root).resolve())
    for kind, patterns in DATA_FILES.items():
        if any(rel.match(p) for p in patterns):
            up = "../" * (len(rel.parts) - 1)
            return f"{MODELINE_PREFIX}{up}{schema_file(kind)}"
    return None


def modeline(kind: str, depth: int) -> str:
    """The modeline for a file ``depth`` folders below the project root."""
    return f"{MODELINE_PREFIX}{'../' * depth}{schema_file(kind)}"


def data_files(root: Path) -> list[tuple[str, Path]]:
    """Every data file under ``root`` with its kind."""
    out: list[tuple[str, Path]] = []
    for kind, patterns in DATA_FILES.items():
        for pattern in patterns:
            out += [(kind, p) for p in sorted(Path(root).glob(pattern))]
    return out


def _vocabulary(root: Path) -> model.Vocabulary:
    doc = yamlsource.load(Path(root) / "data/vocabulary.yaml")
    return model.Vocabulary.model_validate(doc.data)


def _annotate(node: Any, vocab: model.Vocabulary) -> None:
    """Turn each vocabulary-key field into an enum of the vocabulary's keys, with their Japanese labels;
    close maps whose keys follow a pattern."""
    if isinstance(node, dict):
        group = node.pop("x-vocabulary", None)
        if group is not None:
            terms = getattr(vocab, group)
            node.pop("pattern", None)
            node.pop("maxLength", None)
            node["enum"] = list(terms)
            node["enumDescriptions"] = [t.label for t in terms.values()]
            node["markdownEnumDescriptions"] = [f"{t.label} — {t.description}" for t in terms.values()]
        if node.pop("x-one-or-many", False):  # a scope dimension: one limit as a mapping, or a list of them
            for alt in node.get("anyOf", []):
                if alt.get("type") == "array" and "$ref" in alt.get("items", {}):
                    node["anyOf"].insert(0, {"$ref": alt["items"]["$ref"]})
                    break
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _annotate(value, vocab)
    elif isinstance(node, list):
        for value in node:
            _annotate(value, vocab)


def generate(kind: str, root: Path, vocab: model.Vocabulary | None = None) -> dict[str, Any]:
    """The JSON Schema of one kind of data file (``vocab``: the project's vocabulary, when already read)."""
    cls = model.FILE_MODELS[kind]
    body = cls.model_json_schema(mode="validation")
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT, "$comment": (
        "scripts/gen_schemas.py が esurety/data/model.py と data/vocabulary.yaml から生成したファイルです。手で編集しないでください。")}
    schema.update(body)
    _annotate(schema, vocab or _vocabulary(root))
    return schema


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def glossary_text(root: Path, vocab: model.Vocabulary | None = None) -> str:
    """esurety/kernel/glossary.json as data/vocabulary.yaml and data/guarantors.yaml give it now."""
    from esurety.kernel import glossary

    vocab = vocab or _vocabulary(root)
    guarantors = model.GuarantorList.model_validate(
        yamlsource.load(Path(root) / "data/guarantors.yaml").data, context={"vocabulary": vocab})
    return glossary.build(vocab.model_dump(mode="json"), [g.model_dump(mode="json") for g in guarantors.guarantors])


def glossary_path() -> Path:
    from esurety.kernel import glossary

    return glossary.GLOSSARY_FILE


def _generated(root: Path) -> dict[Path, str]:
    """Every generated file under ``root`` with the text it should have now (the vocabulary read once).

    The kernel's glossary is the package's own file: it belongs to the project the package lives in.
    """
    vocab = _vocabulary(root)
    out: dict[Path, str] = {}
    if Path(root).resolve() == Path(__file__).resolve().parents[2]:
        out[glossary_path()] = glossary_text(root, vocab)
    for kind in model.FILE_MODELS:
        out[Path(root) / schema_file(kind)] = render(generate(kind, root, vocab))
    return out


def _differs(path: Path, text: str) -> bool:
    return not path.exists() or path.read_text(encoding="utf-8") != text


def write_all(root: Path) -> list[Path]:
    """Write every schema under ``root``/schemas and the kernel's glossary; return the files that changed."""
    (Path(root) / SCHEMA_DIR).mkdir(exist_ok=True)
    changed: list[Path] = []
    for path, text in _generated(root).items():
        if _differs(path, text):
            path.write_text(text, encoding="utf-8")
            changed.append(path)
            logger.info("wrote %s", path)
    return changed


def stale(root: Path) -> list[Path]:
    """Schemas (and the kernel's glossary) that differ from what the model and the data give now."""
    return [path for path, text in _generated(root).items() if _differs(path, text)]
