"""The base of every page family's Pelican generator.

A family is a small :class:`FamilyGenerator` subclass that says, as class attributes, what it writes
(``writes``) and from which templates (``templates``), and implements :meth:`FamilyGenerator.render`
for its outputs. The base class gives it the shared, validated data (:class:`SiteData`), the helpers
to write pages and data files, and incremental rendering: each output (the whole family, or one per
orderer with ``per_orderer``) is rendered only when the digest of its inputs changed since the build
that wrote output/ (esurety/site/buildstate.py); otherwise its files are linked from there.
The families are listed in esurety/site/__init__.py (``FAMILIES``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from pelican.generators import Generator

from esurety.data import model
from esurety.site import parallel
from esurety.site.sitedata import SiteData

logger = logging.getLogger(__name__)

__all__ = ["FamilyGenerator", "cancel_orderers", "finish_orderers"]


class FamilyGenerator(Generator):  # type: ignore[misc]
    """One page family: its outputs, written from the shared validated data."""

    #: The files this family writes, as site-relative patterns (documentation, and the test that every
    #: file of a build belongs to a family).
    writes: ClassVar[tuple[str, ...]] = ()
    #: The templates it renders (theme/templates/<name>.html).
    templates: ClassVar[tuple[str, ...]] = ()
    #: True when the family writes one output per orderer (``render_orderer``), each digested apart.
    per_orderer: ClassVar[bool] = False
    #: True when the family's one output reads every field of every guidance file (not only the listed ones).
    reads_all_guidance: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site: SiteData | None = None
        self._written: list[str] | None = None
        self._writer: Any = None

    # --- Pelican's two steps --------------------------------------------------------------------

    def generate_context(self) -> None:
        self.site = SiteData.shared(self)  # the first family loads and validates; nothing is written yet
        self.env = self.site.environment(self.env)
        if self.per_orderer:
            self.site.orderer_families.append(self)

    def generate_output(self, writer: Any) -> None:
        self._writer = _NotingWriter(writer, self)
        if self.per_orderer and self._site.orderer_families and self._site.orderer_families[0] is self:
            _render_orderers(self._site, self._site.orderer_families)
        if not self.per_orderer or type(self).render is not FamilyGenerator.render:
            self._render_once()

    def _render_once(self) -> None:
        """The family's outputs that are not one per orderer: one digest for all of them."""
        state, name = self._site.state, type(self).__name__
        digest = state.digest(name, whole=self.reads_all_guidance)
        if not state.keep(Path(self.output_path), name, "", digest):
            state.record(name, "", digest, self._collect(self.render))
            state.rendered += 1

    # --- what a family implements ---------------------------------------------------------------

    def render(self) -> None:
        """Write the family's outputs that are not one per orderer (a ``per_orderer`` family may have some too)."""
        raise NotImplementedError

    def render_orderer(self, g: model.Guidance) -> None:
        """Write one orderer's outputs (``per_orderer`` families)."""
        raise NotImplementedError

    # --- helpers --------------------------------------------------------------------------------

    @property
    def _site(self) -> SiteData:
        assert self.site is not None, "generate_context has not run"
        return self.site

    def _collect(self, fn: Any) -> list[str]:
        """Run ``fn`` and return the site-relative paths it wrote through :meth:`page` and :meth:`data_file`."""
        outer, self._written = self._written, []
        try:
            fn()
            return self._written
        finally:
            self._written = outer

    def _note(self, rel: str) -> None:
        if self._written is not None:
            self._written.append(rel)

    def page(self, save_as: str, template: str, *, url: str | None = None, relative_urls: bool | None = None,
             **context: Any) -> None:
        """Render ``template`` to ``save_as`` with Pelican's writer (page URL from the save path)."""
        url = url if url is not None else _url_of(save_as)
        page_name = save_as[: -len(".html")] if save_as.endswith(".html") else save_as
        self._writer.write_file(
            save_as, self.get_template(template), self.context, url=url, page_name=page_name,
            relative_urls=self.settings["RELATIVE_URLS"] if relative_urls is None else relative_urls, **context,
        )

    def data_file(self, rel: str, data: bytes | str, *, bom: bool = False) -> None:
        """Write a data file (JSON, CSV, Atom, iCalendar, SVG) as bytes; text as UTF-8 (``bom`` for spreadsheets)."""
        from esurety.site import outfiles

        raw = data.encode("utf-8") if isinstance(data, str) else data
        outfiles.write_bytes(self, rel, (b"\xef\xbb\xbf" + raw) if bom else raw)  # notes rel

    @classmethod
    def describe(cls) -> Iterator[str]:
        """One line per output pattern: what a reader of FAMILIES sees."""
        for pattern in cls.writes:
            yield f"{cls.__name__}: {pattern}"


def _render_orderers(site: SiteData, families: list[FamilyGenerator]) -> None:
    """Start every per-orderer output of every ``per_orderer`` family, in one pass over the orderers.

    One pass, so an orderer's page and its rules.json share one decision table; each output has its
    own digest and is linked from the previous build when unchanged. The orderers still to render
    are shared between the cores (esurety/site/parallel.py): forked workers start on them at once,
    while this process goes on with the families that write one output for the whole site and takes
    its share at the end (:func:`finish_orderers`, on Pelican's ``finalized``). The first family's
    writer is made before, so workers write through their own copies of every family.
    """
    state = site.state
    todo: list[tuple[model.Guidance, list[tuple[int, str]]]] = []
    for g in site.guidance:
        parts = []
        for i, family in enumerate(families):
            name = type(family).__name__
            digest = state.digest(name, g.slug, orderer=g.slug)
            if not state.keep(Path(family.output_path), name, g.slug, digest):
                parts.append((i, digest))
        if parts:
            todo.append((g, parts))
    for family in families:
        if family._writer is None:
            family._writer = _NotingWriter(families[0]._writer._inner, family)
        for template in family.templates:  # compiled here, before the fork, once for both processes
            family.get_template(template)

    def one(item: tuple[model.Guidance, list[tuple[int, str]]]) -> list[tuple[int, str, str, list[str]]]:
        g, parts = item
        out = []
        for i, digest in parts:
            family = families[i]
            out.append((i, g.slug, digest, family._collect(lambda f=family: f.render_orderer(g))))
        return out

    site.orderers_pending = parallel.Pool(one, todo, workers=parallel.workers(families[0].settings))
    if not site.orderers_pending.forked:  # no worker to overlap with: render them here and now
        finish_orderers(site)
    state.save_file_cache()  # while the workers render


def cancel_orderers(site: SiteData) -> None:
    """Stop the per-orderer outputs under way (the run failed before Pelican's ``finalized``)."""
    pool, site.orderers_pending = site.orderers_pending, None
    if pool is not None:
        pool.cancel()


def finish_orderers(site: SiteData) -> None:
    """This process's share of the per-orderer outputs, then every worker's; record them all."""
    pool, site.orderers_pending = site.orderers_pending, None
    if pool is None:
        return
    families = site.orderer_families
    count = 0
    for results in pool.finish():
        for i, slug, digest, files in results:
            site.state.record(type(families[i]).__name__, slug, digest, files)
            count += 1
    site.state.rendered += count
    logger.info("per-orderer outputs of %s: %d rendered, %d linked from the previous build",
                ", ".join(type(f).__name__ for f in families), count,
                len(site.guidance) * len(families) - count)


class _NotingWriter:
    """Pelican's writer, noting each page a family writes (also pages written by plain output functions)."""

    def __init__(self, writer: Any, family: FamilyGenerator) -> None:
        self._inner = writer
        self._family = family

    def write_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        result = self._inner.write_file(name, *args, **kwargs)
        self._family._note(name)
        return result

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)


def _url_of(save_as: str) -> str:
    from esurety.kernel import paths

    return paths.url(save_as)
