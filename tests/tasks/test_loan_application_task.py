"""The built-in ``loan_application`` task and its hand-written labelled narratives."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from autoglm_ops.tasks.registry import TaskRegistry
from autoglm_ops.tasks.schema import FieldSpec, TaskDefinition

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "loan_application"
RAW_FILES = sorted((DATA_DIR / "raw").glob("*.jsonl"))

INCOME_FIELDS = [
    "income_amount",
    "currency",
    "income_period",
    "is_after_tax",
    "has_provident_fund",
    "has_social_insurance",
    "employment_years",
    "income_stability_score",
]
PURPOSES = [
    "consumption",
    "home_purchase",
    "home_renovation",
    "car_purchase",
    "education",
    "medical",
    "business",
    "debt_consolidation",
    "wedding",
    "travel",
    "other",
]
EMPLOYMENT = [
    "public_sector",
    "state_owned",
    "private",
    "self_employed",
    "freelance",
    "retired",
    "unemployed",
    "student",
]


@pytest.fixture(scope="module")
def task() -> TaskDefinition:
    return TaskRegistry.load().get("loan_application")


@pytest.fixture(scope="module")
def income_task() -> TaskDefinition:
    return TaskRegistry.load().get("income_parsing")


def _labelled_fields(task: TaskDefinition) -> list[str]:
    """Every field but the score, which is derived and never gold-labelled."""
    return [f.name for f in task.fields if f.type != "score"]


def _value_problem(spec: FieldSpec, value: Any) -> str | None:
    """Why ``value`` is not allowed for ``spec``, or None when it is."""
    if value is None:
        return None if spec.nullable else "null not allowed"
    if spec.type in ("number", "score"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif spec.type == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif spec.type == "boolean":
        ok = isinstance(value, bool)
    elif spec.type == "enum":
        ok = value in (spec.enum or [])
    else:
        ok = isinstance(value, str)
    if not ok:
        return f"{value!r} is not a valid {spec.type}"
    if spec.minimum is not None and value < spec.minimum:
        return f"{value!r} below minimum {spec.minimum}"
    if spec.maximum is not None and value > spec.maximum:
        return f"{value!r} above maximum {spec.maximum}"
    return None


def _case_problems(task: TaskDefinition, expected: dict[str, Any]) -> list[str]:
    """Schema and contract-consistency problems of one expected mapping."""
    problems = [f"unknown field {name}" for name in expected if name not in task.field_names]
    for name, value in expected.items():
        if name in task.field_names:
            problem = _value_problem(task.field(name), value)
            if problem:
                problems.append(f"{name}: {problem}")
    amount = expected.get("income_amount")
    if amount in (None, 0):
        for dependent in ("currency", "income_period"):
            if expected.get(dependent) is not None:
                problems.append(f"{dependent} must be null when income_amount is {amount}")
    elif "currency" in expected and not re.fullmatch(r"[A-Z]{3}", expected["currency"] or ""):
        problems.append("currency must be an ISO 4217 code when income_amount > 0")
    if amount and expected.get("income_period") is None and "income_period" in expected:
        problems.append("income_period must be set when income_amount > 0")
    if "income_amount" in expected and isinstance(amount, float) and round(amount, 2) != amount:
        problems.append("income_amount must be rounded to 2 decimals")
    return problems


def _load_raw() -> list[dict[str, Any]]:
    cases = []
    for path in RAW_FILES:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert line.strip(), f"{path.name}:{lineno} is blank"
            case = json.loads(line)
            case["_where"] = f"{path.name}:{lineno}"
            cases.append(case)
    return cases


def test_task_loads_with_its_fields(task: TaskDefinition) -> None:
    assert task.name == "loan_application"
    assert task.contract.strip()
    types = {f.name: f.type for f in task.fields}
    assert types == {
        "requested_amount": "number",
        "term_months": "integer",
        "purpose": "enum",
        "existing_monthly_repayments": "number",
        "total_existing_debt": "number",
        "owns_house": "boolean",
        "owns_car": "boolean",
        "employment_type": "enum",
        "age": "integer",
        "income_amount": "number",
        "currency": "string",
        "income_period": "enum",
        "is_after_tax": "boolean",
        "has_provident_fund": "boolean",
        "has_social_insurance": "boolean",
        "employment_years": "number",
        "income_stability_score": "score",
    }
    assert task.field("purpose").enum == PURPOSES
    assert task.field("employment_type").enum == EMPLOYMENT
    assert task.key_fields == [
        "income_amount",
        "requested_amount",
        "term_months",
        "existing_monthly_repayments",
    ]


def test_income_fields_match_income_parsing(
    task: TaskDefinition, income_task: TaskDefinition
) -> None:
    for name in INCOME_FIELDS:
        assert task.field(name) == income_task.field(name), name


def test_output_schema_requires_every_field(task: TaskDefinition) -> None:
    schema = task.output_json_schema()
    assert schema["required"] == task.field_names
    assert schema["properties"]["purpose"]["anyOf"][0]["enum"] == PURPOSES


def test_examples_are_complete_and_valid(task: TaskDefinition) -> None:
    assert 5 <= len(task.examples) <= 6
    for example in task.examples:
        assert set(example.expected) == set(_labelled_fields(task))
        assert _case_problems(task, example.expected) == []


def test_raw_cases_validate_against_the_task(task: TaskDefinition) -> None:
    cases = _load_raw()
    labelled = set(_labelled_fields(task))
    problems = []
    for case in cases:
        where = case["_where"]
        if set(case) != {"id", "task", "text", "expected", "_where"}:
            problems.append(f"{where}: keys {sorted(case)}")
            continue
        if case["task"] != "loan_application":
            problems.append(f"{where}: task {case['task']!r}")
        if not re.fullmatch(r"la-(zh|en)-\d{4}", case["id"]):
            problems.append(f"{where}: id {case['id']!r}")
        if not 40 <= len(case["text"]) <= 250:
            problems.append(f"{where}: text length {len(case['text'])}")
        if set(case["expected"]) != labelled:
            problems.append(f"{where}: fields differ by {set(case['expected']) ^ labelled}")
        problems += [f"{where}: {p}" for p in _case_problems(task, case["expected"])]
    assert problems == []


def test_raw_cases_are_unique_and_large_enough() -> None:
    cases = _load_raw()
    ids = [c["id"] for c in cases]
    texts = [c["text"] for c in cases]
    assert len(set(ids)) == len(ids)
    assert len(set(texts)) == len(texts)
    assert len(cases) >= 300
    english = sum(c["id"].startswith("la-en-") for c in cases)
    assert english >= 0.2 * len(cases)


def test_raw_files_are_unescaped_utf8() -> None:
    for path in RAW_FILES:
        text = path.read_text(encoding="utf-8")
        assert "\\u" not in text, path.name


def _split_module() -> Any:
    spec = importlib.util.spec_from_file_location("la_split", DATA_DIR / "split.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_and_test_are_the_committed_hash_split() -> None:
    split = _split_module()
    raw = {c["id"]: c for c in _load_raw()}
    parts: dict[str, list[str]] = {}
    for name in ("dev", "test"):
        lines = (DATA_DIR / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        parts[name] = [json.loads(line)["id"] for line in lines]
        for line in lines:
            case = json.loads(line)
            assert split.assign(case["id"]) == name
            assert {k: v for k, v in raw[case["id"]].items() if k != "_where"} == case
    assert set(parts["dev"]).isdisjoint(parts["test"])
    assert set(parts["dev"]) | set(parts["test"]) == set(raw)
    share = len(parts["dev"]) / len(raw)
    assert 0.3 <= share <= 0.5


def test_income_contract_text_is_income_parsings(
    task: TaskDefinition, income_task: TaskDefinition
) -> None:
    # the income fields must read exactly as in income_parsing, so one extractor serves both
    assert task.contract.rstrip().endswith(income_task.contract.rstrip())
