"""Set-up for the rule tests: the real, validated data and the rule's answer for one case of one orderer.

Cases are written as (orderer slug, case fields); :func:`decide_for` decides them with the orderer's
context (guarantors' rules, adopter table) exactly as the site does, and :func:`worded` words them with
esurety/site/wording.py, so a test can assert codes, provenance and the sentence a contractor reads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from esurety.data.dataset import Dataset, load_dataset
from esurety.rules.context import context_for
from esurety.rules.eligibility import Case, Outcome, decide

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def data() -> Dataset:
    """The real data of the project (content/municipalities, data/), validated like `make check`."""
    return load_dataset(ROOT)


def case_of(fields: dict[str, Any]) -> Case:
    """A :class:`Case` from a table row's fields (``day`` as an ISO string or None)."""
    values = dict(fields)
    day = values.pop("day", None)
    return Case(day=dt.date.fromisoformat(day) if isinstance(day, str) else day, **values)


def decide_for(data: Dataset, slug: str, fields: dict[str, Any]) -> Outcome:
    """The rule's answer for one case of the orderer ``slug``."""
    by_slug = {g.slug: g for g in data.guidance}
    if slug not in by_slug:
        pytest.fail(f"content/municipalities/{slug}.yaml is missing")
    g = by_slug[slug]
    return decide(g, context_for(data, g), case_of(fields))
