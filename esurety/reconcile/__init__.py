"""Reconcile a guarantor's new adopter list with data/adopters.yaml, and check the external links.

The flow, one module a step: :mod:`readers` (leaflet text, CSV/XLSX, news lines → entries) →
:mod:`matching` (entries → real orderers, with corrections) → :mod:`reconcile` (→ add / change /
check / unchanged) → :mod:`report` (Japanese Markdown or HTML) → :mod:`apply` (round-trip write,
then ``make check``). :mod:`links` checks every external URL of the data and the built site.
``scripts/import_adopters.py`` and ``scripts/links.py`` are the command lines.
"""

from __future__ import annotations

from esurety.reconcile.entry import Entry, InputError
from esurety.reconcile.matching import Correction, Matcher, Resolution
from esurety.reconcile.readers import FORMATS, read_entries
from esurety.reconcile.reconcile import Finding, Plan, SourceInfo, reconcile
from esurety.reconcile.reference import ReferenceList
from esurety.reconcile.table import AdopterTable

__all__ = [
    "FORMATS",
    "AdopterTable",
    "Correction",
    "Entry",
    "Finding",
    "InputError",
    "Matcher",
    "Plan",
    "ReferenceList",
    "Resolution",
    "SourceInfo",
    "read_entries",
    "reconcile",
]
