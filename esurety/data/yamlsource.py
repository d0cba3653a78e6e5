"""Strict YAML reading that remembers where every value came from.

Guarantor staff edit these files by hand, so every error must point at a line and column.
PyYAML's node tree carries those marks; we build plain Python data from the nodes ourselves
and keep a map from each value's path to its position. The reader also refuses what a
hand-written data file never needs and what makes errors confusing or dangerous: aliases
(the "billion laughs" bomb), duplicate keys, tabs, type tags, bytes that are not UTF-8.

Problems that only spoil one value (a duplicate key, an alias, a tag) are recorded and reading
goes on, so one run names every problem in the file; problems that make the text unreadable
(bad bytes, tabs, broken indentation) stop reading that file only.
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

from esurety.data.errors import DataError, DataErrors

logger = logging.getLogger(__name__)

__all__ = ["MAX_FILE_BYTES", "MAX_LINE_LENGTH", "Document", "load", "read", "read_text"]

Path_ = tuple[str | int, ...]

#: Longest line accepted; a longer line is almost always pasted binary or a runaway string.
MAX_LINE_LENGTH = 2000
#: Largest file accepted.
MAX_FILE_BYTES = 2_000_000
#: Deepest nesting accepted; real data files need about six levels, a bomb of brackets needs thousands.
MAX_DEPTH = 40

_TAG = "tag:yaml.org,2002:"
_TIMESTAMP_TAG = _TAG + "timestamp"
#: Tags a plain data file may resolve to; anything else was typed as ``!tag`` and is refused.
_PLAIN_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq"))
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_RE = re.compile(r"^[-+]?(?:\d+|\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$")

#: PyYAML's problem texts → what staff should check, in plain Japanese.
_YAML_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("mapping values are not allowed",
     "ここに「:」は書けません。字下げがずれていないか、値の中のコロン「:」を引用符で囲んだか確かめてください。"),
    ("could not find expected ':'",
     "「項目名: 値」の「:」が見つかりません。字下げがずれていないか、引用符が閉じているか確かめてください。"),
    ("expected <block end>",
     "字下げがそろっていません。同じ階層の項目は同じ数の半角スペースで字下げしてください。"),
    ("did not find expected key",
     "字下げがそろっていません。同じ階層の項目は同じ数の半角スペースで字下げしてください。"),
    ("did not find expected '-' indicator",
     "一覧（「- 」で始まる行）の字下げがそろっていません。"),
    ("found unexpected end of stream",
     "この行で始まる引用符（' または \"）が閉じられていません。"),
    ("found undefined alias",
     "「*」による参照（エイリアス）は使えません。値をそのまま書いてください。"),
    ("expected a single document",
     "1つのファイルに書ける文書は1つだけです。「---」の行を消してください。"),
    ("found unknown escape character",
     "二重引用符 \" の中では「\\」が使えません。単一引用符 ' で囲んでください。"),
    ("expected ',' or ']'",
     "[ ] の一覧の書き方が違います。項目はカンマで区切り、最後を ] で閉じてください。"),
    ("expected ',' or '}'",
     "{ } の書き方が違います。項目はカンマで区切り、最後を } で閉じてください。"),
    ("that cannot start any token",
     "この文字で値を始めることはできません。値全体を引用符で囲んでください（例: '@abc' や '`abc`'）。"),
    ("found character '\\t'",
     "タブ文字は使えません。半角スペースにしてください。"),
)


@dataclass
class Document:
    """One parsed data file: its plain data and the position of every value in it."""

    path: Path
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    #: Where each mapping key was written; a block mapping or list is best pointed at by its key.
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    #: Values whose key line is the better place to point at (block mappings and lists).
    blocks: set[Path_] = field(default_factory=set, repr=False)
    #: Problems found while reading; the data is still usable for further checks.
    problems: list[DataError] = field(default_factory=list)
    #: Paths whose value was dropped because of a problem; later errors below them are noise.
    spoiled: set[Path_] = field(default_factory=set, repr=False)
    seen: set[int] = field(default_factory=set, repr=False)

    def where(self, loc: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value at ``loc``, or of its nearest parent.

        A block mapping or list, a missing field and (with ``key``) a mapping key are shown at the
        line of their key, which is where staff look; a scalar is shown at its value.
        """
        loc = tuple(loc)
        exact = True
        while loc:
            if loc in self.positions:
                if (key or loc in self.blocks or not exact) and loc in self.keys:
                    return self.keys[loc]
                return self.positions[loc]
            loc = loc[:-1]
            exact = False
        return self.positions.get((), (1, 1))

    def error(self, loc: Path_, message: str, *, key: bool = False) -> DataError:
        line, col = self.where(loc, key=key)
        return DataError(str(self.path), line, col, dotted(loc), message)

    def is_spoiled(self, loc: Path_) -> bool:
        return any(loc[: len(s)] == s for s in self.spoiled)


def dotted(loc: Path_) -> str:
    """("submissions", 0, "email") → "submissions[0].email", the way staff find it in the file."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out



def read_text(path: Path) -> str:
    """Read a data file as UTF-8, naming the first bad byte's line when it is not."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(str(path), 1, 1, "", "ファイルがありません。") from None
    except OSError as exc:
        raise DataError(str(path), 1, 1, "", f"ファイルを読めません（{exc.strerror}）。") from None
    if len(raw) > MAX_FILE_BYTES:
        raise DataError(str(path), 1, 1, "", f"ファイルが大きすぎます（{len(raw):,} バイト、上限 {MAX_FILE_BYTES:,} バイト）。")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(str(path), line, col, "", _encoding_hint(raw)) from None
    return text.removeprefix("\ufeff")


def _encoding_hint(raw: bytes) -> str:
    for codec, name in (("cp932", "Shift_JIS"), ("euc_jp", "EUC-JP")):
        try:
            raw.decode(codec)
        except UnicodeDecodeError:
            continue
        return (f"UTF-8 ではない文字が含まれています（{name} で保存されているようです）。"
                "エディタで文字コードを UTF-8 にして保存し直してください。")
    return "UTF-8 ではない文字が含まれています。エディタで文字コードを UTF-8 にして保存し直してください。"


def _precheck(path: Path, text: str) -> list[DataError]:
    """Tabs and overlong lines, every one of them, before the YAML parser sees the text."""
    found: list[DataError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_LENGTH:
            found.append(DataError(str(path), number, MAX_LINE_LENGTH + 1, "",
                                   f"行が長すぎます（{len(line):,} 文字、上限 {MAX_LINE_LENGTH:,} 文字）。途中で改行してください"
                                   "（長い文は「>-」の後に続けて、複数行に分けて書けます）。"))
            continue
        tab = line.find("\t")
        if tab < 0:
            continue
        if not line[:tab].strip(" "):
            message = "字下げにタブ文字が使われています。YAML の字下げは半角スペースで書いてください。"
        else:
            message = "タブ文字が含まれています。半角スペースにしてください。"
        found.append(DataError(str(path), number, tab + 1, "", message))
    return found


def read(path: Path, text: str | None = None) -> tuple[Document | None, list[DataError]]:
    """Parse one YAML file; return the document (None when unreadable) and every problem found."""
    path = Path(path)
    try:
        if text is None:
            text = read_text(path)
    except DataError as exc:
        return None, [exc]
    found = _precheck(path, text)
    if found:
        return None, found
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        # an unclosed quote is found at the end of the file; the line where it opened is the useful one
        opened = (exc.context or "").startswith("while scanning a quoted") and exc.context_mark
        mark = exc.context_mark if opened else (exc.problem_mark or exc.context_mark)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [DataError(str(path), line, col, "", _yaml_message(f"{exc.context or ''} {exc.problem or exc}"))]
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        return None, [DataError(str(path), line, col, "",
                                f"使えない制御文字（U+{exc.character:04X}）が含まれています。消してください。")]
    except yaml.YAMLError as exc:
        return None, [DataError(str(path), 1, 1, "", f"YAML として読めません（{exc}）。")]
    finally:
        loader.dispose()
    if node is None:
        return None, [DataError(str(path), 1, 1, "", "ファイルが空です。項目を書いてください。")]
    doc = Document(path=path, data={})
    doc.data = _build(node, (), doc)
    return doc, list(doc.problems)


def load(path: Path, text: str | None = None) -> Document:
    """Parse one YAML file strictly; raise :class:`DataError` (one problem) or :class:`DataErrors` (several)."""
    doc, problems = read(path, text)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise DataErrors(problems)
    assert doc is not None
    return doc


def _yaml_message(problem: str) -> str:
    for needle, message in _YAML_PROBLEMS:
        if needle in problem:
            return message
    return f"YAML の書き方に誤りがあります（{problem}）。字下げやコロン、引用符を確かめてください。"


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _problem(doc: Document, at: tuple[int, int], loc: Path_, message: str) -> None:
    error = DataError(str(doc.path), at[0], at[1], dotted(loc), message)
    if not any((e.line, e.message) == (error.line, error.message) for e in doc.problems):
        doc.problems.append(error)  # one alias bomb line is one problem, not nine
    doc.spoiled.add(loc)


def _build(node: yaml.Node, loc: Path_, doc: Document, key_at: tuple[int, int] | None = None) -> Any:
    at = _mark(node)
    if id(node) in doc.seen:
        # The composer hands back the anchored node for every alias; its own position is lost,
        # so point at the key (or the list) that holds the alias.
        _problem(doc, key_at or doc.where(loc[:-1]), loc,
                 "「&」「*」による参照（アンカー・エイリアス）は使えません。値をそのまま書いてください。")
        if loc and isinstance(loc[-1], int):
            doc.spoiled.add(loc[:-1])  # a list with a hole in it would only add a second, vaguer error
        return None
    doc.seen.add(id(node))
    if len(loc) > MAX_DEPTH:
        _problem(doc, at, loc[:MAX_DEPTH], f"入れ子が深すぎます（{MAX_DEPTH} 段まで）。字下げや括弧を確かめてください。")
        return None
    doc.positions[loc] = at
    if key_at is not None:
        doc.keys[loc] = key_at
    if node.tag not in _PLAIN_TAGS:
        _problem(doc, at, loc, f"型の指定「{node.tag.replace(_TAG, '!!')}」は使えません。「!」で始まる指定を消してください。")
        return None
    if isinstance(node, yaml.MappingNode):
        if not node.flow_style:
            doc.blocks.add(loc)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            kat = _mark(key_node)
            if key_node.tag == _TAG + "merge":
                _problem(doc, kat, loc, "「<<」による取り込みは使えません。値をそのまま書いてください。")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                _problem(doc, kat, loc, "項目名には文字列を書いてください。")
                continue
            key = str(key_node.value)
            if key in out:
                first = doc.keys.get(loc + (key,), kat)
                doc.problems.append(DataError(str(doc.path), kat[0], kat[1], dotted(loc + (key,)),
                                              f"項目「{key}」が2回書かれています（最初は {first[0]} 行目）。どちらか一方にしてください。"))
                continue
            out[key] = _build(value_node, loc + (key,), doc, kat)
        return out
    if isinstance(node, yaml.SequenceNode):
        if not node.flow_style:
            doc.blocks.add(loc)
        return [_build(child, loc + (i,), doc) for i, child in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    if node.tag == _TAG + "str":
        return node.value
    if node.tag == _TAG + "bool" and node.value.lower() not in ("true", "false"):
        return node.value  # YAML 1.2, as editors read it: yes/no/on/off are words, not true/false
    if node.tag in (_TAG + "int", _TAG + "float") and not _NUMBER_RE.match(node.value):
        return node.value  # 8:30 is a time of day, not 510 (YAML 1.1 base 60); 0o17, 1_000 likewise
    if node.tag == _TIMESTAMP_TAG and _DATE_RE.match(node.value):
        try:
            return dt.date.fromisoformat(node.value)
        except ValueError:
            # 2026-02-30: keep the text; the model reports it as a date that does not exist,
            # with the field's name, and the rest of the file is still checked.
            return node.value
    try:
        return _CONSTRUCTOR.construct_object(node)
    except (yaml.constructor.ConstructorError, ValueError):
        return node.value
    finally:
        _CONSTRUCTOR.constructed_objects.clear()


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
