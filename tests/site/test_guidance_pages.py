"""Each seed orderer's page states the facts of its source document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .htmltext import page_text, text_of

# (slug, facts that must appear on the page as a person reads it) — taken from the source leaflets.
SEED_FACTS: dict[str, list[str]] = {
    "taketa": [
        "竹田市", "大分県",
        "令和6年10月1日 (2024-10-01)",
        "当初契約の締結日",
        "工事",
        "契約保証", "前払金保証", "中間前払金保証",
        "契約保証予約",  # listed as excluded
        "持参", "契約検査室",
        "竹田市公共工事請負契約約款【令和6年10月1日以降】",
        "保証料計算書",
    ],
    "omura": [
        "大村市", "長崎県",
        "令和8年4月1日 (2026-04-01)",
        "契約締結日",
        "工事", "建設コンサルタント業務",
        "電子メール",
        "財政部契約課", "keiyakumain@city.omura.nagasaki.jp",
        "工事担当課",
        "請求書",
        "保証料計算書", "保証料領収証",
    ],
    "ashiya": [
        "芦屋町", "福岡県",
        "令和8年4月1日 (2026-04-01)",
        "契約締結日",
        "測量", "建設コンサルタント業務",
        "電子メール",
        "契約保証予約",
    ],
    "tosu": [
        "鳥栖市", "佐賀県",
        "令和8年3月1日 (2026-03-01)",
        "入札公告日",
        "電子メール", "契約検査課",
        "GMOサイン", "電子契約利用承諾書",
        "5日以内",
        "遡及",
        "当初契約を電子契約で締結したもののみ",
    ],
    "daisen": [
        "大仙市", "秋田県",
        "令和5年12月1日 (2023-12-01)",
        "入札公告日",
        "東日本建設業保証",
        "電子メール",
        "018-863-1000", "ak.mlad1@ejcs.co.jp",
    ],
}


@pytest.mark.parametrize("slug", sorted(SEED_FACTS))
def test_seed_page_states_its_facts(site: Path, slug: str) -> None:
    text = page_text(site, f"municipalities/{slug}")
    missing = [fact for fact in SEED_FACTS[slug] if fact not in text]
    assert not missing, f"{slug}: missing {missing}"


@pytest.mark.parametrize("slug", sorted(SEED_FACTS))
def test_seed_page_names_its_sources(site: Path, slug: str) -> None:
    text = page_text(site, f"municipalities/{slug}")
    assert "出典" in text
    assert "建設業保証" in text


def _limit_text(site: Path, slug: str, title: str) -> str:
    """The 要点 entry of one scope dimension (e.g. 保証の種類), as a person reads it."""
    html = (site / "municipalities" / slug / "index.html").read_text(encoding="utf-8")
    summary = html[html.index('id="summary"'):]
    return text_of(summary.split(f"<dt>{title}</dt>", 1)[1].split("</dd>", 1)[0])


@pytest.mark.parametrize("slug", sorted(SEED_FACTS))
def test_contract_reservation_is_never_listed_as_covered(site: Path, slug: str) -> None:
    """GIVEN a seed page WHEN its 保証の種類 is read THEN 契約保証予約 is never among the covered certificates."""
    text = _limit_text(site, slug, "保証の種類")
    covered = "".join(part.split("対象外:")[0] for part in text.split("出典"))
    assert "契約保証予約" not in covered, (slug, text)


@pytest.mark.parametrize("slug", ["omura", "daisen"])
def test_reservation_is_not_said_to_be_out_by_a_silent_document(site: Path, slug: str) -> None:
    """Issue 12: 大村市's and 大仙市's own documents say nothing of 契約保証予約, so their pages must not list it
    as excluded by them; where the page says it is out, the WJCS general rule is the provenance."""
    assert "契約保証予約" not in _limit_text(site, slug, "保証の種類")
    text = page_text(site, f"municipalities/{slug}")
    for sentence in re.findall(r"[^。]*契約保証予約[^。]*は[^。]*対象(?:外|になりません)[^。]*。[^。]{0,120}", text):
        if "資料に記載がありません" in sentence or "Q." in sentence:
            continue
        assert "西日本建設業保証" in sentence and "出典（保証事業会社の資料）" in sentence, sentence


@pytest.mark.parametrize("slug", ["omura", "ashiya", "tosu"])
def test_wjcs_pages_warn_against_the_step3_file(site: Path, slug: str) -> None:
    """GIVEN an orderer that takes only the key notice WHEN its page is read THEN it warns off the STEP 3 screen."""
    text = page_text(site, f"municipalities/{slug}")
    assert "STEP 4" in text and "STEP 3" in text and "取り違えないよう" in text


def test_taketa_asks_for_both_printouts(site: Path) -> None:
    """Issue 12 (corrected): 竹田市 requires the printout of the STEP 3 screen with the key notice, so its page
    tells the contractor to print and bring both — and never not to submit the STEP 3 screen."""
    text = page_text(site, "municipalities/taketa")
    assert "どちらも印刷して" in text and "STEP 3" in text and "STEP 4" in text
    for wrong in ("取り違えないよう", "右の画面は送りません", "保存したファイルではありません"):
        assert wrong not in text


def test_ejcs_page_does_not_name_wjcs_steps(site: Path) -> None:
    """GIVEN 大仙市 (東日本建設業保証 only) WHEN its page is read THEN it does not speak of e-Net's STEP 3."""
    assert "STEP 3" not in page_text(site, "municipalities/daisen")


def test_every_page_is_japanese_and_has_no_external_resources(site: Path) -> None:
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert '<html lang="ja">' in html, page
        for needle in ('src="http', "src=\"//", 'href="//', "fonts.googleapis", "cdn."):
            assert needle not in html, (page, needle)


@pytest.mark.parametrize("path,needle", [
    ("apply-wjcs", "STEP 4"),
    ("apply-wjcs", "STEP 3"),
    ("apply-ejcs", "ネットデスク"),
    ("what-is-e-surety", "電子証書"),
    ("faq", "よくある質問"),
])
def test_general_pages_exist(site: Path, path: str, needle: str) -> None:
    assert needle in page_text(site, path)
