"""Population stability: PSI on samples and on the model's binned inputs."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from autoglm_ops.decision.drift import (
    EMPTY_SHARE,
    feature_drift,
    psi,
    psi_from_counts,
    psi_level,
    quantile_edges,
)
from autoglm_ops.decision.risk import RiskModel
from autoglm_ops.decision.training import predict_rows, read_dataset, split_indices


def test_psi_of_counts_by_hand() -> None:
    # shares 50/50 → 25/75: (0.25-0.5)ln(0.5) + (0.75-0.5)ln(1.5)
    expected = 0.25 * math.log(2) + 0.25 * math.log(1.5)
    assert psi_from_counts([50, 50], [25, 75]) == pytest.approx(expected)
    assert psi_from_counts([1, 1], [3, 9]) == pytest.approx(expected)  # counts or shares alike
    assert psi_from_counts([10, 20, 30], [10, 20, 30]) == 0.0
    # symmetric in its two arguments
    assert psi_from_counts([25, 75], [50, 50]) == pytest.approx(expected)


def test_an_empty_bin_is_floored_not_infinite() -> None:
    value = psi_from_counts([100, 0], [50, 50])
    floor = (0.5 - EMPTY_SHARE) * math.log(0.5 / EMPTY_SHARE)
    assert math.isfinite(value) and value == pytest.approx(floor + 0.5 * math.log(2), rel=1e-3)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        psi_from_counts([1, 2], [1, 2, 3])
    with pytest.raises(ValueError):
        psi_from_counts([0, 0], [1, 2])
    with pytest.raises(ValueError):
        psi_from_counts([1, -1], [1, 2])
    with pytest.raises(ValueError):
        psi([], [0.1])
    with pytest.raises(ValueError):
        psi([0.1, 0.2], [0.1], bins=1)


def test_psi_of_samples() -> None:
    rng = random.Random(7)
    base = [rng.random() for _ in range(5000)]
    same = [rng.random() for _ in range(5000)]
    shifted = [min(1.0, x + 0.3) for x in same]
    assert psi(base, same) < 0.02  # sampling noise only
    assert psi_level(psi(base, same)) == "stable"
    assert psi(base, shifted) > 0.25 and psi_level(psi(base, shifted)) == "significant"
    # deciles of the expected sample: ten bins of ~equal share
    assert len(quantile_edges(base)) == 9
    # the PSI of a sample against itself is 0 whatever the binning
    assert psi(base, base, bins=4) == 0.0


def test_ties_merge_bins() -> None:
    # a scorecard's PDs repeat; an edge is never placed at the minimum (empty lower bin)
    expected = [0.1] * 60 + [0.2] * 30 + [0.3] * 10
    assert quantile_edges(expected) == [0.2, 0.3]
    assert psi(expected, expected) == 0.0
    assert psi(expected, [0.3] * 10) > 1.0


def test_levels() -> None:
    assert [psi_level(x) for x in (0.0, 0.099, 0.1, 0.249, 0.25, 2.0)] == [
        "stable",
        "stable",
        "moderate",
        "moderate",
        "significant",
        "significant",
    ]


def test_feature_drift_counts_bins_and_unscored_values(risk_model: RiskModel) -> None:
    batch: list[dict[str, object]] = [
        {"term_months": 12, "purpose": "wedding"},
        {"term_months": 60, "purpose": "home_purchase"},
        {"term_months": 360},
        {},
    ]
    drift = {d.feature: d for d in feature_drift(risk_model, batch)}
    assert set(drift) == set(risk_model.feature_names)
    term = drift["term_months"]
    assert term.scored == 2 and term.batch_shares == [0.5, 0.0, 0.0, 0.5]
    assert term.unscored == {"beyond_training_data": 1, "missing": 1}
    spec = next(f for f in risk_model.spec.features if f.name == "term_months")
    assert term.training_shares == pytest.approx(
        [c / sum(spec.bin_counts) for c in spec.bin_counts]
    )
    assert term.psi == pytest.approx(psi_from_counts(spec.bin_counts, [1, 0, 0, 1]))
    purpose = drift["purpose"]
    assert purpose.scored == 1 and purpose.unscored == {"missing": 2, "no_counterpart": 1}
    # nothing scored: no PSI rather than a made-up one
    assert drift["age"].scored == 0 and drift["age"].psi is None and drift["age"].level is None
    assert drift["age"].unscored == {"missing": 4}


def test_the_held_out_split_is_the_training_population(german: Path, risk_model: RiskModel) -> None:
    """The German held-out rows come from the training population: every input and the PD are
    stable against the training split, which is what PSI is for."""
    from autoglm_ops.decision.training import mapping_from_manifest

    mapping = mapping_from_manifest(risk_model)
    data = read_dataset(german, mapping)
    train, test = split_indices(len(data.y), data.y, mapping.split)
    by_input = {f.name: f.inputs[0] for f in risk_model.spec.features}
    held_out = [{by_input[k]: v for k, v in data.values[i].items()} for i in test]
    for d in feature_drift(risk_model, held_out):
        assert d.scored == len(test) and d.unscored == {}
        assert d.psi is not None and d.psi < 0.1, d.feature
    pd_train = predict_rows(risk_model, [data.values[i] for i in train])
    pd_test = predict_rows(risk_model, [data.values[i] for i in test])
    assert psi(pd_train.tolist(), pd_test.tolist()) < 0.1
