"""The adopter table as light pages: an index of groups, one page per group, and lists by start year.

One page holding every adopter grew past the 30 KB page budget at a few hundred rows, and the table
grows toward every local government in Japan. So the index shows only the groups (国, 独立行政法人等,
その他公共的団体 and each prefecture) with their counts; each group has its own page with the full
table; and the lists by start month are split by year. The index's filter box finds any row by
name or reading from the open-data JSON (exports.JSON_PATH), fetched only when someone types.

Every page is written in one loop over the groups and years that ``views.adopter_view`` computed
once, so the work stays linear in the number of rows.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from esurety.kernel import paths
from esurety.site import exports, views
from esurety.site.family import FamilyGenerator

logger = logging.getLogger(__name__)

__all__ = ["AdopterPages", "prefecture_feed"]


def prefecture_feed(group: views.AdopterGroup) -> str | None:
    """The Atom feed of a prefecture group's page (bodies of no prefecture have none)."""
    if isinstance(group, views.PrefectureGroup):
        return paths.prefecture_feed(group.code)
    return None


class AdopterPages(FamilyGenerator):
    """The adopter table: the index of groups, every group page, the by-start index and every year page."""

    writes: ClassVar[tuple[str, ...]] = (paths.ADOPTERS, paths.adopter_group_page("<group>"), paths.BY_START,
                                         paths.start_year_page("<year>"))
    templates: ClassVar[tuple[str, ...]] = ("adopters", "adopters_group", "adopters_by_start", "adopters_by_year")

    def render(self) -> None:
        adopters = self._site.adopters
        self.page(paths.ADOPTERS, "adopters", adopters=adopters, json_path=exports.JSON_PATH)
        for group in adopters.groups:
            self.page(paths.adopter_group_page(group.slug), "adopters_group",
                      adopters=adopters, group=group, feed_path=prefecture_feed(group),
                      # every body of a kind group has the same kind: the column would only repeat the page title
                      show_kind=isinstance(group, views.PrefectureGroup))
        self.page(paths.BY_START, "adopters_by_start", adopters=adopters)
        for year in adopters.years:
            self.page(paths.start_year_page(year.year), "adopters_by_year", adopters=adopters, year=year)
        logger.info("wrote the adopter index, %d group pages and %d year pages", len(adopters.groups),
                    len(adopters.years))
