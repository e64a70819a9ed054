"""income_stability_score: a transparent additive score over the fields and the wording."""

from __future__ import annotations

import re

from autoglm_ops.core.types import Evidence, FieldResult
from autoglm_ops.text import lexicon as lx
from autoglm_ops.text.numerals import normalize

_BASE = 0.5


def score_stability(
    text: str,
    fields: dict[str, FieldResult],
    *,
    is_range: bool = False,
    n_sources: int = 1,
) -> FieldResult:
    """Score in [0, 1] from the already extracted fields and the stability wording of ``text``.

    Every adjustment is listed in ``reasons`` (lexicon words and field values, no customer text
    beyond the evidence span).
    """
    t = normalize(text)
    amount = fields["income_amount"].value
    reasons: list[str] = []
    spans: list[tuple[int, int]] = []

    def cue(rx: re.Pattern[str], delta: float, label: str) -> float:
        m = rx.search(t)
        if not m:
            return 0.0
        spans.append((m.start(), m.end()))
        reasons.append(f"{label} ({delta:+.2f})")
        return delta

    if amount == 0:
        ev = fields["income_amount"].evidence
        return FieldResult(
            value=0.05,
            confidence=0.8,
            evidence=ev,
            reasons=["no income stated (score 0.05)"],
        )
    score = _BASE
    reasons.append(f"base {_BASE:.2f}")
    if amount is None:
        score -= 0.15
        reasons.append("income not stated (-0.15)")
    score += cue(lx.STABLE, 0.2, "fixed-salary or public-sector wording")
    score += cue(lx.COMMISSION, -0.12, "commission-based pay")
    score += cue(lx.GIG, -0.22, "gig or day-labour wording")
    score += cue(lx.UNSTABLE, -0.2, "income described as irregular")
    for name, label in (
        ("has_social_insurance", "social insurance"),
        ("has_provident_fund", "provident fund"),
    ):
        v = fields[name].value
        if v is True:
            score += 0.08
            reasons.append(f"{label} paid (+0.08)")
        elif v is False:
            score -= 0.05
            reasons.append(f"no {label} (-0.05)")
    years = fields["employment_years"].value
    if isinstance(years, int | float):
        delta = 0.15 if years >= 5 else 0.1 if years >= 2 else 0.04 if years >= 1 else -0.05
        score += delta
        reasons.append(f"{years:g} years with the employer ({delta:+.2f})")
    period = fields["income_period"].value
    if period in ("day", "week") and amount:
        delta = -0.1 if period == "day" else -0.06
        score += delta
        reasons.append(f"paid by the {period} ({delta:+.2f})")
    if is_range:
        score -= 0.05
        reasons.append("income stated as a range (-0.05)")
    if n_sources > 1:
        score += 0.03
        reasons.append("several income sources (+0.03)")
    score = round(min(1.0, max(0.0, score)), 2)
    if spans:
        s, e = min(spans)
        evidence = Evidence.from_span(text, s, e)
    elif fields["income_amount"].evidence is not None:
        evidence = fields["income_amount"].evidence
    else:
        evidence = Evidence.from_span(text, 0, len(text))
    # derived by a fixed formula: confident when it had the income and some wording to go on
    conf = 0.85 if amount is not None else 0.75 if spans else 0.7
    return FieldResult(value=score, confidence=conf, evidence=evidence, reasons=reasons)


__all__ = ["score_stability"]
