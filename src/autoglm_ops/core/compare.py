"""How a predicted value is compared with a gold value (the contract's tolerance)."""

from __future__ import annotations

from typing import Any


def numbers_equal(expected: float, actual: float) -> bool:
    """Numbers compare equal within max(0.01, 0.5%) of the expected value."""
    return abs(expected - actual) <= max(0.01, 0.005 * abs(expected))


def values_equal(expected: Any, actual: Any) -> bool:
    """Gold ``expected`` vs predicted ``actual``: None only equals None; numbers with tolerance;
    booleans exactly (True is not 1); strings case-insensitively after stripping."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return numbers_equal(float(expected), float(actual))
    if isinstance(expected, str) and isinstance(actual, str):
        return expected.strip().lower() == actual.strip().lower()
    return bool(expected == actual)
