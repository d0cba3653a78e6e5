"""The key notice (電子証書閲覧用「認証キー」等のお知らせ): a printable page, and a PDF when Chromium is there.

The contractor submits this notice to the orderer. Besides the number and the key it carries a QR
code of the lookup page's address with both in the URL fragment (``#n=…&k=…``): a browser never
sends the fragment to a server, so the key appears in no request and no access log, and the lookup
page removes it from the address bar and history once it has filled the form.

Staff-side only (the loader uses it): it lives with the loader, and the function never ships it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

from esurety.kernel import paths
from esurety.kernel.glossary import glossary
from esurety.kernel.wareki import era_date
from lambda_verify.model import Certificate

logger = logging.getLogger(__name__)

__all__ = ["chromium_path", "lookup_link", "render_notice", "write_pdf"]

#: Where the lookup page lives under the site's address.
LOOKUP_PATH = paths.root_url(paths.LOOKUP)

#: The notice's own layout, beside this module.
TEMPLATES = Path(__file__).with_name("templates")

#: Used when a guarantor has no notice name of its own in the glossary.
DEFAULT_TITLE = "電子証書閲覧用「認証キー」等のお知らせ"

_env: Any = None


def _environment() -> Any:
    """The notice's Jinja2 environment, created on first use."""
    global _env
    if _env is None:
        import jinja2

        _env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                  trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
        _env.filters["wareki"] = lambda day: era_date(dt.date.fromisoformat(day) if isinstance(day, str) else day)
    return _env


def notice_title(guarantor_id: str) -> str:
    """The notice's title as the guarantor names it (its key notice's name, without "（PDF）")."""
    known = glossary().guarantors.get(guarantor_id)
    name = known.key_notice_name if known else None
    return name.removesuffix("（PDF）") if name else DEFAULT_TITLE


def lookup_link(site_url: str, guarantee_number: str, access_key: str) -> str:
    """The QR code's target: the lookup page with number and key in the fragment, never in the query."""
    fragment = urllib.parse.urlencode({"n": guarantee_number, "k": access_key})
    return f"{site_url.rstrip('/')}{LOOKUP_PATH}#{fragment}"


def render_notice(certificate: Certificate, access_key: str, *, site_url: str, issued_on: dt.date,
                  stylesheet: str = "certificate.css") -> str:
    """The notice as a self-standing HTML page (styles from ``stylesheet`` beside it)."""
    import segno

    link = lookup_link(site_url, certificate.guarantee_number, access_key)
    qr = segno.make(link, error="m")
    scale = 4
    size = (qr.symbol_size(scale=scale, border=4))[0]
    return _environment().get_template("notice.html").render(
        title=notice_title(certificate.guarantor.id), c=certificate, v=certificate.current, access_key=access_key, issued_on=issued_on,
        lookup_url=f"{site_url.rstrip('/')}{LOOKUP_PATH}", qr_data_uri=qr.svg_data_uri(scale=scale, border=4),
        qr_size=size, stylesheet=stylesheet,
    )


def chromium_path() -> str | None:
    """Debian's Chromium (or ``CHROMIUM_PATH``), used headless to print notices to PDF."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def write_pdf(html_file: Path, pdf_file: Path, *, chromium: str, timeout: float = 60) -> None:
    """Print ``html_file`` to ``pdf_file`` (A4, per the page's print styles) with headless Chromium."""
    args = [chromium, "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_file}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
    with tempfile.TemporaryDirectory(prefix="notice-chromium-") as profile:
        args += [f"--user-data-dir={profile}", html_file.resolve().as_uri()]
        result = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0 or not pdf_file.exists():
        raise RuntimeError(f"chromium could not print {html_file}: {result.stderr.strip()[-500:]}")
