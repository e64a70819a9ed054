"""The learned income model: span classifiers, a decoder and calibrated field confidences.

Decisions (each a :class:`~.linear.LinearModel`):

- ``mode``: is there income at all (null / explicit zero / income);
- ``inc``: is this figure part of the applicant's regular income (stage one, per figure);
- ``hyp``: is this reading (one figure, or two to four summed) the applicant's regular income,
  given its own features and how ``inc``'s per-figure probabilities agree with it (stage two:
  a figure's context reaches the readings that sum it only through ``inc``);
- ``pf`` / ``si``: provident fund / social insurance stated, negated or not mentioned;
- ``tenure``: is this duration the tenure at the current employer.

The decoder takes the most probable reading of the income (restatements merged, a stated total
over its parts, several sources summed) and derives currency, period and tax from its figures.
Per field it also gives a raw probability and a few covariates; ``conf[field]`` maps those to
P(value is right), fitted on cross-validated predictions over held-out dev folds (Platt scaling
with covariates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autoglm_ops.backends.local.features import (
    MAX_DURATIONS,
    MAX_FIGURES,
    Analysis,
    analyse,
    close,
)
from autoglm_ops.backends.local.linear import Features, LinearModel, logit
from autoglm_ops.backends.local.spans import PF, SI
from autoglm_ops.backends.rules.stability import score_stability
from autoglm_ops.core.types import Evidence, FieldResult
from autoglm_ops.text import lexicon as lx
from autoglm_ops.text.amounts import AmountCandidate, owner_at, segments

__all__ = ["FIELDS", "Decoded", "IncomeModel", "stack_features"]

FIELDS = (
    "income_amount",
    "currency",
    "income_period",
    "is_after_tax",
    PF,
    SI,
    "employment_years",
)
_BOOL = {"null": None, "false": False, "true": True}
_CONF_FLOOR, _CONF_CEIL = 0.01, 0.995
_TRUNCATED_CONF = 0.3


@dataclass
class Decoded:
    """Field values before calibration: value, evidence span, raw probability, meta-features."""

    values: dict[str, Any] = field(default_factory=dict)
    spans: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    meta: dict[str, Features] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    chosen: list[AmountCandidate] = field(default_factory=list)


def _meta(p: float, **flags: object) -> dict[str, float]:
    """Confidence covariates: the raw log-odds plus one-hot flags."""
    m: dict[str, float] = {"bias": 1.0, "lp": logit(p) / 4.0}
    for k, v in flags.items():
        if v is True:
            m[k] = 1.0
        elif v is not None and v is not False:
            m[f"{k}={v}"] = 1.0
    return m


@dataclass
class IncomeModel:
    """All classifiers and confidence maps of the local backend for ``income_parsing``."""

    mode: LinearModel
    hyp: LinearModel
    pf: LinearModel
    si: LinearModel
    tenure: LinearModel
    conf: dict[str, LinearModel] = field(default_factory=dict)
    #: stage one of the readings (None: readings scored on their own features alone)
    inc: LinearModel | None = None

    # --- decoding ------------------------------------------------------------------------------

    def decode(self, a: Analysis) -> Decoded:
        """Field values, spans and confidence covariates for an analysed statement.

        Every decision is also taken from the model's own features alone (without the rules
        backend's decisions); a field where the two differ gets an ``own_differs`` covariate.
        """
        d = Decoded()
        self._decode_income(a, d)
        for fld, model in ((PF, self.pf), (SI, self.si)):
            probs, own = model.proba2(a.benefit_feats[fld])
            label = max(probs, key=lambda k: probs[k])
            value = _BOOL[label]
            hits = a.terms[fld]
            d.values[fld] = value
            d.spans[fld] = (hits[-1].start, hits[-1].end) if hits and value is not None else None
            d.meta[fld] = _meta(
                probs[label],
                value=label,
                hits=min(len(hits), 2),
                disagree=value != a.rules_benefits[fld].value,
                own_differs=max(own, key=lambda k: own[k]) != label,
            )
        self._decode_tenure(a, d)
        return d

    def hyp_features(self, a: Analysis) -> list[Features]:
        """Every reading's features, with the stage-one agreement features when fitted."""
        if self.inc is None or not a.hyps:
            return [h.feats for h in a.hyps]
        probs = [self.inc.positive(f) for f in a.cand_feats]
        return [{**h.feats, **st} for h, st in zip(a.hyps, stack_features(a, probs), strict=True)]

    def _income_choice(
        self, pm: dict[str, float], probs: list[float]
    ) -> tuple[str, int | None, float, float]:
        """(mode, best reading, P(mode), its share among readings) from one set of scores."""
        # product of two experts on "is there income": the case-level mode model and the best
        # reading of the figures (the hypothesis model also learns from no-income statements)
        top = max(probs, default=0.0)
        joint = {"null": pm["null"] * (1 - top), "zero": pm["zero"] * (1 - top),
                 "income": pm["income"] * top}  # fmt: skip
        norm = sum(joint.values()) or 1.0
        mode = max(joint, key=lambda k: joint[k])
        if mode != "income":
            return mode, None, joint[mode] / norm, 1.0
        best = max(range(len(probs)), key=lambda k: probs[k])
        # the readings are exclusive: normalise their independent scores
        return mode, best, joint[mode] / norm, probs[best] / max(1.0, sum(probs))

    def _decode_income(self, a: Analysis, d: Decoded) -> None:
        pm, pm_own = self.mode.proba2(a.mode_feats)
        both = [self.hyp.positive2(f) for f in self.hyp_features(a)]
        probs = [p for p, _ in both]
        mode, best, p_mode, share = self._income_choice(pm, probs)
        mode_o, best_o, _, _ = self._income_choice(pm_own, [q for _, q in both])
        own_value = None if mode_o == "null" else 0.0 if best_o is None else a.hyps[best_o].value
        rules_amount = a.rules_income.fields["income_amount"].value
        if best is None:
            value = None if mode == "null" else 0.0
            d.values.update(income_amount=value, currency=None)
            d.values.update(income_period=None, is_after_tax=None)
            span = _own_no_income(a) if mode == "zero" else None
            d.spans.update(income_amount=span, currency=None, income_period=None)
            d.spans["is_after_tax"] = None
            flags: dict[str, object] = {
                "mode": mode,
                "disagree": rules_amount != value,
                "own_differs": own_value != value,
            }
            for fld in ("income_amount", "currency", "income_period", "is_after_tax"):
                d.meta[fld] = _meta(p_mode, **flags)
            return
        hyp = a.hyps[best]
        chosen: list[AmountCandidate] = []
        for i in hyp.members:
            c = a.cands[i]
            if not any(close(float(o.monthly), float(c.monthly)) for o in chosen):
                chosen.append(c)
        d.chosen = chosen
        p = p_mode * share
        amount = hyp.value
        agree = rules_amount is not None and close(amount, float(rules_amount))
        differs = own_value is None or not close(amount, float(own_value))
        start, end = min(c.start for c in chosen), max(c.end for c in chosen)
        d.values["income_amount"] = amount
        d.spans["income_amount"] = (start, end)
        n = "many" if len(chosen) > 1 else "one"
        second = max((q for k, q in enumerate(probs) if k != best), default=0.0)
        meta = _meta(
            p,
            mode="income",
            n=n,
            disagree=not agree,
            own_differs=differs,
            range=any(c.mention.is_range for c in chosen),
        )
        meta["lp_best"] = logit(probs[best]) / 4.0
        meta["lp_second"] = logit(second) / 4.0
        d.meta["income_amount"] = meta
        if len(chosen) > 1:
            d.reasons.append("several income sources summed")
        first = chosen[0]
        d.values["currency"] = first.currency
        d.spans["currency"] = first.currency_span or (first.start, first.end)
        d.meta["currency"] = _meta(
            p, explicit=first.currency_explicit, english=a.english, n=n, disagree=not agree,
            own_differs=differs,
        )  # fmt: skip
        periods = {c.period or "month" for c in chosen}
        period = periods.pop() if len(periods) == 1 else "month"
        d.values["income_period"] = period
        d.spans["income_period"] = (
            first.period_span if len(chosen) == 1 and first.period_span else (start, end)
        )
        d.meta["income_period"] = _meta(
            p,
            source=first.period_source if len(chosen) == 1 else "many",
            disagree=not agree,
            own_differs=differs,
        )
        tax_c = next((c for c in chosen if c.after_tax is not None and c.tax_span), None)
        d.values["is_after_tax"] = tax_c.after_tax if tax_c else None
        d.spans["is_after_tax"] = tax_c.tax_span if tax_c else None
        tax_any = bool(lx.AFTER_TAX.search(a.norm) or lx.PRE_TAX.search(a.norm))
        d.meta["is_after_tax"] = _meta(
            p,
            tax=str(d.values["is_after_tax"]),
            cue_elsewhere=tax_any and tax_c is None,
            own_differs=differs,
        )

    def _decode_tenure(self, a: Analysis, d: Decoded) -> None:
        fld = "employment_years"
        both = [self.tenure.positive2(f) for f in a.dur_feats]
        probs = [p for p, _ in both]
        own = [q for _, q in both]
        rules_years = a.rules_tenure.value
        p_null = 1.0
        for q in probs:
            p_null *= 1.0 - q
        best = max(range(len(probs)), key=lambda i: probs[i]) if probs else None
        best_o = max(range(len(own)), key=lambda i: own[i]) if own else None
        own_pick = best_o if best_o is not None and own[best_o] >= 0.5 else None
        if best is None or probs[best] < 0.5:
            d.values[fld], d.spans[fld] = None, None
            d.meta[fld] = _meta(
                p_null,
                null=True,
                n=min(len(probs), 2),
                disagree=rules_years is not None,
                own_differs=own_pick is not None,
            )
            return
        dur = a.durations[best]
        years = float(round(dur.years, 2))
        d.values[fld] = years
        d.spans[fld] = (dur.start, dur.end)
        agree = rules_years is not None and close(years, float(rules_years))
        d.meta[fld] = _meta(
            probs[best],
            null=False,
            n=min(len(probs), 2),
            disagree=not agree,
            own_differs=own_pick != best,
        )

    # --- prediction ----------------------------------------------------------------------------

    def confidence(self, fld: str, meta: Features) -> float:
        """Calibrated probability that the decoded value of ``fld`` is right."""
        model = self.conf.get(fld)
        p = 0.5 if model is None else model.positive(meta)
        return round(min(_CONF_CEIL, max(_CONF_FLOOR, p)), 4)

    def predict(self, text: str) -> tuple[dict[str, FieldResult], list[str]]:
        """All ``income_parsing`` fields of ``text`` with calibrated confidences and evidence."""
        a = analyse(text)
        d = self.decode(a)
        fields: dict[str, FieldResult] = {}
        for fld in FIELDS:
            span = d.spans.get(fld)
            fields[fld] = FieldResult(
                value=d.values.get(fld),
                confidence=self.confidence(fld, d.meta[fld]),
                evidence=Evidence.from_span(text, *span) if span else None,
            )
        stab = score_stability(
            text,
            fields,
            is_range=any(c.mention.is_range for c in d.chosen),
            n_sources=len(d.chosen),
        )
        if a.truncated:
            # figures past the cut were never weighed: no field of this text is sure
            for f in fields.values():
                f.confidence = min(f.confidence, _TRUNCATED_CONF)
            d.reasons.append(
                f"more than {MAX_FIGURES} money figures or {MAX_DURATIONS} durations: "
                "only the first were read"
            )
        # derived, not predicted: as sure as the least sure field it is derived from
        stab.confidence = min(f.confidence for f in fields.values())
        fields["income_stability_score"] = stab
        return fields, d.reasons

    # --- serialisation -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """JSON-ready weights of every classifier and confidence map."""
        return {
            "mode": self.mode.to_json(),
            "hyp": self.hyp.to_json(),
            "pf": self.pf.to_json(),
            "si": self.si.to_json(),
            "tenure": self.tenure.to_json(),
            **({"inc": self.inc.to_json()} if self.inc is not None else {}),
            "conf": {k: v.to_json() for k, v in sorted(self.conf.items())},
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> IncomeModel:
        """Rebuild from :meth:`to_json` output (KeyError/TypeError when malformed)."""
        return cls(
            mode=LinearModel.from_json(obj["mode"]),
            hyp=LinearModel.from_json(obj["hyp"]),
            pf=LinearModel.from_json(obj["pf"]),
            si=LinearModel.from_json(obj["si"]),
            tenure=LinearModel.from_json(obj["tenure"]),
            conf={k: LinearModel.from_json(v) for k, v in obj["conf"].items()},
            inc=LinearModel.from_json(obj["inc"]) if "inc" in obj else None,
        )


def _lg(p: float) -> float:
    return max(-3.0, min(3.0, logit(p) / 4.0))


def stack_features(a: Analysis, probs: Sequence[float]) -> list[Features]:
    """Per reading, how stage one's per-figure probabilities (``probs``, one per candidate)
    agree with it: its least likely member, the most likely figure it leaves out, and whether
    the figures stage one would take are exactly its members. A restatement group counts as
    one figure, as likely as its likeliest mention."""
    group_p = [max(probs[i] for i in g) for g in a.groups]
    group_of = {i: k for k, g in enumerate(a.groups) for i in g}
    out: list[Features] = []
    for h in a.hyps:
        mine = {group_of[i] for i in h.members}
        inside = [group_p[k] for k in mine]
        outside = [p for k, p in enumerate(group_p) if k not in mine]
        low = sum(p < 0.5 for p in inside)
        high = sum(p >= 0.5 for p in outside)
        f: dict[str, float] = {
            "st:min": _lg(min(inside)),
            "st:mean": sum(_lg(p) for p in inside) / len(inside),
            "st:xmax": _lg(max(outside)) if outside else -3.0,
            f"st:mem_low={min(low, 2)}": 1.0,
            f"st:x_high={min(high, 2)}": 1.0,
        }
        if low == 0 and high == 0:
            f["st:exact"] = 1.0
            f[f"st:exact&size={min(len(mine), 3)}"] = 1.0
        out.append(f)
    return out


def _own_no_income(a: Analysis) -> tuple[int, int] | None:
    """Span of an explicit 'no income' said about the applicant (the zero's evidence)."""
    segs = segments(a.text)
    fallback: tuple[int, int] | None = None
    for m in lx.NO_INCOME.finditer(a.norm):
        s0 = 0
        for s in segs:
            if s.start <= m.start() < s.end:
                s0 = min(x.start for x in segs if x.sentence == s.sentence)
        if owner_at(a.norm, s0, m.start()) == "self":
            return m.start(), m.end()
        fallback = fallback or (m.start(), m.end())
    return fallback
