"""The CLI edge, through typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from autoglm_ops.cli.main import app

runner = CliRunner()


def test_tasks_lists_fields() -> None:
    r = runner.invoke(app, ["tasks"])
    assert r.exit_code == 0, r.output
    assert "income_parsing" in r.output and "has_provident_fund" in r.output


def test_extract_prints_json() -> None:
    r = runner.invoke(app, ["extract", "--task", "income_parsing", "我月均收入约1.8万元"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["task"] == "income_parsing"
    assert set(out["data"]) == set(out["fields"])


def test_extract_batch(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            json.dumps({"id": f"c{i}", "text": t}, ensure_ascii=False)
            for i, t in enumerate(["月薪八千", "年薪20万", "no income"])
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    r = runner.invoke(app, ["extract", "--file", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == ["c0", "c1", "c2"]


def test_bad_input_gives_message_and_nonzero_exit(tmp_path: Path) -> None:
    r = runner.invoke(app, ["extract", "--task", "nope", "x"])
    assert r.exit_code == 2 and "unknown task" in r.output
    r = runner.invoke(app, ["extract", "--task", "income_parsing", "  "])
    assert r.exit_code == 2 and "empty" in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "月薪八千"}\nnot json\n', encoding="utf-8")
    r = runner.invoke(app, ["extract", "--file", str(bad), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "bad.jsonl:2" in r.output
    assert "月薪八千" not in r.output
    r = runner.invoke(app, ["eval", str(tmp_path / "missing.jsonl")])
    assert r.exit_code == 2 and "cannot read" in r.output
    r = runner.invoke(app, ["extract", "-b", "nosuch", "x"])
    assert r.exit_code == 2 and "unknown backend" in r.output


def test_keys_lifecycle() -> None:
    r = runner.invoke(app, ["keys", "create", "--scope", "admin", "--tenant", "t1"])
    assert r.exit_code == 0, r.output
    secret = r.stdout.strip().splitlines()[-1]
    assert secret.startswith("agk_")
    key_id = secret.split("_")[1]
    r = runner.invoke(app, ["keys", "list"])
    assert key_id in r.output and secret not in r.output
    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
    r = runner.invoke(app, ["keys", "revoke", "deadbeef"])
    assert r.exit_code == 2 and "keys list" in r.output
    r = runner.invoke(app, ["keys", "create", "--scope", "root"])
    assert r.exit_code == 2 and "unknown scope" in r.output


def test_eval_json(tmp_path: Path) -> None:
    data = tmp_path / "gold.jsonl"
    data.write_text(
        json.dumps(
            {
                "id": "a",
                "task": "income_parsing",
                "text": "请问利率多少?",
                "expected": {"income_amount": None, "currency": None},
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["eval", str(data), "--task", "income_parsing", "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    for key in (
        "n",
        "field_accuracy",
        "per_field",
        "exact_match",
        "ece",
        "review_rate",
        "accuracy_on_auto",
        "latency_ms",
    ):
        assert key in report
    assert report["n"] == 1
    assert set(report["latency_ms"]) == {"p50", "p95", "p99"}


def test_console_script_runs() -> None:
    exe = Path(sys.executable).parent / "autoglm-ops"
    r = subprocess.run([str(exe), "tasks"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "income_parsing" in r.stdout
