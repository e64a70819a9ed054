"""Stage one (per-figure inclusion) and the agreement features it gives the readings."""

from __future__ import annotations

import dataclasses

from autoglm_ops.backends.local.features import analyse
from autoglm_ops.backends.local.model import IncomeModel, stack_features
from autoglm_ops.backends.local.train import Case, TrainResult, train_model
from tests.backends.local.conftest import SMALL

SUM = "工资六千，另外房租每月两千"


def _by_value(text: str, probs: list[float]) -> dict[float, dict[str, float]]:
    a = analyse(text)
    return {h.value: f for h, f in zip(a.hyps, stack_features(a, probs), strict=True)}


def test_exact_marks_the_reading_stage_one_would_take() -> None:
    feats = _by_value(SUM, [0.9, 0.8])  # both figures in: the sum is the exact reading
    assert feats[8000.0]["st:exact"] == 1.0
    assert "st:exact" not in feats[6000.0]
    assert feats[6000.0]["st:x_high=1"] == 1.0  # it leaves out a figure stage one takes
    feats = _by_value(SUM, [0.9, 0.1])  # only the salary
    assert feats[6000.0]["st:exact"] == 1.0
    assert feats[8000.0]["st:mem_low=1"] == 1.0
    assert feats[8000.0]["st:min"] < 0 < feats[6000.0]["st:min"]


def test_a_restatement_counts_as_one_figure() -> None:
    a = analyse("年薪24万，即每月2万")
    assert len(a.cands) == 2 and len(a.hyps) == 1  # one group, one reading
    # the group is as likely as its likeliest mention
    (f,) = stack_features(a, [0.9, 0.2])
    assert f["st:exact"] == 1.0 and f["st:xmax"] == -3.0


def test_trained_model_has_stage_one_and_round_trips(small_result: TrainResult) -> None:
    model = small_result.model
    assert model.inc is not None
    again = IncomeModel.from_json(model.to_json())
    assert again.inc is not None and again.to_json() == model.to_json()
    a = analyse(SUM)  # weights are stored to 6 digits: the same readings, nearly the same values
    for mine, theirs in zip(again.hyp_features(a), model.hyp_features(a), strict=True):
        assert mine.keys() == theirs.keys()
        assert all(abs(mine[k] - theirs[k]) < 1e-4 for k in mine)
    assert any(k.startswith("st:") for k in model.hyp.weights)


def test_without_stacking_the_readings_stand_alone(small_cases: list[Case]) -> None:
    plain = train_model(small_cases[:120], dataclasses.replace(SMALL, stacked=False)).model
    assert plain.inc is None
    assert "inc" not in plain.to_json()
    assert not any(k.startswith("st:") for k in plain.hyp.weights)
    a = analyse(SUM)
    assert plain.hyp_features(a) == [h.feats for h in a.hyps]
