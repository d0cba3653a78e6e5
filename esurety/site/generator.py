"""The Pelican generator that turns the validated data into pages.

Validation runs in ``generate_context`` — before Pelican writes anything — so invalid data
fails the build with every error listed and no page written from it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import os
import shutil
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pelican.generators import Generator

from esurety.site import adopter_pages, incremental, views
from esurety.data.dataset import Dataset, load_dataset

logger = logging.getLogger(__name__)

JST = ZoneInfo("Asia/Tokyo")


def build_date(settings: dict[str, Any]) -> dt.date:
    """The day the build counts as 'today' for 運用中/開始予定; BUILD_DATE (YYYY-MM-DD) overrides it."""
    value = os.environ.get("BUILD_DATE") or settings.get("ESURETY_BUILD_DATE")
    if value:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return dt.datetime.now(JST).date()


def extra_outputs() -> list:
    """Further outputs (exports, feeds, pictures...), each a callable ``(generator, writer, data, adopters)``.

    They live in their own modules and are listed in ``extras.OUTPUTS``.
    """
    if importlib.util.find_spec(f"{__package__}.extras") is None:
        return []
    from esurety.site.extras import OUTPUTS

    return list(OUTPUTS)


def extra_template_globals() -> dict[str, Any]:
    """Functions the extra outputs offer to every template (e.g. the eligibility table of a guidance page)."""
    if importlib.util.find_spec(f"{__package__}.extras") is None:
        return {}
    from esurety.site.extras import TEMPLATE_GLOBALS

    return dict(TEMPLATE_GLOBALS)


class ESuretyGenerator(Generator):
    """Writes guidance pages, the guidance index and the adopter table (plugins/esurety/adopter_pages.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env.filters.update(views.JINJA_FILTERS)
        self.data: Dataset | None = None
        #: Slugs whose guidance page this (incremental) build kept because nothing it is made from
        #: changed; extra outputs made from a guidance file alone may keep theirs too. Empty in make build.
        self.unchanged_guidance: frozenset[str] = frozenset()

    @property
    def root(self) -> Path:
        return Path(self.settings.get("ESURETY_ROOT") or Path(self.settings["PATH"]).parent)

    def generate_context(self) -> None:
        self.today = build_date(self.settings)
        # make serve (incremental) reuses files validated by its earlier builds; make build never does
        cache = incremental.file_cache(self.root) if incremental.enabled(self.settings) else None
        self.data = load_dataset(self.root, cache=cache)
        self.env.globals.update(views.jinja_globals(self.data, self.today))
        self.env.globals.update(extra_template_globals())
        self.context["esurety"] = self.data
        self.context["esurety_today"] = self.today

    def generate_output(self, writer: Any) -> None:
        assert self.data is not None
        data = self.data
        code = {p["name"]: p["code"] for p in data.prefectures}
        guidance = sorted(data.guidance, key=lambda g: (code.get(g.prefecture or "", "99"), g.lg_code or "999999", g.reading))
        adopters = views.adopter_view(data, self.today)
        rows_by_page = {r.adopter.page: r for g in adopters.groups for r in g.rows if r.adopter.page}
        page_tpl = self.get_template("guidance")
        # make serve rebuilds in place: a page whose inputs did not change is not rendered again
        # (plugins/esurety/incremental.py); make build renders every page.
        ledger = incremental.ledger(self.root) if incremental.enabled(self.settings) else None
        shared = incremental.shared_digest(self.settings, data, self.today) if ledger else ""
        kept = set()
        for g in guidance:
            path = f"municipalities/{g.slug}/index.html"
            digest = incremental.page_digest(shared, g) if ledger else ""
            if ledger and ledger.unchanged(self.output_path, path, digest):
                kept.add(g.slug)
                continue
            writer.write_file(
                path, page_tpl, self.context,
                guidance=g, adopter_row=rows_by_page.get(g.slug), page_name=f"municipalities/{g.slug}/index",
                url=f"municipalities/{g.slug}/", relative_urls=self.settings["RELATIVE_URLS"],
            )
            if ledger:
                ledger.record(self.output_path, path, digest)
        if ledger:  # a guidance file was removed: so is its page folder
            for gone in ledger.forget_except({f"municipalities/{g.slug}/index.html" for g in guidance}):
                shutil.rmtree(Path(self.output_path, gone).parent, ignore_errors=True)
        self.unchanged_guidance = frozenset(kept)
        writer.write_file(
            "municipalities/index.html", self.get_template("guidance_index"), self.context,
            guidance_list=guidance, url="municipalities/", relative_urls=self.settings["RELATIVE_URLS"],
            page_name="municipalities/index",
        )
        adopter_pages.write_pages(self, writer, adopters)
        faq_pages = sorted((p for p in self.context.get("pages", []) if p.slug.startswith("faq/")),
                           key=lambda p: p.slug)
        writer.write_file("faq/index.html", self.get_template("faq_index"), self.context, faq_pages=faq_pages,
                          url="faq/", relative_urls=self.settings["RELATIVE_URLS"], page_name="faq/index")
        writer.write_file("404.html", self.get_template("404"), self.context, url="404.html",
                          relative_urls=False, page_name="404")
        for write_extra in extra_outputs():
            write_extra(self, writer, data, adopters)
        logger.info("wrote %d guidance pages and the adopter table (%d rows)", len(guidance), adopters.total)
