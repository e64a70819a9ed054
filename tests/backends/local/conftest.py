"""Fixtures of the local backend tests: a small model trained once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autoglm_ops.backends.local.artifacts import save_artifact
from autoglm_ops.backends.local.augment import augment
from autoglm_ops.backends.local.train import Case, TrainConfig, TrainResult, train_model
from autoglm_ops.tasks.registry import TaskRegistry
from autoglm_ops.tasks.schema import TaskDefinition

REPO = Path(__file__).resolve().parents[3]
DEV = REPO / "data" / "income_parsing" / "dev.jsonl"


def dev_cases(n: int) -> list[Case]:
    """The first ``n`` dev cases (the test split is never read here)."""
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    return [Case(r["id"], r["text"], r["expected"]) for r in rows[:n]]


SMALL = TrainConfig(folds=3, aug_eval_per_fold=40)


@pytest.fixture(scope="session")
def income_task() -> TaskDefinition:
    return TaskRegistry.load().get("income_parsing")


@pytest.fixture(scope="session")
def small_cases() -> list[Case]:
    """120 dev cases augmented to 300."""
    return augment(dev_cases(120), 300, seed=5)


@pytest.fixture(scope="session")
def small_result(small_cases: list[Case]) -> TrainResult:
    return train_model(small_cases, SMALL)


@pytest.fixture
def small_model_dir(small_result: TrainResult, tmp_path: Path) -> Path:
    out = tmp_path / "model"
    save_artifact(
        small_result.model, out, version="0.0.1", data_sha256="0" * 64, metrics=small_result.metrics
    )
    return out
