"""電子保証ガイド's Pelican plugin: load and validate the YAML data once, then one generator per page family.

The page families, in the order Pelican runs them (each a small generator class in its own module;
the class attributes ``writes`` and ``templates`` say what it writes and from which templates):

==========================================  ==========================================================
family                                      writes
==========================================  ==========================================================
guidance.GuidancePages                      municipalities/<slug>/index.html (one per orderer)
guidance.GuidanceIndex                      municipalities/index.html
adopter_pages.AdopterPages                  adopters/, adopters/<group>/, adopters/by-start/<year>/
eligibility.EligibilityCheck                municipalities/<slug>/rules.json, check/
exports.OpenData                            adopters/adopters.csv, adopters.json, adopters/data/
feeds.Feeds                                 feeds/adopters.atom.xml, feeds/adopters/<code>.atom.xml, .ics
charts.Charts                               adopters/charts/ and its SVG pictures
key_notice.KeyNoticePictures                pictures/key-notice-<guarantor>-<variant>.svg
site_pages.SitePages                        faq/index.html, 404.html
search.SearchPage                           search/; the index pagefind*/ (esurety/site/search_index.py)
==========================================  ==========================================================

The first family to run loads and validates the data (esurety/site/sitedata.py); all of them share it.
Pelican's own PagesGenerator writes the Markdown pages (content/pages, content/faq) before them. The
per-orderer outputs are started on the other cores by the first per-orderer family and collected on
Pelican's ``finalized``, where the search index is built (in make build: after the run, apart).
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = ["FAMILIES", "family_classes", "register"]

#: Every page family, as ``module:Class`` under esurety.site, in the order Pelican runs them.
FAMILIES: tuple[str, ...] = (
    "guidance:GuidancePages",
    "guidance:GuidanceIndex",
    "adopter_pages:AdopterPages",
    "eligibility:EligibilityCheck",
    "exports:OpenData",
    "feeds:Feeds",
    "charts:Charts",
    "key_notice:KeyNoticePictures",
    "site_pages:SitePages",
    "search:SearchPage",
)


def family_classes() -> list[type]:
    """The generator classes of :data:`FAMILIES` (imports Pelican)."""
    out = []
    for entry in FAMILIES:
        module, name = entry.split(":")
        out.append(getattr(importlib.import_module(f"{__name__}.{module}"), name))
    return out


def _get_generators(_pelican: object) -> list[type]:
    return family_classes()


def _finalized(pelican: object) -> None:
    """Every family has run: take this process's share of the per-orderer outputs and the workers'
    results, build the search index, then record this build for the next (incremental) one.

    When the caller indexes after the run (make build, :data:`esurety.site.search_index.AFTER_RUN`), it
    does the last two itself, with the build record it takes from :func:`esurety.site.sitedata.current`.
    """
    from esurety.site import family, search_index, sitedata

    settings = pelican.settings  # type: ignore[attr-defined]
    after_run = search_index.index_after_run(settings)
    site = sitedata.current(clear=not after_run)  # after the run, the caller takes it
    if site is None:  # the plugin's families did not run
        search_index.stop_indexer()
        return
    family.finish_orderers(site)  # the per-orderer outputs still under way on the other cores
    site.state.save_file_cache()  # unless the render wrote it already (then it does nothing)
    if after_run:
        return
    search_index.index_and_record(Path(pelican.output_path), settings, site.state)  # type: ignore[attr-defined]


def _faq_under_faq(instance: object) -> None:
    """FAQ Markdown files live in content/faq/ and are published under /faq/<name>/."""
    source = getattr(instance, "source_path", "") or ""
    if "/faq/" in source.replace("\\", "/") and not instance.slug.startswith("faq/"):  # type: ignore[attr-defined]
        instance.slug = f"faq/{instance.slug}"  # type: ignore[attr-defined]


def register() -> None:
    # Pelican is imported here, not at module level: `make check` imports the package without it.
    from pelican import signals

    signals.get_generators.connect(_get_generators)
    signals.finalized.connect(_finalized)
    signals.content_object_init.connect(_faq_under_faq)
