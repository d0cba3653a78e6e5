"""What the pages say and how they are built: the certificate view, the lookup page template, its
Markdown page, the stylesheet and script it loads — no inline code anywhere (CSP)."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import jinja2
import pytest

from lambda_verify.documents import PreparedCertificate, encode_json
from lambda_verify.model import Certificate
from lambda_verify.rendering import (
    certificate_fragment,
    certificate_page,
    render_certificate_fragment,
    render_certificate_page,
    render_message_page,
)
from lambda_verify.stores.base import FirstView

from .support import EJCS_NUMBER, ROOT, T0, certificate_doc
from .support import outline as support_outline

THEME = ROOT / "theme"


class Collector(HTMLParser):
    """Tags with attributes, and the text of inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in and data.strip():
            self.inline.append(f"<{self._in}>{data.strip()[:40]}")


def parse(html: str) -> Collector:
    c = Collector()
    c.feed(html)
    return c


def assert_no_inline_code(html: str) -> None:
    c = parse(html)
    assert not c.inline, c.inline
    assert not [t for t, a in c.tags if t == "style"]
    for tag, attrs in c.tags:
        assert "style" not in attrs, tag
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)


VIEW = FirstView("2026-11-20T00:30:00Z")


def test_certificate_page_shows_what_the_paper_certificate_shows() -> None:
    doc = certificate_doc()
    doc["versions"][1]["contractor"]["jv_name"] = "テスト・見本特定建設工事共同企業体"
    cert = Certificate.from_dict(doc)
    html = render_certificate_page(cert, T0, VIEW, static_base="/theme", form_action="/api/verify")
    for text in ("保証証書（前払金保証）", "変更1", "保証契約番号", "2099000101", "テスト県テスト市1丁目1番1号",
                 "テスト・見本特定建設工事共同企業体", "（代表者）テスト建設株式会社", "保証を受ける者（発注者）",
                 "テスト市長", "48,000,000 円", "120,000,000 円", "令和8年4月10日 </time>", "令和9年6月30日",
                 "工期", "テスト道路改良工事", "テスト銀行 本店", "証書発行日", "令和8年9月1日",
                 "西日本建設業保証株式会社", "取扱支店 大阪支店", "TEL 06-6543-2711", "新規", "現在の内容",
                 "保証金額、請負金額、保証期間、工期", "照会日時", "（日本時間）", "電子証書の到達日時（初回閲覧）",
                 '<time datetime="2026-11-20T09:30:00+09:00">令和8年11月20日 09:30</time>'):
        assert text.replace(" </time>", "</time>") in html, text
    assert '<html lang="ja">' in html and 'name="viewport"' in html
    assert 'href="/theme/css/certificate.css"' in html
    assert_no_inline_code(html)


def test_first_view_replaces_the_view_count() -> None:
    cert = Certificate.from_dict(certificate_doc())
    later = render_certificate_fragment(cert, T0, VIEW)
    first = render_certificate_fragment(cert, T0, FirstView("2026-11-20T00:30:00Z", recorded_now=True))
    assert "回目" not in later and "今回の照会" not in later
    assert "電子証書の到達日時（初回閲覧）" in first and "今回の照会" in first


#: (moment, first view) → this lookup's moment and the first view as the footer must show them, written out
#: by hand (T0 is 2026-09-21 14:21 UTC), and whether the footer says this lookup was the first view.
FOOTER_CASES = [
    ((T0, VIEW), [("2026-09-21T23:21:00+09:00", "令和8年9月21日 23:21"),
                  ("2026-11-20T09:30:00+09:00", "令和8年11月20日 09:30")], False),
    ((T0 + 3600, FirstView("2026-11-21T00:00:00Z", True)), [("2026-09-22T00:21:00+09:00", "令和8年9月22日 00:21"),
                                                            ("2026-11-21T09:00:00+09:00", "令和8年11月21日 09:00")],
     True),
]


class FooterReader(HTMLParser):
    """The ``<time>`` elements (datetime attribute, text) inside the ``<footer>``, and the footer's text."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[tuple[str | None, str]] = []
        self.text = ""
        self._footer = 0
        self._in_time = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "footer":
            self._footer += 1
        elif tag == "time" and self._footer:
            self._in_time = True
            self.times.append((dict(attrs).get("datetime"), ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "footer":
            self._footer -= 1
        elif tag == "time":
            self._in_time = False

    def handle_data(self, data: str) -> None:
        if self._footer:
            self.text += data
            if self._in_time:
                self.times[-1] = (self.times[-1][0], self.times[-1][1] + data)


def read_footer(html: str) -> FooterReader:
    reader = FooterReader()
    reader.feed(html)
    return reader


def _outside_footer(html: str) -> str:
    return re.sub(r"<footer\b.*?</footer>", "", html, flags=re.S)


@pytest.mark.parametrize("doc", [certificate_doc(), certificate_doc(demo=True, cancellation={"on": "2026-10-15",
                                                                                            "reason": "<b>解除</b>"})])
def test_cached_rendering_equals_rendering_in_one_go(doc: dict[str, Any]) -> None:
    """The per-document cache (documents.py) must not change a byte of what is sent, and the footer both ways
    shows the moments written out by hand above (not whatever the first rendering cached)."""
    cert = Certificate.from_dict(doc)
    # a fresh preparation each time (prepare() would hand back one cached from an earlier test)
    prepared = PreparedCertificate(encode_json(cert.to_dict()))
    assert prepared.renderings == {}
    outside = None
    for (moment, view), times, first_view_now in FOOTER_CASES:
        fragment = certificate_fragment(prepared, moment, view)
        page = certificate_page(prepared, moment, view, static_base="/theme", form_action="/api/verify")
        assert fragment == render_certificate_fragment(cert, moment, view)
        assert page == render_certificate_page(cert, moment, view, static_base="/theme", form_action="/api/verify")
        for html in (fragment, page):
            footer = read_footer(html)
            assert footer.times == times
            assert ("今回の照会" in footer.text) is first_view_now
            assert "照会日時" in footer.text and "電子証書の到達日時（初回閲覧）" in footer.text
        # only the footer changes from one lookup to the next
        assert outside in (None, _outside_footer(fragment))
        outside = _outside_footer(fragment)
    if doc["cancellation"]:
        assert "&lt;b&gt;解除&lt;/b&gt;" in certificate_fragment(prepared, T0, VIEW)  # still escaped
    assert prepared.certificate == cert and prepared.json == encode_json(cert.to_dict())


def test_lookup_time_is_japan_time() -> None:
    cert = Certificate.from_dict(certificate_doc())
    moment = dt.datetime(2026, 11, 20, 15, 4, tzinfo=dt.UTC).timestamp()  # 21 Nov 00:04 in Japan
    html = render_certificate_fragment(cert, moment, VIEW)
    assert "令和8年11月21日 00:04" in html and 'datetime="2026-11-21T00:04:00+09:00"' in html


def test_history_marks_only_the_current_version() -> None:
    html = render_certificate_fragment(Certificate.from_dict(certificate_doc()), T0, VIEW)
    assert html.count('aria-current="true"') == 1
    history = html[html.index('id="certificate-history"'):]
    assert history.index("新規") < history.index("変更1") < history.index("現在の内容")


def test_cancelled_and_demo_certificates_say_so_plainly() -> None:
    cert = Certificate.from_dict(certificate_doc(demo=True, cancellation={"on": "2026-10-15", "reason": None}))
    html = render_certificate_fragment(cert, T0, VIEW)
    assert "この保証契約は解約されています。" in html and "解約済み" in html
    assert "デモ" in html and "架空" in html


def test_fragment_heading_fits_under_the_lookup_page_h1() -> None:
    html = render_certificate_fragment(Certificate.from_dict(certificate_doc()), T0, VIEW)
    assert "<h1" not in html and '<h2 id="certificate-title"' in html


def test_message_page_keeps_the_form_and_never_the_key() -> None:
    html = render_message_page("no_match", title="t", message="m", static_base="/theme", form_action="/api/verify",
                               guarantee_number="2099000101")
    assert 'method="post" action="/api/verify"' in html and 'value="2099000101"' in html
    assert 'name="access_key"' in html and "value=" not in html.split('name="access_key"')[1].split(">")[0]
    assert_no_inline_code(html)


# ---------------------------------------------------------------------- the lookup page in the site


STUB_BASE = """<!doctype html><html lang="ja"><head><title>{% block title %}{% endblock %}</title>
<meta name="description" content="{% block description %}{% endblock %}">{% block head %}{% endblock %}</head>
<body><main>{% block content %}{% endblock %}</main>{% block scripts %}{% endblock %}</body></html>"""


class Page:
    title = "電子証書の確認"
    summary = "受注者から提出された保証契約番号と認証キーを入力して…"
    content = "<p>説明</p>"


def render_lookup(**context: Any) -> str:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.DictLoader({"base.html": STUB_BASE}),
                                    jinja2.FileSystemLoader(str(THEME / "templates"))]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True)
    from lambda_verify.form import lookup_form

    values = {"page": Page(), "SITEURL": "", "SITENAME": "電子保証ガイド", "SITESUBTITLE": "",
              "lookup_form": lookup_form}
    values.update(context)
    return env.get_template("lookup.html").render(values)


def test_lookup_form_works_without_javascript() -> None:
    html = render_lookup(API_PATH="/api/verify")
    c = parse(html)
    forms = [a for t, a in c.tags if t == "form"]
    assert forms == [{"class": "lookup-form", "method": "post", "action": "/api/verify", "data-lookup-form": None}]
    inputs = {a["name"]: a for t, a in c.tags if t == "input"}
    assert set(inputs) == {"guarantee_number", "access_key"}
    labels = {a["for"] for t, a in c.tags if t == "label"}
    assert labels == {"guarantee_number", "access_key"}
    ids = {a.get("id") for _, a in c.tags}
    for name, attrs in inputs.items():
        assert attrs["id"] == name and "required" in attrs
        described = attrs["aria-describedby"].split()
        assert f"{name}-error" in described and all(d in ids for d in described)
    assert [a for t, a in c.tags if a.get("aria-live") == "polite"]
    assert any(t == "button" and a.get("type") == "submit" for t, a in c.tags)
    assert '<script src="/theme/js/lookup.js" defer></script>' in html
    assert 'href="/theme/css/certificate.css"' in html
    assert_no_inline_code(html)


def test_lookup_form_posts_to_the_default_api_path() -> None:
    assert 'action="/api/verify"' in render_lookup()


def test_lookup_markdown_page_metadata() -> None:
    text = (ROOT / "content" / "pages" / "lookup.md").read_text(encoding="utf-8")
    head = dict(line.split(": ", 1) for line in text.split("\n\n", 1)[0].splitlines())
    assert head["Title"] == "電子証書の確認"
    assert head["Slug"] == "lookup" and head["Template"] == "lookup"
    assert head["Summary"]
    assert "<script" not in text and "style=" not in text


def test_script_fills_from_the_fragment_and_removes_it() -> None:
    js = (THEME / "static" / "js" / "lookup.js").read_text(encoding="utf-8")
    assert "location.hash" in js and "history.replaceState" in js
    # The HTTP API takes an unsigned POST: nothing to hash (the plain form post works the same way).
    assert "x-amz-content-sha256" not in js and "crypto.subtle" not in js
    assert "innerHTML" not in js and "eval(" not in js and "document.write" not in js


def test_stylesheet_prints_on_a4_without_navigation() -> None:
    css = (THEME / "static" / "css" / "certificate.css").read_text(encoding="utf-8")
    printing = css[css.index("@media print"):]
    assert "size: A4" in printing
    for hidden in (".lookup-header", ".lookup-form", ".site-header", ".site-footer"):
        assert hidden in printing


def test_templates_have_no_inline_code() -> None:
    paths = [ROOT / "esurety" / "loader" / "templates" / "notice.html", THEME / "templates" / "lookup.html"]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert "<style" not in text and " style=" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path


# ---------------------------------------------------------------------- the complete certificate


def _wjcs_doc(**extra: Any) -> dict[str, Any]:
    """A certificate as the loader stores it for WJCS: the guarantor's wording from data/guarantors.yaml."""
    from esurety.kernel.glossary import glossary

    wording = glossary().guarantors["wjcs"].certificate
    assert wording is not None
    doc = certificate_doc(**extra)
    doc["guarantor"].update(head_office_address=wording.head_office_address, representative="取締役社長 見本 太郎",
                            address="大阪市西区立売堀2丁目1番2号", fax="0120-304160")
    doc.update(statement=wording.statements["advance_payment"], notes=list(wording.notes),
               terms_text=wording.terms_text, terms_url=wording.terms_url)
    return doc


def test_certificate_shows_the_guarantors_wording_as_the_paper_certificate_does() -> None:
    """GIVEN a WJCS advance-payment certificate WHEN it is rendered THEN the page carries, in the paper
    certificate's order, the statement, the head office, the company and its representative, the branch with
    address, TEL and FAX, the three notes and the link to the terms."""
    html = render_certificate_fragment(Certificate.from_dict(_wjcs_doc()), T0, VIEW)
    order = ["保証契約番号", "預託金融機関",
             "当会社は、前払金保証契約に基づき上記のとおり前払金保証契約を締結し、その責に任じます。",
             "大阪市西区立売堀2丁目1番2号", "西日本建設業保証株式会社", "取締役社長 見本 太郎", "取扱支店 大阪支店",
             "TEL 06-6543-2711 ・ FAX 0120-304160", "【注1】", "【注2】", "【注3】",
             '<a href="https://www.wjcs.net/" rel="noopener">https://www.wjcs.net/</a>', "発行の履歴"]
    at = [html.index(text) for text in order]
    assert at == sorted(at), list(zip(order, at))


def test_a_certificate_without_wording_shows_none_rather_than_another_guarantors() -> None:
    html = render_certificate_fragment(Certificate.from_dict(certificate_doc()), T0, VIEW)
    assert "その責に任じます" not in html and "certificate__notes" not in html and "certificate__terms" not in html


def test_a_cancelled_certificate_has_a_cancellation_row_and_no_current_content() -> None:
    """GIVEN a certificate cancelled after its first change WHEN it is rendered THEN the history ends with a
    解約 row carrying the date and reason, no version is marked 現在の内容, and the 解約 mark is in the page."""
    cert = Certificate.from_dict(certificate_doc(cancellation={"on": "2026-10-15", "reason": "工事の中止"}))
    html = render_certificate_fragment(cert, T0, VIEW)
    history = html[html.index('id="certificate-history"'):]
    rows = re.findall(r"<tr\b.*?</tr>", history, flags=re.S)
    assert [re.sub(r"<[^>]+>", "", r.split("</th>")[0]).split()[0] for r in rows[1:]] == ["新規", "変更1", "解約"]
    assert "令和8年10月15日" in rows[-1] and "工事の中止" in rows[-1]
    assert "現在の内容" not in html and 'aria-current="true"' not in html
    assert '<p class="certificate__void" aria-hidden="true">解約</p>' in html


def test_every_answer_offers_another_lookup() -> None:
    cert = Certificate.from_dict(certificate_doc())
    for html in (render_certificate_fragment(cert, T0, VIEW),
                 render_certificate_page(cert, T0, VIEW, static_base="/theme", form_action="/api/verify")):
        assert '<a class="certificate__again" href="/lookup/" data-lookup-again>別の証書を照会する</a>' in html


def test_the_number_field_offers_the_hyphen_and_says_it_may_be_left_out() -> None:
    from lambda_verify.form import lookup_form

    form = lookup_form("/api/verify")
    field = form[form.index('<input id="guarantee_number"'):].split(">", 1)[0]
    assert 'inputmode="text"' in field and "numeric" not in field
    assert "ハイフンは省いても構いません" in form and "5桁-6桁" in form


def test_store_values_are_escaped_everywhere_in_the_certificate() -> None:
    doc = _wjcs_doc(cancellation={"on": "2026-10-15", "reason": "<script>x</script>"})
    doc["guarantor"]["representative"] = '"><img src=x>'
    doc["notes"] = ["<b>注</b>"]
    html = render_certificate_fragment(Certificate.from_dict(doc), T0, VIEW)
    assert "<script>x" not in html and "<img src=x>" not in html and "<b>注</b>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "&lt;b&gt;注&lt;/b&gt;" in html


# ------------------------------------------------- the whole certificate, as a reader and a screen reader meet it


#: The attributes that carry meaning for a reader and a screen reader.
MEANINGFUL = ("class", "datetime", "aria-current", "href", "id", "aria-labelledby", "scope", "aria-hidden")


def outline(html: str) -> list[str]:
    return support_outline(html, MEANINGFUL)


# The two outlines, each read line by line against the paper certificate's layout (labels, values, dates in 令和
# with ISO attributes, the history table): every label, value, order and marker a reader relies on.
COMPLETE_OUTLINE = (
    '<article class=certificate aria-labelledby=certificate-title> | <header class=certificate__header> |'
    ' <h2 id=certificate-title class=certificate__title> | 保証証書（前払金保証） | <span class=certificate__change>'
    ' | 変更1 | <p class=certificate__issued> | 証書発行日 | <time datetime=2026-09-01> | 令和8年9月1日 | <dl '
    'class=certificate__fields> | <div> | <dt> | 保証契約番号 | <dd class=certificate__number> | 2099000101 | '
    '<div> | <dt> | 保証契約者（受注者） | <dd> | <span class=certificate__line> | テスト県テスト市1丁目1番1号 | <span '
    'class=certificate__line> | テスト・見本特定建設工事共同企業体 | <span class=certificate__line> | （代表者）テスト建設株式会社 | '
    '<div> | <dt> | 保証を受ける者（発注者） | <dd> | テスト市長 | <div> | <dt> | 保証金額 | <dd class=certificate__amount> | '
    '48,000,000 円 | <div> | <dt> | 請負金額 | <dd class=certificate__amount> | 120,000,000 円 | <div> | <dt> |'
    ' 保証期間 | <dd> | <time datetime=2026-04-10> | 令和8年4月10日 | から | <time datetime=2027-06-30> | 令和9年6月30日 '
    '| まで | <div> | <dt> | 工期 | <dd> | <time datetime=2026-04-10> | 令和8年4月10日 | から | <time '
    'datetime=2027-06-30> | 令和9年6月30日 | まで | <div> | <dt> | 工事名 | <dd> | テスト道路改良工事 | <div> | <dt> | 請負契約日'
    ' | <dd> | <time datetime=2026-04-08> | 令和8年4月8日 | <div> | <dt> | 預託金融機関 | <dd> | テスト銀行 本店 | <p '
    'class=certificate__statement> | 当会社は、前払金保証契約に基づき上記のとおり前払金保証契約を締結し、その責に任じます。 | <section '
    'class=certificate__guarantor aria-labelledby=certificate-guarantor> | <h3 id=certificate-guarantor> '
    '| 保証事業会社 | <p class=certificate__head-office> | 大阪市西区立売堀2丁目1番2号 | <p '
    'class=certificate__guarantor-name> | 西日本建設業保証株式会社 | <p class=certificate__representative> | 取締役社長 見本'
    ' 太郎 | <div class=certificate__branch> | <p> | 取扱支店 大阪支店 | <p> | 大阪市西区立売堀2丁目1番2号 | <p> | TEL '
    '06-6543-2711 ・ FAX 0120-304160 | <div class=certificate__notes> | <p> | 【注1】 '
    '保証金額の増減等の変更があった場合は(変更)と表示し、変更後の内容を記載します。 | <p> | 【注2】 '
    '保証期間については、工期の変更に伴って自動的に変更されますので、実際の保証証書は発行しません。 | <p> | 【注3】 請負金額のみの変更の保証証書は発行を省略させていただきます。 | <p '
    'class=certificate__terms> | 前払金保証契約につきましては、西日本建設業保証のウェブサイトをご確認ください。 | <a href=https://www.wjcs.net/>'
    ' | https://www.wjcs.net/ | <section class=certificate__history aria-labelledby=certificate-history> '
    '| <h3 id=certificate-history> | 発行の履歴 | <div class=certificate__table-wrap> | <table> | <thead> | '
    '<tr> | <th scope=col> | 区分 | <th scope=col> | 証書発行日 | <th scope=col> | 保証金額 | <th scope=col> | 請負金額 '
    '| <th scope=col> | 保証期間（終了日） | <th scope=col> | 変更された項目 | <tbody> | <tr> | <th scope=row> | 新規 | '
    '<td> | <time datetime=2026-04-10> | 令和8年4月10日 | <td class=num> | 40,000,000 円 | <td class=num> | '
    '100,000,000 円 | <td> | 令和9年3月31日 | <td> | — | <tr class=is-current aria-current=true> | <th '
    'scope=row> | 変更1 | <span class=certificate__current> | 現在の内容 | <td> | <time datetime=2026-09-01> | '
    '令和8年9月1日 | <td class=num> | 48,000,000 円 | <td class=num> | 120,000,000 円 | <td> | 令和9年6月30日 | <td> '
    '| 保証契約者、保証金額、請負金額、保証期間、工期 | <footer class=certificate__footer> | <p class=certificate__looked-up> | '
    '照会日時 | <time datetime=2026-09-21T23:21:00+09:00> | 令和8年9月21日 23:21 | （日本時間） | <p '
    'class=certificate__first-view> | 電子証書の到達日時（初回閲覧） | <time datetime=2026-11-20T09:30:00+09:00> | '
    '令和8年11月20日 09:30 | （日本時間） | <p class=certificate__note> | '
    'この画面は、保証事業会社が登録した電子証書の内容です。印刷・保存してお使いいただけます。 | <p class=certificate__actions> | <button '
    'class=certificate__print> | この証書を印刷する | <a class=certificate__again href=/lookup/> | 別の証書を照会する'
)


CANCELLED_OUTLINE = (
    '<article class=certificate certificate--cancelled certificate--demo '
    'aria-labelledby=certificate-title> | <p class=certificate__demo> | <strong> | デモ | '
    '動作確認用の架空の電子証書です。実在の保証契約ではありません。 | <div class=certificate__cancelled> | <p class=certificate__void '
    'aria-hidden=true> | 解約 | <p> | <strong> | この保証契約は解約されています。 | 解約日: | <time datetime=2026-10-15> | '
    '令和8年10月15日 | （工事の中止） | <p> | 以下は解約前の最後の内容です。 | <header class=certificate__header> | <h2 '
    'id=certificate-title class=certificate__title> | 保証証書（前払金保証） | <span class=certificate__change> | '
    '変更1 | <span class=certificate__status> | 解約済み | <p class=certificate__issued> | 証書発行日 | <time '
    'datetime=2026-09-01> | 令和8年9月1日 | <dl class=certificate__fields> | <div> | <dt> | 保証契約番号 | <dd '
    'class=certificate__number> | 99001-000101 | <div> | <dt> | 保証契約者（受注者） | <dd> | <span '
    'class=certificate__line> | テスト県テスト市1丁目1番1号 | <span class=certificate__line> | テスト建設株式会社 | <div> | '
    '<dt> | 保証を受ける者（発注者） | <dd> | テスト市長 | <div> | <dt> | 保証金額 | <dd class=certificate__amount> | '
    '48,000,000 円 | <div> | <dt> | 請負金額 | <dd class=certificate__amount> | 120,000,000 円 | <div> | <dt> |'
    ' 保証期間 | <dd> | <time datetime=2026-04-10> | 令和8年4月10日 | から | <time datetime=2027-06-30> | 令和9年6月30日 '
    '| まで | <div> | <dt> | 工事名 | <dd> | テスト道路改良工事 | <section class=certificate__guarantor '
    'aria-labelledby=certificate-guarantor> | <h3 id=certificate-guarantor> | 保証事業会社 | <p '
    'class=certificate__guarantor-name> | 東日本建設業保証株式会社 | <div class=certificate__branch> | <p> | 取扱支店 '
    '秋田支店 | <p> | TEL 018-863-1000 | <section class=certificate__history '
    'aria-labelledby=certificate-history> | <h3 id=certificate-history> | 発行の履歴 | <div '
    'class=certificate__table-wrap> | <table> | <thead> | <tr> | <th scope=col> | 区分 | <th scope=col> | '
    '証書発行日 | <th scope=col> | 保証金額 | <th scope=col> | 請負金額 | <th scope=col> | 保証期間（終了日） | <th scope=col> '
    '| 変更された項目 | <tbody> | <tr> | <th scope=row> | 新規 | <td> | <time datetime=2026-04-10> | 令和8年4月10日 | '
    '<td class=num> | 40,000,000 円 | <td class=num> | 100,000,000 円 | <td> | 令和9年3月31日 | <td> | — | <tr> '
    '| <th scope=row> | 変更1 | <td> | <time datetime=2026-09-01> | 令和8年9月1日 | <td class=num> | 48,000,000 '
    '円 | <td class=num> | 120,000,000 円 | <td> | 令和9年6月30日 | <td> | 保証金額、請負金額、保証期間、工期、請負契約日、預託金融機関 | <tr '
    'class=is-cancelled> | <th scope=row> | 解約 | <span class=certificate__void-mark> | 解約 | <td> | <time '
    'datetime=2026-10-15> | 令和8年10月15日 | <td class=num> | — | <td class=num> | — | <td> | — | <td> | '
    '工事の中止 | <footer class=certificate__footer> | <p class=certificate__looked-up> | 照会日時 | <time '
    'datetime=2026-09-21T23:21:00+09:00> | 令和8年9月21日 23:21 | （日本時間） | <p class=certificate__first-view> |'
    ' 電子証書の到達日時（初回閲覧） | <time datetime=2026-11-20T09:30:00+09:00> | 令和8年11月20日 09:30 | （日本時間）・今回の照会 | <p '
    'class=certificate__note> | この画面は、保証事業会社が登録した電子証書の内容です。印刷・保存してお使いいただけます。 | <p '
    'class=certificate__actions> | <button class=certificate__print> | この証書を印刷する | <a '
    'class=certificate__again href=/lookup/> | 別の証書を照会する'
)


def test_a_complete_certificate_reads_exactly_as_written_out() -> None:
    """GIVEN a WJCS certificate of a joint venture after one change, with the guarantor's wording
    WHEN it is rendered THEN its outline is exactly the one written out above."""
    doc = _wjcs_doc()
    doc["versions"][1]["contractor"]["jv_name"] = "テスト・見本特定建設工事共同企業体"
    got = outline(render_certificate_fragment(Certificate.from_dict(doc), T0, VIEW))
    assert got == COMPLETE_OUTLINE.split(" | ")


def test_a_cancelled_demo_certificate_reads_exactly_as_written_out() -> None:
    """GIVEN an EJCS demo certificate cancelled after a change that dropped the optional fields, seen for the
    first time now WHEN it is rendered THEN its outline is exactly the one written out above."""
    doc = certificate_doc(EJCS_NUMBER, demo=True, cancellation={"on": "2026-10-15", "reason": "工事の中止"})
    doc["versions"][1].update(work_period=None, contract_date=None, deposit_bank=None)
    view = FirstView("2026-11-20T00:30:00Z", recorded_now=True)
    got = outline(render_certificate_fragment(Certificate.from_dict(doc), T0, view))
    assert got == CANCELLED_OUTLINE.split(" | ")


def test_page_and_fragment_of_one_certificate_are_kept_apart() -> None:
    """GIVEN one prepared certificate WHEN its page is rendered for two static bases and then its fragment THEN
    each is its own rendering: the fragment has no page around it, each page links its own stylesheet."""
    cert = Certificate.from_dict(certificate_doc())
    prepared = PreparedCertificate(encode_json(cert.to_dict()))
    pages = [certificate_page(prepared, T0, VIEW, static_base=base, form_action="/api/verify")
             for base in ("/theme", "/static")]
    fragment = certificate_fragment(prepared, T0, VIEW)
    assert [('href="/theme/css/' in p, 'href="/static/css/' in p) for p in pages] == [(True, False), (False, True)]
    assert not fragment.lstrip().startswith("<!doctype") and "<html" not in fragment
    assert fragment == render_certificate_fragment(cert, T0, VIEW)


@pytest.mark.parametrize(("demo", "title"), [(False, "電子証書 2099000101"), (True, "【デモ】電子証書 2099000101")])
def test_the_page_title_names_the_number_and_a_demo(demo: bool, title: str) -> None:
    doc = certificate_doc()
    doc["demo"] = demo
    html = render_certificate_page(Certificate.from_dict(doc), T0, VIEW, static_base="/theme", form_action="/x")
    assert re.findall(r"<title>(.*?)</title>", html) == [f"{title} | 電子保証ガイド"]


# A sparse certificate: the guarantor's name with at most an address, a guarantee period with no start, a change
# of the period and the bank only, a cancellation without a reason, terms given only as a link.
SPARSE_HEAD = (
    '<article class=certificate certificate--cancelled aria-labelledby=certificate-title> | <div '
    'class=certificate__cancelled> | <p class=certificate__void aria-hidden=true> | 解約 | <p> | <strong> |'
    ' この保証契約は解約されています。 | 解約日: | <time datetime=2026-10-15> | 令和8年10月15日 | <p> | 以下は解約前の最後の内容です。 | <header'
    ' class=certificate__header> | <h2 id=certificate-title class=certificate__title> | 保証証書（前払金保証） | '
    '<span class=certificate__change> | 変更1 | <span class=certificate__status> | 解約済み | <p '
    'class=certificate__issued> | 証書発行日 | <time datetime=2026-09-01> | 令和8年9月1日 | <dl '
    'class=certificate__fields> | <div> | <dt> | 保証契約番号 | <dd class=certificate__number> | 2099000101 | '
    '<div> | <dt> | 保証契約者（受注者） | <dd> | <span class=certificate__line> | テスト県テスト市1丁目1番1号 | <span '
    'class=certificate__line> | テスト建設株式会社 | <div> | <dt> | 保証を受ける者（発注者） | <dd> | テスト市長 | <div> | <dt> | '
    '保証金額 | <dd class=certificate__amount> | 40,000,000 円 | <div> | <dt> | 請負金額 | <dd '
    'class=certificate__amount> | 100,000,000 円 | <div> | <dt> | 保証期間 | <dd> | <time datetime=2027-03-31>'
    ' | 令和9年3月31日 | まで | <div> | <dt> | 工期 | <dd> | <time datetime=2026-04-10> | 令和8年4月10日 | から | <time '
    'datetime=2027-03-31> | 令和9年3月31日 | まで | <div> | <dt> | 工事名 | <dd> | テスト道路改良工事 | <div> | <dt> | 請負契約日'
    ' | <dd> | <time datetime=2026-04-08> | 令和8年4月8日 | <div> | <dt> | 預託金融機関 | <dd> | テスト信用金庫 本店 | '
    '<section class=certificate__guarantor aria-labelledby=certificate-guarantor> | <h3 '
    'id=certificate-guarantor> | 保証事業会社'
)
SPARSE_TAIL = (
    '<p class=certificate__terms> | 約款: | <a href=https://example.com/terms> | https://example.com/terms '
    '| <section class=certificate__history aria-labelledby=certificate-history> | <h3 '
    'id=certificate-history> | 発行の履歴 | <div class=certificate__table-wrap> | <table> | <thead> | <tr> | '
    '<th scope=col> | 区分 | <th scope=col> | 証書発行日 | <th scope=col> | 保証金額 | <th scope=col> | 請負金額 | <th '
    'scope=col> | 保証期間（終了日） | <th scope=col> | 変更された項目 | <tbody> | <tr> | <th scope=row> | 新規 | <td> | '
    '<time datetime=2026-04-10> | 令和8年4月10日 | <td class=num> | 40,000,000 円 | <td class=num> | '
    '100,000,000 円 | <td> | 令和9年3月31日 | <td> | — | <tr> | <th scope=row> | 変更1 | <td> | <time '
    'datetime=2026-09-01> | 令和8年9月1日 | <td class=num> | 40,000,000 円 | <td class=num> | 100,000,000 円 | '
    '<td> | 令和9年3月31日 | <td> | 保証期間、預託金融機関 | <tr class=is-cancelled> | <th scope=row> | 解約 | <span '
    'class=certificate__void-mark> | 解約 | <td> | <time datetime=2026-10-15> | 令和8年10月15日 | <td class=num>'
    ' | — | <td class=num> | — | <td> | — | <td> | 保証契約の解約'
)


def _sparse_doc(guarantor: dict[str, Any]) -> dict[str, Any]:
    doc = certificate_doc(guarantor=guarantor, cancellation={"on": "2026-10-15"}, terms_url="https://example.com/terms")
    change = {**doc["versions"][0], "seq": 1, "issued_on": "2026-09-01", "deposit_bank": "テスト信用金庫 本店",
              "guarantee_period": {"end": "2027-03-31"}}
    doc["versions"] = [doc["versions"][0], change]
    return doc


@pytest.mark.parametrize(("extra", "guarantor_part"), [
    ({"address": "大阪市西区1-1"}, ' | <p class=certificate__guarantor-name> | 西日本建設業保証株式会社 | <div class=certificate__branch> | <p> | 大阪市西区1-1 | '),
    ({}, ' | <p class=certificate__guarantor-name> | 西日本建設業保証株式会社 | '),
])
def test_a_sparse_certificate_reads_exactly_as_written_out(extra: dict[str, str], guarantor_part: str) -> None:
    """GIVEN a certificate that leaves out what a guarantor may leave out WHEN it is rendered THEN only what is
    given is shown: no empty branch block, no "から" without a start, no reason in brackets, "約款:" before the link."""
    guarantor = {"id": "wjcs", "name": "西日本建設業保証株式会社", **extra}
    html = render_certificate_fragment(Certificate.from_dict(_sparse_doc(guarantor)), T0, VIEW)
    assert " | ".join(outline(html)).split(" | <footer")[0] == SPARSE_HEAD + guarantor_part + SPARSE_TAIL


def test_terms_given_only_as_text_have_no_link() -> None:
    """GIVEN terms as words without a URL WHEN the certificate is rendered THEN the terms line is the words alone."""
    cert = Certificate.from_dict(certificate_doc(terms_text="約款は裏面のとおり"))
    got = support_outline(render_certificate_fragment(cert, T0, VIEW), keep=("class", "href"))
    i = got.index("<p class=certificate__terms>")
    assert got[i:i + 3] == ["<p class=certificate__terms>", "約款は裏面のとおり", "<section class=certificate__history>"]


def test_a_change_that_alters_no_printed_field_says_so_in_the_history() -> None:
    """GIVEN a second version issued later with every printed field as before WHEN rendered THEN its row names no
    field but says the change lies outside amounts and periods, and the first row has a dash."""
    doc = certificate_doc()
    doc["versions"][1] = {**doc["versions"][0], "seq": 1, "issued_on": "2026-09-01"}
    got = support_outline(render_certificate_fragment(Certificate.from_dict(doc), T0, VIEW), keep=())
    body = got[got.index("<tbody>"):]
    starts = [i for i, item in enumerate(body) if item == "<tr>"]
    changed = []
    for start in starts:
        cells = [i for i, item in enumerate(body[start:], start) if item == "<td>"]
        changed.append((body[start + 2], body[cells[4] + 1]))  # the row's label, then its fifth cell
    assert changed == [("新規", "—"), ("変更1", "（金額・期間以外）")]


def test_a_certificate_never_changed_has_no_change_mark_in_its_title() -> None:
    """GIVEN a certificate with only its first version WHEN rendered THEN its title is the type alone, followed by
    the issue date; after a change the title carries the change's number."""
    doc = certificate_doc()
    doc["versions"] = doc["versions"][:1]
    heads = []
    for d in (doc, certificate_doc()):
        got = support_outline(render_certificate_fragment(Certificate.from_dict(d), T0, VIEW), keep=("id",))
        i = got.index("<h2 id=certificate-title>")
        heads.append(got[i + 1:i + 4])
    assert heads == [["保証証書（前払金保証）", "<p>", "証書発行日"], ["保証証書（前払金保証）", "<span>", "変更1"]]
