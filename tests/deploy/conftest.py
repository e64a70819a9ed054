"""Shared helpers for the deployment checks: the documented metric catalogue and PromQL parsing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY_DOC = ROOT / "docs" / "observability.md"

_ROW = re.compile(
    r"^\| `(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)` \| (?P<type>\w+) \|(?P<labels>[^|]*)\|"
)


def documented_metrics() -> dict[str, tuple[str, frozenset[str]]]:
    """The metric table of docs/observability.md: exposed name -> (type, label names).

    A trailing ``...`` in the labels column (the DCGM exporter's many labels) means "open".
    """
    table: dict[str, tuple[str, frozenset[str]]] = {}
    for line in OBSERVABILITY_DOC.read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if m:
            labels = frozenset(x.strip() for x in m["labels"].split(",") if x.strip())
            table[m["name"]] = (m["type"], labels)
    return table


def series_catalogue() -> dict[str, frozenset[str] | None]:
    """Every queryable series name -> its label names (None: open label set)."""
    out: dict[str, frozenset[str] | None] = {}
    for name, (kind, labels) in documented_metrics().items():
        open_set = "..." in labels
        clean = None if open_set else labels
        if kind == "histogram":
            out[f"{name}_bucket"] = None if open_set else labels | {"le"}
            out[f"{name}_sum"] = clean
            out[f"{name}_count"] = clean
        else:
            out[name] = clean
    return out


def selectors(expr: Any) -> Iterator[tuple[str | None, list[str]]]:
    """(metric name, matcher label names) of every vector selector in a parsed PromQL AST."""
    import promql_parser as pq

    if isinstance(expr, pq.VectorSelector):
        yield expr.name, [m.name for m in expr.matchers.matchers]
    elif isinstance(expr, pq.MatrixSelector):
        yield from selectors(expr.vector_selector)
    elif isinstance(expr, pq.BinaryExpr):
        yield from selectors(expr.lhs)
        yield from selectors(expr.rhs)
    elif isinstance(expr, pq.Call):
        for arg in expr.args:
            yield from selectors(arg)
    elif isinstance(expr, pq.AggregateExpr):
        yield from selectors(expr.expr)
        if expr.param is not None:
            yield from selectors(expr.param)
    elif isinstance(expr, pq.ParenExpr | pq.UnaryExpr | pq.SubqueryExpr):
        yield from selectors(expr.expr)


@pytest.fixture(scope="session")
def promql() -> Any:
    return pytest.importorskip("promql_parser", reason="promql-parser (dev extra) not installed")


@pytest.fixture(scope="session")
def metric_table() -> dict[str, tuple[str, frozenset[str]]]:
    return documented_metrics()


@pytest.fixture(scope="session")
def catalogue() -> dict[str, frozenset[str] | None]:
    found = series_catalogue()
    assert len(found) >= 10, "the metric table of docs/observability.md was not found"
    return found


@pytest.fixture(scope="session")
def check_expr(
    promql: Any, catalogue: dict[str, frozenset[str] | None]
) -> Callable[[str], list[str]]:
    """Parse a PromQL expression and assert it only uses documented series and labels.

    Returns the series names it selects.
    """

    def check(expr: str) -> list[str]:
        ast = promql.parse(expr)  # raises on a syntax error
        names = []
        for name, labels in selectors(ast):
            assert name in catalogue, f"{name!r} is not in docs/observability.md ({expr})"
            allowed = catalogue[name]
            if allowed is not None:
                assert set(labels) <= allowed, f"{name}: unknown labels {set(labels) - allowed}"
            names.append(name)
        assert names, f"no metric in {expr}"
        return names

    return check
