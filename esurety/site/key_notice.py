"""The key notice pictures (esurety/site/pictures.py) as a page family."""

from __future__ import annotations

from typing import ClassVar

from esurety.site import pictures
from esurety.site.family import FamilyGenerator

__all__ = ["KeyNoticePictures"]


class KeyNoticePictures(FamilyGenerator):
    """Both variants of the key notice picture for every guarantor that names its key notice."""

    writes: ClassVar[tuple[str, ...]] = (pictures.picture_url("<guarantor>", "send"),
                                         pictures.picture_url("<guarantor>", "both"))

    def render(self) -> None:
        outputs = getattr(pictures, "OUTPUTS", None) or [pictures.write_outputs]
        for write in outputs:
            write(self, self._writer, self._site.data, self._site.adopters)
