"""The rule's reason codes and an orderer's routes, worded in Japanese from data/vocabulary.yaml.

The rule (esurety/rules) decides in codes; this module is the only place that turns them into the
sentences a contractor reads, with the provenance of each: 出典 (the document and where in it),
採用団体一覧, or サイトの推論 with whom to ask. What a source does not state is 資料に記載なし.
"""

from __future__ import annotations

import datetime as dt
import logging
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from esurety.data import model
from esurety.data.dataset import Dataset
from esurety.rules.eligibility import OTHER, Outcome, Reason, ask_whom
from esurety.site import views

logger = logging.getLogger(__name__)

__all__ = ["DIMENSION_TEXT", "STATUS_TEXT", "UNSTATED_TEXT", "RouteView", "Words"]

UNSTATED_TEXT = "資料に記載なし"
#: The answer in one line, per status.
STATUS_TEXT: dict[str, str] = {"applies": "電子保証の対象です", "not_applies": "電子保証の対象外です",
                               "unknown": "確認が必要です"}
#: How a sentence names each scope dimension.
DIMENSION_TEXT: dict[str, str] = {
    "certificates": "保証の種類", "issuers": "保証の発行元", "project_types": "業種", "departments": "発注課",
    "procurement_methods": "契約方式", "contract_stages": "契約の段階",
}
#: Other values shown for the OTHER choice of an open dimension.
OTHER_TEXT: dict[str, str] = {"departments": "その他の課", "project_types": "その他の業種"}


@dataclass(frozen=True)
class RouteView:
    """One submission route as display strings; ``unstated`` lists the fields to ask about."""

    fields: dict[str, str]
    links: dict[str, str]
    provenance: str
    unstated: tuple[str, ...]
    mail: dict[str, Any]


class Words:
    """Wording for one orderer (sources, whom to ask) over the dataset's vocabulary."""

    def __init__(self, data: Dataset, g: model.Guidance) -> None:
        self.data = data
        self.g = g
        self.vocab = data.vocabulary
        self.labels = views.Labels(data.vocabulary)
        self.ask = ask_whom(g)
        # A decision table repeats the same few reasons in hundreds of outcomes: each is worded once.
        # Plain dicts, not functools.cache over bound methods: that would tie each Words to itself in
        # a cycle, and with the build's collector paused every orderer's reasons would stay in memory.
        self._reasons: dict[Reason, str] = {}
        self._provenances: dict[Reason, str] = {}

    # --------------------------------------------------------------------------- values
    def value(self, v: Any) -> str:
        if isinstance(v, tuple) and len(v) == 2 and v[0] == "other":
            return OTHER_TEXT.get(v[1], "その他")
        if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) and v[0] == "initial_of":
            return f"当初契約の{self.labels('date_basis', v[1])}"
        if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) and hasattr(self.vocab, v[0]):
            return self.labels(v[0], v[1])
        if isinstance(v, tuple):
            return "・".join(self.value(x) for x in v)
        if isinstance(v, list):
            return "・".join(self.value(x) for x in v)
        if isinstance(v, (dt.date, str)) and _is_day_or_month(v):
            return _when(v)
        if v in DIMENSION_TEXT:
            return DIMENSION_TEXT[v]
        return str(v)

    def choice(self, dimension: str, key: str) -> str:
        """The label of one form option."""
        if key == OTHER:
            return OTHER_TEXT.get(dimension, "その他")
        group = model.DIMENSIONS[dimension]
        return self.labels(group, key) if group else key

    # -------------------------------------------------------------------------- reasons
    def reason(self, r: Reason) -> str:
        """The reason's sentence, worded once per reason."""
        return _once(self._reasons, self._word, r)

    def provenance(self, r: Reason) -> str:
        """Whose statement the reason is, in words, worded once per reason."""
        return _once(self._provenances, self._provenance, r)

    def _word(self, r: Reason) -> str:
        template = self.vocab.reason[r.code].text
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        values = {"name": self.g.name}
        values.update({k: self.value(v) for k, v in r.params})
        missing = names - values.keys()
        if missing:
            raise KeyError(f"reason {r.code} needs {sorted(missing)}")
        return template.format(**values)

    def _provenance(self, r: Reason) -> str:
        if r.origin == "inference":
            return f"サイトの推論: {r.inference}（確認先: {r.ask or self.ask}）"
        if r.origin == "adopters":
            source = self.data.adopters.sources.get(r.source or "")
            return f"採用団体一覧（出典: {source.title}）" if source else "採用団体一覧"
        source = self._source(r.source)
        if source is None:
            return ""
        where = f"「{r.where}」" if r.where else ""
        who = "保証事業会社の資料" if source.kind == "guarantor" else "発注者の資料" if source.kind == "orderer" else "資料"
        return f"出典（{who}）: {source.title}{where}"

    def claim(self, c: model.Claim) -> str:
        return self.provenance(Reason("covered", (), "inference" if c.inference else "orderer", c.source, c.where,
                                      c.inference, c.ask))

    def _source(self, source_id: str | None) -> model.Source | None:
        if source_id is None:
            return None
        if source_id in self.g.sources:
            return self.g.sources[source_id]
        for guarantor in self.data.guarantors.values():
            if source_id in guarantor.sources:
                return guarantor.sources[source_id]
        return None

    def outcome(self, o: Outcome) -> dict[str, Any]:
        return {
            "status": o.status,
            "verdict": STATUS_TEXT[o.status],
            "reasons": [(self.reason(r), self.provenance(r)) for r in o.reasons],
            "notes": [(self.reason(r), self.provenance(r)) for r in o.notes],
            "asks": list(o.asks),
            "route": o.route,
        }

    # --------------------------------------------------------------------------- routes
    def unstated(self, what: str) -> str:
        return f"{UNSTATED_TEXT}（{self.ask}に確認）"

    def route(self, s: model.Submission) -> RouteView:
        """Every fact of a route, with 資料に記載なし where it is unstated."""
        missing: list[str] = []

        def fact(name: str, value: Any, shown: str) -> str:
            if value == model.UNSTATED:
                missing.append(name)
                return self.unstated(name)
            return shown

        labels = self.labels
        methods = s.methods
        is_mail = methods != model.UNSTATED and "email" in methods
        fields: dict[str, str] = {
            "methods": fact("methods", methods, "・".join(labels.many("submission_method", list(methods)))
                            if methods != model.UNSTATED else ""),
            "recipient": fact("recipient", s.recipient, str(s.recipient)),
            "documents": fact("documents", s.documents, "、".join(views.document_labels(self.data, self.g, s.documents))),
            "printout": fact("printout", s.printout, labels("printout_rule", str(s.printout))
                             if s.printout != model.UNSTATED else ""),
            "timing": fact("timing", s.timing, str(s.timing)),
        }
        if is_mail or s.email is not None:
            fields["email"] = fact("email", s.email, str(s.email or ""))
            fields["subject"] = ("件名の指定: " + self.unstated("subject")) if s.subject == model.UNSTATED else str(s.subject)
            if s.subject == model.UNSTATED:
                missing.append("subject")
            fields["body_items"] = fact("body_items", s.body_items, "、".join(
                labels.many("body_item", list(s.body_items))) if s.body_items != model.UNSTATED else "")
        if s.cc is not None or s.cc_note:
            fields["cc"] = fact("cc", s.cc, "、".join(s.cc) if isinstance(s.cc, list) else "") if s.cc is not None else ""
            if s.cc_note:
                fields["cc"] = f"{fields['cc']}（{s.cc_note}）" if fields["cc"] else s.cc_note
        if s.url:
            fields["url"] = s.url
        if s.note:
            fields["note"] = s.note
        links = {}
        if isinstance(s.email, str) and s.email != model.UNSTATED:
            links["email"] = f"mailto:{s.email}"
        if s.url:
            links["url"] = s.url
        mail = {
            "to": s.email if isinstance(s.email, str) and s.email != model.UNSTATED else "",
            "cc": list(s.cc) if isinstance(s.cc, list) else [],
            "subject": s.subject if s.subject != model.UNSTATED else "",
            "body_items": [[k, labels("body_item", k)] for k in s.body_items] if s.body_items != model.UNSTATED else [],
        }
        return RouteView(fields, links, self.claim(s), tuple(missing), mail)

    def for_text(self, s: model.Submission) -> str:
        """A route's heading: the cases it is for."""
        f = s.for_
        if f is None:
            return "すべての保証"
        parts = []
        if f.certificates:
            parts.append("・".join(self.labels.many("certificate_type", f.certificates)))
        else:
            parts.append("すべての保証")
        if f.issuers:
            parts.append(f"（{'・'.join(self.labels.many('issuer', f.issuers))}）")
        if f.contract_stages and len(f.contract_stages) == 1:
            parts.append(f"（{self.labels('contract_stage', f.contract_stages[0])}）")
        if f.departments:
            parts.append(f"（{'・'.join(f.departments)}）")
        if f.project_types:
            parts.append(f"（{'・'.join(self.labels.many('project_type', f.project_types))}）")
        return "".join(parts)


def _is_day_or_month(v: Any) -> bool:
    if isinstance(v, dt.date):
        return True
    return isinstance(v, str) and len(v) == 7 and v[4] == "-" and v[:4].isdigit() and v[5:].isdigit()


def _when(v: dt.date | str) -> str:
    if isinstance(v, dt.date):
        return views.date_ja(v)
    return views.month_ja(v)


def scope_lines(words: Words) -> list[tuple[str, list[tuple[str, str]]]]:
    """The 要点 of the scope: per dimension, each limit in words with its provenance (資料に記載なし if none)."""
    g = words.g
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for dimension, group in model.DIMENSIONS.items():
        limits = g.scope.limits(dimension)
        if not limits:
            if dimension in ("certificates", "project_types"):
                out.append((DIMENSION_TEXT[dimension], [(UNSTATED_TEXT, "")]))
            continue
        lines = []
        for lim in limits:
            def names(keys: list[str] | None, group: str | None = group) -> str:
                return "、".join(words.labels(group, k) if group else k for k in keys or [])
            parts = []
            if lim.only:
                parts.append(f"{names(lim.only)}に限る")
            if lim.includes:
                parts.append(f"{names(lim.includes)}（ほかは{UNSTATED_TEXT}）")
            if lim.excludes:
                parts.append(f"対象外: {names(lim.excludes)}")
            when = []
            if lim.from_:
                when.append(f"{views.date_ja(lim.from_)}から")
            if lim.until:
                when.append(f"{views.date_ja(lim.until)}まで")
            text = "。".join(parts) + (f"（{''.join(when)}）" if when else "")
            if lim.note:
                text += f" {lim.note}"
            lines.append((text, words.claim(lim)))
        out.append((DIMENSION_TEXT[dimension], lines))
    return out


def start_lines(words: Words) -> list[tuple[str, str]]:
    """Each start: its date, the date that counts, and for which cases, with provenance."""
    out = []
    for s in words.g.start:
        when = UNSTATED_TEXT if s.from_ == model.UNSTATED else _when(s.from_)
        if s.from_ != model.UNSTATED and not s.day_known:
            when += "（日は資料に記載なし）"
        basis = UNSTATED_TEXT if s.basis == model.UNSTATED else words.labels("date_basis", s.basis)
        text = f"{when}から（判断する日付: {basis}）"
        if s.trial:
            text += "・試行"
        if s.for_:
            scope = "、".join(
                "・".join(words.choice(d, v) for v in s.for_.values(d) or []) for d in model.DIMENSIONS if s.for_.values(d))
            text = f"{scope}: {text}"
        if s.note:
            text += f" {s.note}"
        out.append((text, words.claim(s)))
    return out


def _once(kept: dict[Reason, str], word: Callable[[Reason], str], r: Reason) -> str:
    found = kept.get(r)
    if found is None:
        found = kept[r] = word(r)
    return found
