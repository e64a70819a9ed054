"""The preliminary credit suggestion: policy rules and the risk model combined (seed §1).

Pure functions, no I/O: the REST/gRPC edges load a policy and a model once and call
:func:`suggest` per application.

    policy decline                              → decline
    model PD ≥ decline cut-off                  → decline
    policy manual_review                        → manual_review
    policy pass and PD < approve cut-off        → approve
    otherwise (PD between the cut-offs)         → manual_review

Every reason names where it comes from: a policy rule id, or ``risk:pd`` / ``risk:<factor>`` for
the model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from autoglm_ops.decision.policy import Policy, PolicyDecision
from autoglm_ops.decision.risk import RiskFactor, RiskModel, RiskPrediction

Decision = Literal["approve", "manual_review", "decline"]


class RiskCutoffs(BaseModel):
    """PD cut-offs for the shipped German-credit scorecard, chosen by :func:`cutoffs_for_targets`
    on its held-out split (docs/bench/risk.md, "Choosing the cut-offs"): below 0.17 the approved
    band's observed bad rate is at most 15%, from 0.40 up the declined band's is at least 50%, both
    with the bureau features imputed (as in the narrative-only flow) and with all features. A bank
    sets its own from its model and risk appetite, by the same method or another."""

    approve_below: float = Field(0.17, gt=0.0, le=1.0)
    decline_at: float = Field(0.40, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> RiskCutoffs:
        if self.approve_below > self.decline_at:
            raise ValueError("approve_below must not exceed decline_at")
        return self


def cutoffs_for_targets(
    samples: Sequence[tuple[Sequence[float], Sequence[int]]],
    max_approved_bad_rate: float = 0.15,
    min_declined_bad_rate: float = 0.50,
    step: float = 0.01,
) -> RiskCutoffs:
    """Cut-offs from labelled held-out scores: ``samples`` are (PDs, bad flags 0/1) pairs, e.g. one
    scored with every feature and one with the bureau features imputed.

    approve_below is the largest multiple of ``step`` whose approved band (PD < cut-off) has an
    observed bad rate ≤ ``max_approved_bad_rate`` in every sample; decline_at the smallest one
    whose declined band (PD ≥ cut-off) has a bad rate ≥ ``min_declined_bad_rate`` in every sample.
    An empty band meets its target; where the two cross, approve_below is lowered to decline_at.
    """
    if not samples:
        raise ValueError("no labelled scores to choose cut-offs from")
    grid = [round(i * step, 10) for i in range(1, round(1 / step) + 1)]

    def band_rate(pds: Sequence[float], bad: Sequence[int], lo: float, hi: float) -> float | None:
        picked = [b for p, b in zip(pds, bad, strict=True) if lo <= p < hi]
        return sum(picked) / len(picked) if picked else None

    # Each cut-off is tested on every sample at once: a band's bad rate need not be monotone in
    # the cut-off, so the per-sample extremes can pick a cut-off that one sample fails.
    def approve_ok(c: float) -> bool:
        return all(
            (r := band_rate(pds, bad, -math.inf, c)) is None or r <= max_approved_bad_rate
            for pds, bad in samples
        )

    def decline_ok(c: float) -> bool:
        return all(
            (r := band_rate(pds, bad, c, math.inf)) is None or r >= min_declined_bad_rate
            for pds, bad in samples
        )

    approve = max((c for c in grid if approve_ok(c)), default=grid[0])
    decline = min((c for c in grid if decline_ok(c)), default=grid[-1])
    return RiskCutoffs(approve_below=min(approve, decline), decline_at=decline)


class SuggestionReason(BaseModel):
    """One reason, traced to a policy rule or a model factor."""

    source: Literal["policy", "model"]
    ref: str  # rule id, "risk:pd" or "risk:<factor>"
    effect: str  # the rule's outcome, or the factor's direction
    text_zh: str
    text_en: str


class Suggestion(BaseModel):
    """A preliminary credit suggestion, for a person to confirm."""

    decision: Decision
    credit_limit: float | None  # CNY; 0 when declined; None when it cannot be computed
    credit_limit_currency: str = "CNY"
    pd: float | None
    score: float | None
    reasons: list[SuggestionReason]
    policy_version: str  # name@version
    model_versions: dict[str, str] = Field(default_factory=dict)
    imputed_model_inputs: list[str] = Field(default_factory=list)
    policy: PolicyDecision
    risk: RiskPrediction | None = None


def _factor_reason(factor: RiskFactor) -> SuggestionReason:
    return SuggestionReason(
        source="model",
        ref=f"risk:{factor.factor}",
        effect=factor.direction,
        text_zh=factor.text_zh,
        text_en=factor.text_en,
    )


def suggest(
    values: Mapping[str, Any],
    confidences: Mapping[str, float] | None,
    policy: Policy,
    risk_model: RiskModel | None,
    review_threshold: float,
    cutoffs: RiskCutoffs | None = None,
    max_model_reasons: int = 3,
) -> Suggestion:
    """Evaluate the policy and the risk model on one application and combine them.

    ``values`` are the extracted fields (optionally with bureau values the model knows, see its
    mapping); ``confidences`` the extraction's per-field confidences. With ``risk_model=None``
    the suggestion rests on the policy alone.
    """
    cut = cutoffs or RiskCutoffs()
    decision_p = policy.evaluate(values, confidences, review_threshold)
    reasons = [
        SuggestionReason(
            source="policy",
            ref=rule.id,
            effect=rule.outcome,
            text_zh=rule.reason_zh,
            text_en=rule.reason_en,
        )
        for rule in decision_p.fired_rules
    ]

    risk: RiskPrediction | None = None
    if risk_model is not None:
        inputs = {**values, **policy.derive(values, confidences, review_threshold)}
        risk = risk_model.predict(inputs)

    decision: Decision
    if decision_p.outcome == "decline" or (risk is not None and risk.pd >= cut.decline_at):
        decision = "decline"
    elif decision_p.outcome == "manual_review":
        decision = "manual_review"
    elif risk is None or risk.pd < cut.approve_below:
        decision = "approve"
    else:
        decision = "manual_review"

    if risk is not None:
        pct = f"{risk.pd:.1%}"
        if risk.pd >= cut.decline_at:
            zh = f"模型违约概率 {pct}，达到拒绝阈值 {cut.decline_at:.0%}"
            en = f"model probability of default {pct} is at or above the decline cut-off"
            en += f" {cut.decline_at:.0%}"
            effect = "decline"
        elif risk.pd >= cut.approve_below:
            zh = f"模型违约概率 {pct}，介于通过阈值 {cut.approve_below:.0%} 与拒绝阈值之间"
            en = f"model probability of default {pct} is between the approve cut-off"
            en += f" {cut.approve_below:.0%} and the decline cut-off {cut.decline_at:.0%}"
            effect = "manual_review"
        else:
            zh = f"模型违约概率 {pct}，低于通过阈值 {cut.approve_below:.0%}"
            en = f"model probability of default {pct} is below the approve cut-off"
            en += f" {cut.approve_below:.0%}"
            effect = "pass"
        reasons.append(
            SuggestionReason(source="model", ref="risk:pd", effect=effect, text_zh=zh, text_en=en)
        )
        # Explain the decision with the factors pointing its way.
        wanted = "decreases_risk" if decision == "approve" else "increases_risk"
        picked = [f for f in risk.factors if f.direction == wanted][:max_model_reasons]
        reasons.extend(_factor_reason(f) for f in picked)

    limit = 0.0 if decision == "decline" else decision_p.credit_limit
    return Suggestion(
        decision=decision,
        credit_limit=limit,
        pd=None if risk is None else risk.pd,
        score=None if risk is None else risk.score,
        reasons=reasons,
        policy_version=f"{decision_p.policy_name}@{decision_p.policy_version}",
        model_versions={} if risk is None else {"risk": risk.model},
        imputed_model_inputs=[] if risk is None else [f.factor for f in risk.imputed],
        policy=decision_p,
        risk=risk,
    )
