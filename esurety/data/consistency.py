"""Checks inside one guidance file that need more than one field (and the vocabulary).

Each problem is (location, Japanese message); the dataset turns them into file:line:column errors.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from esurety.data import model

logger = logging.getLogger(__name__)

__all__ = ["problems"]

Problem = tuple[tuple[Any, ...], str]


def problems(g: model.Guidance, vocab: model.Vocabulary | None) -> list[Problem]:
    """Every consistency problem of one guidance file, in file order."""
    out: list[Problem] = []
    out += _unknown_sources(g)
    out += _duplicates(g)
    out += _routes_cover_certificates(g)
    if vocab is not None:
        out += _issuers_fit_certificates(g, vocab)
    return out


def guarantor_rule_problems(g: model.Guidance, vocab: model.Vocabulary, guarantors: dict[str, model.Guarantor],
                            listed: list[str]) -> list[Problem]:
    """A certificate the scope covers that every guarantor the orderer takes excludes by its general rule
    (契約保証予約 at a 西日本建設業保証 orderer): the page would promise what the guarantor never issues."""
    named = [i for i in g.scope.covered("issuers") if i in guarantors]
    accepted = named or [i for i in listed if i in guarantors]
    out: list[Problem] = []
    if not accepted:
        return out
    for i, limit in enumerate(g.scope.limits("certificates")):
        for field in ("only", "includes"):
            for j, cert in enumerate(getattr(limit, field) or []):
                if cert not in vocab.certificate_type or vocab.certificate_type[cert].issuer_kinds != ["guarantor"]:
                    continue
                if all(any(cert in rule.excludes_certificates for rule in guarantors[gid].rules) for gid in accepted):
                    names = "・".join(guarantors[gid].short_name for gid in accepted)
                    out.append((("scope", "certificates", i, field, j),
                                f"{vocab.label('certificate_type', cert)}（{cert}）は{names}の電子保証の対象になりません"
                                "（data/guarantors.yaml の一般的な決まり）。対象から外してください。"))
    return out


def _unknown_sources(g: model.Guidance) -> Iterator[Problem]:
    known = "、".join(g.sources)
    for loc, claim in g.claims():
        if claim.source is not None and claim.source not in g.sources:
            yield loc + ("source",), f"資料ID「{claim.source}」が sources にありません（あるのは {known}）。"


#: Each model class's fields as (attribute, key as written), looked up once per class.
_FIELDS: dict[type, tuple[tuple[str, str], ...]] = {}


def _fields(cls: type[model.Strict]) -> tuple[tuple[str, str], ...]:
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple((name, field.alias or name) for name, field in cls.model_fields.items())
    return found


def _lists(loc: tuple[Any, ...], obj: Any) -> list[tuple[tuple[Any, ...], list[Any]]]:
    """Every list of plain values inside a model, with its location."""
    out: list[tuple[tuple[Any, ...], list[Any]]] = []
    _collect_lists(loc, obj, out)
    return out


def _collect_lists(loc: tuple[Any, ...], obj: Any, out: list[tuple[tuple[Any, ...], list[Any]]]) -> None:
    if isinstance(obj, model.Strict):
        for name, key in _fields(type(obj)):
            value = getattr(obj, name)
            if isinstance(value, (model.Strict, dict, list)):
                _collect_lists(loc + (key,), value, out)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (model.Strict, dict, list)):
                _collect_lists(loc + (k,), v, out)
    elif isinstance(obj, list):
        if obj and all(isinstance(v, str) for v in obj):
            out.append((loc, obj))
        else:
            for i, v in enumerate(obj):
                if isinstance(v, (model.Strict, dict, list)):
                    _collect_lists(loc + (i,), v, out)


def _duplicates(g: model.Guidance) -> Iterator[Problem]:
    for loc, values in _lists((), g):
        if loc and loc[0] in ("unconfirmed",):
            continue
        seen: set[str] = set()
        for i, v in enumerate(values):
            if v in seen:
                yield loc + (i,), f"「{v}」が2回書かれています。1回にしてください。"
            seen.add(v)


def _covered(g: model.Guidance) -> tuple[list[str], bool]:
    """Certificates the scope covers, and whether the list is complete (``only``)."""
    covered: list[str] = []
    complete = False
    for limit in g.scope.limits("certificates"):
        for v in (limit.only or []) + (limit.includes or []):
            if v not in covered:
                covered.append(v)
        complete = complete or limit.only is not None
    return covered, complete


def _routes_cover_certificates(g: model.Guidance) -> Iterator[Problem]:
    covered, complete = _covered(g)
    for cert in covered:
        if not any(s.for_ is None or s.for_.certificates is None or cert in s.for_.certificates for s in g.submissions):
            yield (("submissions",), f"scope.certificates で対象とした {cert} の提出方法が submissions にありません。"
                                     "資料に書かれていなければ methods: unstated として書いてください。")
    if not complete:
        return
    excluded = {v for limit in g.scope.limits("certificates") for v in limit.excludes or []}
    for i, s in enumerate(g.submissions):
        for j, cert in enumerate(s.for_.certificates if s.for_ and s.for_.certificates else []):
            if cert not in covered or cert in excluded:
                yield (("submissions", i, "for", "certificates", j),
                       f"{cert} は scope.certificates で対象になっていません（only にないか、excludes にあります）。"
                       "対象でない保証の提出方法は書けません。scope.certificates か、この提出方法の for を直してください。")


def _issuers_fit_certificates(g: model.Guidance, vocab: model.Vocabulary) -> Iterator[Problem]:
    """A route for certain certificates and issuers must name a pair that can exist (an insurer issues no 前払金保証)."""
    for i, s in enumerate(g.submissions):
        if s.for_ is None or s.for_.certificates is None or s.for_.issuers is None:
            continue
        for j, issuer in enumerate(s.for_.issuers):
            kind = vocab.issuer[issuer].kind if issuer in vocab.issuer else None
            if kind and not any(kind in vocab.certificate_type[c].issuer_kinds
                                for c in s.for_.certificates if c in vocab.certificate_type):
                shown = "・".join(f"{vocab.certificate_type[c].label}（{c}）" for c in s.for_.certificates
                                  if c in vocab.certificate_type)
                yield (("submissions", i, "for", "issuers", j),
                       f"{vocab.issuer[issuer].label}（{issuer}）は{shown}を発行しません。"
                       "この提出方法の for の issuers か certificates を直してください。")
