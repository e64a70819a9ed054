"""`autoglm-ops reviews export`: reviewers' labels as training JSONL that `train` reads."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from autoglm_ops.cli.main import app
from autoglm_ops.core.settings import Settings
from autoglm_ops.service import extraction, review
from autoglm_ops.service.platform import Platform

runner = CliRunner()
DEV = Path(__file__).resolve().parents[2] / "data" / "income_parsing" / "dev.jsonl"
TEXTS = [
    "我叫王小明，手机13812345678，月薪税后一万八",
    "月薪八千左右，做了三年",
    "年薪20万，有社保",
]


def _labelled_requests() -> list[str]:
    """Three answers in the default database (AUTOGLM_DATA_DIR), all sent to review and
    labelled, the first with a corrected amount."""
    platform = Platform.from_settings(Settings(review_threshold=1.0))
    try:
        store = platform.store
        caller = store.authenticate(store.create_key(["extract"]).secret)
        reviewer = store.authenticate(store.create_key(["review"]).secret)
        assert caller is not None and reviewer is not None
        ids = []
        for i, text in enumerate(TEXTS):
            r = extraction.extract(platform, text=text, task="income_parsing", principal=caller)
            assert r.review.required
            fix = {"income_amount": 18000.0, "currency": "CNY"} if i == 0 else {}
            review.submit_review(platform, request_id=r.request_id, fields=fix, principal=reviewer)
            ids.append(r.request_id)
        return ids
    finally:
        platform.close()


def test_export_writes_training_jsonl_that_train_reads(tmp_path: Path) -> None:
    ids = _labelled_requests()
    out = tmp_path / "labels.jsonl"
    r = runner.invoke(app, ["reviews", "export", "--task", "income_parsing", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "wrote 3 labelled cases" in r.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == ids
    assert lines[0]["expected"]["income_amount"] == 18000.0
    assert "13812345678" not in out.read_text(encoding="utf-8")
    # the corrections retrain the local model beside the shipped labelled data
    data = tmp_path / "dev60.jsonl"
    data.write_text("\n".join(DEV.read_text(encoding="utf-8").splitlines()[:60]) + "\n")
    model = tmp_path / "model"
    r = runner.invoke(
        app,
        ["train", str(data), str(out), "--out", str(model), "--augment", "0", "--folds", "2"],
    )
    assert r.exit_code == 0, r.output
    manifest = json.loads((model / "manifest.json").read_text())
    assert manifest["training"]["original_cases"] == 63
    assert manifest["training"]["inputs"] == ["dev60.jsonl", "labels.jsonl"]


def test_export_refuses_an_unknown_task_and_an_unwritable_file(tmp_path: Path) -> None:
    r = runner.invoke(app, ["reviews", "export", "--task", "nope", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "unknown task" in r.output
    assert not (tmp_path / "x").exists()
    missing = tmp_path / "no" / "such" / "dir" / "x.jsonl"
    r = runner.invoke(app, ["reviews", "export", "--task", "income_parsing", "--out", str(missing)])
    assert r.exit_code == 2 and "cannot write" in r.output
