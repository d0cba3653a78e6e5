"""The reason codes of the eligibility rule; their wording lives in data/vocabulary.yaml (group ``reason``)."""

from __future__ import annotations

__all__ = ["APPLIES", "NOT_APPLIES", "REASONS", "UNKNOWN"]

#: What a reason does to the answer: it confirms the case, excludes it, or leaves it to be asked.
APPLIES, NOT_APPLIES, UNKNOWN = "applies", "not_applies", "unknown"

#: Every reason the rule can give, with its effect (None: a remark that does not decide).
REASONS: dict[str, str | None] = {
    "never_electronic": NOT_APPLIES,
    "start_not_for_case": UNKNOWN,
    "basis_unstated": UNKNOWN,
    "date_on_or_after": APPLIES,
    "date_before": NOT_APPLIES,
    "date_in_start_month": UNKNOWN,
    "date_missing": UNKNOWN,
    "change_follows_project": APPLIES,
    "change_project_before": NOT_APPLIES,
    "change_unstated_after": UNKNOWN,
    "change_unstated_before": UNKNOWN,
    "change_contract_before": UNKNOWN,
    "covered": APPLIES,
    "excluded": NOT_APPLIES,
    "not_in_only": NOT_APPLIES,
    "not_listed": UNKNOWN,
    "dimension_unstated": UNKNOWN,
    "issuer_listed": APPLIES,
    "route_unstated": UNKNOWN,
    "trial": None,
}
