"""`risk train` and `risk eval` through typer's runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autoglm_ops.cli.risk import app
from autoglm_ops.decision.risk import MODEL_FILE, RiskModel, default_model_dir

GERMAN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "credit" / "german.data"
runner = CliRunner()


@pytest.fixture
def german() -> Path:
    if not GERMAN.is_file():
        pytest.skip("shared German credit data not present")
    return GERMAN


@pytest.mark.slow
def test_train_then_eval(tmp_path: Path, german: Path) -> None:
    out = tmp_path / "model"
    r = runner.invoke(app, ["train", "--data", str(german), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "AUC" in r.output and "Brier" in r.output and "KS" in r.output
    assert "CV AUC" in r.output
    model = RiskModel.load(out)
    assert model.manifest["metrics"]["test"]["auc"] > 0.70

    r = runner.invoke(app, ["eval", "--model", str(out), "--data", str(german)])
    assert r.exit_code == 0, r.output
    assert "checksum ok" in r.output and "manifest" in r.output


def test_eval_shipped_model(german: Path) -> None:
    r = runner.invoke(app, ["eval", "--data", str(german)])
    assert r.exit_code == 0, r.output
    assert RiskModel.load(default_model_dir()).version_tag in r.output
    auc_row = next(line for line in r.output.splitlines() if "AUC" in line)
    assert float(auc_row.split("│")[2]) > 0.70


def test_eval_refuses_a_tampered_model(tmp_path: Path, german: Path) -> None:
    folder = tmp_path / "m"
    shutil.copytree(default_model_dir(), folder)
    spec = json.loads((folder / MODEL_FILE).read_text())
    spec["features"][0]["coef"] = 0.0
    (folder / MODEL_FILE).write_text(json.dumps(spec))
    r = runner.invoke(app, ["eval", "--model", str(folder), "--data", str(german)])
    assert r.exit_code == 2
    assert "checksum" in r.output


def test_train_reports_missing_data(tmp_path: Path) -> None:
    r = runner.invoke(app, ["train", "--data", str(tmp_path / "none.data"), "--out", str(tmp_path)])
    assert r.exit_code == 2
    text = " ".join(r.output.split())  # rich wraps long lines
    assert "cannot read" in text and "--data" in text


def test_eval_notes_other_data(tmp_path: Path, german: Path) -> None:
    other = tmp_path / "g.data"
    other.write_text(german.read_text() + "\n")  # same rows, different bytes
    r = runner.invoke(app, ["eval", "--data", str(other)])
    assert r.exit_code == 0, r.output
    assert "not the one the model was trained on" in " ".join(r.output.split())


def test_help_lists_commands() -> None:
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0
    assert "train" in r.output and "eval" in r.output
