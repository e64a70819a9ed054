"""Prometheus alert rules: valid (promtool), unit-tested on synthetic series (promtool), on the
documented metrics only, and with the seed's thresholds (§4.2)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

PROM = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
RULES = PROM / "alerts.yml"
RULE_TESTS = PROM / "alerts.test.yml"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (scripts/ci-deps.sh installs it)"
)


def _rules() -> dict[str, dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return {r["alert"]: r for g in doc["groups"] for r in g["rules"]}


ALERTS = _rules()


def _promtool(*args: str, cwd: Path = PROM) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


# --- promtool -------------------------------------------------------------------------------


@needs_promtool
def test_promtool_accepts_the_rules() -> None:
    result = _promtool("check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in result.stdout


@needs_promtool
def test_promtool_rule_unit_tests_pass() -> None:
    result = _promtool("test", "rules", RULE_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    cases = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    fired: set[str] = set()
    quiet: set[str] = set()
    for case in cases:
        for check in case["alert_rule_test"]:
            (fired if check["exp_alerts"] else quiet).add(check["alertname"])
    assert fired == quiet == set(ALERTS)


@needs_promtool
@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("> 0.5\n", "> 5\n"),  # latency threshold
        ("> 0.01\n", "> 0.5\n"),  # error-rate threshold
        ('{status=~"5.."}', ""),  # counting caller errors too
        ("DCGM_FI_DEV_GPU_UTIL < 30", "DCGM_FI_DEV_GPU_UTIL < 5"),
        ("for: 5m", "for: 30m"),
    ],
)
def test_unit_tests_catch_a_changed_rule(before: str, after: str, tmp_path: Path) -> None:
    """The rule tests are not vacuous: weakening a rule makes them fail."""
    text = RULES.read_text(encoding="utf-8")
    assert before in text
    (tmp_path / RULES.name).write_text(text.replace(before, after, 1), encoding="utf-8")
    shutil.copy(RULE_TESTS, tmp_path / RULE_TESTS.name)
    result = _promtool("test", "rules", RULE_TESTS.name, cwd=tmp_path)
    assert result.returncode != 0


# --- structure, metric names and thresholds (no promtool needed) ------------------------------


def test_every_alert_is_actionable() -> None:
    for name, rule in ALERTS.items():
        assert name.startswith("Autoglm")
        assert rule["labels"]["severity"] in {"info", "warning", "critical"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


@pytest.mark.parametrize("name", sorted(ALERTS))
def test_alert_queries_only_documented_metrics(
    name: str, check_expr: Callable[[str], list[str]]
) -> None:
    check_expr(ALERTS[name]["expr"])


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for attr in ("lhs", "rhs", "expr", "vector_selector", "param"):
        child = getattr(node, attr, None)
        if child is not None and not isinstance(child, str | int | float):
            yield from _walk(child)
    for arg in getattr(node, "args", None) or []:
        yield from _walk(arg)


def _threshold(ast: Any, op: str) -> float:
    """The number on the right of the top-level comparison ``op`` (through ``and``)."""
    while str(ast.op) == "and":
        ast = ast.lhs
    assert str(ast.op) == op
    return float(ast.rhs.val)


def _for(name: str) -> timedelta:
    raw = ALERTS[name].get("for", "0m")
    return timedelta(minutes=int(raw.removesuffix("m")))


def test_latency_alert_is_p95_over_500ms_for_5_minutes(promql: Any) -> None:
    ast = promql.parse(ALERTS["AutoglmHighLatencyP95"]["expr"])
    assert _threshold(ast, ">") == 0.5
    quantile = ast.lhs
    assert quantile.func.name == "histogram_quantile" and quantile.args[0].val == 0.95
    assert _for("AutoglmHighLatencyP95") == timedelta(minutes=5)
    names = {n.vector_selector.name for n in _walk(ast) if isinstance(n, promql.MatrixSelector)}
    assert names == {"autoglm_request_duration_seconds_bucket"}


def test_error_rate_alert_is_over_1_percent_for_5_minutes(promql: Any) -> None:
    ast = promql.parse(ALERTS["AutoglmHighErrorRate"]["expr"])
    assert _threshold(ast, ">") == 0.01
    assert _for("AutoglmHighErrorRate") == timedelta(minutes=5)


def test_gpu_alert_is_under_30_percent_for_5_minutes(promql: Any) -> None:
    ast = promql.parse(ALERTS["AutoglmGpuUnderutilised"]["expr"])
    assert _threshold(ast, "<") == 30
    assert ast.lhs.name == "DCGM_FI_DEV_GPU_UTIL"
    assert _for("AutoglmGpuUnderutilised") == timedelta(minutes=5)


def test_accuracy_alert_compares_with_one_hour_ago(promql: Any) -> None:
    ast = promql.parse(ALERTS["AutoglmAccuracyDrop"]["expr"])
    assert _threshold(ast, ">") == 0.05
    offsets = [n.offset for n in _walk(ast) if isinstance(n, promql.VectorSelector)]
    assert timedelta(hours=1) in offsets and None in offsets  # then vs now


def test_review_queue_alert_needs_growth_over_an_hour_and_a_long_queue(promql: Any) -> None:
    ast = promql.parse(ALERTS["AutoglmReviewQueueGrowing"]["expr"])
    assert str(ast.op) == "and"
    assert _threshold(ast.lhs, ">") > 0  # a size threshold
    derivs = [n for n in _walk(ast) if isinstance(n, promql.Call) and n.func.name == "deriv"]
    assert [d.args[0].range for d in derivs] == [timedelta(hours=1)]
