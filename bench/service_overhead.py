"""Issue 2 measurements: rules eval on the test split, in-process latency, and /v1/extract
throughput next to a bare FastAPI endpoint calling the same extractor, in the same run.

Run: .venv/bin/python -m bench.service_overhead [--seconds 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress

from autoglm_ops.backends.registry import create_backend
from autoglm_ops.core.settings import Settings
from autoglm_ops.evals.runner import evaluate, load_cases
from autoglm_ops.store.repo import Store
from autoglm_ops.tasks.registry import TaskRegistry
from bench.common import REPO, free_port, python, start, stop, wait_http, write_section

console = Console()
TEST = REPO / "data" / "income_parsing" / "test.jsonl"
LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
wrk.body = '%s'
"""


def in_process(backend_name: str, texts: list[str], repeats: int = 20) -> dict[str, float]:
    task = TaskRegistry.load().get("income_parsing")
    backend = create_backend(backend_name, Settings(backend=backend_name))
    for t in texts[:50]:
        backend.extract(t, task)  # warm-up
    lat = []
    for _ in range(repeats):
        for t in texts:
            t0 = time.perf_counter()
            backend.extract(t, task)
            lat.append((time.perf_counter() - t0) * 1000)
    arr = np.array(lat)
    return {
        "p50": float(np.percentile(arr, 50)),
        "p99": float(np.percentile(arr, 99)),
        "n": float(arr.size),
    }


def _ms(value: str) -> float:
    num = float(re.match(r"[\d.]+", value).group())  # type: ignore[union-attr]
    unit = value[len(re.match(r"[\d.]+", value).group()) :]  # type: ignore[union-attr]
    return num * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, key: str, seconds: int, conns: int) -> dict[str, float]:
    body = json.dumps(
        {"text": "我月均收入约1.8万元,有公积金缴纳记录", "task": "income_parsing"},
        ensure_ascii=False,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % (key, body))
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{conns}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            f.name,
            f"{url}/v1/extract",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": float(non2xx.group(1)) if non2xx else 0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--conns", type=int, default=16)
    ap.add_argument("--backend", default="local")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")

    task = TaskRegistry.load().get("income_parsing")
    cases = load_cases(TEST, "income_parsing")
    settings = Settings(backend=args.backend)
    report = evaluate(
        create_backend(args.backend, settings), task, cases, settings.review_threshold
    )
    lat = in_process(args.backend, [c.text for c in cases])

    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {
        "AUTOGLM_DATA_DIR": str(tmp / "var"),
        "AUTOGLM_BACKEND": args.backend,
        "AUTOGLM_RATE_LIMIT_PER_MINUTE": "0",
        "BENCH_BACKEND": args.backend,
    }
    store = Store.open(f"sqlite:///{tmp / 'var' / 'autoglm.db'}")
    key = store.create_key(["extract"]).secret
    store.close()
    results: dict[str, list[dict[str, float]]] = {"platform": [], "bare": []}
    exe = str(Path(python()).parent / "autoglm-ops")
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("load rounds", total=args.rounds * 2)
        for _ in range(args.rounds):
            for which in ("platform", "bare"):
                port = free_port()
                cmd = (
                    [exe, "serve", "--port", str(port), "--grpc-port", "0"]
                    if which == "platform"
                    else [
                        python(),
                        "-m",
                        "uvicorn",
                        "bench.bare_app:app",
                        "--port",
                        str(port),
                        "--log-level",
                        "warning",
                        "--no-access-log",
                    ]
                )
                proc = start(cmd, env)
                try:
                    wait_http(f"http://127.0.0.1:{port}/docs")
                    run_wrk(f"http://127.0.0.1:{port}", key, 2, args.conns)  # warm-up
                    results[which].append(
                        run_wrk(f"http://127.0.0.1:{port}", key, args.seconds, args.conns)
                    )
                finally:
                    stop(proc)
                progress.advance(bar)

    def med(which: str, k: str) -> float:
        return float(np.median([r[k] for r in results[which]]))

    auto = "-" if report.accuracy_on_auto is None else f"{report.accuracy_on_auto:.3f}"
    per_field = "\n".join(
        f"| {f} | {s.accuracy:.3f} | {s.n} |" for f, s in report.per_field.items()
    )
    body = f"""
### `{args.backend}` on the test split (`autoglm-ops eval data/income_parsing/test.jsonl`)

| metric | value |
|---|---|
| cases | {report.n} |
| field_accuracy | {report.field_accuracy:.3f} |
| exact_match | {report.exact_match:.3f} |
| ece | {report.ece:.3f} |
| review_rate (threshold {report.threshold}) | {report.review_rate:.3f} |
| accuracy_on_auto | {auto} |

| field | accuracy | n |
|---|---|---|
{per_field}

### In-process latency per statement ({int(lat["n"])} calls over the test split)

p50 {lat["p50"]:.3f} ms, p99 {lat["p99"]:.3f} ms.

### `/v1/extract` under local load (wrk, 2 threads, {args.conns} connections, {args.seconds} s, \
median of {args.rounds} alternating rounds, one uvicorn worker each)

| server | req/s | p50 ms | p99 ms | non-2xx |
|---|---|---|---|---|
| platform (`autoglm-ops serve`: auth, validation, SQLite WAL write with synchronous=FULL) | \
{med("platform", "rps"):.0f} | {med("platform", "p50"):.2f} | {med("platform", "p99"):.2f} | \
{med("platform", "errors"):.0f} |
| bare FastAPI endpoint, same extractor, no auth/storage | {med("bare", "rps"):.0f} | \
{med("bare", "p50"):.2f} | {med("bare", "p99"):.2f} | {med("bare", "errors"):.0f} |

Platform / bare throughput ratio: **{med("platform", "rps") / med("bare", "rps"):.2f}** \
(the price of authentication and a durable write per request).
"""
    path = write_section(
        "service_overhead",
        "Extraction service: accuracy, latency, overhead",
        f".venv/bin/python -m bench.service_overhead --backend {args.backend} "
        f"--seconds {args.seconds} --rounds {args.rounds}",
        body,
    )
    console.print(body)
    console.print(f"written to {path}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
