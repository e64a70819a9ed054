"""Calibration of confidences: one definition shared by evaluation and model training."""

from __future__ import annotations

import numpy as np


def expected_calibration_error(conf: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """ECE over equal-width confidence bins: sum over bins of |accuracy - confidence| * share."""
    if conf.size == 0:
        return 0.0
    idx = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += abs(correct[mask].mean() - conf[mask].mean()) * mask.mean()
    return float(total)
