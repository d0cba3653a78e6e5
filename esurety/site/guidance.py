"""The guidance family: one page per orderer (municipalities/<slug>/), and the index of them all."""

from __future__ import annotations

import logging
from typing import ClassVar

from esurety.data import model
from esurety.kernel import paths
from esurety.site.family import FamilyGenerator

logger = logging.getLogger(__name__)

__all__ = ["GuidanceIndex", "GuidancePages"]


class GuidancePages(FamilyGenerator):
    """Each orderer's guidance page: when e-surety starts, what it covers, how to send the key notice."""

    writes: ClassVar[tuple[str, ...]] = (paths.orderer_page("<slug>"),)
    templates: ClassVar[tuple[str, ...]] = ("guidance",)
    per_orderer: ClassVar[bool] = True

    def render_orderer(self, g: model.Guidance) -> None:
        self.page(paths.orderer_page(g.slug), "guidance", guidance=g,
                  adopter_row=self._site.rows_by_page.get(g.slug))


class GuidanceIndex(FamilyGenerator):
    """The list of every orderer with a guidance page, in prefecture and code order."""

    writes: ClassVar[tuple[str, ...]] = (paths.ORDERERS,)
    templates: ClassVar[tuple[str, ...]] = ("guidance_index",)

    def render(self) -> None:
        self.page(paths.ORDERERS, "guidance_index", guidance_list=self._site.guidance)
        logger.info("wrote the guidance index (%d orderers)", len(self._site.guidance))
