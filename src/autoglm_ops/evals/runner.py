"""Evaluation of a backend on labelled JSONL: accuracy, calibration, review rate, latency."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from autoglm_ops.backends.base import Extractor
from autoglm_ops.core.calibration import expected_calibration_error
from autoglm_ops.core.compare import values_equal
from autoglm_ops.core.errors import ValidationError
from autoglm_ops.core.types import Extraction
from autoglm_ops.tasks.schema import TaskDefinition


class LabelledCase(BaseModel):
    """One line of labelled JSONL."""

    model_config = ConfigDict(extra="allow")

    id: str
    task: str
    text: str
    expected: dict[str, Any]


class FieldScore(BaseModel):
    accuracy: float
    n: int


class ErrorCase(BaseModel):
    id: str
    field: str
    expected: Any
    predicted: Any
    confidence: float


class EvalReport(BaseModel):
    """What ``autoglm-ops eval --json`` prints."""

    n: int
    task: str
    model: str
    threshold: float
    field_accuracy: float
    per_field: dict[str, FieldScore]
    exact_match: float
    ece: float
    review_rate: float
    accuracy_on_auto: float | None
    latency_ms: dict[str, float]
    errors: list[ErrorCase] = Field(default_factory=list)


def load_cases(path: Path, task: str | None = None) -> list[LabelledCase]:
    """Read labelled JSONL; a bad line is reported with its line number."""
    cases: list[LabelledCase] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            case = LabelledCase.model_validate(json.loads(line))
        except (json.JSONDecodeError, PydanticValidationError) as exc:
            kind = "not valid JSON" if isinstance(exc, json.JSONDecodeError) else "missing keys"
            raise ValidationError(
                f"{path}:{lineno}: {kind} (need id, task, text, expected)"
            ) from None
        if task is None or case.task == task:
            cases.append(case)
    return cases


def score(
    cases: list[LabelledCase],
    predictions: list[Extraction],
    latencies_ms: list[float],
    task: TaskDefinition,
    threshold: float,
    max_errors: int = 20,
) -> EvalReport:
    """Score predictions against gold labels (fields absent from ``expected`` are not scored)."""
    per_field: dict[str, list[bool]] = {f: [] for f in task.field_names}
    confs: list[float] = []
    oks: list[bool] = []
    exact = 0
    review = 0
    auto_ok: list[bool] = []
    errors: list[ErrorCase] = []
    for case, pred in zip(cases, predictions, strict=True):
        case_ok = True
        needs_review = bool(pred.low_confidence_fields(threshold))
        review += needs_review
        for name, gold in case.expected.items():
            if name not in per_field:
                continue
            got = pred.fields.get(name)
            value = got.value if got else None
            conf = got.confidence if got else 0.0
            ok = values_equal(gold, value)
            per_field[name].append(ok)
            confs.append(conf)
            oks.append(ok)
            if not needs_review:
                auto_ok.append(ok)
            if not ok:
                case_ok = False
                errors.append(
                    ErrorCase(
                        id=case.id, field=name, expected=gold, predicted=value, confidence=conf
                    )
                )
        exact += case_ok
    n = len(cases)
    lat = np.array(latencies_ms or [0.0])
    errors.sort(key=lambda e: -e.confidence)
    return EvalReport(
        n=n,
        task=task.name,
        model=predictions[0].model if predictions else "",
        threshold=threshold,
        field_accuracy=float(np.mean(oks)) if oks else 0.0,
        per_field={
            f: FieldScore(accuracy=float(np.mean(v)), n=len(v)) for f, v in per_field.items() if v
        },
        exact_match=exact / n if n else 0.0,
        ece=expected_calibration_error(np.array(confs), np.array(oks, dtype=float)),
        review_rate=review / n if n else 0.0,
        accuracy_on_auto=float(np.mean(auto_ok)) if auto_ok else None,
        latency_ms={
            "p50": float(np.percentile(lat, 50)),
            "p95": float(np.percentile(lat, 95)),
            "p99": float(np.percentile(lat, 99)),
        },
        errors=errors[:max_errors],
    )


def run_backend(
    backend: Extractor,
    task: TaskDefinition,
    texts: Iterable[str],
    on_step: Callable[[], None] | None = None,
) -> tuple[list[Extraction], list[float]]:
    """Extract every text, timing each call."""
    preds: list[Extraction] = []
    lat: list[float] = []
    for text in texts:
        t0 = time.perf_counter()
        preds.append(backend.extract(text, task))
        lat.append((time.perf_counter() - t0) * 1000.0)
        if on_step:
            on_step()
    return preds, lat


def evaluate(
    backend: Extractor,
    task: TaskDefinition,
    cases: list[LabelledCase],
    threshold: float,
    on_step: Callable[[], None] | None = None,
) -> EvalReport:
    """Run ``backend`` over ``cases`` and score it."""
    preds, lat = run_backend(backend, task, (c.text for c in cases), on_step)
    return score(cases, preds, lat, task, threshold)
