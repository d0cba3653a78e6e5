"""HTML for the certificate and for every other answer, from the templates beside this module.

One certificate template (``_certificate.html``) serves both ways of asking: the full page a plain
form POST gets, and the fragment inside the JSON answer that the lookup page inserts in place. So
the certificate looks the same with and without JavaScript, and there is one layout to keep right.

Jinja2 is imported on first use, not when the function starts: a cold start that only answers JSON
errors never pays for it. Autoescaping is on; nothing from the store is marked safe.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any, NamedTuple

from .clock import to_jst
from .model import Certificate, Version, changed_fields
from .wareki import format_date

logger = logging.getLogger(__name__)

__all__ = ["render_certificate_fragment", "render_certificate_page", "render_message_page"]

TEMPLATES = Path(__file__).parent / "templates"

#: Labels of the version fields, for "what this change changed".
FIELD_LABELS = {
    "contractor": "保証契約者",
    "orderer": "発注者",
    "work_name": "工事名",
    "guaranteed_amount": "保証金額",
    "contract_amount": "請負金額",
    "guarantee_period": "保証期間",
    "work_period": "工期",
    "contract_date": "請負契約日",
    "deposit_bank": "預託金融機関",
}

_env: Any = None


def _wareki(value: dt.date | str | None) -> str:
    if value is None:
        return ""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day)


def _yen(value: int) -> str:
    return f"{value:,} 円"


def _jst(value: float | str | None) -> str:
    if value is None:
        return ""
    moment = to_jst(value)
    return f"{format_date(moment.date())} {moment:%H:%M}"


def _jst_iso(value: float | str | None) -> str:
    return "" if value is None else to_jst(value).isoformat(timespec="seconds")


def environment() -> Any:
    """The Jinja2 environment, created once per process."""
    global _env
    if _env is None:
        import jinja2

        _env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        _env.filters.update(wareki=_wareki, yen=_yen, jst=_jst, jst_iso=_jst_iso)
    return _env


class HistoryRow(NamedTuple):
    version: Version
    current: bool
    changed: list[str]


def history(certificate: Certificate) -> list[HistoryRow]:
    """新規, 変更1, … newest last, each with the labels of the fields it changed."""
    rows = []
    versions = certificate.versions
    for i, v in enumerate(versions):
        changed = [FIELD_LABELS[f] for f in changed_fields(versions[i - 1], v)] if i else []
        rows.append(HistoryRow(v, i == len(versions) - 1, changed))
    return rows


def _certificate_context(certificate: Certificate, looked_up_at: float, view: Any, heading_level: int) -> dict:
    return {
        "c": certificate,
        "v": certificate.current,
        "history": history(certificate),
        "looked_up_at": looked_up_at,
        "view": view,
        "h": heading_level,
    }


def render_certificate_fragment(certificate: Certificate, looked_up_at: float, view: Any, *,
                                heading_level: int = 2) -> str:
    """The certificate as an ``<article>``, for the lookup page to insert (its own page has the h1)."""
    return environment().get_template("_certificate.html").render(
        _certificate_context(certificate, looked_up_at, view, heading_level))


def render_certificate_page(certificate: Certificate, looked_up_at: float, view: Any, *,
                            static_base: str, form_action: str) -> str:
    """The whole printable page a plain form POST gets."""
    context = _certificate_context(certificate, looked_up_at, view, 1)
    context.update(static_base=static_base, form_action=form_action)
    return environment().get_template("certificate.html").render(context)


def render_message_page(kind: str, *, title: str, message: str, static_base: str, form_action: str,
                        errors: tuple = (), guarantee_number: str | None = None, show_form: bool = True) -> str:
    """A page for every answer that is not a certificate: the message, and the form to try again."""
    return environment().get_template("message.html").render(
        kind=kind, title=title, message=message, errors={e.field: e.message for e in errors},
        guarantee_number=guarantee_number or "", static_base=static_base, form_action=form_action,
        show_form=show_form,
    )
