"""Pelican settings for the published site: pelicanconf.py plus what only production needs.

    SITE_URL=https://dxxxxxxxxxxxx.cloudfront.net .venv/bin/python -m scripts.build --settings publishconf.py

SITE_URL is required (the stack output SiteUrl): every link, feed entry and canonical address is
absolute, and a guessed default would publish a site whose links point somewhere else.
"""

from __future__ import annotations

import os
import runpy

# The shared settings (UPPERCASE names of pelicanconf.py); only production values follow.
globals().update({k: v for k, v in runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                "pelicanconf.py")).items() if k.isupper()})

SITEURL = os.environ.get("SITE_URL", "").strip().rstrip("/")
if not SITEURL.startswith("https://"):
    raise RuntimeError(
        "publishconf.py: set SITE_URL to the site's https:// address (stack output SiteUrl), e.g. "
        "SITE_URL=https://dxxxxxxxxxxxx.cloudfront.net; got " + repr(SITEURL or None)
    )
RELATIVE_URLS = False

# Feeds are absolute by nature: they are read outside the site.
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"

# The lookup form posts here; CloudFront routes /api/* to the function (infra/template.yaml).
API_PATH = "/api/verify"

DELETE_OUTPUT_DIRECTORY = True

# Atom and iCalendar ids (tag: URIs) must not change when the distribution does: set TAG_AUTHORITY to a
# domain the publisher controls; without it the site's host is used.
ESURETY_TAG_AUTHORITY = os.environ.get("TAG_AUTHORITY") or SITEURL.split("://", 1)[1].split("/", 1)[0]
