"""HTML for the certificate and for every other answer, from the templates beside this module.

One certificate template (``_certificate.html``) serves both ways of asking: the full page a plain
form POST gets, and the fragment inside the JSON answer that the lookup page inserts in place. So
the certificate looks the same with and without JavaScript, and there is one layout to keep right.

Only the lookup's own footer (``_certificate_lookup.html``: the moment of this lookup, the first
view) changes from one request to the next. Everything around it depends on the stored document
alone, so it is rendered once per document and kept with the prepared certificate (documents.py);
a request fills in just the footer and joins the three strings. The cached halves come from one
rendering with a marker in the footer's place (the footer's own fixed text likewise), so the
templates stay the only layout.

Jinja2 is imported on first use, not when the function starts: a cold start that only answers JSON
errors never pays for it. Autoescaping is on; nothing from the store is marked safe. Templates are
loaded once (``auto_reload`` off): the function's files never change while it runs.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from pathlib import Path
from typing import Any, NamedTuple

from esurety.kernel import numbering
from esurety.kernel.wareki import era_date as format_date

from .clock import to_jst
from .documents import PreparedCertificate
from .model import Certificate, Version, changed_fields

logger = logging.getLogger(__name__)

__all__ = [
    "certificate_fragment",
    "certificate_page",
    "render_certificate_fragment",
    "render_certificate_page",
    "render_message_page",
]

#: Stands where the lookup's footer goes while the rest is rendered for the cache. Markup from the
#: store is escaped, so "<" can only come from the template: the marker cannot occur in the data.
_FOOTER_MARK = "<!--lookup-footer-->"

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


def moment_texts(value: float | str) -> tuple[str, str]:
    """(ISO 8601 in Japan time, 令和… HH:MM) for a moment: the ``datetime`` attribute and the text."""
    moment = to_jst(value)
    return moment.isoformat(timespec="seconds"), f"{format_date(moment.date())} {moment:%H:%M}"


#: A certificate's first view never changes, and the same few certificates are looked up again and again.
_stored_moment_texts = functools.lru_cache(maxsize=1024)(moment_texts)


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
            auto_reload=False,
        )
        _env.filters.update(wareki=_wareki, yen=_yen, jst=_jst, jst_iso=_jst_iso)
        _env.globals["number_hint"] = numbering.format_hint()
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


def _certificate_context(certificate: Certificate, heading_level: int, footer: str) -> dict[str, Any]:
    from markupsafe import Markup

    return {
        "c": certificate,
        "v": certificate.current,
        "history": history(certificate),
        "h": heading_level,
        "lookup_footer": Markup(footer),
    }


#: The footer's values, in the order they appear in _certificate_lookup.html.
_FOOTER_VALUES = ("looked_up_iso", "looked_up_text", "first_view_iso", "first_view_text")


@functools.cache
def _footer_pieces(first_view_now: bool) -> tuple[str, ...]:
    """The footer's fixed text between its values, from one rendering with a marker for each value."""
    from markupsafe import Markup

    marks = {name: Markup(f"<!--{name}-->") for name in _FOOTER_VALUES}
    rest = environment().get_template("_certificate_lookup.html").render(first_view_now=first_view_now, **marks)
    pieces = []
    for name in _FOOTER_VALUES:
        piece, mark, rest = rest.partition(marks[name])
        if not mark or marks[name] in rest:
            raise RuntimeError(f"_certificate_lookup.html must use {name} exactly once, in order")
        pieces.append(piece)
    return (*pieces, rest)


def _footer(looked_up_at: float, view: Any) -> str:
    """The per-request part: this lookup's moment and the certificate's first view.

    Rendering even this small template through Jinja cost about as much as all the rest of a warm
    lookup (profiled), so its fixed text is taken from the template once (``_footer_pieces``) and
    only the four values are escaped and put in between here.
    """
    from markupsafe import escape

    pieces = _footer_pieces(bool(view.recorded_now))
    values = (*moment_texts(looked_up_at), *_stored_moment_texts(view.first_viewed_at))
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:]):
        out += (escape(value), piece)
    return "".join(out)


def _halves(prepared: PreparedCertificate, key: tuple[Any, ...], render: Any) -> tuple[str, str]:
    """The HTML before and after the footer for one kind of rendering, rendered on first use."""
    found = prepared.renderings.get(key)
    if found is None:
        head, mark, tail = render(_FOOTER_MARK).partition(_FOOTER_MARK)
        if not mark:
            raise RuntimeError("the certificate template has no place for the lookup's footer")
        found = prepared.renderings[key] = (head, tail)
    return found


def certificate_fragment(prepared: PreparedCertificate, looked_up_at: float, view: Any) -> str:
    """The certificate as an ``<article>`` under the lookup page's h1, for the JSON answer."""
    head, tail = _halves(prepared, ("fragment",), lambda footer: environment().get_template(
        "_certificate.html").render(_certificate_context(prepared.certificate, 2, footer)))
    return head + _footer(looked_up_at, view) + tail


def certificate_page(prepared: PreparedCertificate, looked_up_at: float, view: Any, *,
                     static_base: str, form_action: str) -> str:
    """The whole printable page a plain form POST gets."""
    def render(footer: str) -> str:
        context = _certificate_context(prepared.certificate, 1, footer)
        context.update(static_base=static_base, form_action=form_action)
        return str(environment().get_template("certificate.html").render(context))

    head, tail = _halves(prepared, ("page", static_base, form_action), render)
    return head + _footer(looked_up_at, view) + tail


def render_certificate_fragment(certificate: Certificate, looked_up_at: float, view: Any, *,
                                heading_level: int = 2) -> str:
    """The certificate as an ``<article>``, rendered in one go (the lookup page has the h1)."""
    return str(environment().get_template("_certificate.html").render(
        _certificate_context(certificate, heading_level, _footer(looked_up_at, view))))


def render_certificate_page(certificate: Certificate, looked_up_at: float, view: Any, *,
                            static_base: str, form_action: str) -> str:
    """The whole printable page, rendered in one go."""
    context = _certificate_context(certificate, 1, _footer(looked_up_at, view))
    context.update(static_base=static_base, form_action=form_action)
    return str(environment().get_template("certificate.html").render(context))


def render_message_page(kind: str, *, title: str, message: str, static_base: str, form_action: str,
                        errors: tuple[Any, ...] = (), guarantee_number: str | None = None,
                        show_form: bool = True) -> str:
    """A page for every answer that is not a certificate: the message, and the form to try again."""
    return str(environment().get_template("message.html").render(
        kind=kind, title=title, message=message, errors={e.field: e.message for e in errors},
        guarantee_number=guarantee_number or "", static_base=static_base, form_action=form_action,
        show_form=show_form,
    ))
