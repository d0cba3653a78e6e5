"""Site search in Japanese with Pagefind: the /search/ page, and when the index is built.

Pagefind's extended build segments Japanese text (esurety/site/search_index.py), and the reading on
each guidance page (よみ: たけたし) lets たけた find 竹田市 (:func:`keywords`). A plain Pelican run
(``pelican content -s pelicanconf.py``) builds the index on its ``finalized`` signal, when every page
is written (esurety/site/__init__.py connects it); ``make build`` renders in a
forked child and builds the same index afterwards in its own small process (:data:`esurety.site.search_index.AFTER_RUN`,
scripts/build.py), so the indexer's memory never comes on top of the data's. Either way a failure
fails the build, and make build leaves the published output/ as it was. The indexer process is
started before any data is loaded, so Pagefind loads its Japanese dictionary on the other core
meanwhile.
"""

from __future__ import annotations

from typing import Any, ClassVar

from esurety.kernel import paths
from esurety.site.family import FamilyGenerator
from esurety.site.search_index import index_in_run, start_indexer

__all__ = ["FILTERS", "SEARCH_URL", "SearchPage", "keywords"]

SEARCH_URL = paths.url(paths.SEARCH)
#: Pagefind filter names set on guidance pages (theme/templates/partials/search_meta.html).
FILTERS: tuple[str, ...] = ("prefecture", "kind", "guarantor")


#: Kind suffixes (kanji, kana) people leave out when they type a name: 竹田 / たけた for 竹田市 / たけたし.
SUFFIXES: dict[str, tuple[tuple[str, str], ...]] = {
    "city": (("市", "し"),),
    "designated_city": (("市", "し"),),
    "town": (("町", "ちょう"), ("町", "まち")),
    "village": (("村", "むら"), ("村", "そん")),
    "prefecture": (("県", "けん"), ("府", "ふ"), ("都", "と")),
}


def keywords(name: str, reading: str | None, kind: str) -> str:
    """Name and reading, also without the kind suffix, for a heavily weighted (hidden) search field.

    Pagefind ranks by the words it finds; hiragana queries such as たけた otherwise match common
    syllables on every page, and the orderer's own page would not come first. The text reads like a
    sentence because Pagefind may show it in a result's excerpt: 竹田市（竹田） よみ: たけたし（たけた）.
    """
    short_name = short_reading = ""
    for kanji, kana in SUFFIXES.get(kind, ()):
        if not short_name and name.endswith(kanji) and len(name) > len(kanji):
            short_name = name[: -len(kanji)]
        if not short_reading and reading and reading.endswith(kana) and len(reading) > len(kana):
            short_reading = reading[: -len(kana)]
    text = f"{name}（{short_name}）" if short_name else name
    if reading:
        text += f" よみ: {reading}" + (f"（{short_reading}）" if short_reading else "")
    return text


class SearchPage(FamilyGenerator):
    """The /search/ page; the index itself (pagefind*/) is built when Pelican has written every page."""

    writes: ClassVar[tuple[str, ...]] = (paths.SEARCH, paths.search_bundle(0) + "…", paths.SEARCH_BUNDLES)
    templates: ClassVar[tuple[str, ...]] = ("search",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if index_in_run(self.settings):
            start_indexer()  # before the data is loaded: the dictionary loads on the other core

    def render(self) -> None:
        self.page(paths.SEARCH, "search")
