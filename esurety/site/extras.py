"""The outputs beyond the leaflets, registered with the generator in one place.

``OUTPUTS`` are called at the end of ``ESuretyGenerator.generate_output`` with
``(generator, writer, data, adopters_view)``; ``TEMPLATE_GLOBALS`` are added to the generator's
templates before any page is written. Each output lives in its own module.
"""

from __future__ import annotations

from typing import Any, Callable

from esurety.site import charts, eligibility, exports, feeds, search

__all__ = ["OUTPUTS", "TEMPLATE_GLOBALS"]

OUTPUTS: list[Callable[[Any, Any, Any, Any], None]] = [
    eligibility.write_outputs,  # municipalities/<slug>/rules.json, /check/
    exports.write_outputs,  # /adopters/adopters.csv, adopters.json, /adopters/data/
    feeds.write_outputs,  # /feeds/adopters.atom.xml, /feeds/adopters/<code>.atom.xml, /adopters/start-dates.ics
    charts.write_outputs,  # /adopters/charts/ and its SVG files
    search.write_outputs,  # /search/ (the index itself is built by search.build_index after Pelican)
]

TEMPLATE_GLOBALS: dict[str, Any] = {
    "eligibility_view": eligibility.eligibility_view,
    "route_views": eligibility.route_views,
    "search_keywords": search.keywords,
}
