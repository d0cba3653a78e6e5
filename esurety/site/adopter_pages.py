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
import re
import shutil
from pathlib import Path
from typing import Any

from esurety.site import exports, feeds, incremental, views

logger = logging.getLogger(__name__)

__all__ = ["write_pages"]

#: Folders under adopters/ that are group pages or year pages (the other folders belong to extras).
_GROUP_DIR = re.compile(r"(national|agency|public-body|pref-\d\d)")
_YEAR_DIR = re.compile(r"\d{4}")


def _context(generator: Any, url: str) -> dict[str, Any]:
    return {"url": url, "relative_urls": generator.settings["RELATIVE_URLS"], "page_name": f"{url}index"}


def prefecture_feed(group: views.AdopterGroup) -> str | None:
    """The Atom feed of a prefecture group's page (bodies of no prefecture have none)."""
    if isinstance(group, views.PrefectureGroup):
        return feeds.PREFECTURE_FEED_PATH.format(code=group.code[:2])
    return None


def write_pages(generator: Any, writer: Any, adopters: views.AdopterView) -> None:
    """Write the index, every group page, the by-start index and every year page."""
    context = generator.context
    writer.write_file(
        f"{views.ADOPTERS_URL}index.html", generator.get_template("adopters"), context,
        adopters=adopters, json_path=exports.JSON_PATH, **_context(generator, views.ADOPTERS_URL),
    )
    group_tpl = generator.get_template("adopters_group")
    for group in adopters.groups:
        writer.write_file(
            f"{group.url}index.html", group_tpl, context,
            adopters=adopters, group=group, feed_path=prefecture_feed(group),
            # every body of a kind group has the same kind: the column would only repeat the page title
            show_kind=isinstance(group, views.PrefectureGroup), **_context(generator, group.url),
        )
    writer.write_file(
        f"{views.BY_START_URL}index.html", generator.get_template("adopters_by_start"), context,
        adopters=adopters, **_context(generator, views.BY_START_URL),
    )
    year_tpl = generator.get_template("adopters_by_year")
    for year in adopters.years:
        writer.write_file(f"{year.url}index.html", year_tpl, context,
                          adopters=adopters, year=year, **_context(generator, year.url))
    if incremental.enabled(generator.settings):
        _remove_stale(Path(generator.output_path), adopters)
    logger.info("wrote the adopter index, %d group pages and %d year pages", len(adopters.groups),
                len(adopters.years))


def _remove_stale(output: Path, adopters: views.AdopterView) -> None:
    """In-place rebuilds (make serve) only: drop the page of a group or year that no longer has rows.

    ``make build`` writes into a fresh folder and never needs this.
    """
    keep = {g.slug for g in adopters.groups}
    for d in _folders(output / views.ADOPTERS_URL):
        if _GROUP_DIR.fullmatch(d.name) and d.name not in keep:
            shutil.rmtree(d, ignore_errors=True)
    years = {y.year for y in adopters.years}
    for d in _folders(output / views.BY_START_URL):
        if _YEAR_DIR.fullmatch(d.name) and d.name not in years:
            shutil.rmtree(d, ignore_errors=True)


def _folders(path: Path) -> list[Path]:
    return [d for d in path.iterdir() if d.is_dir()] if path.is_dir() else []
