"""Every orderer's built page states each fact of its guidance file, and nothing without its provenance.

Parametrized over every file in content/municipalities/. Expected facts are read from the validated
file and labelled from data/vocabulary.yaml; the page is read as a person reads it (visible text).
Each route (認証キーの出し方, one block per submission, in file order) must show each stated fact —
method, recipient, address, CC, subject, body items, documents, printout rule, timing, note — and
資料に記載なし for each one written ``unstated``. Every claim of the file (start, limits, routes, notes,
contacts, FAQ, e-contract) must have its provenance on the page: its source's title (and ``where``), or
the site's inference with whom to ask.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from esurety.data import model
from esurety.data.dataset import Dataset, load_dataset
from esurety.site import views
from esurety.site.wording import Words

from .htmltext import text_of

ROOT = Path(__file__).resolve().parents[2]
UNSTATED = "資料に記載なし"
SLUGS = sorted(p.stem for p in (ROOT / "content" / "municipalities").glob("*.yaml"))


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load_dataset(ROOT)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _guidance(data: Dataset, slug: str) -> model.Guidance:
    return next(g for g in data.guidance if g.slug == slug)


def _html(site: Path, slug: str) -> str:
    return (site / "municipalities" / slug / "index.html").read_text(encoding="utf-8")


def route_blocks(html: str) -> list[str]:
    """The visible text of each route block of 認証キーの出し方, in order."""
    section = html[html.index('id="how"'):html.index('id="summary"')]
    return [text_of(part) for part in re.split(r'<div class="submission"[^>]*>', section)[1:]]


def expected_route_facts(data: Dataset, g: model.Guidance, s: model.Submission) -> list[tuple[str, str | list[str]]]:
    """(field, text or alternatives) that one route must show, from the file and the vocabulary."""
    label = data.vocabulary.label
    out: list[tuple[str, str | list[str]]] = []

    def stated(field: str, value: object, shown: list[str]) -> None:
        if value == model.UNSTATED:
            out.append((field, UNSTATED))
        else:
            out.extend((field, text) for text in shown)

    stated("methods", s.methods, [label("submission_method", m) for m in s.methods]
           if s.methods != model.UNSTATED else [])
    stated("recipient", s.recipient, [str(s.recipient)])
    if s.email is not None:
        stated("email", s.email, [str(s.email)])
    is_mail = s.methods != model.UNSTATED and "email" in s.methods
    if is_mail or s.email is not None:
        stated("subject", s.subject, [str(s.subject)])
        stated("body_items", s.body_items, [label("body_item", b) for b in s.body_items]
               if s.body_items != model.UNSTATED else [])
    if s.cc is not None:
        stated("cc", s.cc, list(s.cc) if isinstance(s.cc, list) else [])
    if s.cc_note:
        out.append(("cc_note", s.cc_note))
    key_names = [label("document", "key_notice")] + [gu.key_notice_name for gu in data.guarantors.values()
                                                     if gu.key_notice_name]
    if s.documents == model.UNSTATED:
        out.append(("documents", UNSTATED))
    else:
        out.extend(("documents", key_names if d == "key_notice" else label("document", d)) for d in s.documents)
    stated("printout", s.printout, [label("printout_rule", str(s.printout))] if s.printout != model.UNSTATED else [])
    stated("timing", s.timing, [str(s.timing)])
    if s.url:
        out.append(("url", s.url))
    if s.note:
        out.append(("note", _norm(s.note)))
    return out


@pytest.mark.parametrize("slug", SLUGS)
def test_each_route_states_its_facts(site: Path, data: Dataset, slug: str) -> None:
    """GIVEN an orderer's routes WHEN its page is read THEN each route block shows every stated fact and
    資料に記載なし for each unstated one."""
    g = _guidance(data, slug)
    blocks = route_blocks(_html(site, slug))
    assert len(blocks) == len(g.submissions), slug
    for i, (s, block) in enumerate(zip(g.submissions, blocks)):
        for field, want in expected_route_facts(data, g, s):
            options = want if isinstance(want, list) else [want]
            assert any(o in block for o in options), (slug, i, field, want, block[:400])


@pytest.mark.parametrize("slug", SLUGS)
def test_start_scope_notes_and_contacts_are_on_the_page(site: Path, data: Dataset, slug: str) -> None:
    """GIVEN an orderer's start, limits, notes, contacts and FAQ WHEN its page is read THEN each is stated,
    with 資料に記載なし for an unstated start or basis."""
    g = _guidance(data, slug)
    text = text_of(_html(site, slug))
    label = data.vocabulary.label
    facts: list[str] = [g.name]
    for st in g.start:
        facts.append(views.when_ja(st.from_))
        facts.append(UNSTATED if st.basis == model.UNSTATED else label("date_basis", st.basis))
    for dimension, group in model.DIMENSIONS.items():
        for lim in g.scope.limits(dimension):
            for key in (lim.only or []) + (lim.includes or []) + (lim.excludes or []):
                facts.append(label(group, key) if group else key)
    facts += [_norm(n.text) for n in g.notes]
    facts += [c.name for c in g.contacts] + [c.phone for c in g.contacts if c.phone]
    facts += [_norm(f.question) for f in g.faq]
    missing = [f for f in facts if f not in text]
    assert not missing, (slug, missing)


@pytest.mark.parametrize("slug", SLUGS)
def test_no_claim_without_its_provenance(site: Path, data: Dataset, slug: str) -> None:
    """GIVEN every claim of an orderer's file WHEN its page is read THEN the claim's provenance is on the page:
    the source's title (and the place in it), or the site's inference with whom to ask."""
    g = _guidance(data, slug)
    text = text_of(_html(site, slug))
    words = Words(data, g)
    for where, claim in g.claims():
        if claim.inference is not None:
            assert _norm(claim.inference) in text and "サイトの推論" in text, (slug, where)
        else:
            source = g.sources.get(claim.source or "")
            assert source is not None, (slug, where, claim.source)
            assert _norm(source.title) in text, (slug, where)
        assert _norm(words.claim(claim)) in text, (slug, where, words.claim(claim))


@pytest.mark.parametrize("slug", SLUGS)
def test_every_source_is_listed_with_its_check_date(site: Path, data: Dataset, slug: str) -> None:
    """GIVEN an orderer's sources WHEN its page's 出典 is read THEN each is there with the day it was last checked."""
    g = _guidance(data, slug)
    html = _html(site, slug)
    sources = text_of(html[html.index('id="sources"'):])
    for sid, s in g.sources.items():
        assert _norm(s.title) in sources, (slug, sid)
        if s.url:
            assert f'href="{s.url}"' in html, (slug, sid)
    assert views.date_ja(g.checked_on) in text_of(html)


@pytest.mark.parametrize("slug", SLUGS)
def test_unstated_is_never_used_as_a_value_in_a_sentence(site: Path, slug: str) -> None:
    """Issue 12: ``basis: unstated`` gave 「資料に記載なしが…以降の案件」. GIVEN any page WHEN read THEN 資料に記載なし
    never stands as the subject of a rule, and no vocabulary key or placeholder shows."""
    text = text_of(_html(site, slug))
    assert not re.search(r"資料に記載なし）?が", text), re.search(r".{40}資料に記載なし）?が.{40}", text)
    assert "unstated" not in text and "None" not in text
