"""`autoglm-ops applications run`: the credit decision flow over a JSONL file."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from autoglm_ops.cli.common import cli_errors, console, make_settings
from autoglm_ops.core.errors import ValidationError
from autoglm_ops.service.applications import submit_application
from autoglm_ops.service.platform import Platform
from autoglm_ops.store.repo import Principal

app = typer.Typer(
    help="Credit applications: text → fields → policy + risk → suggestion.", no_args_is_help=True
)


@app.command("run")
@cli_errors
def run(
    file: Annotated[Path, typer.Argument(help="JSONL: one {'id', 'text', 'form'?} per line")],
    out: Annotated[Path, typer.Option("--out", "-o", help="results JSONL")],
    backend: Annotated[str | None, typer.Option("--backend", "-b")] = None,
    tenant: Annotated[str, typer.Option(help="tenant the stored records belong to")] = "default",
    store: Annotated[bool, typer.Option("--store/--no-store", help="store audit records")] = True,
) -> None:
    """Assess every application in FILE, write one result per line, print a summary."""
    settings = make_settings(backend=backend)
    try:
        lines = [ln for ln in file.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except OSError as exc:
        raise ValidationError(f"cannot read {file}: {exc.strerror}") from None
    platform = Platform.from_settings(settings)
    principal = Principal(key_id="cli", tenant=tenant, scopes=frozenset({"admin"}))
    decisions: Counter[str] = Counter()
    try:
        with (
            Progress(
                "{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            ) as progress,
            out.open("w", encoding="utf-8") as sink,
        ):
            bar = progress.add_task("assessing", total=len(lines))
            for lineno, line in enumerate(lines, 1):
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    row = None
                if not isinstance(row, dict):
                    # still assessed (and stored) as an application without text
                    row = {"id": lineno}
                    problem = [f"line {lineno} is not a JSON object"]
                else:
                    problem = []
                result = submit_application(
                    platform,
                    text=row.get("text"),
                    form=row.get("form"),
                    principal=principal,
                    store=store,
                )
                decisions[result.decision] += 1
                record = {"id": row.get("id", lineno), **result.model_dump(mode="json")}
                if problem:
                    record["intake_problems"] = problem + record["intake_problems"]
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                progress.advance(bar)
    finally:
        platform.close()
    table = Table(title=f"{len(lines)} applications → {out}", title_justify="left")
    table.add_column("decision")
    table.add_column("count", justify="right")
    table.add_column("share", justify="right")
    for decision in ("approve", "manual_review", "decline"):
        n = decisions.get(decision, 0)
        table.add_row(decision, str(n), f"{n / max(1, len(lines)):.1%}")
    console.print(table)
