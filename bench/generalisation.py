"""Does the learned model read phrasings it never saw? Hold out whole files and score them.

Run: .venv/bin/python -m bench.generalisation [--holdout zh_train_f en_train_d]

The training-only files in data/income_parsing/train/ were written by different writers at
different times. This trains the `local` model exactly as `make models` does (augmented to
10,000 cases, same seed and settings) on dev.jsonl plus every training file except the held-out
ones, then scores rules, that model and the shipped model on the held-out files. The shipped model
has trained on them, so its column is in-sample: the gap between it and the held-out model is what
memorising those statements would be worth. The test split is not read.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from autoglm_ops.backends.local import LocalExtractor
from autoglm_ops.backends.local.augment import augment
from autoglm_ops.backends.local.train import Case, train_model
from autoglm_ops.backends.registry import create_backend
from autoglm_ops.core.settings import Settings
from autoglm_ops.evals.runner import EvalReport, evaluate, load_cases
from autoglm_ops.tasks.registry import TaskRegistry
from bench.common import REPO, write_section

console = Console()
DATA = REPO / "data" / "income_parsing"


def _cases(path: Path) -> list[Case]:
    return [Case(c.id, c.text, dict(c.expected)) for c in load_cases(path, "income_parsing")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--holdout", nargs="+", default=["zh_train_f", "en_train_d"])
    ap.add_argument("--augment", type=int, default=10_000)
    args = ap.parse_args()
    train_files = sorted((DATA / "train").glob("*.jsonl"))
    held = [p for p in train_files if p.stem in args.holdout]
    if len(held) != len(args.holdout):
        known = ", ".join(p.stem for p in train_files)
        raise SystemExit(f"--holdout names unknown files; known: {known}")
    used = [DATA / "dev.jsonl", *(p for p in train_files if p.stem not in args.holdout)]
    raw = [c for p in used for c in _cases(p)]
    with console.status(f"training on {len(raw)} statements (augmented to {args.augment})"):
        t0 = time.perf_counter()
        result = train_model(augment(raw, args.augment, seed=13))
        train_s = time.perf_counter() - t0
    task = TaskRegistry.load().get("income_parsing")
    backends = {
        "rules": create_backend("rules", Settings(backend="rules")),
        "local, held out": LocalExtractor(result.model, {"version": "held-out"}),
        "local shipped (in-sample)": LocalExtractor.load(),
    }
    threshold = Settings().review_threshold
    cases = [c for p in held for c in load_cases(p, "income_parsing")]
    reports: dict[str, EvalReport] = {}
    with Progress(console=console, transient=True) as progress:
        for name, backend in backends.items():
            bar = progress.add_task(name, total=len(cases))
            reports[name] = evaluate(
                backend, task, cases, threshold, on_step=lambda b=bar: progress.advance(b)
            )
    names = list(reports)
    rows = [
        ("income_amount", [f"{reports[n].per_field['income_amount'].accuracy:.3f}" for n in names]),
        ("field_accuracy", [f"{reports[n].field_accuracy:.3f}" for n in names]),
        ("exact_match", [f"{reports[n].exact_match:.3f}" for n in names]),
        ("ECE", [f"{reports[n].ece:.3f}" for n in names]),
        (f"review_rate at {threshold}", [f"{reports[n].review_rate:.3f}" for n in names]),
    ]
    title = f"held out: {', '.join(args.holdout)} ({len(cases)} statements)"
    table = Table(title=title)
    table.add_column("metric")
    md = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for n in names:
        table.add_column(n, justify="right")
    for label, vals in rows:
        table.add_row(label, *vals)
        md.append(f"| {label} | " + " | ".join(vals) + " |")
    console.print(table)
    body = (
        f"Held-out files: {', '.join(f'`train/{p.name}`' for p in held)} ({len(cases)} "
        f"statements by writers whose other files are not held out). The held-out model trained "
        f"on {len(raw)} statements augmented to {args.augment} in {train_s:.0f} s.\n\n"
        + "\n".join(md)
        + "\n\nThe shipped model's column is in-sample (it trained on these files); the held-out "
        "model has never seen them, so its numbers are what a new writer's phrasings get.\n"
    )
    write_section(
        "generalisation",
        "Generalisation: statements from files the model never trained on",
        ".venv/bin/python -m bench.generalisation",
        body,
    )


if __name__ == "__main__":
    main()
