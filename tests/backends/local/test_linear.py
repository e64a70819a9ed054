"""The sparse linear model: fitting, JSON round trip, stacked-feature scores."""

from __future__ import annotations

import json

import pytest

from autoglm_ops.backends.local.linear import LinearModel, fit_linear, logit, sigmoid


def _toy() -> tuple[list[dict[str, float]], list[str]]:
    rows: list[dict[str, float]] = []
    labels: list[str] = []
    for i in range(40):
        rows.append({"good": 1.0, f"noise{i % 3}": 1.0})
        labels.append("yes")
        rows.append({"bad": 1.0, f"noise{i % 3}": 1.0})
        labels.append("no")
    return rows, labels


def test_binary_fit_separates_and_round_trips() -> None:
    rows, labels = _toy()
    model = fit_linear(rows, labels, classes=("no", "yes"), c=1.0)
    assert model.positive({"good": 1.0}) > 0.9
    assert model.positive({"bad": 1.0}) < 0.1
    again = LinearModel.from_json(json.loads(json.dumps(model.to_json())))
    for feats in ({"good": 1.0}, {"bad": 1.0}, {"unknown": 1.0}):
        assert again.positive(feats) == pytest.approx(model.positive(feats), abs=1e-5)


def test_multiclass_keeps_a_class_missing_from_the_sample() -> None:
    rows = [{"a": 1.0}] * 10 + [{"b": 1.0}] * 10
    labels = ["null"] * 10 + ["true"] * 10
    model = fit_linear(rows, labels, classes=("null", "false", "true"), min_count=1)
    probs = model.proba({"a": 1.0})
    assert set(probs) == {"null", "false", "true"}
    assert probs["null"] > 0.8 and probs["false"] < 0.05
    assert sum(probs.values()) == pytest.approx(1.0)


def test_one_class_gives_a_constant_model() -> None:
    model = fit_linear([{"a": 1.0}] * 5, ["yes"] * 5, classes=("no", "yes"))
    assert model.positive({"a": 1.0}) > 0.99


def test_stacked_features_are_left_out_of_the_own_score() -> None:
    model = LinearModel(classes=["no", "yes"], weights={"x": [1.0], "rules_same": [5.0]},
                        intercept=[0.0])  # fmt: skip
    full, own = model.positive2({"x": 1.0, "rules_same": 1.0})
    assert full == pytest.approx(sigmoid(6.0))
    assert own == pytest.approx(sigmoid(1.0))


def test_malformed_weights_are_refused() -> None:
    with pytest.raises(TypeError):
        LinearModel.from_json({"classes": ["no", "yes"], "intercept": [0.0, 1.0], "weights": {}})


def test_logit_inverts_sigmoid() -> None:
    for p in (0.1, 0.5, 0.93):
        assert sigmoid(logit(p)) == pytest.approx(p)
