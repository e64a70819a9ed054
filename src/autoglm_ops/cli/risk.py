"""`autoglm-ops risk ...`: train and evaluate the credit risk scorecard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from autoglm_ops.core.errors import AutoGLMError

app = typer.Typer(
    help="Credit risk model: train the WOE scorecard on labelled data and evaluate it.",
    no_args_is_help=True,
)

DEFAULT_OUT = Path("var/models/german_credit")
_STEPS = 5  # reading, fitting, held-out, cross-validation, calibration check

_ROWS = [
    ("auc", "AUC", "{:.3f}"),
    ("ks", "KS", "{:.3f}"),
    ("brier", "Brier", "{:.4f}"),
    ("brier_base_rate", "Brier (base rate only)", "{:.4f}"),
    ("log_loss", "Log loss", "{:.4f}"),
    ("ece", "ECE (10 bins)", "{:.4f}"),
    ("mean_pd", "Mean PD", "{:.3f}"),
    ("bad_rate", "Observed bad rate", "{:.3f}"),
    ("cost_per_applicant", "Cost / applicant (5:1)", "{:.3f}"),
    ("n", "Rows", "{:.0f}"),
]


def _metrics_table(title: str, columns: dict[str, dict[str, Any]]) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    for name in columns:
        table.add_column(name, justify="right")
    for key, label, fmt in _ROWS:
        cells = []
        for col in columns.values():
            v = col.get(key)
            cells.append("-" if v is None else fmt.format(v))
        table.add_row(label, *cells)
    return table


def _fail(console: Console, exc: AutoGLMError) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc.message}")
    return typer.Exit(code=2)


@app.command("train")
def train_command(
    data: Path = typer.Option(
        Path("../shared/data/credit/german.data"), "--data", help="training file (header line)"
    ),
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="folder for model.json + manifest.json"),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="mapping YAML (default: the shipped German credit mapping)"
    ),
) -> None:
    """Train on the training split, write the artifact, report held-out metrics."""
    from autoglm_ops.decision.risk import write_artifact
    from autoglm_ops.decision.training import load_mapping, train

    console = Console()
    try:
        spec = load_mapping(mapping)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("training", total=_STEPS)
            seen: list[str] = []

            def step(message: str) -> None:
                if seen:
                    progress.advance(task)
                seen.append(message)
                progress.update(task, description=message)

            result = train(data, spec, step)
            progress.advance(task)
        folder = write_artifact(out, result.spec, result.manifest)
    except AutoGLMError as exc:
        raise _fail(console, exc) from None
    m = result.metrics
    console.print(
        _metrics_table(
            f"{spec.name}@{spec.version} - held-out split "
            f"({spec.split.test_size:.0%}, seed {spec.split.seed})",
            {
                "all features": m["test"],
                "application only": m["test_application_only"],
                "train": m["train"],
            },
        )
    )
    console.print(
        f"{spec.training.cv_folds}-fold CV AUC {m['cv_auc_mean']:.3f} ± {m['cv_auc_std']:.3f}; "
        f"re-calibrated Brier: sigmoid {m['calibration_check']['brier_sigmoid']:.4f}, "
        f"isotonic {m['calibration_check']['brier_isotonic']:.4f}"
    )
    dropped = result.manifest.get("dropped_features") or []
    if dropped:
        console.print(f"left out (negative coefficient): {', '.join(dropped)}")
    console.print(f"wrote {folder / 'model.json'} and {folder / 'manifest.json'}")


@app.command("eval")
def eval_command(
    model: Path | None = typer.Option(
        None, "--model", help="model folder (default: the model shipped in the package)"
    ),
    data: Path = typer.Option(
        Path("../shared/data/credit/german.data"), "--data", help="labelled file to evaluate on"
    ),
) -> None:
    """Verify a model's checksum and re-measure it on its held-out split."""
    from autoglm_ops.decision.risk import RiskModel, default_model_dir
    from autoglm_ops.decision.training import evaluate_model, mapping_from_manifest, read_dataset

    console = Console()
    try:
        loaded = RiskModel.load(model or default_model_dir())
        spec = mapping_from_manifest(loaded)
        dataset = read_dataset(data, spec)
        metrics = evaluate_model(loaded, dataset, spec.split, spec.training)
    except AutoGLMError as exc:
        raise _fail(console, exc) from None
    trained_on = loaded.manifest.get("dataset", {}).get("sha256")
    same_data = trained_on == dataset.sha256
    recorded = loaded.manifest.get("metrics", {}).get("test", {})
    columns = {
        "all features": metrics["test"],
        "application only": metrics["test_application_only"],
    }
    if same_data and recorded:
        columns["manifest"] = recorded
    console.print(
        _metrics_table(
            f"{loaded.version_tag} - checksum ok - held-out split "
            f"({spec.split.test_size:.0%}, seed {spec.split.seed})",
            columns,
        )
    )
    if not same_data:
        console.print(
            "[yellow]note:[/yellow] this file is not the one the model was trained on "
            "(dataset SHA-256 differs); the 'held-out' rows may overlap its training rows"
        )
