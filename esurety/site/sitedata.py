"""The validated dataset and what every page family derives from it, loaded once per Pelican run.

Pelican makes each generator with the same ``context`` dict and calls every ``generate_context``
before any ``generate_output``. The first family generator to ask loads and validates the data
(:meth:`SiteData.shared`), so invalid data fails the build before anything is written, and every
other family reads the same object from the context.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from esurety.data import model
from esurety.data.dataset import Dataset, load_dataset
from esurety.site import buildstate, parallel, views

logger = logging.getLogger(__name__)

__all__ = ["CONTEXT_KEY", "SiteData", "build_date", "current", "project_root"]

JST = ZoneInfo("Asia/Tokyo")
#: Where the shared object sits in Pelican's context.
CONTEXT_KEY = "esurety_site"


def build_date(settings: dict[str, Any]) -> dt.date:
    """The day the build counts as 'today' for 運用中/開始予定: the setting ESURETY_BUILD_DATE (a date or
    YYYY-MM-DD; scripts/build.py --build-date, the tests' fixture), else today in Japan. Never read from
    the environment: a stray variable must not change what production publishes."""
    value = settings.get("ESURETY_BUILD_DATE")
    if value:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return dt.datetime.now(JST).date()


def project_root(settings: dict[str, Any]) -> Path:
    """The project whose data/ and content/ are built (ESURETY_ROOT, else the parent of PATH)."""
    return Path(settings.get("ESURETY_ROOT") or Path(settings["PATH"]).parent)


def _guidance_order(data: Dataset) -> list[model.Guidance]:
    code = {p["name"]: p["code"] for p in data.prefectures}
    return sorted(data.guidance, key=lambda g: (code.get(g.prefecture or "", "99"), g.lg_code or "999999", g.reading))


@dataclass
class SiteData:
    """The validated data and the views every family shares (computed once)."""

    data: Dataset
    today: dt.date
    root: Path
    #: Guidance files in page order (prefecture code, local-government code, reading).
    guidance: list[model.Guidance]
    adopters: views.AdopterView
    #: Digests of this run's inputs, and the previous build's record (incremental make build).
    state: buildstate.BuildState
    rows_by_page: dict[str, views.AdopterRow] = field(default_factory=dict)
    template_globals: dict[str, Any] = field(default_factory=dict)
    #: The page families of this run that write one output per orderer (rendered in one pass).
    orderer_families: list[Any] = field(default_factory=list)
    #: Their outputs under way on the other cores, until Pelican's ``finalized`` (esurety/site/family.py).
    orderers_pending: Any = None
    #: The decision table of the orderer being rendered (the page and its rules.json share it).
    _table: tuple[str, Any] | None = None
    #: The one Jinja environment of every family (so each template is compiled once per run).
    _env: Any = None

    def decision_table(self, g: model.Guidance) -> Any:
        """Every answer of the eligibility rule for ``g``, computed once per orderer and build."""
        if self._table is None or self._table[0] != g.slug:
            from esurety.rules.context import context_for
            from esurety.rules.export import decision_table

            self._table = (g.slug, decision_table(g, context_for(self.data, g)))
        return self._table[1]

    def eligibility_view(self, data: Dataset, g: model.Guidance, site_url: str) -> Any:
        """Template global: the eligibility partial of a guidance page, from the shared decision table."""
        from esurety.site import eligibility

        return eligibility.eligibility_view(data, g, site_url, self.decision_table(g))

    @classmethod
    def shared(cls, generator: Any) -> SiteData:
        """The run's SiteData from ``generator.context``, loading and validating the data on first use."""
        found = generator.context.get(CONTEXT_KEY)
        if found is None:
            global _CURRENT
            found = cls.load(generator.settings)
            _CURRENT = found
            generator.context[CONTEXT_KEY] = found
            generator.context["esurety"] = found.data
            generator.context["esurety_today"] = found.today
        return found

    @classmethod
    def load(cls, settings: dict[str, Any]) -> SiteData:
        root = project_root(settings)
        today = build_date(settings)
        state = buildstate.BuildState.begin(settings, root, today)
        # an incremental build reuses the files validated by the previous build (var/build/<name>/),
        # when the code and the vocabulary are unchanged; Pelican run alone validates everything
        data = load_dataset(root, cache=state.file_cache(),  # written later (BuildState.save_file_cache)
                            mapper=functools.partial(parallel.map_items, workers=parallel.workers(settings)))
        adopters = views.adopter_view(data, today)
        site = cls(data=data, today=today, root=root, guidance=_guidance_order(data), adopters=adopters,
                   state=state,
                   rows_by_page={r.adopter.page: r for g in adopters.groups for r in g.rows if r.adopter.page})
        state.know_data(site)
        site.template_globals = {**views.jinja_globals(data, today), **_family_template_globals(),
                                 "eligibility_view": site.eligibility_view}
        return site

    def environment(self, env: Any) -> Any:
        """The run's one Jinja environment: the first family's (``env``), with the site's filters and globals.

        Pelican gives every generator an environment of its own, made alike from the settings; the
        families share the first, so a template (the base, the partials) is compiled once per run.
        """
        if self._env is None:
            env.filters.update(views.JINJA_FILTERS)
            env.globals.update(self.template_globals)
            self._env = env
        return self._env


#: The SiteData of the Pelican run under way (read by the ``finalized`` step, which has no context).
_CURRENT: SiteData | None = None


def current(*, clear: bool = True) -> SiteData | None:
    """The SiteData of the run that just wrote its pages (and forget it, so a later run cannot see it)."""
    global _CURRENT
    found = _CURRENT
    if clear:
        _CURRENT = None
    return found


def _family_template_globals() -> dict[str, Any]:
    """Functions the families offer to every template (e.g. the eligibility table of a guidance page)."""
    from esurety.site import pictures, search

    return {
        "search_keywords": search.keywords,
        "key_notice_picture": pictures.picture_url,
    }
