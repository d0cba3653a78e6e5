"""The lookup form and the escaping it is built with (lambda_verify/form.py, lambda_verify/markup.py)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from esurety.kernel import numbering
from lambda_verify.form import KEY_HINT, lookup_form, number_hint
from lambda_verify.markup import Markup, attrs, escape, html, join


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each element that has an id."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, str] = {}
        self._open: list[str | None] = []

    def handle_starttag(self, tag: str, a: list[tuple[str, str | None]]) -> None:
        attributes = dict(a)
        self.tags.append((tag, attributes))
        if tag != "input":
            self._open.append(attributes.get("id"))
            if attributes.get("id"):
                self.text.setdefault(attributes["id"] or "", "")

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for ident in self._open:
            if ident:
                self.text[ident] += data


def parse(markup: str) -> Tags:
    t = Tags()
    t.feed(markup)
    return t


def inputs(t: Tags) -> dict[str, dict[str, str | None]]:
    return {a["name"] or "": a for tag, a in t.tags if tag == "input"}


def test_an_empty_form_posts_to_its_action_with_two_required_empty_fields() -> None:
    """GIVEN no errors and no number WHEN the form is made THEN it posts to the action, both fields are empty,
    required, at most 100 characters, not autocompleted or spell-checked, described by their hint and error."""
    out = lookup_form("/api/verify")
    assert out.startswith('<form class="lookup-form"') and out.endswith("</form>\n") and out.count("<form") == 1
    t = parse(out)
    assert [a for tag, a in t.tags if tag == "form"] == [
        {"class": "lookup-form", "method": "post", "action": "/api/verify", "data-lookup-form": None}]
    fields = inputs(t)
    assert set(fields) == {"guarantee_number", "access_key"}
    for name, a in fields.items():
        assert a["id"] == name and a["type"] == "text" and "required" in a and a["maxlength"] == "100"
        assert a["autocomplete"] == "off" and a["spellcheck"] == "false"
        assert a["aria-describedby"] == f"{name}-hint {name}-error"
        assert "value" not in a and "aria-invalid" not in a
        assert t.text[f"{name}-error"] == ""
    assert fields["guarantee_number"]["inputmode"] == "text"
    assert fields["access_key"]["class"] == "lookup-key" and fields["access_key"]["autocapitalize"] == "off"
    assert "class" not in fields["guarantee_number"]
    assert not [a for tag, a in t.tags if a.get("id") == "lookup-status"]
    assert not [a for tag, a in t.tags if "lookup-field--error" in (a.get("class") or "")]
    labels = [a["for"] for tag, a in t.tags if tag == "label"]
    assert labels == ["guarantee_number", "access_key"]
    assert [a for tag, a in t.tags if tag == "button"] == [{"type": "submit", "class": "lookup-submit"}]


def test_the_hints_come_from_the_glossary_and_the_key_rule() -> None:
    t = parse(lookup_form("/api/verify"))
    assert t.text["guarantee_number-hint"] == numbering.format_hint() + "です。"
    assert t.text["access_key-hint"] == KEY_HINT
    assert number_hint() == numbering.format_hint()


def test_an_error_is_shown_under_its_own_field_only() -> None:
    """GIVEN an error for the number WHEN the form is made again THEN the number field says it and is marked
    invalid, and the key field is not."""
    t = parse(lookup_form("/x", errors={"guarantee_number": "10桁の数字で入力してください。"},
                          guarantee_number="12<3"))
    fields = inputs(t)
    assert t.text["guarantee_number-error"] == "10桁の数字で入力してください。"
    assert t.text["access_key-error"] == ""
    assert fields["guarantee_number"]["aria-invalid"] == "true" and "aria-invalid" not in fields["access_key"]
    assert fields["guarantee_number"]["value"] == "12<3" and "value" not in fields["access_key"]
    wrappers = [a.get("class") for tag, a in t.tags if tag == "div"]
    assert wrappers == ["lookup-field lookup-field--error", "lookup-field"]


def test_the_status_box_is_there_only_when_asked_for() -> None:
    t = parse(lookup_form("/api/verify", status_box=True))
    assert [a for tag, a in t.tags if a.get("id") == "lookup-status"] == [
        {"id": "lookup-status", "class": "lookup-status", "role": "status", "aria-live": "polite"}]


def test_what_a_reader_meets_in_the_form_is_the_labels_hints_and_button_only() -> None:
    """GIVEN the form with its status box WHEN it is read from top to bottom THEN the texts are the two labels with
    their hints and the button, in that order, and nothing else (the status box starts empty)."""
    from .support import outline

    texts = [item for item in outline(lookup_form("/api/verify", status_box=True), keep=("id",))
             if not item.startswith("<") or item.startswith(("<label", "<button", "<div id=lookup-status"))]
    assert texts == ["<label>", "保証契約番号", numbering.format_hint() + "です。", "<label>", "認証キー", KEY_HINT,
                     "<div id=lookup-status>", "<button>", "電子証書を表示"]


def test_the_number_hint_is_read_from_the_glossary_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_verify import form

    monkeypatch.setattr(form, "_number_hint", None)
    assert number_hint() == numbering.format_hint() and form._number_hint == numbering.format_hint()


def test_a_typed_number_is_escaped_in_its_value() -> None:
    out = lookup_form("/api/verify", guarantee_number='"><script>')
    assert "<script>" not in out and 'value="&quot;&gt;&lt;script&gt;"' in out


@pytest.mark.parametrize(("value", "text"), [("<a href='x'>&", "&lt;a href=&#x27;x&#x27;&gt;&amp;"), (None, ""),
                                              (12, "12"), ('"', "&quot;")])
def test_escape_turns_every_value_into_text(value: object, text: str) -> None:
    out = escape(value)
    assert out == text and isinstance(out, Markup)


def test_markup_is_not_escaped_again_and_says_so_to_template_engines() -> None:
    piece = Markup("<b>x</b>")
    assert escape(piece) is piece
    assert piece.__html__() == "<b>x</b>" and type(piece.__html__()) is str
    assert html("<p>{a}{b}</p>", a=piece, b="<i>") == "<p><b>x</b>&lt;i&gt;</p>"
    assert isinstance(html("<p></p>"), Markup)


def test_join_escapes_each_piece_and_the_separator() -> None:
    assert join(["<a>", Markup("<b>"), 1], "&") == "&lt;a&gt;&amp;<b>&amp;1"
    assert join([]) == "" and isinstance(join([]), Markup)


def test_attrs_writes_names_as_html_and_leaves_out_what_is_unset() -> None:
    out = attrs(class_="c", aria_describedby="a b", required=True, hidden=False, value=None, data_x='"')
    assert out == ' class="c" aria-describedby="a b" required data-x="&quot;"'
    assert attrs() == "" and isinstance(attrs(), Markup)
