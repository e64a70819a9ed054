"""Population stability: is a batch of applications still the population the model learned from?

The population stability index (PSI) of scorecard monitoring compares the shares of two samples
over the same bins: PSI = Σ (actual − expected) · ln(actual / expected). Usual reading: below 0.10
stable, 0.10–0.25 a moderate shift worth a look, above 0.25 a significant shift — the model's PDs
are then extrapolations and its cut-offs no longer mean what they were chosen to mean.

Two uses: :func:`psi` on any continuous quantity (the PD, or one raw value) with bins at the
expected sample's quantiles, and :func:`feature_drift` on the model's own binned inputs, whose
training shares are stored in the artifact (``bin_counts``), so no training data is needed at
run time. No scikit-learn here: it runs next to the scorer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from autoglm_ops.decision.risk import RiskModel

PSI_MODERATE = 0.10
PSI_SIGNIFICANT = 0.25
# A bin empty on one side would make PSI infinite; its share is floored at this (common practice).
EMPTY_SHARE = 1e-4

Level = Literal["stable", "moderate", "significant"]


def psi_level(value: float) -> Level:
    """The usual reading of a PSI value."""
    if value < PSI_MODERATE:
        return "stable"
    return "moderate" if value < PSI_SIGNIFICANT else "significant"


def psi_from_counts(expected: Sequence[float], actual: Sequence[float]) -> float:
    """PSI of two count (or share) vectors over the same bins."""
    if len(expected) != len(actual) or not expected:
        raise ValueError("expected and actual need the same, non-zero number of bins")
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if (e < 0).any() or (a < 0).any() or e.sum() <= 0 or a.sum() <= 0:
        raise ValueError("counts must be non-negative with a positive total on each side")
    e = np.maximum(e / e.sum(), EMPTY_SHARE)
    a = np.maximum(a / a.sum(), EMPTY_SHARE)
    return float(np.sum((a - e) * np.log(a / e)))


def quantile_edges(expected: Sequence[float], bins: int = 10) -> list[float]:
    """Inner bin edges at the quantiles of ``expected``, each an observed value, so no bin of
    ``expected`` is empty; ties (a scorecard's PDs repeat) merge bins, so there may be fewer
    than ``bins``."""
    if bins < 2:
        raise ValueError("bins must be at least 2")
    e = _finite(expected, "expected")
    qs = np.quantile(e, np.arange(1, bins) / bins, method="higher")
    # an edge at the minimum would leave its lower bin empty
    return sorted({float(q) for q in qs if q > e.min()})


def psi(expected: Sequence[float], actual: Sequence[float], bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected`` (e.g. PDs or one value),
    over ``bins`` bins at the quantiles of ``expected`` (each holds ~1/bins of it)."""
    e = _finite(expected, "expected")
    a = _finite(actual, "actual")
    edges = quantile_edges(e.tolist(), bins)
    k = len(edges) + 1
    # bin i is [edges[i-1], edges[i]) as in the scorecard's numeric features
    e_counts = np.bincount(np.searchsorted(edges, e, side="right"), minlength=k)
    a_counts = np.bincount(np.searchsorted(edges, a, side="right"), minlength=k)
    return psi_from_counts(e_counts.tolist(), a_counts.tolist())


def _finite(values: Sequence[float], name: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise ValueError(f"{name}: no finite values")
    return x


class FeatureDrift(BaseModel):
    """One model input over a batch: its bin shares against training, and the PSI between them.

    Values the model does not score (missing, no counterpart, beyond the training data) are left
    out of the shares and the PSI and counted in ``unscored`` — they are imputed, not binned.
    """

    feature: str
    bins: list[str]
    training_shares: list[float]
    batch_shares: list[float]
    scored: int
    unscored: dict[str, int]
    psi: float | None  # None when no value of the batch was scored
    level: Level | None


def feature_drift(
    model: RiskModel, applications: Iterable[Mapping[str, Any]]
) -> list[FeatureDrift]:
    """Per-feature PSI of a batch of applications against the model's training bins.

    ``applications`` are the values the model is called with (extracted fields plus the
    policy's derived values, see ``Policy.derive``).
    """
    batch = list(applications)
    out: list[FeatureDrift] = []
    for feat in model.spec.features:
        train = [float(c) for c in feat.bin_counts]
        if not train or sum(train) <= 0:
            raise ValueError(f"model feature {feat.name} has no training bin counts")
        counts = [0] * len(train)
        unscored: dict[str, int] = {}
        for values in batch:
            value = feat.read(values)
            idx = feat.bin_of(value)
            if idx is None:
                why = feat.unscored_reason(value) or "unrecognised"
                unscored[why] = unscored.get(why, 0) + 1
            else:
                counts[idx] += 1
        scored = sum(counts)
        value_psi = psi_from_counts(train, counts) if scored else None
        out.append(
            FeatureDrift(
                feature=feat.name,
                bins=feat.bin_labels,
                training_shares=[c / sum(train) for c in train],
                batch_shares=[c / scored if scored else 0.0 for c in counts],
                scored=scored,
                unscored=dict(sorted(unscored.items())),
                psi=value_psi,
                level=None if value_psi is None else psi_level(value_psi),
            )
        )
    return out
