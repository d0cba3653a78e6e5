"""The origin check: only requests that came through this site's CloudFront distribution are answered.

In production the function sits behind an API Gateway HTTP API, whose ``execute-api`` host name
anyone can call directly, past CloudFront and its WAF rules. CloudFront therefore adds a secret
header to every request it forwards (``x-origin-verify``, an origin custom header; the value is a
Secrets Manager secret that infra/template.yaml puts in both places), and the function refuses
every request without the right value before it reads anything else. That keeps direct callers
away from the lookup, and it is what makes ``cloudfront-viewer-address`` trustworthy: only a
request that carried the secret can have had that header set by CloudFront.

Without ``ORIGIN_VERIFY_SECRET`` (the local server, tests) nothing is refused. The viewer header is
then trusted only outside Lambda, where scripts/devserver.py drops any value a client sends; a
function deployed without the secret falls back to the connection's address, which a caller
cannot choose.

The comparison runs over SHA-256 digests with ``hmac.compare_digest``: its time depends neither on
where the values differ nor on the length of what the caller sent.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
from collections.abc import Mapping

logger = logging.getLogger(__name__)

__all__ = ["HEADER", "OriginCheck", "OriginGuard"]

#: The header CloudFront adds (OriginCustomHeaders in infra/template.yaml), lower case as events carry it.
HEADER = "x-origin-verify"


class OriginCheck(enum.Enum):
    """What the guard concluded about one request."""

    #: The secret is configured and the request carried it: CloudFront forwarded it.
    VERIFIED = "verified"
    #: No secret is configured: nothing can be verified (local server, tests).
    UNCHECKED = "unchecked"
    #: The secret is configured and the request did not carry it: answer 403, nothing else.
    REFUSED = "refused"


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class OriginGuard:
    """Checks the origin header against the configured secret and says whose address to believe."""

    __slots__ = ("_expected", "_trust_unverified_viewer")

    def __init__(self, secret: str | None, *, trust_unverified_viewer: bool = True):
        self._expected = _digest(secret) if secret else None
        self._trust_unverified_viewer = trust_unverified_viewer

    @property
    def enabled(self) -> bool:
        return self._expected is not None

    def check(self, headers: Mapping[str, str]) -> OriginCheck:
        """VERIFIED, UNCHECKED or REFUSED for a request with these (lower-case) headers."""
        if self._expected is None:
            return OriginCheck.UNCHECKED
        given = headers.get(HEADER)
        # Digest even a missing value, so a request without the header costs the same as a wrong one.
        if hmac.compare_digest(_digest(given or ""), self._expected) and given:
            return OriginCheck.VERIFIED
        return OriginCheck.REFUSED

    def trusts_viewer_address(self, check: OriginCheck) -> bool:
        """Whether ``cloudfront-viewer-address`` may name the client for a request that got ``check``."""
        if check is OriginCheck.VERIFIED:
            return True
        return check is OriginCheck.UNCHECKED and self._trust_unverified_viewer
