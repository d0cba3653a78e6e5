"""HTML text that is safe by construction: every value is escaped unless it is already ``Markup``.

The lookup's pages are small and fixed, so they are written as Python functions over this module
instead of a template engine (the function ships with the standard library, the kernel and boto3
only). ``html()`` is the one way in: it escapes each value it is given, and its result is
``Markup`` so a piece built once is not escaped again where it is put in a larger piece.
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterable
from typing import Any

__all__ = ["Markup", "attrs", "escape", "html", "join"]


class Markup(str):
    """Text that is already HTML (escaped, or written here as markup).

    ``__html__`` is the convention template engines share (markupsafe, Jinja2): the site's templates
    put a form made here into a page without escaping it again.
    """

    __slots__ = ()

    def __html__(self) -> str:
        return str(self)


def escape(value: Any) -> Markup:
    """``value`` as HTML text: ``Markup`` as it is, anything else escaped (quotes included)."""
    if isinstance(value, Markup):
        return value
    return Markup(_html.escape("" if value is None else str(value), quote=True))


def html(template: str, /, **values: Any) -> Markup:
    """``template`` (markup written in the code) with each ``{name}`` replaced by its escaped value."""
    return Markup(template.format_map({name: escape(value) for name, value in values.items()}))


def join(pieces: Iterable[Any], separator: str = "") -> Markup:
    """The pieces, each escaped unless it is markup, one after another."""
    return Markup(escape(separator).join(escape(p) for p in pieces))


def attrs(**values: Any) -> Markup:
    """HTML attributes: ``True`` gives the bare name, ``None`` and ``False`` leave it out.

    A trailing underscore is dropped (``class_``) and other underscores become hyphens
    (``aria_describedby``), so attribute names can be written as keywords.
    """
    out = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        name = name.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{escape(value)}"')
    return Markup("".join(out))
