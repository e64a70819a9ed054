"""Re-export of the contract's value comparison (it lives in core so backends can use it)."""

from autoglm_ops.core.compare import numbers_equal, values_equal

__all__ = ["numbers_equal", "values_equal"]
