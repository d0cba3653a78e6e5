"""The rule's :class:`~esurety.rules.eligibility.Context` for one orderer, from the validated dataset."""

from __future__ import annotations

from esurety.data import model
from esurety.data.dataset import Dataset
from esurety.rules.eligibility import Context

__all__ = ["context_for"]


def context_for(data: Dataset, g: model.Guidance) -> Context:
    """The vocabulary, the guarantors' rules and what the adopter table lists for the orderer."""
    row = data.row_for(g.slug)
    return Context(vocabulary=data.vocabulary, guarantors=data.guarantors,
                   listed_guarantors=tuple(row.guarantor_ids) if row else (),
                   listed_source=row.source if row else None)
