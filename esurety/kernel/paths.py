"""Where every page and file of the site lives: one builder per page family.

Each function returns a path relative to the site root. ``*_page`` / save paths end in
``index.html`` (what Pelican writes); :func:`url` turns one into the page's URL path (what links
use). Templates reach these through the ``paths`` global; nothing writes a page URL by hand.
"""

from __future__ import annotations

__all__ = [
    "ORDERERS", "ADOPTERS", "CHECK", "LOOKUP", "SEARCH", "FAQ", "url", "orderer", "orderer_page", "orderer_rules",
    "adopter_group", "apply_page", "check_for",
]

#: Save paths (what the generators write).
ORDERERS = "municipalities/index.html"
ADOPTERS = "adopters/index.html"
CHECK = "check/index.html"
LOOKUP = "lookup/index.html"
SEARCH = "search/index.html"
FAQ = "faq/index.html"


def url(save_as: str) -> str:
    """``check/index.html`` → ``check/``: the URL path of a page, relative to the site root."""
    return save_as[: -len("index.html")] if save_as.endswith("index.html") else save_as


def orderer(slug: str) -> str:
    """URL path of one orderer's guidance page."""
    return f"municipalities/{slug}/"


def orderer_page(slug: str) -> str:
    return f"{orderer(slug)}index.html"


def orderer_rules(slug: str) -> str:
    """The orderer's eligibility rules for the page's script."""
    return f"{orderer(slug)}rules.json"


def check_for(slug: str) -> str:
    """The site-wide check with the orderer chosen."""
    return f"{url(CHECK)}?orderer={slug}"


def adopter_group(slug: str) -> str:
    """URL path of one page of the adopter table (a prefecture ``pref-44`` or a kind of body)."""
    return f"adopters/{slug}/"


def apply_page(slug: str) -> str:
    """URL path of a guarantor's how-to-apply page (content/pages/<slug>.md)."""
    return f"{slug}/"
