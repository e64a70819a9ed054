"""Credit risk numbers of docs/benchmarks.md, reproduced for the shipped configuration: held-out
metrics, the cut-offs the band-target method derives, the bands on German held-out, drift (PSI) of
our dev applicants against the model, and the gold-decision mix on dev.

Run: .venv/bin/python -m bench.risk
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
from rich.console import Console

from autoglm_ops.decision.drift import feature_drift, psi
from autoglm_ops.decision.policy import default_policy
from autoglm_ops.decision.risk import default_risk_model
from autoglm_ops.decision.suggest import RiskCutoffs, cutoffs_for_targets, suggest
from autoglm_ops.decision.training import (
    evaluate_model,
    mapping_from_manifest,
    predict_rows,
    read_dataset,
    split_indices,
)
from bench.common import REPO, SHARED_DATA, write_section

console = Console()
DEV = REPO / "data" / "loan_application" / "dev.jsonl"


def main() -> None:
    model, policy = default_risk_model(), default_policy()
    spec = mapping_from_manifest(model)
    data = read_dataset(SHARED_DATA / "credit" / "german.data", spec)
    metrics = evaluate_model(model, data, spec.split, spec.training)
    _, te = split_indices(len(data.y), data.y, spec.split)
    rows, bad = [data.values[i] for i in te], [int(data.y[i]) for i in te]
    pd_all, pd_app = predict_rows(model, rows), predict_rows(model, rows, "bureau")
    derived = cutoffs_for_targets([(pd_all, bad), (pd_app, bad)])
    shipped = RiskCutoffs()

    def bands(pds: np.ndarray) -> str:
        y = np.array(bad)
        cells = []
        for name, mask in (
            ("approve", pds < shipped.approve_below),
            ("review", (pds >= shipped.approve_below) & (pds < shipped.decline_at)),
            ("decline", pds >= shipped.decline_at),
        ):
            rate = f"{y[mask].mean():.1%} bad" if mask.any() else "-"
            cells.append(f"{name} {mask.mean():.0%} ({rate})")
        return ", ".join(cells)

    cases = [json.loads(x) for x in DEV.read_text(encoding="utf-8").splitlines() if x.strip()]
    inputs, mix = [], Counter()
    for case in cases:
        values = case["expected"]
        conf = dict.fromkeys(values, 1.0)
        inputs.append({**values, **policy.derive(values, conf)})
        mix[suggest(values, conf, policy, model, 0.8).decision] += 1
    dev_pd = np.array([model.predict(v, top_k=0).pd for v in inputs])
    drift = feature_drift(model, inputs)

    m_all, m_app = metrics["test"], metrics["test_application_only"]
    lines = [
        f"Model `{model.version_tag}`, policy `{policy.name}@{policy.version}`, "
        f"German held-out split ({len(te)} rows, {sum(bad)} bad).",
        "",
        "| | AUC | KS | Brier |",
        "|---|---:|---:|---:|",
        f"| all features | {m_all['auc']:.3f} | {m_all['ks']:.3f} | {m_all['brier']:.4f} |",
        f"| application fields only (bureau imputed) | {m_app['auc']:.3f} | {m_app['ks']:.3f} | "
        f"{m_app['brier']:.4f} |",
        "",
        f"Cut-offs derived by `cutoffs_for_targets` (approved band ≤ 15 % bad, declined ≥ 50 %, "
        f"both scorings): {derived.approve_below:.2f} / {derived.decline_at:.2f}; shipped "
        f"defaults: {shipped.approve_below:.2f} / {shipped.decline_at:.2f}.",
        "",
        f"- German held-out, all features: {bands(pd_all)}",
        f"- German held-out, bureau imputed: {bands(pd_app)}",
        "",
        f"Dev applicants ({len(cases)}, gold fields): median PD {np.median(dev_pd):.2f}; PSI of "
        f"the PD against the German held-out PDs (bureau imputed): {psi(pd_app, dev_pd):.2f}.",
        "",
        "| model input | PSI | not scored |",
        "|---|---:|---:|",
        *[
            f"| {d.feature} | {'-' if d.psi is None else f'{d.psi:.2f}'} | "
            f"{sum(d.unscored.values())} |"
            for d in drift
        ],
        "",
        f"Gold-decision mix on dev: approve {mix['approve']}, manual review "
        f"{mix['manual_review']}, decline {mix['decline']}.",
    ]
    body = "\n".join(lines)
    console.print(body)
    write_section(
        "risk_measured",
        "Credit risk: the shipped configuration, measured",
        ".venv/bin/python -m bench.risk",
        body,
    )


if __name__ == "__main__":
    main()
