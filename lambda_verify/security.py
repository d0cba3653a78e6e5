"""Security headers: defined once, sent by the function, the local server and CloudFront alike.

The CloudFront response headers policy in infra/ is tested against this module, and
scripts/devserver.py sends the same dict, so what a developer sees locally is what production sends.
HSTS is kept apart: it must never be sent from http://127.0.0.1 (a browser would remember it for the
whole host), so only the HTTPS deployment adds it.
"""

from __future__ import annotations

__all__ = ["CONTENT_SECURITY_POLICY", "HSTS", "SECURITY_HEADERS"]

#: No inline script or style anywhere: every page loads its code and styles from the site itself.
#: ``data:`` images are allowed for QR codes and small inline icons. ``'wasm-unsafe-eval'`` lets the
#: site search (Pagefind) compile its WebAssembly; it does not allow eval() or inline script.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

#: Two years, subdomains included; sent only over HTTPS (CloudFront adds it).
HSTS = "max-age=63072000; includeSubDomains"
