"""Training on a small sample, artifacts, checksums, the shipped model and the extractor."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autoglm_ops.backends.local import LocalExtractor
from autoglm_ops.backends.local.artifacts import (
    MANIFEST,
    MODEL_FILE,
    default_model_dir,
    load_artifact,
)
from autoglm_ops.backends.local.features import FEATURE_VERSION
from autoglm_ops.backends.local.train import Case, TrainResult, train_model
from autoglm_ops.backends.registry import create_backend
from autoglm_ops.core.errors import ModelArtifactError, ValidationError
from autoglm_ops.core.settings import Settings
from autoglm_ops.tasks.registry import TaskRegistry
from autoglm_ops.tasks.schema import TaskDefinition
from tests.backends.local.conftest import SMALL

SEED = "我月均收入约1.8万元,有公积金缴纳记录"


def _check_extraction(text: str, ex: LocalExtractor, task: TaskDefinition) -> dict[str, object]:
    out = ex.extract(text, task)
    assert set(out.fields) == set(task.field_names)
    for f in out.fields.values():
        assert 0.0 <= f.confidence <= 1.0
        if f.evidence is not None:
            assert text[f.evidence.start : f.evidence.end] == f.evidence.text
    return out.data


def test_small_training_produces_a_loadable_artifact(
    small_model_dir: Path, small_result: TrainResult, income_task: TaskDefinition
) -> None:
    manifest = json.loads((small_model_dir / MANIFEST).read_text())
    assert manifest["task"] == "income_parsing"
    assert manifest["feature_version"] == FEATURE_VERSION
    assert set(manifest["files"]) == {MODEL_FILE}
    assert "library_versions" in manifest and "created_at" in manifest
    assert manifest["metrics_heldout_dev_folds"]["n_cases"] > 0
    ex = LocalExtractor.load(small_model_dir)
    data = _check_extraction("税前年薪36万，税后到手每月两万五，五险一金齐全", ex, income_task)
    assert data["income_amount"] == 25000
    assert small_result.timings["total_s"] > 0


def test_tampered_model_file_is_refused(small_model_dir: Path) -> None:
    path = small_model_dir / MODEL_FILE
    path.write_text(path.read_text().replace('"bias"', '"bias "', 1))
    with pytest.raises(ModelArtifactError, match="make models"):
        load_artifact(small_model_dir)


def test_missing_files_are_refused(small_model_dir: Path, tmp_path: Path) -> None:
    (small_model_dir / MODEL_FILE).unlink()
    with pytest.raises(ModelArtifactError, match="missing"):
        load_artifact(small_model_dir)
    with pytest.raises(ModelArtifactError, match=MANIFEST):
        load_artifact(tmp_path / "nowhere")


def test_other_feature_version_is_refused(small_model_dir: Path) -> None:
    path = small_model_dir / MANIFEST
    manifest = json.loads(path.read_text())
    manifest["feature_version"] = "0"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ModelArtifactError, match="feature version"):
        load_artifact(small_model_dir)


def test_training_is_deterministic(small_cases: list[Case], small_result: TrainResult) -> None:
    again = train_model(small_cases, SMALL)
    assert again.model.to_json() == small_result.model.to_json()
    assert again.metrics == small_result.metrics


def test_shipped_model_answers_the_seed_example(income_task: TaskDefinition) -> None:
    ex = LocalExtractor.load()
    out = ex.extract(SEED, income_task)
    amount = out.fields["income_amount"]
    assert amount.value == 18000
    assert amount.evidence is not None
    assert SEED[amount.evidence.start : amount.evidence.end] == amount.evidence.text
    assert "1.8万" in amount.evidence.text
    pf = out.fields["has_provident_fund"]
    assert pf.value is True
    assert pf.evidence is not None and pf.evidence.text == "公积金"
    assert out.fields["currency"].value == "CNY"
    assert out.fields["income_period"].value == "month"
    assert out.model == "local@" + ex.manifest["version"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("跑外卖的,一天大概三百左右,没交社保",
         {"income_amount": 6525, "income_period": "day", "has_social_insurance": False}),
        ("目前待业,没有收入,老婆每月一万二", {"income_amount": 0, "currency": None}),
        ("请问你们的贷款利率是多少?", {"income_amount": None, "employment_years": None}),
        ("My take-home pay is about $4,200 a month; I have been with my employer for 18 months.",
         {"income_amount": 4200, "currency": "USD", "is_after_tax": True,
          "employment_years": 1.5}),
    ],
)  # fmt: skip
def test_shipped_model_on_contract_examples(
    text: str, expected: dict[str, object], income_task: TaskDefinition
) -> None:
    data = _check_extraction(text, LocalExtractor.load(), income_task)
    for name, value in expected.items():
        assert data[name] == value, name


def test_from_settings_uses_local_model_dir(small_model_dir: Path, tmp_path: Path) -> None:
    ex = create_backend("local", Settings(data_dir=tmp_path, local_model_dir=small_model_dir))
    assert isinstance(ex, LocalExtractor)
    assert ex.manifest["version"] == "0.0.1"
    shipped = create_backend("local", Settings(data_dir=tmp_path))
    assert isinstance(shipped, LocalExtractor)
    assert shipped.manifest["version"] != "0.0.1"


def test_a_copied_shipped_model_still_verifies(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(default_model_dir(), copy)
    model, manifest = load_artifact(copy)
    assert manifest["task"] == "income_parsing" and model.conf


def test_other_tasks_are_refused(small_model_dir: Path, income_task: TaskDefinition) -> None:
    ex = LocalExtractor.load(small_model_dir)
    other = income_task.model_copy(update={"name": "product_listing"})
    with pytest.raises(ValidationError):
        ex.extract("月薪一万", other)


def test_loan_application_gets_income_and_loan_fields() -> None:
    task = TaskRegistry.load().get("loan_application")
    text = "我在国企上班五年了,月薪税后一万二,有五险一金。想贷款10万装修,分3年还。"
    out = LocalExtractor.load().extract(text, task)
    assert set(out.fields) == set(task.field_names)
    assert out.fields["income_amount"].value == 12000
    assert out.fields["employment_years"].value == 5
    assert out.fields["requested_amount"].value == 100000
    assert out.fields["term_months"].value == 36
