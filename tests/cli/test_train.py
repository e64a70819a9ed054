"""`autoglm-ops train`: a small model directory from labelled JSONL, loadable by the backend."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from autoglm_ops.backends.local import LocalExtractor
from autoglm_ops.cli.main import app

runner = CliRunner()
DEV = Path(__file__).resolve().parents[2] / "data" / "income_parsing" / "dev.jsonl"


def test_train_writes_a_verified_model(tmp_path: Path) -> None:
    data = tmp_path / "small.jsonl"
    data.write_text("\n".join(DEV.read_text(encoding="utf-8").splitlines()[:80]) + "\n")
    out = tmp_path / "model"
    aug = tmp_path / "aug.jsonl"
    r = runner.invoke(
        app,
        ["train", str(data), "--out", str(out), "--augment", "200", "--folds", "3",
         "--version", "9.9.9", "--save-augmented", str(aug)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"] == "9.9.9"
    assert manifest["training"]["cases"] == 200
    assert manifest["training"]["original_cases"] == 80
    assert len(manifest["training_data_sha256"]) == 64
    assert len(aug.read_text().splitlines()) == 200
    assert LocalExtractor.load(out).model_id == "local@9.9.9"


def test_train_refuses_unknown_task_and_empty_data(tmp_path: Path) -> None:
    r = runner.invoke(app, ["train", str(DEV), "--out", str(tmp_path / "m"), "--task", "nope"])
    assert r.exit_code == 2
    assert "not trainable" in r.output
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    r = runner.invoke(app, ["train", str(empty), "--out", str(tmp_path / "m")])
    assert r.exit_code == 2
    assert "no cases" in r.output
