"""The lookup form: one for the site's /lookup/ page and for every answer of the function that offers it.

The site's template calls :func:`lookup_form` (registered as a Jinja global by the site), the
function's own pages put it under their message, so the two cannot drift apart. The number's hint
comes from the kernel's glossary (each guarantor's format, example and whether the hyphen may be
left out). The number field uses the ordinary keyboard, which on every phone offers the hyphen
that an EJCS number may contain; a numeric keypad would not.
"""

from __future__ import annotations

from collections.abc import Mapping

from esurety.kernel import numbering

from .markup import Markup, attrs, html

__all__ = ["KEY_HINT", "lookup_form", "number_hint"]

#: The key's hint, under its label.
KEY_HINT = "お知らせに記載の半角英数字です。大文字と小文字を区別します。"

_number_hint: str | None = None


def number_hint() -> str:
    """The guarantee-number formats in words, read from the glossary once per process."""
    global _number_hint
    if _number_hint is None:
        _number_hint = numbering.format_hint()
    return _number_hint


def _field(name: str, label: str, hint: str, error: str, value: str, **extra: object) -> Markup:
    return html(
        '  <div class="lookup-field{error_class}">\n'
        '    <label for="{name}">{label}</label>\n'
        '    <p class="lookup-hint" id="{name}-hint">{hint}</p>\n'
        '    <input{input_attrs}>\n'
        '    <p class="lookup-error" id="{name}-error">{error}</p>\n'
        '  </div>\n',
        name=name, label=label, hint=hint, error=error,
        error_class=Markup(" lookup-field--error" if error else ""),
        input_attrs=attrs(id=name, name=name, type="text", autocomplete="off", spellcheck="false", required=True,
                          maxlength="100", value=value or None, aria_describedby=f"{name}-hint {name}-error",
                          aria_invalid="true" if error else None, **extra),
    )


def lookup_form(form_action: str, *, errors: Mapping[str, str] | None = None, guarantee_number: str = "",
                status_box: bool = False) -> Markup:
    """The form posting a number and a key to ``form_action``; ``errors`` by field name, shown under each field."""
    errors = errors or {}
    return html(
        '<form class="lookup-form" method="post" action="{action}" data-lookup-form>\n'
        "{number}{key}{status}"
        '  <p><button type="submit" class="lookup-submit">電子証書を表示</button></p>\n'
        "</form>\n",
        action=form_action,
        number=_field("guarantee_number", "保証契約番号", number_hint() + "です。",
                      errors.get("guarantee_number", ""), guarantee_number, inputmode="text"),
        key=_field("access_key", "認証キー", KEY_HINT, errors.get("access_key", ""), "", class_="lookup-key",
                   autocapitalize="off"),
        status=Markup('  <div id="lookup-status" class="lookup-status" role="status" aria-live="polite"></div>\n'
                      if status_box else ""),
    )
