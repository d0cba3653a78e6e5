"""Pages every site has: the FAQ index over Pelican's own FAQ pages (content/faq/), and the 404 page."""

from __future__ import annotations

from typing import ClassVar

from esurety.kernel import paths
from esurety.site.family import FamilyGenerator

__all__ = ["SitePages"]


class SitePages(FamilyGenerator):
    """The FAQ index and 404.html (rendered again when content/faq or anything shared changed)."""

    writes: ClassVar[tuple[str, ...]] = (paths.FAQ, paths.NOT_FOUND)
    templates: ClassVar[tuple[str, ...]] = ("faq_index", "404")

    def render(self) -> None:
        faq_pages = sorted((p for p in self.context.get("pages", []) if p.slug.startswith("faq/")),
                           key=lambda p: p.slug)
        self.page(paths.FAQ, "faq_index", faq_pages=faq_pages)
        self.page(paths.NOT_FOUND, "404", relative_urls=False)
