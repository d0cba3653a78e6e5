"""The lookup as orderer staff use it: demo certificates to try, and the form filled by hand.

The limits of lambda_verify/limits.py count attempts per client address and per guarantee number (10
per 10 minutes each). No test here shares its count with another: each sends its own client address
and the server's lookup clock moves past the window after each test (conftest.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml
from playwright.sync_api import Page

from .support import DEMO_CERTIFICATES

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
