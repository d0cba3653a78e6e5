"""Load every data file, validate it against the model and check that files agree with each other.

All errors of a run are collected and reported together (file:line:column, field, Japanese text),
so staff fix everything in one pass: a file that cannot be read stops only itself, and a file
with several mistakes reports each of them. Nothing downstream sees data that failed here.
"""

from __future__ import annotations

import difflib
import functools
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from esurety.data import model, yamlsource
from esurety.data.errors import DataError, DataErrors
from esurety.data.messages import explain, known_fields, prefecture_problem
from esurety.kernel import kana

logger = logging.getLogger(__name__)

__all__ = ["Dataset", "FileCache", "FileMapper", "Layout", "Reference", "check_file", "load_dataset"]

M = TypeVar("M", bound=BaseModel)

#: Kinds that are local governments and so must be in the reference list of codes.
LOCAL_KINDS: frozenset[str] = frozenset({"designated_city", "city", "town", "village"})


@dataclass(frozen=True)
class Layout:
    """Where the data files live, relative to the project root."""

    root: Path
    guidance_dir: str = "content/municipalities"
    adopters: str = "data/adopters.yaml"
    guarantors: str = "data/guarantors.yaml"
    vocabulary: str = "data/vocabulary.yaml"
    usage_dir: str = "data/usage"
    local_governments: str = "data/local_governments.json"

    def path(self, name: str) -> Path:
        return self.root / getattr(self, name)

    def files(self) -> list[tuple[str, Path]]:
        """Every data file with its kind (a key of model.FILE_MODELS), in checking order."""
        out = [("vocabulary", self.path("vocabulary")), ("guarantors", self.path("guarantors")),
               ("adopters", self.path("adopters"))]
        out += [("guidance", p) for p in sorted(self.path("guidance_dir").glob("*.yaml"))]
        usage_dir = self.path("usage_dir")
        out += [("usage", p) for p in sorted(usage_dir.glob("*.yaml"))] if usage_dir.is_dir() else []
        return out


class Loaded:
    """A validated file: the model instance and the parsed document it came from (for positions).

    :func:`load_dataset` lets go of the document once the file is validated, and it is pickled
    without it (the build keeps validated files from one build to the next, esurety/site/buildstate.py):
    the file is parsed again only when an error has to point into it. The documents of every file
    at once took more memory than the validated data (at 4,000 guidance files 450 MB against 140 MB).
    """

    __slots__ = ("_doc", "item", "path")

    def __init__(self, item: Any, doc: yamlsource.Document | None = None, *, path: Path | None = None) -> None:
        if doc is None and path is None:
            raise ValueError("a Loaded file needs its document or its path")
        self.item = item
        self._doc = doc
        self.path: Path = Path(path) if path is not None else doc.path  # type: ignore[union-attr]

    @property
    def doc(self) -> yamlsource.Document:
        if self._doc is None:
            doc, _problems = yamlsource.read(self.path)
            self._doc = doc if doc is not None else yamlsource.Document(self.path, None)
        return self._doc

    def forget_document(self) -> None:
        """Let go of the parsed document (read again if needed: the file's bytes are those validated)."""
        self._doc = None

    def __getstate__(self) -> dict[str, Any]:
        return {"item": self.item, "path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.item = state["item"]
        self._doc = None
        self.path = Path(state["path"])


@dataclass
class Dataset:
    """Everything the site is built from, validated."""

    vocabulary: model.Vocabulary
    guarantors: dict[str, model.Guarantor]
    adopters: model.AdopterTable
    guidance: list[model.Guidance]
    usage: list[model.UsageTable]
    prefectures: list[dict[str, str]]
    sources: dict[str, Path] = field(default_factory=dict)

    def guidance_by_slug(self) -> dict[str, model.Guidance]:
        return {g.slug: g for g in self.guidance}

    @functools.cached_property
    def _rows_by_page(self) -> dict[str, model.Adopter]:
        rows: dict[str, model.Adopter] = {}
        for a in self.adopters.adopters:
            if a.page:
                rows.setdefault(a.page, a)
        return rows

    def row_for(self, slug: str) -> model.Adopter | None:
        """The adopters row that links a guidance page (the first, as the cross-file checks take it)."""
        return self._rows_by_page.get(slug)


@dataclass
class Reference:
    """data/local_governments.json: the 47 prefectures and every municipality's code and reading."""

    prefectures: list[dict[str, str]]
    by_code: dict[str, dict[str, Any]]
    by_name: dict[tuple[str, str], dict[str, Any]]

    @property
    def prefecture_names(self) -> list[str]:
        return [p["name"] for p in self.prefectures]

    @classmethod
    def read(cls, path: Path) -> Reference:
        data = json.loads(path.read_text(encoding="utf-8"))
        prefectures = data["prefectures"]
        by_code = {lg["code"]: lg for lg in data["local_governments"]}
        by_code.update({p["code"]: {**p, "prefecture": p["name"]} for p in prefectures})
        by_name = {(lg["prefecture"], lg["name"]): lg for lg in by_code.values()}
        return cls(prefectures, by_code, by_name)


class FileCache(Protocol):
    """Where a long-running process (the preview server) keeps files already validated.

    ``get`` returns what ``put`` stored for the path while the file's bytes are unchanged, else None.
    Only files without any error are stored, so errors are reported on every run.
    (esurety/site/buildstate.py provides one.) A cache may also say, with a true attribute
    ``checks_passed``, that every file it returns passed the checks of a guidance file on its own
    (:func:`_check_guidance_file`) against the same reference list and vocabulary: those checks are
    then not run again for such files; the checks across files always run.
    """

    def get(self, path: Path, cls: type) -> Any | None: ...

    def put(self, path: Path, cls: type, loaded: Any) -> None: ...

    def keep_only(self, paths: set[str]) -> None: ...


#: ``map(fn, items)`` on more than one process where that pays, results in any order
#: (esurety/site/parallel.py ``map_items``); ``fn`` and its results must survive a fork and a pickle.
FileMapper = Callable[[Callable[[Any], Any], list[Any]], list[Any]]
#: A file's checks on its own, once it is validated (the guidance files' :func:`_check_guidance_file`).
FileChecks = Callable[["_Collector", Loaded], None]


def _serial(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    return [fn(x) for x in items]


class _Collector:
    """Gathers every error of a run; parsing and validation never stop at the first one."""

    def __init__(self, cache: FileCache | None = None) -> None:
        self.errors: list[DataError] = []
        self.labels: dict[str, str] = {}
        self.vocabulary: model.Vocabulary | None = None
        self.cache = cache
        #: Paths of the files checked on their own in this run, or taken from a cache that says they
        #: passed those checks (``checks_passed``).
        self.checked: set[str] = set()

    def _apart(self) -> _Collector:
        """A collector of its own errors with this one's vocabulary and labels (for one file, on any process)."""
        other = _Collector()
        other.labels, other.vocabulary = self.labels, self.vocabulary
        return other

    def load_files(self, files: list[tuple[Path, type[BaseModel], FileChecks | None]],
                   mapper: FileMapper | None = None) -> list[Loaded | None]:
        """:meth:`load` of each file, in order; the files not in the cache are parsed, validated and
        checked on their own (the third item) through ``mapper``, so on every core where it pays.
        The errors are those of reading the files one after the other here.
        """
        out: list[Loaded | None] = [None] * len(files)
        todo = []
        for i, (path, cls, checks) in enumerate(files):
            hit = self.cache.get(path, cls) if self.cache is not None else None
            if hit is None:
                todo.append(i)
            else:
                out[i] = hit
                if checks is not None and getattr(self.cache, "checks_passed", False):
                    self.checked.add(str(path))

        def alone(i: int) -> tuple[int, Loaded | None, list[DataError], list[DataError]]:
            path, cls, checks = files[i]
            c = self._apart()
            loaded = c.validate(c.parse(path), cls)
            read_errors, c.errors = c.errors, []
            if loaded is not None:
                if checks is not None:
                    checks(c, loaded)
                loaded.forget_document()  # errors found later read the file again
            return i, loaded, read_errors, c.errors

        for i, loaded, read_errors, check_errors in sorted((mapper or _serial)(alone, todo), key=itemgetter(0)):
            path, cls, checks = files[i]
            self.errors += read_errors + check_errors
            out[i] = loaded
            if loaded is not None and checks is not None:
                self.checked.add(str(path))
            if loaded is not None and self.cache is not None and not read_errors:
                self.cache.put(path, cls, loaded)
        return out

    def load(self, path: Path, cls: type[M]) -> Loaded | None:
        """Parse and validate one file, or take it from the cache when its bytes have not changed."""
        return self.load_files([(path, cls, None)])[0]

    def parse(self, path: Path) -> yamlsource.Document | None:
        doc, problems = yamlsource.read(path)
        self.errors.extend(problems)
        return doc

    def validate(self, doc: yamlsource.Document | None, cls: type[M]) -> Loaded | None:
        if doc is None:
            return None
        try:
            return Loaded(cls.model_validate(doc.data, context={"vocabulary": self.vocabulary}), doc)
        except ValidationError as exc:
            for err in _without_union_noise(exc.errors(include_url=False)):
                self.errors.extend(_pydantic_error(doc, cls, err, self.labels))
            return None

    def add(self, doc: yamlsource.Document | Loaded, loc: tuple[Any, ...], message: str, *, key: bool = False) -> None:
        if isinstance(doc, Loaded):  # its document is read only now, when an error points into it
            doc = doc.doc
        self.errors.append(doc.error(as_written(doc.data, loc), message, key=key))


#: How pydantic names the members of a union in an error location (``list[...]``, ``literal['unstated']``).
_UNION_TAG = re.compile(r"^(?:list|dict|literal|function-\w+|str|date|int|bool|nullable|constrained-str|"
                        r"tagged-union|union|json-or-python)\[.*\]$|^(?:str|date|int|float|bool|none|constrained-str)$")
_UNSTATED_TAG = "literal['unstated']"
#: Errors of an ``X | unstated`` field after which staff are reminded that ``unstated`` may be written.
_UNSTATED_HINTED = frozenset({"list_type", "literal_error", "string_type", "dict_type", "model_type",
                              "model_attributes_type"})


def _without_union_noise(errors: list[Any]) -> list[Any]:
    """One error per field for ``X | unstated`` unions: drop the member tags and the 'unstated' alternative.

    A value that fails both members gets pydantic's error for each; staff need only the one about
    what they meant to write (the other member), told that ``unstated`` is also allowed. A value
    that fails two other members (a day or a month) gets the first member's error only.
    """
    out: list[Any] = []
    fields_with_other: set[tuple[Any, ...]] = set()
    with_unstated: set[tuple[Any, ...]] = set()
    cleaned: list[tuple[Any, bool, bool]] = []
    for err in errors:
        loc = tuple(err["loc"])
        unstated = _UNSTATED_TAG in loc
        plain = tuple(p for p in loc if not (isinstance(p, str) and (_UNION_TAG.match(p) or p == _UNSTATED_TAG)))
        cleaned.append(({**err, "loc": plain}, unstated, plain != loc))
        if unstated:
            with_unstated.add(plain)
        else:
            fields_with_other.update(plain[:i] for i in range(len(plain) + 1))
    reported: set[tuple[Any, ...]] = set()
    for err, unstated, member in cleaned:
        loc = tuple(err["loc"])
        if unstated and loc in fields_with_other:
            continue
        if member and loc in reported:
            continue
        reported.add(loc)
        out.append({**err, "unstated_allowed": True} if loc in with_unstated and not unstated else err)
    return out


def _pydantic_error(doc: yamlsource.Document, cls: type[BaseModel], err: Any,
                    labels: dict[str, str]) -> list[DataError]:
    raw = tuple(err["loc"])
    on_key = bool(raw) and raw[-1] == "[key]"
    # pydantic adds markers for validator functions and Literal-keyed dict keys; they are not fields
    loc = tuple(p for p in raw if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]")))
    known = known_fields(cls, loc[:-1]) if err["type"] == "extra_forbidden" else None
    loc = as_written(doc.data, loc)
    if doc.is_spoiled(loc):
        return []  # the reader already reported why this value is missing
    message = explain(err, labels=labels, known=known, loc=loc, on_key=on_key)
    if err.get("unstated_allowed") and err["type"] in _UNSTATED_HINTED:
        message = message.rstrip("。") + "。資料に書かれていなければ unstated と書いてください。"
    return [doc.error(loc, message, key=on_key or err["type"] == "extra_forbidden")]


def as_written(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The location as the file writes it: a limit written as one mapping has no ``[0]``."""
    out: list[Any] = []
    current = data
    for part in loc:
        if isinstance(part, int) and isinstance(current, dict):
            continue  # the model read one mapping as a list of one
        out.append(part)
        try:
            current = current[part]
        except (KeyError, IndexError, TypeError):
            current = None
    return tuple(out)


def _labels(vocab: model.Vocabulary) -> dict[str, str]:
    """Every key's Japanese label (shown beside allowed values in error messages)."""
    out: dict[str, str] = {}
    for group in model.VOCABULARY_GROUPS:
        out.update({k: t.label for k, t in getattr(vocab, group).items()})
    return out


def load_dataset(root: Path, layout: Layout | None = None, *, cache: FileCache | None = None,
                 mapper: FileMapper | None = None) -> Dataset:
    """Read and validate all data under ``root``; raise :class:`DataErrors` listing every problem.

    With ``cache`` (the preview server), unchanged files are not parsed or validated again; the
    cross-file checks always run on everything. With ``mapper`` (the build: esurety/site/parallel.py),
    every file but the vocabulary is read, validated and checked on its own on every core; the result
    and the errors are the same as without it.
    """
    layout = layout or Layout(root=Path(root))
    c = _Collector(cache)
    try:
        reference = Reference.read(layout.path("local_governments"))
    except (OSError, ValueError, KeyError) as exc:
        raise DataErrors([DataError(str(layout.path("local_governments")), 1, 1, "",
                                    f"全国地方公共団体コードの一覧を読めません（{exc}）。このファイルは編集しないでください。")]) from None

    vocab = c.load(layout.path("vocabulary"), model.Vocabulary)
    if vocab:
        c.labels = _labels(vocab.item)
        c.vocabulary = vocab.item
    files = layout.files()
    vocab_item = vocab.item if vocab else None

    def guidance_checks(c: _Collector, g: Loaded) -> None:
        _check_guidance_file(c, g, reference, vocab_item)

    rest = [(kind, path) for kind, path in files if kind != "vocabulary"]  # each validated against it
    by_kind: dict[str, list[Loaded]] = defaultdict(list)
    for (kind, _path), loaded in zip(rest, c.load_files(
            [(path, model.FILE_MODELS[kind], guidance_checks if kind == "guidance" else None) for kind, path in rest],
            mapper), strict=True):
        by_kind[kind] += [loaded] if loaded else []
    guarantors, adopters = (next(iter(by_kind[kind]), None) for kind in ("guarantors", "adopters"))
    guidance, usage = by_kind["guidance"], by_kind["usage"]
    if cache is not None:
        cache.keep_only({str(p) for _, p in files})

    _check_reference(c, layout, reference)
    if vocab:
        _check_vocabulary(c, vocab)
    if guarantors:
        _check_guarantors(c, guarantors, vocab.item if vocab else None)
        known = {g.id for g in guarantors.item.guarantors}
        for i, row in enumerate(adopters.item.adopters if adopters else []):
            _check_known_guarantors(c, adopters, ("adopters", i), row.guarantor_ids, known, guarantors.path)
    rows_by_page: dict[str | None, model.Adopter] = {}
    for row in adopters.item.adopters if adopters else []:
        rows_by_page.setdefault(row.page, row)  # the first row that names the page
    for g in guidance:
        if str(g.path) not in c.checked:
            _check_guidance_file(c, g, reference, vocab_item)
        if guarantors and vocab and adopters:
            from esurety.data import consistency

            row = rows_by_page.get(g.item.slug)
            for loc, message in consistency.guarantor_rule_problems(
                    g.item, vocab.item, {x.id: x for x in guarantors.item.guarantors}, row.guarantor_ids if row else []):
                c.add(g.doc, loc, message)
    _check_duplicate_guidance(c, guidance)
    if adopters:
        _check_adopters(c, adopters, reference)
        present = {p.stem for kind, p in files if kind == "guidance"}
        _check_pages_agree(c, adopters, guidance, present)

    if c.errors:
        raise DataErrors(c.errors)
    assert vocab and guarantors and adopters
    logger.info("validated %d guidance files and %d adopters", len(guidance), len(adopters.item.adopters))
    return Dataset(
        vocabulary=vocab.item,
        guarantors={g.id: g for g in guarantors.item.guarantors},
        adopters=adopters.item,
        guidance=[g.item for g in guidance],
        usage=[u.item for u in usage],
        prefectures=reference.prefectures,
        sources={g.item.slug: g.path for g in guidance},
    )


def check_file(path: Path, kind: str, root: Path | None = None) -> list[DataError]:
    """Every error in one data file on its own (no cross-file checks): for editors, previews and tests.

    ``kind`` is a key of :data:`model.FILE_MODELS`; ``root`` (the project) supplies the reference
    list of local governments and the vocabulary's labels.
    """
    root = Path(root) if root else Path(__file__).resolve().parents[2]
    layout = Layout(root=root)
    c = _Collector()
    vocab_doc, _ = yamlsource.read(layout.path("vocabulary"))
    if vocab_doc is not None:
        try:
            c.vocabulary = model.Vocabulary.model_validate(vocab_doc.data)
            c.labels = _labels(c.vocabulary)
        except ValidationError:
            pass
    reference = Reference.read(layout.path("local_governments"))
    loaded = c.validate(c.parse(Path(path)), model.FILE_MODELS[kind])
    if loaded is not None:
        if kind == "guidance":
            _check_guidance_file(c, loaded, reference, c.vocabulary)
            _check_guarantor_rules_alone(c, loaded, layout)
        elif kind == "adopters":
            _check_adopters(c, loaded, reference)
        elif kind == "vocabulary":
            _check_vocabulary(c, loaded)
        elif kind == "guarantors":
            _check_guarantors(c, loaded, c.vocabulary)
    return sorted(c.errors, key=lambda e: (e.file, e.line, e.column))


def _check_guarantor_rules_alone(c: _Collector, g: Loaded, layout: Layout) -> None:
    """check_file's part of the guarantors' general rules: the guarantors and the adopters row from the project."""
    from esurety.data import consistency

    if c.vocabulary is None:
        return
    context = {"vocabulary": c.vocabulary}
    try:
        guarantors = model.GuarantorList.model_validate(yamlsource.load(layout.path("guarantors")).data, context=context)
        table = model.AdopterTable.model_validate(yamlsource.load(layout.path("adopters")).data, context=context)
    except (DataErrors, ValidationError, OSError):
        return  # those files' own errors are reported when they are checked
    item: model.Guidance = g.item
    row = next((a for a in table.adopters if a.page == item.slug or a.identity == item.identity), None)
    for loc, message in consistency.guarantor_rule_problems(item, c.vocabulary, {x.id: x for x in guarantors.guarantors},
                                                            row.guarantor_ids if row else []):
        c.add(g.doc, loc, message)


def _check_reference(c: _Collector, layout: Layout, reference: Reference) -> None:
    """The model's fixed list of 47 prefectures and the reference file must be the same list."""
    if list(get_args(model.PrefectureName)) != reference.prefecture_names:
        c.errors.append(DataError(str(layout.path("local_governments")), 1, 1, "prefectures",
                                  "47都道府県の一覧が model.PrefectureName と一致しません。"))


def _literal_keys(annotation: Any) -> tuple[str, ...]:
    """dict[Literal[...], str] → the Literal's keys."""
    for arg in get_args(annotation):
        if get_origin(arg) is Literal:
            return get_args(arg)
    return ()


def _check_vocabulary(c: _Collector, vocab: Loaded) -> None:
    """Groups whose keys the code knows (orderer kinds, contract stages, status) must hold every key,
    and every reason the eligibility rule gives must have its wording."""
    for group, info in type(vocab.item).model_fields.items():
        terms = getattr(vocab.item, group)
        for key in _literal_keys(info.annotation):
            if key not in terms:
                c.add(vocab.doc, (group,), f"{group} に「{key}」がありません。「{key}: {{label: 表示名, description: 説明}}」の行を書いてください。",
                      key=True)
    for key, term in vocab.item.date_basis.items():
        for i, alt in enumerate(term.alternatives):
            if alt not in vocab.item.date_basis or vocab.item.date_basis[alt].alternatives:
                c.add(vocab.doc, ("date_basis", key, "alternatives", i),
                      f"alternatives の「{alt}」は、二者択一でない date_basis のキーにしてください。")
    from esurety.rules.reasons import REASONS

    for code in REASONS:
        if code not in vocab.item.reason:
            c.add(vocab.doc, ("reason",), f"reason に判定の理由「{code}」の文がありません。「{code}: {{text: 文}}」の行を書いてください。",
                  key=True)
    for code in vocab.item.reason:
        if code not in REASONS:
            c.add(vocab.doc, ("reason", code), f"reason の「{code}」は判定で使われていません。消してください。", key=True)


def _check_guarantors(c: _Collector, guarantors: Loaded, vocab: model.Vocabulary | None) -> None:
    seen: dict[str, int] = {}
    for i, g in enumerate(guarantors.item.guarantors):
        if g.id in seen:
            c.add(guarantors.doc, ("guarantors", i, "id"),
                  f"保証事業会社 {g.id} は {_at(guarantors.doc, ('guarantors', seen[g.id], 'id'))} と重複しています。id は1社に1つです。")
        seen.setdefault(g.id, i)
        if vocab is not None and g.id in vocab.issuer and vocab.issuer[g.id].kind != "guarantor":
            c.add(guarantors.doc, ("guarantors", i, "id"), f"{g.id} は vocabulary.yaml の issuer で kind: guarantor ではありません。")
        for j, rule in enumerate(g.rules):
            if rule.source is not None and rule.source not in g.sources:
                c.add(guarantors.doc, ("guarantors", i, "rules", j, "source"),
                      f"資料ID「{rule.source}」がこの会社の sources にありません。")
    if vocab is not None:
        for key, term in vocab.issuer.items():
            if term.kind == "guarantor" and key not in seen:
                c.add(guarantors.doc, ("guarantors",), f"vocabulary.yaml の issuer「{key}」（保証事業会社）が guarantors にありません。")


def _check_known_guarantors(c: _Collector, doc: yamlsource.Document | Loaded, loc: tuple[Any, ...], ids: list[str],
                            known: set[str], where: Path) -> None:
    for j, gid in enumerate(ids):
        if gid not in known:
            c.add(doc, loc + ("guarantors", j), f"保証事業会社 {gid} が {where} にありません。")
        if gid in ids[:j]:
            c.add(doc, loc + ("guarantors", j), f"保証事業会社 {gid} が2回書かれています。1回にしてください。")


def _check_place(c: _Collector, doc: yamlsource.Document | Loaded, loc: tuple[Any, ...], item: Any,
                 reference: Reference) -> None:
    """Prefecture, kind, code and reading of an orderer agree with the reference list."""
    names = reference.prefecture_names
    if item.prefecture is not None and item.prefecture not in names:
        c.add(doc, loc + ("prefecture",), prefecture_problem(item.prefecture, names))
    if item.kind == "national" and item.prefecture is not None:
        c.add(doc, loc + ("prefecture",), "国の機関には prefecture を書かないでください。")
    if (item.kind == "prefecture" or item.kind in LOCAL_KINDS) and item.prefecture is None:
        c.add(doc, loc + ("kind",), "地方公共団体には prefecture（都道府県名）が必要です。")
        return
    if item.kind == "prefecture" and not item.name.startswith(item.prefecture):
        c.add(doc, loc + ("name",), f"都道府県（kind: prefecture）の name は「{item.prefecture}」か、"
                                    f"その部局なら「{item.prefecture}企業局」のように都道府県名で始めてください。")
    ref = None
    if item.lg_code:
        ref = reference.by_code.get(item.lg_code)
        if ref is None:
            c.add(doc, loc + ("lg_code",), f"「{item.lg_code}」は全国地方公共団体コードの一覧にありません。")
            return
        # a part of a local government (北海道企業局, 新潟市水道局) carries that government's code
        if not item.name.startswith(ref["name"]) or ref["prefecture"] != item.prefecture:
            c.add(doc, loc + ("lg_code",),
                  f"コード {item.lg_code} は {ref['prefecture']} {ref['name']} のものです。name・prefecture と合いません。")
            return
    elif item.kind in LOCAL_KINDS:
        ref = reference.by_name.get((item.prefecture, item.name))
        if ref is None:
            elsewhere = [p for (p, n) in reference.by_name if n == item.name]
            in_pref = [n for (p, n) in reference.by_name if p == item.prefecture]
            close = difflib.get_close_matches(item.name, in_pref, n=1, cutoff=0.5)
            if elsewhere:
                hint = f"{item.name} は {'・'.join(elsewhere)} にあります。prefecture を確かめてください。"
            elif close:
                hint = f"「{close[0]}」ではありませんか。"
            else:
                hint = "正式名（例: 竹田市）で書いてください。"
            c.add(doc, loc + ("name",), f"{item.prefecture}に「{item.name}」という市区町村はありません。{hint}")
            return
    if ref is None or item.kind not in LOCAL_KINDS:
        return
    designated = bool(ref.get("designated_city"))
    if designated and item.kind != "designated_city":
        c.add(doc, loc + ("kind",), f"{item.name} は政令指定都市です。kind: designated_city にしてください。")
    elif not designated and item.kind == "designated_city":
        c.add(doc, loc + ("kind",), f"{item.name} は政令指定都市ではありません。")
    if (item.reading and ref.get("reading") and item.name == ref["name"]
            and kana.large(item.reading) != kana.large(ref["reading"])):
        c.add(doc, loc + ("reading",), f"よみ「{item.reading}」が全国地方公共団体コードの一覧の「{ref['reading']}」と違います。")




def _check_guidance_file(c: _Collector, g: Loaded, reference: Reference, vocab: model.Vocabulary | None) -> None:
    item: model.Guidance = g.item
    if g.path.stem != item.slug:
        c.add(g, ("slug",), f"slug「{item.slug}」とファイル名「{g.path.name}」が違います。"
                            f"ファイル名を {item.slug}.yaml にするか、slug を {g.path.stem} にしてください。")
    _check_place(c, g, (), item, reference)
    from esurety.data import consistency

    for loc, message in consistency.problems(item, vocab):
        c.add(g.doc, loc, message)


def _check_duplicate_guidance(c: _Collector, guidance: list[Loaded]) -> None:
    seen: dict[str, Loaded] = {}
    names: dict[tuple[str | None, str], Loaded] = {}
    for g in guidance:
        first = seen.setdefault(g.item.slug, g)
        if first is not g:
            c.add(g.doc, ("slug",), f"slug「{g.item.slug}」は {_at(first.doc, ('slug',))} と重複しています。slug はページごとに別にしてください。")
        key = (g.item.prefecture, g.item.name)
        first_name = names.setdefault(key, g)
        if first_name is not g:
            c.add(g.doc, ("name",), f"{g.item.prefecture or ''}{g.item.name} の案内は {_at(first_name.doc, ('name',))} にもあります。1つの発注者に案内は1つです。")


def _at(doc: yamlsource.Document, loc: tuple[Any, ...]) -> str:
    line, col = doc.where(loc)
    return f"{doc.path}:{line}:{col}"


def _check_adopters(c: _Collector, adopters: Loaded, reference: Reference) -> None:
    table: model.AdopterTable = adopters.item
    names: dict[tuple[str | None, str], int] = {}
    for i, row in enumerate(table.adopters):
        loc = ("adopters", i)
        _check_place(c, adopters, loc, row, reference)
        if row.source not in table.sources:
            known = "、".join(table.sources)
            c.add(adopters.doc, loc + ("source",), f"資料ID「{row.source}」が sources にありません（あるのは {known}）。")
        key = (row.prefecture, row.name)
        if key in names:
            c.add(adopters.doc, loc + ("name",),
                  f"{row.prefecture or ''}{row.name} は {_at(adopters.doc, ('adopters', names[key], 'name'))} と重複しています。1つの団体は1行にしてください。")
        else:
            names[key] = i


def _check_pages_agree(c: _Collector, adopters: Loaded, guidance: list[Loaded], present: set[str]) -> None:
    """A guidance page and its adopters row state one fact twice; they must agree, and we name both lines.

    ``present`` holds the names of all guidance files, valid or not: a file that failed validation
    has already been reported and must not also be called missing.
    """
    table: model.AdopterTable = adopters.item
    by_slug = {g.item.slug: g for g in guidance}
    rows_by_page: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(table.adopters):
        if row.page:
            rows_by_page[row.page].append(i)
    primary: dict[str, int] = {}
    for page, indexes in rows_by_page.items():
        g = by_slug.get(page)
        if g is None and page not in present:
            c.add(adopters.doc, ("adopters", indexes[0], "page"),
                  f"案内ページ「{page}」がありません（content/municipalities/{page}.yaml）。ファイルを作るか、page を消してください。")
        # with several rows, compare the page with the row that names the same orderer
        same = [i for i in indexes if g and (table.adopters[i].prefecture, table.adopters[i].name)
                == (g.item.prefecture, g.item.name)]
        primary[page] = (same or indexes)[0]
        for extra in indexes:
            if extra != primary[page]:
                c.add(adopters.doc, ("adopters", extra, "page"),
                      f"案内ページ「{page}」を指す行が {_at(adopters.doc, ('adopters', primary[page], 'page'))} にもあります。"
                      "page は1つの行にだけ書いてください。")
    for slug, g in by_slug.items():
        if slug not in primary:
            c.add(g.doc, ("slug",), f"採用団体一覧 {adopters.path} に page: {slug} の行がありません。"
                                    f"{g.item.name} の行に「page: {slug}」を書いてください。")
            continue
        i = primary[slug]
        row: model.Adopter = table.adopters[i]

        def row_at(name: str, i: int = i) -> str:
            return _at(adopters.doc, ("adopters", i, name))

        first = g.item.start.index(g.item.first_start) if g.item.first_start else 0
        if row.start != g.item.start_month:
            c.add(g.doc, ("start", first, "from"),
                  f"開始年月 {g.item.start_month}（いちばん早い start の from）が"
                  f"採用団体一覧 {row_at('start')} の start: {row.start or '（なし）'} と違います。どちらかを直してください。")
        if row.prefecture != g.item.prefecture:
            c.add(g.doc, ("prefecture",), f"都道府県「{g.item.prefecture or '（なし）'}」が採用団体一覧 {row_at('prefecture')} の"
                                          f"「{row.prefecture or '（なし）'}」と違います。")
        if row.name != g.item.name:
            c.add(g.doc, ("name",), f"名前「{g.item.name}」が採用団体一覧 {row_at('name')} の「{row.name}」と違います。")
        if row.kind != g.item.kind:
            c.add(g.doc, ("kind",), f"kind: {g.item.kind} が採用団体一覧 {row_at('kind')} の kind: {row.kind} と違います。")
        accepted = g.item.scope.covered("issuers")
        only = any(limit.only is not None for limit in g.item.scope.limits("issuers"))
        refused = [gid for gid in row.guarantor_ids if only and gid not in accepted]
        if refused:
            c.add(g.doc, ("scope", "issuers"), f"採用団体一覧 {row_at('guarantors')} の保証事業会社 {', '.join(refused)} が、"
                                               f"案内の scope.issuers（{', '.join(accepted)}）にありません。どちらかを直してください。")
