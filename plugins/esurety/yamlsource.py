"""Strict YAML reading that remembers where every value came from.

Guarantor staff edit these files by hand, so every error must point at a line and column.
PyYAML's node tree carries those marks; we build plain Python data from the nodes ourselves
and keep a map from each value's path to its position. The reader also refuses what a
hand-written data file never needs and what makes errors confusing or dangerous: aliases
(the "billion laughs" bomb), duplicate keys, tabs used for indentation, bytes that are not UTF-8.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader is several times faster on large data sets
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from .errors import DataError

logger = logging.getLogger(__name__)

Path_ = tuple[str | int, ...]

#: Longest line accepted; a longer line is almost always pasted binary or a runaway string.
MAX_LINE_LENGTH = 2000
#: Largest file accepted.
MAX_FILE_BYTES = 2_000_000

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Document:
    """One parsed data file: its plain data and the position of every value in it."""

    path: Path
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set, repr=False)

    def where(self, loc: Path_) -> tuple[int, int]:
        """Line and column (1-based) of the value at ``loc``, or of its nearest parent."""
        loc = tuple(loc)
        while loc:
            if loc in self.positions:
                return self.positions[loc]
            loc = loc[:-1]
        return self.positions.get((), (1, 1))

    def error(self, loc: Path_, message: str) -> DataError:
        line, col = self.where(loc)
        return DataError(str(self.path), line, col, _dotted(loc), message)


def _dotted(loc: Path_) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_text(path: Path) -> str:
    """Read a data file as UTF-8, naming the first bad byte's line when it is not."""
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise DataError(str(path), 1, 1, "", f"ファイルが大きすぎます（{len(raw):,} バイト、上限 {MAX_FILE_BYTES:,} バイト）。")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(
            str(path), line, col, "", "UTF-8 ではない文字が含まれています。ファイルを UTF-8 で保存し直してください。"
        ) from None
    return text.lstrip("\ufeff")


def _precheck(path: Path, text: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_LENGTH:
            raise DataError(str(path), number, MAX_LINE_LENGTH + 1, "",
                            f"行が長すぎます（{len(line):,} 文字、上限 {MAX_LINE_LENGTH:,} 文字）。途中で改行してください。")
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            raise DataError(str(path), number, len(line) - len(stripped) + 1, "",
                            "字下げにタブ文字が使われています。YAML の字下げは半角スペースで書いてください。")


def load(path: Path, text: str | None = None) -> Document:
    """Parse one YAML file strictly; raise :class:`DataError` with file:line:column on any problem."""
    path = Path(path)
    if text is None:
        text = read_text(path)
    _precheck(path, text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or str(exc)
        raise DataError(str(path), line, col, "", f"YAML の書き方に誤りがあります（{problem}）。字下げやコロン、引用符を確かめてください。") from None
    except yaml.YAMLError as exc:
        raise DataError(str(path), 1, 1, "", f"YAML として読めません（{exc}）。") from None
    finally:
        loader.dispose()
    doc = Document(path=path, data=None)
    if node is None:
        doc.data = {}
        return doc
    doc.data = _build(node, (), doc)
    return doc


def _build(node: yaml.Node, loc: Path_, doc: Document) -> Any:
    if id(node) in doc.seen:
        raise doc.error(loc, "「&」「*」による参照（アンカー・エイリアス）は使えません。値をそのまま書いてください。")
    doc.seen.add(id(node))
    doc.positions[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise doc.error(loc, "「<<」による取り込みは使えません。値をそのまま書いてください。")
            if not isinstance(key_node, yaml.ScalarNode):
                raise DataError(str(doc.path), key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                                _dotted(loc), "項目名には文字列を書いてください。")
            key = str(key_node.value)
            if key in out:
                raise DataError(str(doc.path), key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                                _dotted(loc + (key,)), f"項目「{key}」が同じ場所に2回書かれています。どちらか一方にしてください。")
            out[key] = _build(value_node, loc + (key,), doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, loc + (i,), doc) for i, child in enumerate(node.value)]
    return _scalar(node, loc, doc)


def _scalar(node: yaml.ScalarNode, loc: Path_, doc: Document) -> Any:
    if node.tag == _TIMESTAMP_TAG and _DATE_RE.match(node.value):
        try:
            return dt.date.fromisoformat(node.value)
        except ValueError:
            raise doc.error(loc, f"「{node.value}」という日付は存在しません。") from None
    if node.tag == "tag:yaml.org,2002:str":
        return node.value
    try:
        return _CONSTRUCTOR.construct_object(node)
    finally:
        _CONSTRUCTOR.constructed_objects.clear()


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
