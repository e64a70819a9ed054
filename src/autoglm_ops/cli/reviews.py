"""`autoglm-ops reviews export`: reviewers' labels as training JSONL for `autoglm-ops train`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from autoglm_ops.cli.common import cli_errors, console, make_settings
from autoglm_ops.core.errors import ValidationError
from autoglm_ops.service.review import export_corrections
from autoglm_ops.store.repo import Store
from autoglm_ops.tasks.registry import TaskRegistry

app = typer.Typer(help="Human review: reviewers' labels.", no_args_is_help=True)


@app.command("export")
@cli_errors
def export(
    task: Annotated[str, typer.Option("--task", "-t", help="task whose labels to export")],
    out: Annotated[Path, typer.Option("--out", "-o", help="labelled JSONL to write")],
    tenant: Annotated[
        str | None, typer.Option(help="only this tenant's labels (default: every tenant)")
    ] = None,
) -> None:
    """Write every reviewed answer of TASK as labelled JSONL (id, task, text, expected), the
    format `train` and `eval` read; ``expected`` holds the reviewer's values. ID-card, phone,
    bank-card numbers and e-mail addresses in the text are masked: a training set needs the
    wording, not the customer's identifiers. The file is still customer text: keep it where
    the database is."""
    settings = make_settings()
    tasks = TaskRegistry.load(settings.tasks_dir)
    store = Store.open(settings.resolved_database_url)
    n = corrected = 0
    try:
        lines = export_corrections(store, tasks, task=task, tenant=tenant)
        with out.open("w", encoding="utf-8") as sink:
            for line in lines:
                sink.write(json.dumps(line, ensure_ascii=False) + "\n")
                n += 1
                corrected += bool(line["corrected"])
    except OSError as exc:
        raise ValidationError(f"cannot write {out}: {exc.strerror}") from None
    finally:
        store.close()
    console.print(f"wrote {n} labelled cases of {task} to {out} ({corrected} with corrections)")
