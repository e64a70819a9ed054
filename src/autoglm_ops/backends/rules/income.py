"""Choose the applicant's own regular income among the money candidates of a statement."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from autoglm_ops.core.types import Evidence, FieldResult
from autoglm_ops.text import lexicon as lx
from autoglm_ops.text.amounts import (
    AmountCandidate,
    income_candidates,
    owner_at,
    segments,
    to_monthly,
)
from autoglm_ops.text.numerals import normalize

# cue categories that, in the clause before a number, make it not the applicant's income
_EXCLUDE_LEFT = {
    "loan": "loan amount",
    "repayment": "repayment",
    "debt": "debt",
    "bonus": "bonus",
    "provident": "provident-fund contribution",
    "social": "social-insurance contribution",
    "savings": "savings",
    "expense": "expense",
    "number_id": "identifier",
    "hypothetical": "wished-for amount",
    "previous": "previous income",
    "hourly": "hourly rate (no contract period)",
}
# the same categories right after a number ("20万的装修贷", "10万的股票奖励")
_EXCLUDE_RIGHT = ("loan", "repayment", "debt", "bonus", "savings", "hourly")
_OTHER_SOURCE = ("rent", "pension", "parttime", "profit", "commission")


@dataclass
class IncomeDecision:
    """The income fields and what the backend should tell a reviewer about them."""

    fields: dict[str, FieldResult]
    review_reasons: list[str] = field(default_factory=list)
    chosen: list[AmountCandidate] = field(default_factory=list)
    candidates: list[AmountCandidate] = field(default_factory=list)
    no_income: bool = False


def _ev(text: str, start: int, end: int) -> Evidence:
    return Evidence.from_span(text, start, end)


def _exclusion(c: AmountCandidate, text_has_rent_income: bool) -> str | None:
    """Why ``c`` is not the applicant's regular income, or None when it may be."""
    if c.owner == "other":
        return "other person's income"
    if c.owner == "household":
        return "household income"
    for cat, why in _EXCLUDE_LEFT.items():
        if cat in c.cues_left:
            if cat == "bonus" and "commission" in c.cues_left:
                continue  # 绩效 / commission paid every month is regular pay
            if cat in ("provident", "social") and "income" in c.cues_left:
                cue_at = c.cue_spans.get(cat, (0, 0))[0]
                if c.cue_spans.get("income", (0, 0))[0] > cue_at:
                    continue  # "扣完社保公积金之后 到手7000": the pay comes after the cue
            return why
    for cat in _EXCLUDE_RIGHT:
        right = c.cue_spans.get(cat)
        if cat in c.cues_right and right and right[0] - c.end <= 4:
            return _EXCLUDE_LEFT.get(cat, cat)
    if "rent" in c.cues_left and not text_has_rent_income and "total" not in c.cues_left:
        return "rent paid"
    return None


def _is_total(c: AmountCandidate) -> bool:
    if "total" in c.cues_left:
        return True
    span = c.cue_spans.get("total")
    return "total" in c.cues_right and span is not None and span[0] - c.end <= 4


def decide_income(text: str) -> IncomeDecision:
    """Pick income_amount, currency, income_period and is_after_tax from ``text``."""
    t = normalize(text)
    cands = income_candidates(text)
    rent_income = bool(lx.CUES["rent_income"].search(t))
    reasons: list[str] = []
    kept: list[AmountCandidate] = []
    excluded: list[tuple[AmountCandidate, str]] = []
    for c in cands:
        why = _exclusion(c, rent_income)
        if why is None:
            kept.append(c)
        else:
            excluded.append((c, why))
    # turnover is not income when a profit figure is given
    if any("profit" in c.cues_left or "profit" in c.cues_right for c in kept):
        turnover = [c for c in kept if "turnover" in c.cues_left and "profit" not in c.cues_left]
        kept = [c for c in kept if c not in turnover]
        excluded += [(c, "turnover") for c in turnover]
    # "少的时候5k，多的时候2w": the upper figure of a spread is not the income
    if len(kept) > 1:
        upper = [c for c in kept if "upper" in c.cues_left]
        if len(upper) < len(kept):
            kept = [c for c in kept if c not in upper]
            excluded += [(c, "upper bound of a range") for c in upper]
    # a part ("其中绩效两千", "房租占三千") is inside another figure
    if len(kept) > 1:
        parts = [c for c in kept if "part" in c.cues_left]
        if len(parts) < len(kept):
            kept = [c for c in kept if c not in parts]
    how = "single"
    totals = [c for c in kept if _is_total(c)]
    if totals:
        chosen = [totals[0]]
        how = "total"
    else:
        if any(c.after_tax for c in kept):
            kept = [
                c
                for c in kept
                if c.after_tax or (c.after_tax is None and c.near(*_OTHER_SOURCE[:3]))
            ]
        chosen = _dedupe(kept)
        if len(chosen) >= 3:
            for c in chosen:
                rest = sum((o.monthly for o in chosen if o is not c), Decimal(0))
                if abs(rest - c.monthly) <= Decimal("0.01") * c.monthly:
                    chosen, how = [c], "total"
                    break
        if len(chosen) > 1:
            how = "sum"
    if how == "total" and len(kept) > 1:
        reasons.append("total chosen over its parts")
    if how == "sum":
        reasons.append("several income sources summed")
    if excluded and chosen:
        reasons.append("several income candidates")
    return _fields(text, t, chosen, cands, excluded, reasons)


def _dedupe(kept: list[AmountCandidate]) -> list[AmountCandidate]:
    """Drop restatements of the same pay (一个月一万, 一年十二万)."""
    out: list[AmountCandidate] = []
    for c in kept:
        if any(abs(o.monthly - c.monthly) <= o.monthly / 100 for o in out):
            continue
        out.append(c)
    return out


def _null(conf: float) -> FieldResult:
    return FieldResult(value=None, confidence=conf, evidence=None)


def _fields(
    text: str,
    t: str,
    chosen: list[AmountCandidate],
    cands: list[AmountCandidate],
    excluded: list[tuple[AmountCandidate, str]],
    reasons: list[str],
) -> IncomeDecision:
    if not chosen:
        m = _own_no_income(t)
        if m is not None:
            ev = _ev(text, *m)
            conf = 0.85 if not excluded else 0.75
            return IncomeDecision(
                fields={
                    "income_amount": FieldResult(value=0.0, confidence=conf, evidence=ev),
                    "currency": _null(conf),
                    "income_period": _null(conf),
                    "is_after_tax": _null(conf),
                },
                review_reasons=reasons,
                candidates=cands,
                no_income=True,
            )
        conf = 0.9 if not cands else 0.6
        if cands:
            reasons.append("money mentioned but none is the applicant's income")
        return IncomeDecision(
            fields={
                n: _null(conf)
                for n in ("income_amount", "currency", "income_period", "is_after_tax")
            },
            review_reasons=reasons,
            candidates=cands,
        )
    first = chosen[0]
    total = sum((c.monthly for c in chosen), Decimal(0))
    periods = {c.period or "month" for c in chosen}
    period = periods.pop() if len(periods) == 1 else "month"
    start = min(c.start for c in chosen)
    end = max(c.end for c in chosen)
    # confidence: a single clear candidate is high; every resolved ambiguity costs
    conf = 0.95
    if len(chosen) > 1:
        conf -= 0.1
    conf -= min(0.15, 0.04 * len(excluded))
    if any(c.mention.is_range for c in chosen):
        conf -= 0.05
        reasons.append("amount from range lower bound")
    if any(c.mention.approx for c in chosen):
        conf -= 0.03
        reasons.append("approximate amount")
    if first.period is None:
        conf -= 0.05
    if not first.near("income", "pension", "rent", "profit", "total", "parttime", "base"):
        conf -= 0.1
    conf = max(0.2, min(0.97, conf))
    amount = FieldResult(
        value=float(total),
        confidence=round(conf, 3),
        evidence=_ev(text, start, end),
    )
    if first.currency_span:
        cur = FieldResult(
            value=first.currency, confidence=0.95, evidence=_ev(text, *first.currency_span)
        )
    else:
        english = sum(ch.isascii() and ch.isalpha() for ch in t) > len(t) / 3
        cur = FieldResult(
            value="CNY",
            confidence=0.75 if english else 0.9,
            evidence=_ev(text, first.start, first.end),
        )
        reasons.append("currency defaulted to CNY")
    if len(chosen) > 1 and len({c.period for c in chosen}) > 1:
        per = FieldResult(value=period, confidence=0.7, evidence=_ev(text, start, end))
    elif first.period_span:
        pconf = {"adjacent": 0.95, "left": 0.93, "right": 0.85, "sentence": 0.75}
        per = FieldResult(
            value=period,
            confidence=pconf.get(first.period_source, 0.6),
            evidence=_ev(text, *first.period_span),
        )
    else:
        per = FieldResult(value="month", confidence=0.8, evidence=_ev(text, first.start, first.end))
        reasons.append("period not stated, monthly assumed")
    tax_c = next((c for c in chosen if c.after_tax is not None and c.tax_span), None)
    if tax_c is not None and tax_c.tax_span is not None:
        tax = FieldResult(
            value=tax_c.after_tax, confidence=0.9, evidence=_ev(text, *tax_c.tax_span)
        )
    else:
        stray = lx.AFTER_TAX.search(t) or lx.PRE_TAX.search(t)
        tax = _null(0.6 if stray else 0.9)
        if stray:
            reasons.append("tax cue not attached to the income")
    return IncomeDecision(
        fields={
            "income_amount": amount,
            "currency": cur,
            "income_period": per,
            "is_after_tax": tax,
        },
        review_reasons=reasons,
        chosen=chosen,
        candidates=cands,
    )


def _own_no_income(t: str) -> tuple[int, int] | None:
    """Span of an explicit 'no income' said about the applicant, or None."""
    segs = segments(t)
    for m in lx.NO_INCOME.finditer(t):
        seg = next((s for s in segs if s.start <= m.start() < s.end), None)
        s0 = min((s.start for s in segs if seg and s.sentence == seg.sentence), default=0)
        if owner_at(t, s0, m.start()) == "self":
            return m.start(), m.end()
    return None


__all__ = ["IncomeDecision", "decide_income", "to_monthly"]
