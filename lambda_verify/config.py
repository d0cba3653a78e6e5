"""Settings from the environment, read once when the function starts.

* ``CERTIFICATES_TABLE``: DynamoDB table (production). Its endpoint is boto3's standard
  ``AWS_ENDPOINT_URL_DYNAMODB`` and needs nothing here.
* ``VERIFY_DB``: SQLite file used when no table is named; default ``var/verify.sqlite3`` under the
  project root.
* ``VERIFY_STATIC_BASE``: URL path of the site's theme files linked from the pages the function
  renders (default ``/theme``; the function is served from the site's own origin).
* ``ORIGIN_VERIFY_SECRET``: the value CloudFront sends in ``x-origin-verify`` (production; see
  origin.py). Set, every request without it is refused with 403.
* ``VERIFY_FAILURE_FLOOR``: seconds every failed lookup lasts at least (default 0, see below).
* ``AWS_LAMBDA_FUNCTION_NAME`` (set by Lambda itself): inside Lambda without an origin secret the
  ``cloudfront-viewer-address`` header is not believed, since nothing vouches for it there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from .limits import Limits

__all__ = ["PROJECT_ROOT", "Settings"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "var" / "verify.sqlite3"

#: A minimum duration for failed lookups, off by default: an unknown number and a wrong key already
#: walk the same path with the same store requests (service.py), and a sleep would hold a function
#: execution idle for every failure (README, "Availability"). ``VERIFY_FAILURE_FLOOR`` sets it.
FAILURE_FLOOR_SECONDS = 0.0


class Settings(NamedTuple):
    table: str | None = None
    db_path: Path = DEFAULT_DB
    limits: Limits = Limits()
    failure_floor: float = FAILURE_FLOOR_SECONDS
    #: None: the SQLite store's own BUSY_TIMEOUT_SECONDS (not imported here, to keep the handler's import light).
    sqlite_busy_timeout: float | None = None
    static_base: str = "/theme"
    origin_secret: str | None = None
    #: Believe cloudfront-viewer-address when no origin secret is configured (true locally, where the
    #: local server drops client-sent values; false in Lambda).
    trust_unverified_viewer: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        db = env.get("VERIFY_DB")
        try:
            floor = max(0.0, min(2.0, float(env.get("VERIFY_FAILURE_FLOOR") or FAILURE_FLOOR_SECONDS)))
        except ValueError:
            floor = FAILURE_FLOOR_SECONDS
        return cls(
            failure_floor=floor,
            table=env.get("CERTIFICATES_TABLE") or None,
            db_path=Path(db).expanduser() if db else DEFAULT_DB,
            static_base=(env.get("VERIFY_STATIC_BASE") or "/theme").rstrip("/"),
            origin_secret=env.get("ORIGIN_VERIFY_SECRET") or None,
            trust_unverified_viewer=not env.get("AWS_LAMBDA_FUNCTION_NAME"),
        )
