"""Every reason code of the rule is worded in data/vocabulary.yaml, and every worded reason reads cleanly.

The rule decides in codes (esurety/rules/reasons.py); the sentences live in the vocabulary (group
``reason``) and are filled in by esurety/site/wording.py. A code without wording, or a sentence with a
``{placeholder}`` left in it, would reach a contractor as a broken answer.
"""

from __future__ import annotations

import re
import string

import pytest

from esurety.data.dataset import Dataset
from esurety.rules.context import context_for
from esurety.rules.export import decision_table
from esurety.rules.reasons import REASONS
from esurety.site.wording import Words

#: Sentences a reason must never produce (issue 12: 「資料に記載なしが…以降の案件」).
BROKEN = re.compile(r"資料に記載なし）?が|\{|\}|None|\bunstated\b|\*")


@pytest.mark.parametrize("code", sorted(REASONS))
def test_every_code_has_wording(data: Dataset, code: str) -> None:
    """GIVEN a reason code of the rule WHEN the vocabulary is read THEN it has a sentence whose fields are named."""
    assert code in data.vocabulary.reason, f"data/vocabulary.yaml: reason.{code} is missing"
    fields = [name for _, name, _, _ in string.Formatter().parse(data.vocabulary.reason[code].text) if name is not None]
    assert all(re.fullmatch(r"[a-z_]+", f) for f in fields), fields


def test_vocabulary_words_no_unknown_code(data: Dataset) -> None:
    """GIVEN the vocabulary's reasons WHEN compared with the rule's codes THEN none is worded for a code the rule lacks."""
    assert set(data.vocabulary.reason) <= set(REASONS)


def _orderers(data: Dataset):
    return sorted(g.slug for g in data.guidance)


@pytest.fixture(scope="module")
def worded(data: Dataset) -> dict[str, list[tuple[str, str, str]]]:
    """slug → (code, sentence, provenance) of every reason and remark the orderer's decision table produces."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for g in data.guidance:
        words = Words(data, g)
        table = decision_table(g, context_for(data, g))
        out[g.slug] = [(r.code, words.reason(r), words.provenance(r))
                       for o in table.outcomes for r in (*o.reasons, *o.notes)]
    return out


def test_every_orderer_produces_reasons(worded: dict[str, list[tuple[str, str, str]]]) -> None:
    assert worded and all(worded.values())


def test_every_produced_reason_reads_cleanly(data: Dataset, worded: dict[str, list[tuple[str, str, str]]]) -> None:
    """GIVEN every input of every real orderer WHEN each reason is worded THEN no placeholder, key or
    「資料に記載なしが」 is left, and a reason with a source names that source."""
    for slug, items in worded.items():
        for code, text, provenance in items:
            assert text.strip() and not BROKEN.search(text), (slug, code, text)
            assert not BROKEN.search(provenance), (slug, code, provenance)


def test_every_vocabulary_key_in_a_reason_is_labelled(data: Dataset, worded: dict[str, list[tuple[str, str, str]]]) -> None:
    """GIVEN the reasons of every orderer WHEN worded THEN no vocabulary key (e.g. ``construction``) shows."""
    keys = {k for group in ("certificate_type", "issuer", "project_type", "procurement_method", "date_basis",
                            "contract_stage") for k in data.vocabulary.keys(group)}
    pattern = re.compile(r"(?<![A-Za-z_])(" + "|".join(sorted(map(re.escape, keys), key=len, reverse=True)) + r")(?![A-Za-z_])")
    for slug, items in worded.items():
        for code, text, _ in items:
            assert not pattern.search(text), (slug, code, text)
