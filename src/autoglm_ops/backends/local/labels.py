"""Gold labels for the span classifiers, derived from a case's gold field values."""

from __future__ import annotations

from typing import Any

from autoglm_ops.backends.local.features import close
from autoglm_ops.text.amounts import AmountCandidate

__all__ = ["bool_label", "candidate_labels", "mode_label", "values_match"]


def values_match(gold: Any, value: Any) -> bool:
    """Gold vs predicted value under the contract's tolerance (None only equals None)."""
    if gold is None or value is None:
        return gold is None and value is None
    if isinstance(gold, bool) or isinstance(value, bool):
        return isinstance(gold, bool) and isinstance(value, bool) and gold == value
    if isinstance(gold, int | float) and isinstance(value, int | float):
        return close(float(gold), float(value))
    return str(gold).strip().lower() == str(value).strip().lower()


def candidate_labels(cands: list[AmountCandidate], gold: Any) -> list[bool] | None:
    """Which candidates make up the gold amount; None when no selection of them reaches it.

    A candidate equal to the gold figure wins (with its restatements); otherwise the smallest
    set of distinct figures whose monthly amounts sum to it (several sources).
    """
    monthly = [float(c.monthly) for c in cands]
    if gold is None or gold == 0:
        return [False] * len(monthly)
    g = float(gold)
    single = [close(g, m) for m in monthly]
    if any(single):
        return single
    distinct: list[int] = []
    for i, m in enumerate(monthly):
        if not any(close(monthly[j], m) for j in distinct):
            distinct.append(i)
    best: list[int] | None = None
    n = min(len(distinct), 10)
    for mask in range(1, 1 << n):
        idx = [distinct[k] for k in range(n) if mask >> k & 1]
        if len(idx) < 2 or (best is not None and len(idx) >= len(best)):
            continue
        if close(g, sum(monthly[i] for i in idx)):
            best = idx
    if best is None:
        return None
    vals = [monthly[i] for i in best]
    return [any(close(v, m) for v in vals) for m in monthly]


def mode_label(gold: Any) -> str:
    """null / zero / income for a gold ``income_amount``."""
    return "null" if gold is None else "zero" if gold == 0 else "income"


def bool_label(gold: Any) -> str:
    """null / false / true for a gold boolean field."""
    return "null" if gold is None else "true" if gold else "false"
