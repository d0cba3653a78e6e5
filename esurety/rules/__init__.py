"""Rules: the eligibility decision for one case, as reason codes (worded by the site from the vocabulary)."""
