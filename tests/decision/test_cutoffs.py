"""PD cut-offs: the band-target method, and the shipped defaults reproduced on German held-out."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoglm_ops.decision.risk import RiskModel
from autoglm_ops.decision.suggest import RiskCutoffs, cutoffs_for_targets
from autoglm_ops.decision.training import load_mapping, predict_rows, read_dataset, split_indices


def _sample(groups: list[tuple[float, int, int]]) -> tuple[list[float], list[int]]:
    """(pd, goods, bads) groups → a flat list of PDs and bad flags."""
    pds: list[float] = []
    bad: list[int] = []
    for pd, goods, bads in groups:
        pds += [pd] * (goods + bads)
        bad += [0] * goods + [1] * bads
    return pds, bad


def test_bands_meet_their_targets() -> None:
    # bad rates per group: 5%, 10%, 30%, 60%, 80%
    pds, bad = _sample([(0.05, 19, 1), (0.12, 9, 1), (0.3, 7, 3), (0.55, 4, 6), (0.8, 2, 8)])
    cut = cutoffs_for_targets([(pds, bad)], max_approved_bad_rate=0.1, min_declined_bad_rate=0.6)
    # PD < 0.30 has 2 bads in 30 (6.7%); from 0.31 the 0.3 group joins: 5 in 40 (12.5%)
    assert cut.approve_below == pytest.approx(0.30)
    # PD ≥ 0.31 is 14 bads in 20 (70%); from 0.3 down it is 17/30 (56.7%)
    assert cut.decline_at == pytest.approx(0.31)


def test_every_sample_must_meet_the_targets() -> None:
    strict = _sample([(0.1, 18, 2), (0.3, 8, 2), (0.6, 2, 8)])  # 10%, 20%, 80% bad
    loose = _sample([(0.1, 16, 4), (0.3, 8, 2), (0.6, 5, 5)])  # 20%, 20%, 50% bad
    alone = cutoffs_for_targets([strict], 0.12, 0.6)
    assert (alone.approve_below, alone.decline_at) == pytest.approx((0.30, 0.31))
    both = cutoffs_for_targets([strict, loose], 0.12, 0.6)
    # `loose` has 20% bad below every cut-off that approves anyone, and no band at 60% bad:
    # only the empty bands (PD < 0.1, PD ≥ 0.61) meet its targets
    assert (both.approve_below, both.decline_at) == pytest.approx((0.10, 0.61))


def test_a_cutoff_must_meet_the_targets_in_every_sample_at_once() -> None:
    # A's declined band is 3/6 bad from 0.11 to 0.38, 2/5 at 0.39 (fails 50%), 2/4 from 0.40;
    # B's is 2/5 up to 0.38 and 2/2 from 0.39. Per-sample minima (0.11, 0.39) would pick 0.39,
    # where A fails; the first cut-off both meet is 0.40.
    a = _sample(
        [(0.1, 10, 0), (0.385, 0, 1), (0.395, 1, 0), (0.45, 2, 0), (0.5, 0, 1), (0.55, 0, 1)]
    )
    b = _sample([(0.1, 10, 0), (0.385, 3, 0), (0.5, 0, 2)])
    cut = cutoffs_for_targets([a, b], 0.15, 0.5)
    assert cut.decline_at == pytest.approx(0.40)
    for pds, bad in (a, b):
        declined = [x for p, x in zip(pds, bad, strict=True) if p >= cut.decline_at]
        assert sum(declined) / len(declined) >= 0.5


def test_crossing_targets_leave_no_review_band() -> None:
    pds, bad = _sample([(0.2, 5, 5), (0.6, 5, 5)])  # 50% bad everywhere
    cut = cutoffs_for_targets([(pds, bad)], 0.6, 0.5)
    assert cut.approve_below == cut.decline_at == pytest.approx(0.01)


def test_no_cutoff_needs_samples() -> None:
    with pytest.raises(ValueError):
        cutoffs_for_targets([])


def test_defaults_are_the_held_out_choice(german: Path, risk_model: RiskModel) -> None:
    """RiskCutoffs' defaults are what the method gives on the shipped model's held-out split,
    scored with every feature and with the bureau features imputed (docs/bench/risk.md)."""
    mapping = load_mapping()
    data = read_dataset(german, mapping)
    _, test = split_indices(len(data.y), data.y, mapping.split)
    rows = [data.values[i] for i in test]
    bad = [int(v) for v in data.y[test]]
    full = predict_rows(risk_model, rows).tolist()
    narrative = predict_rows(risk_model, rows, drop_group="bureau").tolist()
    chosen = cutoffs_for_targets([(full, bad), (narrative, bad)], 0.15, 0.50)
    assert chosen == RiskCutoffs()
    for pds in (full, narrative):
        approved = [b for p, b in zip(pds, bad, strict=True) if p < chosen.approve_below]
        declined = [b for p, b in zip(pds, bad, strict=True) if p >= chosen.decline_at]
        assert approved and sum(approved) / len(approved) <= 0.15
        assert declined and sum(declined) / len(declined) >= 0.50
