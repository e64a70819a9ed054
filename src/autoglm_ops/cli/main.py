"""The `autoglm-ops` command line: a thin edge over the service layer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from autoglm_ops.backends.registry import create_backend
from autoglm_ops.cli import applications, reviews, risk
from autoglm_ops.cli.common import cli_errors, console, make_settings
from autoglm_ops.cli.train import train_command
from autoglm_ops.core.errors import ValidationError
from autoglm_ops.evals.runner import evaluate, load_cases
from autoglm_ops.service.extraction import validate_text
from autoglm_ops.store.repo import Store
from autoglm_ops.tasks.registry import TaskRegistry

app = typer.Typer(
    help="autoglm-ops: structured, evidence-backed fields from customer free text.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
keys_app = typer.Typer(help="Manage API keys (stored hashed).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(risk.app, name="risk")
app.add_typer(applications.app, name="applications")
app.add_typer(reviews.app, name="reviews")
app.command("train")(train_command)

BackendOpt = Annotated[str | None, typer.Option("--backend", "-b", help="extraction backend")]
TaskOpt = Annotated[str, typer.Option("--task", "-t", help="task name (see `autoglm-ops tasks`)")]


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


@app.command()
@cli_errors
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port")] = None,
    grpc_port: Annotated[int | None, typer.Option("--grpc-port", help="gRPC port")] = None,
    backend: BackendOpt = None,
) -> None:
    """Start the HTTP and gRPC services (--grpc-port 0: HTTP only) on one platform
    (embedded defaults: SQLite under ./var, the built-in model)."""
    import asyncio

    import uvicorn

    from autoglm_ops.api.grpc.server import serve_alongside
    from autoglm_ops.api.rest.app import create_app
    from autoglm_ops.service.platform import Platform

    settings = make_settings(host=host, port=port, grpc_port=grpc_port, backend=backend)
    platform = Platform.from_settings(settings)
    if platform.store.count_active_keys() == 0:
        key = platform.store.create_key(["admin"], tenant="default", name="bootstrap admin")
        base = f"http://{settings.host}:{settings.port}"
        console.print("[bold green]First start:[/] created an admin API key (shown once):")
        console.print(key.secret, highlight=False, soft_wrap=True)
        console.print("Try it:")
        body = json.dumps(
            {"text": "我月均收入约1.8万元,有公积金缴纳记录", "task": "income_parsing"},
            ensure_ascii=False,
        )
        console.print(
            f"curl -s {base}/v1/extract -H 'Authorization: Bearer {key.secret}' "
            f"-H 'Content-Type: application/json' -d '{body}'",
            highlight=False,
            soft_wrap=True,
        )
    http = uvicorn.Server(
        uvicorn.Config(
            create_app(platform=platform),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            access_log=False,
            # no uvicorn logging config: its loggers then go through our JSON + PII handler
            log_config=None,
        )
    )
    if settings.grpc_port:
        console.print(f"gRPC PredictionService on {settings.host}:{settings.grpc_port}")
    try:
        # one event loop for both edges; SIGINT/SIGTERM drain both
        asyncio.run(serve_alongside(platform, settings.grpc_port, http))
    finally:
        platform.close()


@app.command()
@cli_errors
def tasks() -> None:
    """List the known tasks and their fields."""
    settings = make_settings()
    for task in TaskRegistry.load(settings.tasks_dir):
        table = Table(title=f"{task.name} v{task.version}", title_justify="left")
        for col in ("field", "type", "unit / values", "description"):
            table.add_column(col)
        for f in task.fields:
            extra = ", ".join(f.enum) if f.enum else (f.unit or "")
            table.add_row(f.name, f.type, extra, f.description)
        console.print(table)


@app.command()
@cli_errors
def extract(
    text: Annotated[str | None, typer.Argument(help="the text to extract from")] = None,
    task: TaskOpt = "income_parsing",
    file: Annotated[Path | None, typer.Option("--file", "-f", help="input JSONL")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="output JSONL")] = None,
    backend: BackendOpt = None,
) -> None:
    """Extract fields from one TEXT (prints JSON) or from a JSONL --file into --out."""
    settings = make_settings(backend=backend)
    task_def = TaskRegistry.load(settings.tasks_dir).get(task)
    extractor = create_backend(settings.backend, settings)
    if file is None:
        if text is None:
            raise ValidationError("give a TEXT argument or --file in.jsonl --out out.jsonl")
        result = extractor.extract(validate_text(text, settings.max_text_chars), task_def)
        payload = {
            "task": result.task,
            "data": result.data,
            "model": result.model,
            "fields": {k: v.model_dump() for k, v in result.fields.items()},
            "review_reasons": result.review_reasons,
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    if out is None:
        raise ValidationError("--file needs --out (where to write the results)")
    try:
        lines = [ln for ln in file.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except OSError as exc:
        raise ValidationError(f"cannot read {file}: {exc.strerror}") from None
    written = 0
    with _progress() as progress, out.open("w", encoding="utf-8") as sink:
        bar = progress.add_task("extracting", total=len(lines))
        for lineno, line in enumerate(lines, 1):
            try:
                row = json.loads(line)
                clean = validate_text(row.get("text"), settings.max_text_chars)
            except (json.JSONDecodeError, AttributeError):
                raise ValidationError(f"{file}:{lineno}: not a JSON object with 'text'") from None
            except ValidationError as exc:
                raise ValidationError(f"{file}:{lineno}: {exc.message}") from None
            result = extractor.extract(clean, task_def)
            record = {
                "id": row.get("id", lineno),
                "task": result.task,
                "model": result.model,
                "data": result.data,
                "fields": {k: v.model_dump() for k, v in result.fields.items()},
            }
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
            progress.advance(bar)
    console.print(f"wrote {written} results to {out}")


@app.command("eval")
@cli_errors
def eval_cmd(
    file: Annotated[Path, typer.Argument(help="labelled JSONL")],
    task: TaskOpt = "income_parsing",
    backend: BackendOpt = None,
    threshold: Annotated[float | None, typer.Option(help="review threshold")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Evaluate a backend on labelled JSONL: accuracy, calibration, review rate, latency."""
    settings = make_settings(backend=backend, review_threshold=threshold)
    task_def = TaskRegistry.load(settings.tasks_dir).get(task)
    cases = load_cases(file, task_def.name)
    if not cases:
        raise ValidationError(f"{file} has no cases for task {task_def.name!r}")
    extractor = create_backend(settings.backend, settings)
    if as_json:
        report = evaluate(extractor, task_def, cases, settings.review_threshold)
        sys.stdout.write(report.model_dump_json(exclude={"errors"}) + "\n")
        return
    with _progress() as progress:
        bar = progress.add_task(f"evaluating {extractor.model_id}", total=len(cases))
        report = evaluate(
            extractor,
            task_def,
            cases,
            settings.review_threshold,
            on_step=lambda: progress.advance(bar),
        )
    summary = Table(title=f"{report.model} on {file.name} (n={report.n})", title_justify="left")
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    rows = [
        ("field_accuracy", f"{report.field_accuracy:.3f}"),
        ("exact_match", f"{report.exact_match:.3f}"),
        ("ece", f"{report.ece:.3f}"),
        (f"review_rate (< {report.threshold})", f"{report.review_rate:.3f}"),
        (
            "accuracy_on_auto",
            "-" if report.accuracy_on_auto is None else f"{report.accuracy_on_auto:.3f}",
        ),
        *[(f"latency {k} (ms)", f"{v:.3f}") for k, v in report.latency_ms.items()],
    ]
    for row in rows:
        summary.add_row(*row)
    console.print(summary)
    per = Table(title="per field", title_justify="left")
    per.add_column("field")
    per.add_column("accuracy", justify="right")
    per.add_column("n", justify="right")
    for name, fs in report.per_field.items():
        per.add_row(name, f"{fs.accuracy:.3f}", str(fs.n))
    console.print(per)
    if report.errors:
        worst = Table(title="worst errors (most confident first)", title_justify="left")
        for col in ("id", "field", "expected", "predicted", "confidence"):
            worst.add_column(col)
        for e in report.errors[:15]:
            worst.add_row(e.id, e.field, repr(e.expected), repr(e.predicted), f"{e.confidence:.2f}")
        console.print(worst)


def _store() -> Store:
    settings = make_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Store.open(settings.resolved_database_url)


@keys_app.command("create")
@cli_errors
def keys_create(
    scope: Annotated[list[str], typer.Option("--scope", "-s", help="extract | review | admin")],
    tenant: Annotated[str, typer.Option(help="tenant the key belongs to")] = "default",
    name: Annotated[str | None, typer.Option(help="a label for the key")] = None,
) -> None:
    """Create an API key; the key itself is printed alone on the last line (shown once)."""
    key = _store().create_key(scope, tenant=tenant, name=name)
    console.print(f"created key {key.key_id} (tenant {key.tenant}, scopes {' '.join(key.scopes)})")
    sys.stdout.write(key.secret + "\n")


@keys_app.command("list")
@cli_errors
def keys_list() -> None:
    """List API keys (ids and scopes, never secrets)."""
    table = Table()
    for col in ("key_id", "tenant", "scopes", "name", "created_at", "revoked"):
        table.add_column(col)
    for k in _store().list_keys():
        table.add_row(
            k["key_id"],
            k["tenant"],
            " ".join(k["scopes"]),
            k["name"] or "",
            k["created_at"],
            "yes" if k["revoked"] else "no",
        )
    console.print(table)


@keys_app.command("revoke")
@cli_errors
def keys_revoke(key_id: Annotated[str, typer.Argument(help="the key id from `keys list`")]) -> None:
    """Revoke an API key."""
    _store().revoke_key(key_id)
    console.print(f"revoked {key_id}")


def main() -> None:
    """Console-script entry point."""
    app()
