"""docs/observability.md is the metric contract: the service's registry must expose exactly the
documented autoglm_* metrics, with the documented types and labels."""

from __future__ import annotations

from typing import Any

import pytest

metrics_module = pytest.importorskip("autoglm_ops.observability.metrics")


def _exposed() -> dict[str, tuple[str, frozenset[str]]]:
    out: dict[str, tuple[str, frozenset[str]]] = {}
    for value in vars(metrics_module.Metrics()).values():
        # prometheus_client keeps name, type and label names on these (stable for years)
        name: Any = getattr(value, "_name", None)
        kind: Any = getattr(value, "_type", None)
        if name is None or kind is None:
            continue
        exposed = f"{name}_total" if kind == "counter" else name
        out[exposed] = (kind, frozenset(value._labelnames))
    return out


def test_registry_matches_the_documented_table(
    metric_table: dict[str, tuple[str, frozenset[str]]],
) -> None:
    documented = {k: v for k, v in metric_table.items() if k.startswith("autoglm_")}
    assert _exposed() == documented
