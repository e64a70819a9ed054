"""Grafana dashboard: valid JSON, a sane layout, and every query on documented metrics only."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import yaml

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "dashboard.json"
DASH: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
PANELS = [p for p in DASH["panels"] if p["type"] != "row"]
VARIABLES = {v["name"]: v for v in DASH["templating"]["list"]}

# Grafana's built-in intervals, and any template variable, replaced by something PromQL accepts
_BUILTIN = re.compile(r"\$__(rate_interval|interval|range)\b")
_VARIABLE = re.compile(r"\$\{?(\w+)\}?")


def to_promql(expr: str) -> str:
    return _VARIABLE.sub(".*", _BUILTIN.sub("5m", expr))


def _exprs() -> list[tuple[str, str]]:
    return [(p["title"], t["expr"]) for p in PANELS for t in p["targets"]]


def test_dashboard_identity() -> None:
    assert DASH["uid"] == "autoglm-ops" and DASH["title"]
    assert DASH["schemaVersion"] >= 36


def test_panel_ids_are_unique_and_layout_does_not_overlap() -> None:
    ids = [p["id"] for p in DASH["panels"]]
    assert len(ids) == len(set(ids))
    boxes = []
    for p in DASH["panels"]:
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24 and g["h"] > 0
        boxes.append((p["title"], g["x"], g["y"], g["x"] + g["w"], g["y"] + g["h"]))
    for a, b in combinations(boxes, 2):
        overlap = a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]
        assert not overlap, f"panels {a[0]!r} and {b[0]!r} overlap"


def test_every_panel_uses_the_datasource_variable() -> None:
    assert VARIABLES["datasource"]["type"] == "datasource"
    assert VARIABLES["datasource"]["query"] == "prometheus"
    for p in PANELS:
        assert p["datasource"]["uid"] == "${datasource}"
        assert p["targets"], p["title"]
        refs = [t["refId"] for t in p["targets"]]
        assert len(refs) == len(set(refs))
        assert all(t["datasource"]["uid"] == "${datasource}" for t in p["targets"])


def test_every_variable_used_is_defined() -> None:
    used = {m for _, e in _exprs() for m in _VARIABLE.findall(_BUILTIN.sub("", e))}
    used |= {p["repeat"] for p in PANELS if "repeat" in p}
    assert used <= set(VARIABLES), used - set(VARIABLES)


@pytest.mark.parametrize(("title", "expr"), _exprs(), ids=[t for t, _ in _exprs()])
def test_panel_query_uses_documented_metrics(
    title: str, expr: str, check_expr: Callable[[str], list[str]]
) -> None:
    check_expr(to_promql(expr))


@pytest.mark.parametrize("name", ["task", "route", "field"])
def test_variable_queries_use_documented_metrics(
    name: str, check_expr: Callable[[str], list[str]]
) -> None:
    m = re.fullmatch(r"label_values\((.+), (\w+)\)", VARIABLES[name]["query"]["query"])
    assert m, VARIABLES[name]["query"]
    check_expr(to_promql(m.group(1)))


def test_dashboard_covers_the_service_metrics(check_expr: Callable[[str], list[str]]) -> None:
    used = {name for _, e in _exprs() for name in check_expr(to_promql(e))}
    assert {
        "autoglm_requests_total",
        "autoglm_errors_total",
        "autoglm_request_duration_seconds_bucket",
        "autoglm_review_total",
        "autoglm_review_queue_size",
        "autoglm_field_confidence_bucket",
        "autoglm_route_decisions_total",
        "autoglm_store_duration_seconds_bucket",
        "autoglm_qa_accuracy",
        "DCGM_FI_DEV_GPU_UTIL",
    } <= used


def test_latency_panel_shows_p50_p95_p99(promql: Any) -> None:
    [panel] = [p for p in PANELS if p["title"] == "Latency p50 / p95 / p99"]
    quantiles = []
    for target in panel["targets"]:
        ast = promql.parse(to_promql(target["expr"]))
        assert ast.func.name == "histogram_quantile"
        quantiles.append(ast.args[0].val)
    assert quantiles == [0.5, 0.95, 0.99]


def test_confidence_histogram_repeats_per_field() -> None:
    [panel] = [
        p
        for p in PANELS
        if "autoglm_field_confidence" in p["targets"][0]["expr"] and p.get("repeat")
    ]
    assert panel["repeat"] == "field"
    assert panel["targets"][0]["format"] == "heatmap"  # Grafana de-cumulates the buckets
    assert VARIABLES["field"]["includeAll"] and VARIABLES["field"]["multi"]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_prometheus_parser_accepts_every_query(tmp_path: Path) -> None:
    """The real Prometheus parser (via promtool) accepts each query, as a recording rule."""
    rules = [
        {"record": f"dashboard:panel_{i}", "expr": to_promql(expr)}
        for i, (_, expr) in enumerate(_exprs())
    ]
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
