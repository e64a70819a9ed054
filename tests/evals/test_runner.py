"""Scoring: tolerance, review rate, accuracy on auto, ECE."""

from __future__ import annotations

import numpy as np

from autoglm_ops.core.compare import values_equal
from autoglm_ops.core.types import Extraction, FieldResult
from autoglm_ops.evals.runner import LabelledCase, expected_calibration_error, score
from autoglm_ops.tasks.registry import TaskRegistry


def test_values_equal_contract_tolerance() -> None:
    assert values_equal(18000, 18000.0)
    assert values_equal(18000, 18089)  # within 0.5%
    assert not values_equal(18000, 18100)
    assert values_equal(0.0, 0.005) and not values_equal(0.0, 0.02)
    assert values_equal(None, None) and not values_equal(None, 0) and not values_equal(0, None)
    assert not values_equal(True, 1) and values_equal(False, False)
    assert values_equal("CNY", "cny")


def test_ece_perfect_and_overconfident() -> None:
    assert expected_calibration_error(np.array([1.0, 1.0]), np.array([1.0, 1.0])) == 0.0
    assert abs(expected_calibration_error(np.array([0.9] * 10), np.array([0.0] * 10)) - 0.9) < 1e-9


def _pred(amount: float | None, conf: float) -> Extraction:
    return Extraction(
        task="income_parsing",
        model="t@1",
        fields={"income_amount": FieldResult(value=amount, confidence=conf)},
    )


def test_score_review_and_auto_accuracy() -> None:
    task = TaskRegistry.load().get("income_parsing")
    cases = [
        LabelledCase(id=str(i), task="income_parsing", text="x", expected={"income_amount": 100.0})
        for i in range(4)
    ]
    preds = [_pred(100.0, 0.95), _pred(100.0, 0.9), _pred(5.0, 0.5), _pred(5.0, 0.99)]
    rep = score(cases, preds, [1.0, 2.0, 3.0, 4.0], task, threshold=0.8)
    assert rep.n == 4
    assert rep.field_accuracy == 0.5
    assert rep.review_rate == 0.25
    assert abs(rep.accuracy_on_auto - 2 / 3) < 1e-9  # type: ignore[operator]
    assert rep.per_field["income_amount"].n == 4
    assert rep.errors[0].confidence == 0.99  # most confident error first
    assert rep.latency_ms["p50"] == 2.5
