"""Issue 3 comparison: every available backend side by side on the income test split.

Run: .venv/bin/python -m bench.backends_compare [--threshold 0.8]
The llm backend is included when AUTOGLM_LLM_BASE_URL points at a server.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from autoglm_ops.backends.base import Extractor
from autoglm_ops.backends.registry import available_backends, create_backend
from autoglm_ops.core.errors import AutoGLMError
from autoglm_ops.core.settings import Settings
from autoglm_ops.evals.runner import EvalReport, evaluate, load_cases
from autoglm_ops.tasks.registry import TaskRegistry
from autoglm_ops.tasks.schema import TaskDefinition
from bench.common import REPO, SECTIONS, write_section

console = Console()
TEST = REPO / "data" / "income_parsing" / "test.jsonl"


def candidates() -> list[str]:
    names = [n for n in ("rules", "local") if n in available_backends()]
    if os.environ.get("AUTOGLM_LLM_BASE_URL") and "llm" in available_backends():
        names.append("llm")
    return names


def interleaved_latency(
    backends: dict[str, Extractor], task: TaskDefinition, texts: list[str], passes: int
) -> dict[str, dict[str, float]]:
    """Per-statement latency, the backends taking turns on each text so that a noisy machine
    slows them alike; p50/p99 over every call of ``passes`` passes."""
    lat: dict[str, list[float]] = {n: [] for n in backends}
    for _ in range(passes):
        for text in texts:
            for name, backend in backends.items():
                t0 = time.perf_counter()
                backend.extract(text, task)
                lat[name].append((time.perf_counter() - t0) * 1000.0)
    return {
        n: {"p50": float(np.percentile(v, 50)), "p99": float(np.percentile(v, 99))}
        for n, v in lat.items()
    }


def plot(reports: dict[str, EvalReport]) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fields = list(next(iter(reports.values())).per_field)
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(reports)
    for i, (name, rep) in enumerate(reports.items()):
        xs = [j + i * width for j in range(len(fields))]
        ax.bar(xs, [rep.per_field[f].accuracy for f in fields], width, label=name)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(fields))])
    ax.set_xticklabels(fields, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0.5, 1.0)
    ax.set_ylabel("accuracy on test split")
    ax.legend()
    fig.tight_layout()
    SECTIONS.mkdir(parents=True, exist_ok=True)
    fig.savefig(SECTIONS / "backends_compare.png", dpi=110)
    return "backends_compare.png"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--passes", type=int, default=5, help="interleaved latency passes")
    args = ap.parse_args()
    task = TaskRegistry.load().get("income_parsing")
    cases = load_cases(TEST, task.name)
    reports: dict[str, EvalReport] = {}
    backends: dict[str, Extractor] = {}
    with Progress(console=console, transient=True) as progress:
        for name in candidates():
            settings = Settings(backend=name)
            threshold = args.threshold if args.threshold is not None else settings.review_threshold
            try:
                backend = create_backend(name, settings)
            except AutoGLMError as exc:
                console.print(f"[yellow]skipping {name}: {exc.message}")
                continue
            backends[name] = backend
            bar = progress.add_task(f"{name}", total=len(cases))
            reports[name] = evaluate(
                backend, task, cases, threshold, on_step=lambda b=bar: progress.advance(b)
            )
    names = list(reports)
    with console.status("timing the backends, interleaved"):
        # the llm backend is timed by its own eval pass: a network call per text is another scale
        timed = {n: b for n, b in backends.items() if n != "llm"}
        lat = interleaved_latency(timed, task, [c.text for c in cases], args.passes)
    for n in names:
        lat.setdefault(n, reports[n].latency_ms)
    rows = [
        ("model", [reports[n].model for n in names]),
        ("field_accuracy", [f"{reports[n].field_accuracy:.3f}" for n in names]),
        ("exact_match", [f"{reports[n].exact_match:.3f}" for n in names]),
        *[
            (f"{f} accuracy", [f"{reports[n].per_field[f].accuracy:.3f}" for n in names])
            for f in reports[names[0]].per_field
        ],
        ("ECE", [f"{reports[n].ece:.3f}" for n in names]),
        (
            "review_rate (threshold)",
            [f"{reports[n].review_rate:.3f} ({reports[n].threshold})" for n in names],
        ),
        (
            "accuracy_on_auto",
            [
                "-" if reports[n].accuracy_on_auto is None else f"{reports[n].accuracy_on_auto:.3f}"
                for n in names
            ],
        ),
        ("latency p50 ms", [f"{lat[n]['p50']:.3f}" for n in names]),
        ("latency p99 ms", [f"{lat[n]['p99']:.3f}" for n in names]),
    ]
    if "rules" in lat:
        base = lat["rules"]["p50"]
        rows.append(("p50 / rules p50", [f"{lat[n]['p50'] / base:.2f}" for n in names]))
    table = Table(title=f"income_parsing test split, n={len(cases)}")
    table.add_column("metric")
    for n in names:
        table.add_column(n, justify="right")
    md = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, vals in rows:
        table.add_row(label, *vals)
        md.append(f"| {label} | " + " | ".join(vals) + " |")
    console.print(table)
    picture = plot(reports)
    body = "\n".join(md)
    if picture:
        body += f"\n\n![per-field accuracy](bench/{picture})\n"
    body += (
        f"\nLatency: every statement of the split through `extract`, {args.passes} passes, the "
        "backends taking turns on each statement (so machine noise hits them alike); p50/p99 "
        "over all calls. The ratio row is the same-run comparison.\n"
    )
    write_section(
        "backends_compare",
        "Backends side by side on the income test split",
        ".venv/bin/python -m bench.backends_compare",
        body,
    )


if __name__ == "__main__":
    main()
