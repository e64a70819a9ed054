"""Memory of one `autoglm-ops serve` replica (the numbers behind the Kubernetes requests and
limits in deploy/k8s): RSS after start, and peak RSS under a burst of REST and gRPC-free load,
for each built-in backend.

Run: .venv/bin/python -m bench.memory [--requests 2000]
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from rich.console import Console

from bench.common import write_section
from bench.loadgen import load_texts, new_data_dir, serving

console = Console()


def rss_mib(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MiB, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def measure(backend: str, n: int) -> dict[str, float]:
    data_dir, key = new_data_dir()
    texts = load_texts()
    with serving(data_dir, env={"AUTOGLM_BACKEND": backend}) as served:
        idle, _ = rss_mib(served.proc.pid)
        headers = {"Authorization": f"Bearer {key}"}

        def one(i: int) -> int:
            body = {"text": texts[i % len(texts)], "task": "income_parsing"}
            return httpx.post(
                f"{served.url}/v1/extract", json=body, headers=headers, timeout=30
            ).status_code

        with ThreadPoolExecutor(16) as pool:
            codes = list(pool.map(one, range(n)))
        # applications load the policy and the risk model too
        app_body = {"text": texts[0], "form": {"age": 30}}
        httpx.post(f"{served.url}/v1/applications", json=app_body, headers=headers, timeout=30)
        current, peak = rss_mib(served.proc.pid)
    return {"idle": idle, "after": current, "peak": peak, "ok": sum(c == 200 for c in codes) / n}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    args = ap.parse_args()
    rows = {b: measure(b, args.requests) for b in ("rules", "local")}
    lines = [
        "| backend | RSS after start (MiB) | RSS after load (MiB) | peak RSS (MiB) | 2xx |",
        "|---|---|---|---|---|",
    ]
    for b, r in rows.items():
        lines.append(
            f"| {b} | {r['idle']:.0f} | {r['after']:.0f} | {r['peak']:.0f} | {r['ok']:.1%} |"
        )
    peak = max(r["peak"] for r in rows.values())
    lines.append(
        f"\nPeak over both backends: {peak:.0f} MiB. deploy/k8s/deployment.yaml requests 256Mi "
        f"({256 / peak:.1f}x the peak: room for the connection pools, gRPC buffers and a larger "
        f"task set) and limits 512Mi ({512 / peak:.1f}x), so a leak is OOM-killed before it "
        "starves the node. The batch CronJob keeps 512Mi/1Gi for its larger files."
    )
    console.print(json.dumps(rows, indent=1))
    write_section(
        "memory",
        "Memory of one replica (behind the Kubernetes requests/limits)",
        f".venv/bin/python -m bench.memory --requests {args.requests}",
        "\n".join(lines),
    )


if __name__ == "__main__":
    main()
