"""Task definitions: built-ins load; malformed files are refused naming file, field, reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoglm_ops.core.errors import TaskDefinitionError, UnknownTaskError
from autoglm_ops.tasks.registry import TaskRegistry

GOOD = """
name: product_brand
description: brand of a product title
fields:
  - name: brand
    type: string
    description: the brand
"""


def test_builtin_income_parsing_follows_contract() -> None:
    task = TaskRegistry.load().get("income_parsing")
    assert task.field_names == [
        "income_amount",
        "currency",
        "income_period",
        "is_after_tax",
        "has_provident_fund",
        "has_social_insurance",
        "employment_years",
        "income_stability_score",
    ]
    assert task.field("income_period").enum == ["month", "year", "week", "day"]
    assert task.field("income_stability_score").maximum == 1
    schema = task.output_json_schema()
    assert schema["required"] == task.field_names
    assert schema["properties"]["income_period"]["anyOf"][0]["enum"][0] == "month"


def test_user_folder_adds_tasks(tmp_path: Path) -> None:
    (tmp_path / "brand.yaml").write_text(GOOD, encoding="utf-8")
    reg = TaskRegistry.load(tmp_path)
    assert "product_brand" in reg and "income_parsing" in reg


def test_unknown_task_lists_known() -> None:
    with pytest.raises(UnknownTaskError, match="income_parsing"):
        TaskRegistry.load().get("nope")


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        (GOOD.replace("type: string", "type: text"), "fields[brand].type", "Input should be"),
        (GOOD.replace("    type: string\n", "    type: enum\n"), "fields[brand]", "enum"),
        (GOOD.replace("description: brand of a product title\n", ""), "description", "required"),
        (GOOD + "examples:\n  - text: x\n    expected: {colour: red}\n", "examples", "colour"),
        ("name: [unclosed", "(file)", "YAML"),
        ("- just\n- a list\n", "(file)", "mapping"),
        (GOOD.replace("name: brand", "name: Brand"), "fields", "pattern"),
    ],
)
def test_malformed_task_file_is_refused(tmp_path: Path, text: str, field: str, reason: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaskDefinitionError) as info:
        TaskRegistry.load(tmp_path)
    msg = str(info.value)
    assert str(path) in msg
    assert field in msg
    assert reason in msg


def test_tasks_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(TaskDefinitionError, match="AUTOGLM_TASKS_DIR"):
        TaskRegistry.load(tmp_path / "missing")
