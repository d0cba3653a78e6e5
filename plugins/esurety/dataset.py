"""Load every data file, validate it against the model and check that files agree with each other.

All errors of a run are collected and reported together (file:line:column, field, Japanese text),
so staff fix everything in one pass. Nothing downstream sees data that failed here.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from . import model, yamlsource
from .errors import DataError, DataErrors
from .messages import explain

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


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


@dataclass
class Loaded:
    """A validated file: the model instance and the parsed document it came from (for positions)."""

    item: Any
    doc: yamlsource.Document


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


class _Collector:
    def __init__(self) -> None:
        self.errors: list[DataError] = []

    def parse(self, path: Path) -> yamlsource.Document | None:
        try:
            return yamlsource.load(path)
        except DataError as exc:
            self.errors.append(exc)
            return None

    def validate(self, doc: yamlsource.Document | None, cls: type[M]) -> Loaded | None:
        if doc is None:
            return None
        try:
            return Loaded(cls.model_validate(doc.data), doc)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
                loc = _strip_union_tags(loc)
                self.errors.append(doc.error(loc, explain(err)))
            return None

    def add(self, doc: yamlsource.Document, loc: tuple[Any, ...], message: str) -> None:
        self.errors.append(doc.error(loc, message))


def _strip_union_tags(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic adds the member type name to locations inside unions and Literal-keyed dicts
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in {"str", "int", "date"})))


def load_dataset(root: Path, layout: Layout | None = None) -> Dataset:
    """Read and validate all data under ``root``; raise :class:`DataErrors` listing every problem."""
    layout = layout or Layout(root=Path(root))
    c = _Collector()

    reference = json.loads(layout.path("local_governments").read_text(encoding="utf-8"))
    prefectures = reference["prefectures"]
    pref_names = {p["name"] for p in prefectures}
    lg_by_code = {lg["code"]: lg for lg in reference["local_governments"]}
    lg_by_code.update({p["code"]: {**p, "prefecture": p["name"]} for p in prefectures})

    vocab = c.validate(c.parse(layout.path("vocabulary")), model.Vocabulary)
    guarantors = c.validate(c.parse(layout.path("guarantors")), model.GuarantorList)
    adopters = c.validate(c.parse(layout.path("adopters")), model.AdopterTable)

    guidance: list[Loaded] = []
    for path in sorted(layout.path("guidance_dir").glob("*.yaml")):
        loaded = c.validate(c.parse(path), model.Guidance)
        if loaded:
            guidance.append(loaded)
    usage: list[Loaded] = []
    usage_dir = layout.path("usage_dir")
    for path in sorted(usage_dir.glob("*.yaml")) if usage_dir.is_dir() else []:
        loaded = c.validate(c.parse(path), model.UsageTable)
        if loaded:
            usage.append(loaded)

    if vocab:
        _check_vocabulary(c, vocab)
    for g in guidance:
        _check_guidance_file(c, g, pref_names, lg_by_code)
    _check_duplicate_slugs(c, guidance)
    if adopters:
        _check_adopters(c, adopters, pref_names, lg_by_code)
        _check_pages_agree(c, adopters, guidance)

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
        prefectures=prefectures,
        sources={g.item.slug: g.doc.path for g in guidance},
    )


def _check_vocabulary(c: _Collector, vocab: Loaded) -> None:
    for group, literal in model.VOCABULARY_GROUPS.items():
        labels = getattr(vocab.item, group)
        for key in get_args(literal):
            if key not in labels:
                c.add(vocab.doc, (group,), f"「{key}」の日本語の表示名がありません。")


def _check_place(c: _Collector, doc: yamlsource.Document, loc: tuple[Any, ...], item: Any,
                 pref_names: set[str], lg_by_code: dict[str, dict[str, Any]]) -> None:
    if item.prefecture is not None and item.prefecture not in pref_names:
        c.add(doc, loc + ("prefecture",), f"「{item.prefecture}」は都道府県名ではありません。47都道府県の正式名（例: 大分県、東京都、北海道）で書いてください。")
    if item.kind == "national" and item.prefecture is not None:
        c.add(doc, loc + ("prefecture",), "国の機関には prefecture を書かないでください。")
    if item.kind in ("prefecture", "designated_city", "city", "town", "village") and item.prefecture is None:
        c.add(doc, loc + ("kind",), "地方公共団体には prefecture（都道府県名）が必要です。")
    if item.lg_code:
        ref = lg_by_code.get(item.lg_code)
        if ref is None:
            c.add(doc, loc + ("lg_code",), f"「{item.lg_code}」は全国地方公共団体コードの一覧にありません。")
        elif ref["name"] != item.name or ref["prefecture"] != item.prefecture:
            c.add(doc, loc + ("lg_code",), f"コード {item.lg_code} は {ref['prefecture']} {ref['name']} のものです。名前・都道府県と合いません。")


def _check_guidance_file(c: _Collector, g: Loaded, pref_names: set[str], lg_by_code: dict[str, dict[str, Any]]) -> None:
    item: model.Guidance = g.item
    if g.doc.path.stem != item.slug:
        c.add(g.doc, ("slug",), f"slug「{item.slug}」とファイル名「{g.doc.path.name}」が違います。ファイル名を {item.slug}.yaml にしてください。")
    _check_place(c, g.doc, (), item, pref_names, lg_by_code)


def _check_duplicate_slugs(c: _Collector, guidance: list[Loaded]) -> None:
    seen: dict[str, Loaded] = {}
    names: dict[tuple[str | None, str], Loaded] = {}
    for g in guidance:
        first = seen.setdefault(g.item.slug, g)
        if first is not g:
            c.add(g.doc, ("slug",), f"slug「{g.item.slug}」は {_at(first.doc, ('slug',))} と重複しています。")
        key = (g.item.prefecture, g.item.name)
        first_name = names.setdefault(key, g)
        if first_name is not g:
            c.add(g.doc, ("name",), f"{g.item.prefecture or ''}{g.item.name} の案内は {_at(first_name.doc, ('name',))} にもあります。")


def _at(doc: yamlsource.Document, loc: tuple[Any, ...]) -> str:
    line, col = doc.where(loc)
    return f"{doc.path}:{line}:{col}"


def _check_adopters(c: _Collector, adopters: Loaded, pref_names: set[str], lg_by_code: dict[str, dict[str, Any]]) -> None:
    table: model.AdopterTable = adopters.item
    names: dict[tuple[str | None, str], int] = {}
    for i, row in enumerate(table.adopters):
        loc = ("adopters", i)
        _check_place(c, adopters.doc, loc, row, pref_names, lg_by_code)
        if row.source not in table.sources:
            c.add(adopters.doc, loc + ("source",), f"資料ID「{row.source}」が sources にありません。")
        key = (row.prefecture, row.name)
        if key in names:
            c.add(adopters.doc, loc + ("name",), f"{row.prefecture or ''}{row.name} は {_at(adopters.doc, ('adopters', names[key]))} と重複しています。")
        else:
            names[key] = i


def _check_pages_agree(c: _Collector, adopters: Loaded, guidance: list[Loaded]) -> None:
    """A guidance page and its adopters row state one fact twice; they must agree."""
    rows_by_page: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(adopters.item.adopters):
        if row.page:
            rows_by_page[row.page].append(i)
    by_slug = {g.item.slug: g for g in guidance}
    for page, indexes in rows_by_page.items():
        if page not in by_slug:
            c.add(adopters.doc, ("adopters", indexes[0], "page"), f"案内ページ「{page}」がありません（content/municipalities/{page}.yaml）。")
        for extra in indexes[1:]:
            c.add(adopters.doc, ("adopters", extra, "page"), f"案内ページ「{page}」を指す行が複数あります。")
    for slug, g in by_slug.items():
        if slug not in rows_by_page:
            c.add(g.doc, ("slug",), f"採用団体一覧（{adopters.doc.path}）に page: {slug} の行がありません。")
            continue
        i = rows_by_page[slug][0]
        row = adopters.item.adopters[i]
        row_at = _at(adopters.doc, ("adopters", i))
        if row.start != g.item.start_month:
            c.add(g.doc, ("start", "date"), f"開始年月 {g.item.start_month} が採用団体一覧 {row_at} の start: {row.start} と違います。")
        if row.prefecture != g.item.prefecture:
            c.add(g.doc, ("prefecture",), f"都道府県「{g.item.prefecture}」が採用団体一覧 {row_at} の「{row.prefecture}」と違います。")
        if row.name != g.item.name:
            c.add(g.doc, ("name",), f"名前「{g.item.name}」が採用団体一覧 {row_at} の「{row.name}」と違います。")
        if set(row.guarantors) != set(g.item.guarantors):
            c.add(g.doc, ("guarantors",), f"保証事業会社が採用団体一覧 {row_at} と違います。")
