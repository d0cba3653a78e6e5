"""Where every page and file of the site lives: one builder per page family.

Each function returns a path relative to the site root. ``*_page`` / save paths end in
``index.html`` (what Pelican writes); :func:`url` turns one into the page's URL path (what links
use). Templates reach these through the ``paths`` global; nothing writes a page URL by hand.
"""

from __future__ import annotations

__all__ = [
    "ADOPTERS",
    "CHECK",
    "FAQ",
    "LOOKUP",
    "ORDERERS",
    "SEARCH",
    "adopter_group",
    "apply_page",
    "check_for",
    "orderer",
    "orderer_page",
    "orderer_rules",
    "root_url",
    "url",
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


def root_url(save_as: str) -> str:
    """``lookup/index.html`` → ``/lookup/``: the URL path from the host's root, for links made outside the
    site's own pages (the lookup function's answers, the key notice's QR code)."""
    return "/" + url(save_as)


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


# --- further page families (added with the one-generator-per-family site) -------------------------

NOT_FOUND = "404.html"
BY_START = "adopters/by-start/index.html"
OPEN_DATA = "adopters/data/index.html"
CHARTS = "adopters/charts/index.html"
ADOPTERS_CSV = "adopters/adopters.csv"
ADOPTERS_JSON = "adopters/adopters.json"
#: The adopter table for Excel: Japanese headers, codes and months kept as text (CSV and workbook).
ADOPTERS_EXCEL_CSV = "adopters/adopters-excel.csv"
ADOPTERS_XLSX = "adopters/adopters.xlsx"
START_DATES_ICS = "adopters/start-dates.ics"
FEED = "feeds/adopters.atom.xml"
#: The search index's list of bundles (Pagefind), read by the search page.
SEARCH_BUNDLES = "pagefind/bundles.json"

__all__ += [
    "ADOPTERS_CSV",
    "ADOPTERS_EXCEL_CSV",
    "ADOPTERS_JSON",
    "ADOPTERS_XLSX",
    "BY_START",
    "CHARTS",
    "FEED",
    "NOT_FOUND",
    "OPEN_DATA",
    "SEARCH_BUNDLES",
    "START_DATES_ICS",
    "adopter_group_page",
    "chart",
    "prefecture_feed",
    "prefecture_group",
    "search_bundle",
    "start_year",
    "start_year_page",
]


def prefecture_group(code: str) -> str:
    """URL path of one prefecture's page of the adopter table (``code``: its local-government code or two digits)."""
    return adopter_group(f"pref-{code[:2]}")


def adopter_group_page(slug: str) -> str:
    return f"{adopter_group(slug)}index.html"


def start_year(year: str) -> str:
    """URL path of the list of adopters that start in ``year``."""
    return f"{url(BY_START)}{year}/"


def start_year_page(year: str) -> str:
    return f"{start_year(year)}index.html"


def prefecture_feed(code: str) -> str:
    """The Atom feed of one prefecture's adopters (``code``: the two-digit prefecture code)."""
    return f"feeds/adopters/{code[:2]}.atom.xml"


def chart(name: str) -> str:
    """One SVG picture of the charts page (``adoption``, ``usage-1``…)."""
    return f"{url(CHARTS)}{name}.svg"


def search_bundle(shard: int) -> str:
    """Folder of one Pagefind bundle: ``pagefind/`` for the first shard, then ``pagefind-2/``, …"""
    return "pagefind/" if shard == 0 else f"pagefind-{shard + 1}/"
