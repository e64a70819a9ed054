"""`autoglm-ops train`: build a `local` model directory from labelled JSONL (CPU, seeded)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from autoglm_ops.cli.common import cli_errors, console
from autoglm_ops.core.errors import ValidationError
from autoglm_ops.evals.runner import load_cases

__all__ = ["train_command"]

_TRAINABLE = ("income_parsing",)


def _data_sha256(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        try:
            h.update(p.read_bytes())
        except OSError as exc:
            raise ValidationError(f"cannot read {p}: {exc.strerror}") from None
    return h.hexdigest()


@cli_errors
def train_command(
    data: Annotated[list[Path], typer.Argument(help="labelled JSONL file(s) to train on")],
    out: Annotated[Path, typer.Option("--out", "-o", help="model directory to write")],
    task: Annotated[str, typer.Option("--task", "-t", help="task to train")] = "income_parsing",
    augment_to: Annotated[
        int, typer.Option("--augment", help="augment to this many cases in all (0: none)")
    ] = 10_000,
    seed: Annotated[int, typer.Option(help="seed for folds and augmentation")] = 13,
    folds: Annotated[int, typer.Option(help="cross-validation folds for calibration")] = 5,
    version: Annotated[str, typer.Option(help="model version in the manifest")] = "1.0.0",
    save_augmented: Annotated[
        Path | None, typer.Option("--save-augmented", help="also write the training set (JSONL)")
    ] = None,
) -> None:
    """Train the built-in `local` model on labelled JSONL (augmented, calibrated by CV)."""
    # imported here: scikit-learn and the feature code are not needed by other commands
    from autoglm_ops.backends.local.artifacts import save_artifact
    from autoglm_ops.backends.local.augment import augment
    from autoglm_ops.backends.local.train import Case, TrainConfig, train_model

    if task not in _TRAINABLE:
        raise ValidationError(f"task {task!r} is not trainable; trainable: {', '.join(_TRAINABLE)}")
    if folds < 2:
        raise ValidationError("--folds must be at least 2")
    raw: list[Case] = []
    for path in data:
        for row in load_cases(path, task):
            # a file written by --save-augmented keeps its groups for grouped folds
            group = str(getattr(row, "group", "") or "")
            original = bool(getattr(row, "original", True))
            raw.append(Case(row.id, row.text, dict(row.expected), group=group, original=original))
    if not raw:
        raise ValidationError(f"no cases for task {task!r} in {', '.join(map(str, data))}")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cases = augment(raw, augment_to, seed=seed) if augment_to > len(raw) else raw
    timings["augment_s"] = time.perf_counter() - t0
    if save_augmented is not None:
        with save_augmented.open("w", encoding="utf-8") as sink:
            for c in cases:
                line = {"id": c.id, "task": task, "text": c.text, "expected": c.expected,
                        "group": c.key, "original": c.original}  # fmt: skip
                sink.write(json.dumps(line, ensure_ascii=False) + "\n")
    cfg = TrainConfig(seed=seed, folds=folds)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        bars: dict[str, Any] = {}

        def step(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = progress.add_task(stage, total=total)
            progress.update(bars[stage], completed=done)

        result = train_model(cases, cfg, progress=step)
    timings.update(result.timings)
    manifest = save_artifact(
        result.model,
        out,
        version=version,
        data_sha256=_data_sha256(data),
        metrics=result.metrics,
        extra={
            "training": {
                "inputs": [p.name for p in data],
                "original_cases": sum(c.original for c in cases),
                "cases": len(cases),
                "augment_to": augment_to,
                "seed": seed,
                "folds": folds,
                "config": {k: v for k, v in vars(cfg).items() if not isinstance(v, tuple)},
            }
        },
    )
    _report(manifest, timings, out)


def _report(manifest: dict[str, Any], timings: dict[str, float], out: Path) -> None:
    m = manifest["metrics_heldout_dev_folds"]
    table = Table(
        title=f"held-out folds of the labelled data ({m.get('n_cases', 0)} cases)",
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("field_accuracy", f"{m.get('field_accuracy', 0):.4f}")
    for name, acc in m.get("per_field", {}).items():
        table.add_row(f"  {name}", f"{acc:.4f}")
    table.add_row("ece", f"{m.get('ece', 0):.4f}")
    table.add_row("recommended review threshold", f"{m.get('recommended_threshold', 0):.2f}")
    for name, secs in timings.items():
        table.add_row(name, f"{secs:.1f}")
    console.print(table)
    size = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    console.print(f"wrote {out} ({size / 1e6:.2f} MB, {manifest['training']['cases']} cases)")
