"""Pictures of the key notice, drawn at build time as SVG: the PDF to send beside the screen not to send.

One picture per guarantor that names its key notice (data/guarantors.yaml ``key_notice_name``,
``key_notice_where``, ``look_alike``), in two variants: ``send`` (the usual rule: send the key notice,
not the screen) and ``both`` (orderers such as 竹田市 that want the notice and the screen, both printed).
Guidance pages choose the variant from the orderer's own documents list. Presentation attributes only
(the site's CSP forbids inline styles); the text is drawn large enough to read at 343 px wide.
"""

from __future__ import annotations

import logging
import unicodedata
from html import escape
from typing import Any

from esurety.site import outfiles

logger = logging.getLogger(__name__)

__all__ = ["PICTURES_URL", "VARIANTS", "key_notice_svg", "picture_url", "write_outputs"]

PICTURES_URL = "pictures/"
VARIANTS = ("send", "both")
WIDTH, HEIGHT = 400, 400
FONT = "system-ui, 'Noto Sans CJK JP', sans-serif"
OK, NG, INK, MUTED, PAPER, SCREEN = "#1e6b34", "#a11d1d", "#1a1a1a", "#555555", "#ffffff", "#eef2f7"


def picture_url(guarantor_id: str, variant: str = "send") -> str:
    """Where the picture of one guarantor's key notice is written (relative to the site root)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    return f"{PICTURES_URL}key-notice-{guarantor_id}-{variant}.svg"


def _width(ch: str) -> float:
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.55


def _wrap(text: str, em: float) -> list[str]:
    """Lines of at most ``em`` full-width characters (Japanese breaks anywhere; good enough for labels)."""
    lines, line, used = [], "", 0.0
    for ch in text:
        w = _width(ch)
        if used + w > em and line:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += w
    if line:
        lines.append(line)
    return lines


def _text(x: float, y: float, lines: list[str], size: int, fill: str = INK, weight: str = "400",
          anchor: str = "start") -> str:
    spans = "".join(f'<tspan x="{x}" dy="{0 if i == 0 else round(size * 1.3)}">{escape(t)}</tspan>'
                    for i, t in enumerate(lines))
    return (f'<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
            f'text-anchor="{anchor}">{spans}</text>')


def key_notice_svg(guarantor: Any, variant: str = "send") -> str:
    """The picture: left the key notice PDF (送る), right the look-alike screen (送らない, or 印刷して一緒に出す)."""
    both = variant == "both"
    name = guarantor.key_notice_name or "認証キー等のお知らせ（PDF）"
    where = guarantor.key_notice_where or ""
    look = guarantor.look_alike or "電子証書の内容の画面"
    title = f"{guarantor.short_name}: 送るのは左の PDF" if not both else f"{guarantor.short_name}: 左右とも印刷して出す"
    right_mark, right_colour = ("○ これも出す", OK) if both else ("× 送らない", NG)
    col = WIDTH / 2
    dash = "" if both else ' stroke-dasharray="10 6"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="{FONT}" role="img" aria-labelledby="t">',
        f'<title id="t">{escape(title)}</title>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        _text(12, 30, _wrap(title, 23)[:1], 17, INK, "700"),
        # left: the key notice PDF
        f'<rect x="12" y="48" width="{col - 20}" height="{HEIGHT - 60}" rx="8" fill="none" stroke="{OK}" stroke-width="4"/>',
        _text(24, 78, ["○ 送る"], 20, OK, "700"),
        f'<rect x="30" y="92" width="{col - 56}" height="150" fill="{PAPER}" stroke="{MUTED}" stroke-width="1.5"/>',
        f'<rect x="{col - 78}" y="92" width="52" height="24" fill="{NG}"/>',
        _text(col - 52, 110, ["PDF"], 16, "#ffffff", "700", "middle"),
        _text(38, 136, _wrap("「認証キー」等のお知らせ", 8), 16, INK, "700"),
        _text(40, 186, ["保証契約番号"], 14, MUTED),
        f'<rect x="40" y="192" width="{col - 84}" height="14" fill="{SCREEN}"/>',
        _text(40, 224, ["認証キー"], 14, MUTED),
        f'<rect x="40" y="230" width="{col - 84}" height="8" fill="{SCREEN}"/>',
        _text(22, 268, _wrap(name, 10)[:4], 16, INK, "700"),
        _text(22, 268 + len(_wrap(name, 10)[:4]) * 21 + 6, _wrap(where, 10)[:3], 16, MUTED),
        # right: the look-alike screen
        f'<rect x="{col + 8}" y="48" width="{col - 20}" height="{HEIGHT - 60}" rx="8" fill="none" '
        f'stroke="{right_colour}" stroke-width="4"{dash}/>',
        _text(col + 20, 78, [right_mark], 20, right_colour, "700"),
        f'<rect x="{col + 26}" y="92" width="{col - 56}" height="150" fill="{SCREEN}" stroke="{MUTED}" stroke-width="1.5"/>',
        f'<rect x="{col + 26}" y="92" width="{col - 56}" height="20" fill="{MUTED}"/>',
        f'<circle cx="{col + 38}" cy="102" r="4" fill="#ffffff"/><circle cx="{col + 52}" cy="102" r="4" fill="#ffffff"/>',
        _text(col + 36, 136, ["電子証書の内容"], 16, INK, "700"),
        f'<rect x="{col + 36}" y="152" width="{col - 80}" height="8" fill="#c9d1db"/>',
        f'<rect x="{col + 36}" y="168" width="{col - 100}" height="8" fill="#c9d1db"/>',
        f'<rect x="{col + 36}" y="184" width="{col - 90}" height="8" fill="#c9d1db"/>',
        f'<rect x="{col + 36}" y="200" width="{col - 110}" height="8" fill="#c9d1db"/>',
        f'<rect x="{col + 36}" y="216" width="{col - 95}" height="8" fill="#c9d1db"/>',
        _text(col + 18, 268, _wrap(look, 10)[:5], 16, INK, "700"),
    ]
    if not both:
        parts.append(f'<line x1="{col + 26}" y1="92" x2="{WIDTH - 30}" y2="242" stroke="{NG}" stroke-width="4"/>')
        parts.append(f'<line x1="{WIDTH - 30}" y1="92" x2="{col + 26}" y2="242" stroke="{NG}" stroke-width="4"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_outputs(generator: Any, writer: Any, data: Any, adopters: Any) -> None:
    """Write both variants of the picture for every guarantor that names its key notice."""
    count = 0
    for gid, guarantor in data.guarantors.items():
        if not guarantor.key_notice_name:
            continue
        for variant in VARIANTS:
            rel, svg = picture_url(gid, variant), key_notice_svg(guarantor, variant)
            if hasattr(generator, "data_file"):  # a page family: the file is noted for incremental builds
                generator.data_file(rel, svg)
            else:
                outfiles.write_text(generator, rel, svg)
            count += 1
    logger.info("wrote %d key notice pictures", count)
