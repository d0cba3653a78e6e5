"""HTML for the certificate and for every other answer, written over ``markup`` (standard library only).

One certificate layout (:func:`_article`) serves both ways of asking: the full page a plain form
POST gets, and the fragment inside the JSON answer that the lookup page inserts in place. So the
certificate looks the same with and without JavaScript, and there is one layout to keep right.

The certificate shows what the paper one shows: the title with 変更n, the fields, the guarantor's
statement (当会社は、…その責に任じます。), its head office and representative, the branch that
handled it with address, telephone and FAX, the notes (【注】) and the pointer to the terms — the
fixed wording as the guarantor registered it with the certificate (the loader takes it from
data/guarantors.yaml). A cancelled certificate says so at the top, carries a 解約 mark drawn in
black lines and text (it survives a black-and-white copy) and ends its history with a 解約 row.

Only the lookup's own footer (the moment of this lookup, the first view) changes from one request
to the next. Everything around it depends on the stored document alone, so it is rendered once per
document and kept with the prepared certificate (documents.py); a request renders just the footer
and joins the three strings. Every value from the store goes through ``markup.escape``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable
from typing import Any, NamedTuple

from esurety.kernel import paths
from esurety.kernel.wareki import era_date as format_date

from .clock import to_jst
from .documents import PreparedCertificate
from .form import lookup_form
from .markup import Markup, attrs, escape, html, join
from .model import Certificate, Period, Version, changed_fields

logger = logging.getLogger(__name__)

__all__ = [
    "FIELD_LABELS",
    "certificate_fragment",
    "certificate_page",
    "history",
    "moment_texts",
    "render_certificate_fragment",
    "render_certificate_page",
    "render_message_page",
]

#: The site's lookup page, for "look up another" and the header link.
LOOKUP_PAGE = paths.root_url(paths.LOOKUP)

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


def _yen(value: int) -> str:
    return f"{value:,} 円"


def _day(value: dt.date) -> Markup:
    """A day as ``<time>``: ISO in the attribute, 令和… in the text."""
    return html('<time datetime="{iso}">{text}</time>', iso=value.isoformat(), text=format_date(value))


def _period(period: Period) -> Markup:
    start = html("{day} から ", day=_day(period.start)) if period.start else ""
    return html("{start}{end} まで", start=start, end=_day(period.end))


def moment_texts(value: float | str) -> tuple[str, str]:
    """(ISO 8601 in Japan time, 令和… HH:MM) for a moment: the ``datetime`` attribute and the text."""
    moment = to_jst(value)
    return moment.isoformat(timespec="seconds"), f"{format_date(moment.date())} {moment:%H:%M}"


#: A certificate's first view never changes, and the same few certificates are looked up again and again.
_stored_moment_texts = functools.lru_cache(maxsize=1024)(moment_texts)


class HistoryRow(NamedTuple):
    version: Version
    current: bool
    changed: list[str]


def history(certificate: Certificate) -> list[HistoryRow]:
    """新規, 変更1, … newest last, each with the labels of the fields it changed.

    The newest version is "the current content" only while the contract stands: a cancelled
    certificate has no current content, its history ends with the 解約 row instead.
    """
    rows = []
    versions = certificate.versions
    for i, v in enumerate(versions):
        changed = [FIELD_LABELS[f] for f in changed_fields(versions[i - 1], v)] if i else []
        rows.append(HistoryRow(v, i == len(versions) - 1 and not certificate.cancelled, changed))
    return rows


def _field(label: str, value: Any, cls: str | None = None) -> Markup:
    return html("    <div><dt>{label}</dt><dd{cls}>{value}</dd></div>\n", label=label, value=value,
                cls=attrs(class_=cls))


def _lines(lines: Iterable[str | None]) -> Markup:
    return join(html('<span class="certificate__line">{line}</span>', line=line) for line in lines if line)


def _fields(v: Version) -> Markup:
    contractor = v.contractor
    who = (contractor.address, contractor.jv_name, f"（代表者）{contractor.name}") if contractor.jv_name \
        else (contractor.address, contractor.name)
    rows = [
        _field("保証契約者（受注者）", _lines(who)),
        _field("保証を受ける者（発注者）", v.orderer),
        _field("保証金額", _yen(v.guaranteed_amount), "certificate__amount"),
        _field("請負金額", _yen(v.contract_amount), "certificate__amount"),
        _field("保証期間", _period(v.guarantee_period)),
    ]
    if v.work_period:
        rows.append(_field("工期", _period(v.work_period)))
    rows.append(_field("工事名", v.work_name))
    if v.contract_date:
        rows.append(_field("請負契約日", _day(v.contract_date)))
    if v.deposit_bank:
        rows.append(_field("預託金融機関", v.deposit_bank))
    return join(rows)


def _guarantor(c: Certificate, h: int) -> Markup:
    g = c.guarantor
    office = [html('    <p class="certificate__head-office">{a}</p>\n', a=g.head_office_address)
              if g.head_office_address else "",
              html('    <p class="certificate__guarantor-name">{n}</p>\n', n=g.name),
              html('    <p class="certificate__representative">{r}</p>\n', r=g.representative)
              if g.representative else ""]
    contact = [f"TEL {g.phone}" if g.phone else None, f"FAX {g.fax}" if g.fax else None]
    branch = ""
    if g.branch or g.address or any(contact):
        branch = html(
            '    <div class="certificate__branch">\n{lines}    </div>\n',
            lines=join(html("      <p>{line}</p>\n", line=line) for line in (
                f"取扱支店 {g.branch}" if g.branch else None, g.address, " ・ ".join(x for x in contact if x) or None)
                if line))
    return html(
        '  <section class="certificate__guarantor" aria-labelledby="certificate-guarantor">\n'
        '    <h{h} id="certificate-guarantor">保証事業会社</h{h}>\n{office}{branch}  </section>\n',
        h=h, office=join(office), branch=branch)


def _wording(c: Certificate) -> Markup:
    """The statement after the fields, and the notes and the terms at the foot, as the guarantor prints them."""
    out = []
    if c.statement:
        out.append(html('  <p class="certificate__statement">{s}</p>\n', s=c.statement))
    return join(out)


def _notes(c: Certificate) -> Markup:
    out = []
    if c.notes:
        out.append(html('  <div class="certificate__notes">\n{notes}  </div>\n',
                        notes=join(html("    <p>{n}</p>\n", n=n) for n in c.notes)))
    if c.terms_text or c.terms_url:
        link = html(' <a href="{u}" rel="noopener">{u}</a>', u=c.terms_url) if c.terms_url else ""
        out.append(html('  <p class="certificate__terms">{t}{link}</p>\n', t=c.terms_text or "約款:", link=link))
    return join(out)


def _history(c: Certificate, h: int) -> Markup:
    rows = []
    for row in history(c):
        v = row.version
        changed = "、".join(row.changed) if row.changed else ("—" if v.seq == 0 else "（金額・期間以外）")
        rows.append(html(
            "        <tr{current}>\n"
            '          <th scope="row">{label}{mark}</th>\n'
            "          <td>{issued}</td>\n"
            '          <td class="num">{guaranteed}</td>\n'
            '          <td class="num">{contract}</td>\n'
            "          <td>{end}</td>\n"
            "          <td>{changed}</td>\n"
            "        </tr>\n",
            current=Markup(' class="is-current" aria-current="true"' if row.current else ""),
            label=v.label,
            mark=Markup(' <span class="certificate__current">現在の内容</span>' if row.current else ""),
            issued=_day(v.issued_on), guaranteed=_yen(v.guaranteed_amount), contract=_yen(v.contract_amount),
            end=format_date(v.guarantee_period.end), changed=changed))
    if c.cancellation:
        rows.append(html(
            '        <tr class="is-cancelled">\n'
            '          <th scope="row">解約 <span class="certificate__void-mark">解約</span></th>\n'
            "          <td>{on}</td>\n"
            '          <td class="num">—</td>\n          <td class="num">—</td>\n          <td>—</td>\n'
            "          <td>{what}</td>\n"
            "        </tr>\n",
            on=_day(c.cancellation.on), what=c.cancellation.reason or "保証契約の解約"))
    return html(
        '  <section class="certificate__history" aria-labelledby="certificate-history">\n'
        '    <h{h} id="certificate-history">発行の履歴</h{h}>\n'
        '    <div class="certificate__table-wrap">\n'
        "    <table>\n"
        "      <thead>\n"
        '        <tr><th scope="col">区分</th><th scope="col">証書発行日</th><th scope="col">保証金額</th>'
        '<th scope="col">請負金額</th><th scope="col">保証期間（終了日）</th><th scope="col">変更された項目</th></tr>\n'
        "      </thead>\n"
        "      <tbody>\n{rows}      </tbody>\n"
        "    </table>\n"
        "    </div>\n"
        "  </section>\n",
        h=h, rows=join(rows))


#: Stands where the lookup's footer goes while the rest is rendered for the cache: store values are
#: escaped, so "<" can only come from the code and the marker cannot occur in the data.
_FOOTER_MARK = Markup("<!--lookup-footer-->")


def _article(c: Certificate, h: int, footer: Markup) -> Markup:
    v = c.current
    classes = " ".join(["certificate", *(["certificate--cancelled"] if c.cancelled else []),
                        *(["certificate--demo"] if c.demo else [])])
    demo = Markup('  <p class="certificate__demo"><strong>デモ</strong> 動作確認用の架空の電子証書です。'
                  "実在の保証契約ではありません。</p>\n") if c.demo else ""
    cancelled = ""
    if c.cancellation:
        reason = f"（{c.cancellation.reason}）" if c.cancellation.reason else ""
        cancelled = html(
            '  <div class="certificate__cancelled">\n'
            '    <p class="certificate__void" aria-hidden="true">解約</p>\n'
            "    <p><strong>この保証契約は解約されています。</strong>解約日: {on}{reason}</p>\n"
            "    <p>以下は解約前の最後の内容です。</p>\n"
            "  </div>\n",
            on=_day(c.cancellation.on), reason=reason)
    title_marks = join([html(' <span class="certificate__change">変更{n}</span>', n=v.seq) if v.seq else "",
                        Markup(' <span class="certificate__status">解約済み</span>') if c.cancelled else ""])
    return html(
        '<article class="{classes}" aria-labelledby="certificate-title">\n{demo}{cancelled}'
        '  <header class="certificate__header">\n'
        '    <h{h} id="certificate-title" class="certificate__title">保証証書（{type_label}）{title_marks}</h{h}>\n'
        '    <p class="certificate__issued">証書発行日 {issued}</p>\n'
        "  </header>\n"
        '  <dl class="certificate__fields">\n'
        '    <div><dt>保証契約番号</dt><dd class="certificate__number">{number}</dd></div>\n'
        "{fields}  </dl>\n{wording}{guarantor}{notes}{history}{footer}</article>\n",
        classes=classes, demo=demo, cancelled=cancelled, h=h, type_label=c.certificate_type_label,
        title_marks=title_marks, issued=_day(v.issued_on), number=c.guarantee_number, fields=_fields(v),
        wording=_wording(c), guarantor=_guarantor(c, h + 1), notes=_notes(c), history=_history(c, h + 1),
        footer=footer)


@functools.cache
def _footer_parts(first_view_now: bool) -> tuple[str, ...]:
    """The footer's fixed text around its four values (this lookup's moment, the first view)."""
    now = "・今回の照会" if first_view_now else ""
    return (
        '  <footer class="certificate__footer">\n    <p class="certificate__looked-up">照会日時 <time datetime="',
        '">',
        '</time>（日本時間）</p>\n    <p class="certificate__first-view">電子証書の到達日時（初回閲覧） <time datetime="',
        '">',
        f"</time>（日本時間）{now}</p>\n"
        '    <p class="certificate__note">この画面は、保証事業会社が登録した電子証書の内容です。印刷・保存してお使いいただけます。</p>\n'
        '    <p class="certificate__actions"><button type="button" class="certificate__print" data-print hidden>'
        "この証書を印刷する</button>"
        f' <a class="certificate__again" href="{LOOKUP_PAGE}" data-lookup-again>別の証書を照会する</a></p>\n'
        "  </footer>\n",
    )


def _footer(looked_up_at: float, view: Any) -> Markup:
    """The per-request part: this lookup's moment and the certificate's first view, escaped between fixed text."""
    parts = _footer_parts(bool(view.recorded_now))
    values = (*moment_texts(looked_up_at), *_stored_moment_texts(view.first_viewed_at))
    out = [parts[0]]
    for value, part in zip(values, parts[1:]):
        out += (escape(value), part)
    return Markup("".join(out))


def _page(title: str, main: Markup, *, static_base: str) -> str:
    """A whole page of the function: its own small header, the main part, the lookup's script."""
    return str(html(
        "<!doctype html>\n"
        '<html lang="ja">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        "<title>{title} | 電子保証ガイド</title>\n"
        '<link rel="stylesheet" href="{static_base}/css/certificate.css">\n'
        "</head>\n"
        '<body class="lookup-answer">\n'
        '<header class="lookup-header">\n'
        '  <p class="lookup-header__site"><a href="/">電子保証ガイド</a></p>\n'
        '  <p class="lookup-header__back"><a href="{lookup}">電子証書の確認ページへ</a></p>\n'
        "</header>\n"
        '<main id="main" class="lookup-main">\n{main}</main>\n'
        '<script src="{static_base}/js/lookup.js" defer></script>\n'
        "</body>\n"
        "</html>\n",
        title=title, static_base=static_base, lookup=LOOKUP_PAGE, main=main))


def _title(c: Certificate) -> str:
    return f"{'【デモ】' if c.demo else ''}電子証書 {c.guarantee_number}"


def _halves(prepared: PreparedCertificate, key: tuple[Any, ...], render: Any) -> tuple[str, str]:
    """The HTML before and after the footer for one kind of rendering, rendered on first use."""
    found = prepared.renderings.get(key)
    if found is None:
        head, mark, tail = str(render(_FOOTER_MARK)).partition(_FOOTER_MARK)
        if not mark:
            raise RuntimeError("the certificate layout has no place for the lookup's footer")
        found = prepared.renderings[key] = (head, tail)
    return found


def certificate_fragment(prepared: PreparedCertificate, looked_up_at: float, view: Any) -> str:
    """The certificate as an ``<article>`` under the lookup page's h1, for the JSON answer."""
    head, tail = _halves(prepared, ("fragment",), lambda footer: _article(prepared.certificate, 2, footer))
    return head + _footer(looked_up_at, view) + tail


def certificate_page(prepared: PreparedCertificate, looked_up_at: float, view: Any, *,
                     static_base: str, form_action: str) -> str:
    """The whole printable page a plain form POST gets."""
    c = prepared.certificate
    head, tail = _halves(prepared, ("page", static_base), lambda footer: _page(
        _title(c), _article(c, 1, footer), static_base=static_base))
    return head + _footer(looked_up_at, view) + tail


def render_certificate_fragment(certificate: Certificate, looked_up_at: float, view: Any, *,
                                heading_level: int = 2) -> str:
    """The certificate as an ``<article>``, rendered in one go (the lookup page has the h1)."""
    return str(_article(certificate, heading_level, _footer(looked_up_at, view)))


def render_certificate_page(certificate: Certificate, looked_up_at: float, view: Any, *,
                            static_base: str, form_action: str) -> str:
    """The whole printable page, rendered in one go."""
    return _page(_title(certificate), _article(certificate, 1, _footer(looked_up_at, view)),
                 static_base=static_base)


def render_message_page(kind: str, *, title: str, message: str, static_base: str, form_action: str,
                        errors: tuple[Any, ...] = (), guarantee_number: str | None = None,
                        show_form: bool = True) -> str:
    """A page for every answer that is not a certificate: the message, and the form to try again."""
    after = lookup_form(form_action, errors={e.field: e.message for e in errors},
                        guarantee_number=guarantee_number or "") if show_form else \
        html('<p><a href="{lookup}">電子証書の確認ページへ</a></p>\n', lookup=LOOKUP_PAGE)
    return _page(title, html(
        "<h1>{title}</h1>\n"
        '<div class="lookup-message lookup-message--{kind}" role="alert">\n'
        "  <p>{message}</p>\n"
        "</div>\n{after}", title=title, kind=kind, message=message, after=after), static_base=static_base)
