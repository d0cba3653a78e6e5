"""The lookup as orderer staff use it: demo certificates to try, and the form filled by hand.

The limits of lambda_verify/limits.py count failed lookups per client address (10 per 10-minute
window), and every request from these tests comes from 127.0.0.1. Tests on the shared server therefore
make only a handful of deliberate failures (see ``FAILURES_ON_SHARED_SERVER``); the 429 test runs its own
server and store.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml
from playwright.sync_api import Page

from .support import DEMO_CERTIFICATES

#: Wrong keys sent to the shared server over a whole session, by test (keep the sum below the limit of 10).
FAILURES_ON_SHARED_SERVER = {
    "test_lookup.test_wrong_key_shows_the_generic_message": 1,
    "test_lookup.test_wrong_key_without_javascript": 1,
    "test_lookup.test_unknown_number_answers_like_a_wrong_key": 2,
    "test_accessibility.test_lookup_states": 1,
    "test_html_validity.lookup_answers": 1,
    "test_security.test_api_responses_carry_the_headers": 1,
}
assert sum(FAILURES_ON_SHARED_SERVER.values()) < 10

#: A key in the demo format that belongs to no certificate.
WRONG_KEY = "ZZZZZZZZZZZZZZZZ"


@dataclass(frozen=True)
class DemoCertificate:
    guarantee_number: str
    access_key: str
    guarantor: str
    cancelled: bool


@cache
def demo_certificates() -> tuple[DemoCertificate, ...]:
    data = yaml.safe_load(DEMO_CERTIFICATES.read_text(encoding="utf-8"))
    return tuple(DemoCertificate(str(c["guarantee_number"]), str(c["access_key"]), c["guarantor"],
                                 bool(c.get("cancelled_on"))) for c in data["certificates"])


def demo_certificate(guarantor: str = "wjcs", cancelled: bool = False) -> DemoCertificate:
    """The first demo certificate of ``guarantor`` (still valid unless ``cancelled``)."""
    return next(c for c in demo_certificates() if c.guarantor == guarantor and c.cancelled == cancelled)


def fill_lookup(page: Page, number: str, key: str) -> None:
    page.get_by_label("保証契約番号").fill(number)
    page.get_by_label("認証キー").fill(key)


def submit_without_js(page: Page, number: str, key: str) -> None:
    """Open /lookup/ and send the form as a plain POST (the page must come from a JS-disabled context)."""
    page.goto("/lookup/")
    fill_lookup(page, number, key)
    with page.expect_navigation():
        page.get_by_role("button", name="電子証書を表示").click()
