"""Printing: a guidance page and a certificate come out on A4 without the site's navigation.

Orderer staff print the certificate to keep it with the contract file; contractors print a
municipality's rules for the office. Chromium's own PDF output is what they get from 「印刷」→「PDFに保存」.
The PDFs and a PNG of each page (pdftoppm) are kept under test-artifacts/ to be looked at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .lookup_support import demo_certificate, fill_lookup, submit_without_js
from .support import NewContext

#: A4 in PostScript points (210 × 297 mm); Chromium rounds to whole points or near them.
A4_POINTS = (595.0, 842.0)


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    """Width × height of each page's /MediaBox, read from the PDF (Chromium writes them uncompressed)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def assert_a4(pdf: bytes) -> int:
    boxes = media_boxes(pdf)
    assert boxes, "no page in the PDF"
    for w, h in boxes:
        assert abs(w - A4_POINTS[0]) < 2 and abs(h - A4_POINTS[1]) < 2, (w, h)
    return len(boxes)


def to_png(pdf_path: Path) -> list[Path]:
    """Render each PDF page to PNG for people to look at; pdftoppm comes with poppler-utils (.ci/run)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        pytest.fail("pdftoppm is missing: apt-get install poppler-utils")
    prefix = pdf_path.with_suffix("")
    subprocess.run([tool, "-png", "-r", "60", str(pdf_path), str(prefix)], check=True, timeout=60)
    return sorted(pdf_path.parent.glob(prefix.name + "-*.png"))


def print_to_pdf(page: Page, path: Path) -> bytes:
    """What 「印刷」→「PDFに保存」 gives. No paper size is asked for here: Chromium's own default is US Letter
    (612 × 792 pt), so a PDF on A4 proves that the page's print style (@page { size: A4 }) chose it."""
    page.emulate_media(media="print")
    pdf = page.pdf(path=str(path), print_background=True, prefer_css_page_size=True)
    assert to_png(path), "no PNG rendered"
    return pdf


def pdf_text(pdf_path: Path) -> str:
    """The text of a PDF as a reader of the printout gets it (pdftotext, from poppler-utils)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils")
    out = subprocess.run([tool, "-layout", str(pdf_path), "-"], check=True, capture_output=True, text=True, timeout=60)
    return re.sub(r"[ \t]+", " ", out.stdout)


def assert_no_navigation(page: Page) -> None:
    """In print media the header navigation, skip link and footer are not shown."""
    page.emulate_media(media="print")
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator(".skip-link")).to_be_hidden()
    for sel in (".site-footer", ".breadcrumb", "form"):
        for i in range(page.locator(sel).count()):
            expect(page.locator(sel).nth(i)).to_be_hidden()


def test_guidance_page_prints_on_a4(page: Page, artifact_dir: Path) -> None:
    page.goto("/municipalities/taketa/")
    assert_no_navigation(page)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#how")).to_have_text("認証キーの出し方")
    pages = assert_a4(print_to_pdf(page, artifact_dir / "guidance-taketa.pdf"))
    assert pages <= 6, f"{pages} A4 pages for one municipality is too many to print"


def test_certificate_prints_on_a4(new_context: NewContext, artifact_dir: Path) -> None:
    """The certificate from a plain form POST (no JS): one A4 sheet, only the certificate."""
    page = new_context(java_script_enabled=False).new_page()
    cert = demo_certificate()
    submit_without_js(page, cert.guarantee_number, cert.access_key)
    expect(page.get_by_text(cert.guarantee_number).first).to_be_visible()
    assert_no_navigation(page)
    pages = assert_a4(print_to_pdf(page, artifact_dir / "certificate.pdf"))
    assert pages == 1, f"the certificate prints on {pages} pages"


def test_certificate_shown_in_place_prints_alone(page: Page, artifact_dir: Path) -> None:
    """With JS the certificate appears on /lookup/ itself; printing that page gives only the certificate."""
    cert = demo_certificate("ejcs")
    page.goto("/lookup/")
    fill_lookup(page, cert.guarantee_number, cert.access_key)
    page.get_by_role("button", name="電子証書を表示").click()
    expect(page.locator("#lookup-result .certificate__number")).to_have_text(cert.guarantee_number)
    assert_no_navigation(page)
    expect(page.get_by_role("heading", name="電子証書の確認")).to_be_hidden()
    expect(page.get_by_role("button", name="この証書を印刷する")).to_be_hidden()
    pages = assert_a4(print_to_pdf(page, artifact_dir / "certificate-in-place.pdf"))
    assert pages == 1, f"the certificate prints on {pages} pages"


def test_without_the_print_style_the_pdf_is_not_a4(page: Page, artifact_dir: Path) -> None:
    """The A4 check above can fail: the same page with its print style taken away prints on Letter."""
    page.goto("/municipalities/taketa/")
    removed = page.evaluate("""() => { let n = 0;
        const walk = list => { for (let i = list.length - 1; i >= 0; i--) {
            const r = list[i];
            if (r.type === CSSRule.PAGE_RULE) { r.parentStyleSheet ? r.parentStyleSheet.deleteRule(i)
                                                                   : r.parentRule.deleteRule(i); n++; }
            else if (r.cssRules) { walk(r.cssRules); } } };
        for (const sheet of document.styleSheets) { walk(sheet.cssRules); }
        return n; }""")
    assert removed >= 1, "the site's stylesheet has no @page rule"
    boxes = media_boxes(print_to_pdf(page, artifact_dir / "guidance-letter.pdf"))
    assert boxes and all(abs(w - 612) < 2 and abs(h - 792) < 2 for w, h in boxes), boxes


def test_printed_certificate_carries_what_the_paper_certificate_carries(new_context: NewContext,
                                                                         artifact_dir: Path) -> None:
    """GIVEN a WJCS certificate looked up without JavaScript WHEN it is printed to PDF THEN the printout
    holds the guarantor's statement, head office, branch, notes and terms, in that order, on one A4 sheet."""
    page = new_context(java_script_enabled=False).new_page()
    cert = demo_certificate()
    submit_without_js(page, cert.guarantee_number, cert.access_key)
    path = artifact_dir / "certificate-complete.pdf"
    assert assert_a4(print_to_pdf(page, path)) == 1
    text = pdf_text(path).replace("\n", "")
    order = ["保証証書（前払金保証）", cert.guarantee_number, "その責に任じます。", "大阪市西区立売堀2丁目1番2号",
             "西日本建設業保証株式会社", "取扱支店 大阪支店", "【注1】", "【注3】", "https://www.wjcs.net/", "発行の履歴"]
    at = [text.find(t) for t in order]
    assert -1 not in at, list(zip(order, at))
    assert at == sorted(at), list(zip(order, at))
    assert "別の証書を照会する" not in text  # the page's own controls do not print


def test_cancelled_certificate_prints_its_mark_in_black(new_context: NewContext, artifact_dir: Path) -> None:
    """GIVEN a cancelled certificate WHEN it is printed THEN the 解約 mark is on the sheet in black (it must
    survive a black-and-white copy), the history ends with the 解約 row, and nothing says 現在の内容."""
    page = new_context(java_script_enabled=False).new_page()
    cert = demo_certificate(cancelled=True)
    submit_without_js(page, cert.guarantee_number, cert.access_key)
    page.emulate_media(media="print")
    mark = page.locator(".certificate__void")
    expect(mark).to_be_visible()
    style = mark.evaluate("e => { const s = getComputedStyle(e); return [s.color, s.borderTopColor, s.borderTopStyle,"
                          " s.borderTopWidth, s.fontSize]; }")
    assert style[0] == style[1] == "rgb(0, 0, 0)" and style[2] == "double", style
    assert float(style[3].removesuffix("px")) >= 3 and float(style[4].removesuffix("px")) >= 16, style
    path = artifact_dir / "certificate-cancelled.pdf"
    assert assert_a4(print_to_pdf(page, path)) == 1
    text = pdf_text(path)
    assert "この保証契約は解約されています。" in text and "現在の内容" not in text
    history = text[text.index("発行の履歴"):]
    assert re.search(r"解約\s*解約\s*令和8年10月15日", history), history[:400]
