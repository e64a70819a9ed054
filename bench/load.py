"""Load test with open-loop Poisson arrivals: saturation point, then 2x overload with and
without load shedding, against `autoglm-ops serve` started here on loopback.

Run: .venv/bin/python -m bench.load [--step-seconds 6] [--overload-seconds 10]

Latency is measured from each request's scheduled arrival (no coordinated omission); the
generator's own lag behind its schedule is reported next to it, since client and server share
the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from autoglm_ops.core.settings import Settings
from bench.common import SECTIONS, write_section
from bench.loadgen import (
    TIMEOUT_S,
    Send,
    grpc_sender,
    load_texts,
    new_data_dir,
    raise_fd_limit,
    rest_sender,
    serving,
)

console = Console()
GOOD_S = 0.5  # goodput counts 2xx answered within this budget (the seed's latency alert)

# --- one step of open-loop load --------------------------------------------------------------


@dataclass
class Step:
    """What one rate step measured; latencies in ms."""

    label: str
    target_rate: float
    seconds: float
    offered: float
    throughput: float
    goodput: float
    p50: float
    p95: float
    p99: float
    shed_share: float
    shed_p50: float
    shed_p99: float
    errors: int
    lag_p99: float


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1000.0 if values else float("nan")


def summarize(
    label: str, rate: float, seconds: float, samples: list[tuple[int, float, float]]
) -> Step:
    """Fold (status, latency s, generator lag s) samples into one step's numbers."""
    ok = [lat for st, lat, _ in samples if 200 <= st < 300]
    shed = [lat for st, lat, _ in samples if st in (429, 503)]
    errors = sum(1 for st, _, _ in samples if not (200 <= st < 300 or st in (429, 503)))
    n = max(1, len(samples))
    return Step(
        label=label,
        target_rate=rate,
        seconds=seconds,
        offered=len(samples) / seconds,
        throughput=len(ok) / seconds,
        goodput=sum(1 for lat in ok if lat <= GOOD_S) / seconds,
        p50=_pct(ok, 50),
        p95=_pct(ok, 95),
        p99=_pct(ok, 99),
        shed_share=len(shed) / n,
        shed_p50=_pct(shed, 50),
        shed_p99=_pct(shed, 99),
        errors=errors,
        lag_p99=_pct([lag for _, _, lag in samples], 99),
    )


async def run_step(
    send: Send, rate: float, seconds: float, rng: random.Random, on_tick: Callable[[float], None]
) -> list[tuple[int, float, float]]:
    """Poisson arrivals at ``rate`` for ``seconds``; waits for the answers (each bounded by
    the client timeout) and returns (status, latency from scheduled arrival, lag) each."""
    samples: list[tuple[int, float, float]] = []
    tasks: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()
    start = loop.time()
    due = start
    i = 0

    async def one(n: int, scheduled: float) -> None:
        lag = loop.time() - scheduled
        try:
            status = await send(n)
        except Exception:  # a client bug must show as an error, not as a missing sample
            status = -1
        samples.append((status, loop.time() - scheduled, lag))

    while True:
        due += rng.expovariate(rate)
        if due - start >= seconds:
            break
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        i += 1
        if i % 64 == 0:
            on_tick(loop.time() - start)
    on_tick(seconds)
    if tasks:
        await asyncio.wait(tasks, timeout=TIMEOUT_S + 5)
    return samples


# --- the bench -------------------------------------------------------------------------------


class Runner:
    """Runs steps against one sender with a progress bar and a settle pause between them."""

    def __init__(self, progress: Progress, seed: int) -> None:
        self.progress = progress
        self.rng = random.Random(seed)

    async def step(self, label: str, send: Send, rate: float, seconds: float) -> Step:
        bar = self.progress.add_task(f"{label} {rate:6.0f} req/s", total=seconds)
        samples = await run_step(
            send, rate, seconds, self.rng, lambda t: self.progress.update(bar, completed=t)
        )
        self.progress.remove_task(bar)
        await asyncio.sleep(1.0)  # let the server drain before the next step
        return summarize(label, rate, seconds, samples)


async def sweep(
    runner: Runner, send: Send, args: argparse.Namespace, label: str
) -> tuple[list[Step], Step]:
    """Step the rate up until goodput stops rising; returns the steps and the best one."""
    steps: list[Step] = []
    rate = args.start_rate
    best: Step | None = None
    while len(steps) < args.max_steps:
        s = await runner.step(label, send, rate, args.step_seconds)
        steps.append(s)
        console.print(
            f"  {label}: offered {s.offered:6.0f}/s  goodput {s.goodput:6.0f}/s  "
            f"p99 {s.p99:7.1f} ms  shed {s.shed_share:5.1%}"
        )
        if best is not None and s.goodput < best.goodput * 1.03:
            break
        if best is None or s.goodput > best.goodput:
            best = s
        rate *= args.factor
    assert best is not None
    return steps, best


async def bench(args: argparse.Namespace, texts: list[str]) -> dict[str, Any]:
    """The sweep and 2x overload with shedding as configured (and gRPC at 1x/2x), then 2x
    with the in-flight limit alone and with no limit at all."""
    out: dict[str, Any] = {}
    shed_env = limits_env(args.backend, args.max_inflight, args.max_queue_ms)
    tmp, key = new_data_dir()
    try:
        with _progress() as progress:
            runner = Runner(progress, args.seed)
            with serving(tmp, grpc=args.grpc, env=shed_env) as srv:
                send, close = rest_sender(srv.url, key, texts, args.client)
                try:
                    await runner.step("warm-up", send, args.start_rate, 2)
                    out["sweep"], best = await sweep(runner, send, args, "REST")
                    out["saturation"] = best
                    over = 2 * best.target_rate
                    out["overload"] = [
                        await runner.step("REST 2x, shedding", send, over, args.overload_seconds)
                    ]
                finally:
                    await close()
                if srv.grpc_target:
                    out["grpc"] = await grpc_steps(runner, srv.grpc_target, key, texts, best)
            for label, env in (
                (
                    f"REST 2x, {args.alt_queue_ms:g} ms queue budget",
                    limits_env(args.backend, args.max_inflight, args.alt_queue_ms),
                ),
                ("REST 2x, no limit", limits_env(args.backend, 0, 0)),
            ):
                with serving(tmp, env=env) as srv:
                    send, close = rest_sender(srv.url, key, texts, args.client)
                    try:
                        await runner.step("warm-up", send, args.start_rate, 2)
                        out["overload"].append(
                            await runner.step(label, send, over, args.overload_seconds)
                        )
                    finally:
                        await close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def limits_env(backend: str, max_inflight: int, max_queue_ms: float) -> dict[str, str]:
    return {
        "AUTOGLM_BACKEND": backend,
        "AUTOGLM_MAX_INFLIGHT": str(max_inflight),
        "AUTOGLM_MAX_QUEUE_MS": f"{max_queue_ms:g}",
    }


async def grpc_steps(
    runner: Runner, target: str, key: str, texts: list[str], best: Step
) -> list[Step]:
    """gRPC Extract at the REST saturation rate and at twice it."""
    send, close = grpc_sender(target, key, texts)
    try:
        await runner.step("gRPC warm-up", send, best.target_rate / 4, 2)
        return [
            await runner.step(f"gRPC {m:g}x", send, m * best.target_rate, best.seconds)
            for m in (1.0, 2.0)
        ]
    finally:
        await close()


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def grpc_available() -> bool:
    try:
        from autoglm_ops.api.grpc.gen import prediction_pb2_grpc  # noqa: F401
    except ImportError:
        return False
    return True


# --- report ----------------------------------------------------------------------------------


def _f(x: float, digits: int = 1) -> str:
    return "-" if x != x else f"{x:.{digits}f}"  # NaN: no such responses


def table_rows(steps: list[Step]) -> list[list[str]]:
    return [
        [
            s.label,
            f"{s.offered:.0f}",
            f"{s.throughput:.0f}",
            f"{s.goodput:.0f}",
            _f(s.p50),
            _f(s.p95),
            _f(s.p99),
            f"{s.shed_share:.1%}",
            _f(s.shed_p50),
            _f(s.shed_p99),
            str(s.errors),
            _f(s.lag_p99),
        ]
        for s in steps
    ]


HEADERS = [
    "run",
    "offered req/s",
    "2xx/s",
    "goodput/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "429/503",
    "503 p50 ms",
    "503 p99 ms",
    "errors",
    "client lag p99 ms",
]


def markdown_table(steps: list[Step]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(steps)]
    return "\n".join(lines)


def rich_table(title: str, steps: list[Step]) -> Table:
    t = Table(title=title, title_justify="left")
    for h in HEADERS:
        t.add_column(h, justify="left" if h == "run" else "right")
    for row in table_rows(steps):
        t.add_row(*row)
    return t


def plot(out: dict[str, Any]) -> str | None:
    """Throughput, goodput and p99 against the offered rate; the 2x runs as markers."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    sweep_steps: list[Step] = out["sweep"]
    xs = [s.offered for s in sweep_steps]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.plot(xs, [s.throughput for s in sweep_steps], "o-", label="2xx/s")
    ax.plot(xs, [s.goodput for s in sweep_steps], "s-", label="goodput/s (2xx within 500 ms)")
    for s, marker in zip(out["overload"], "^<v", strict=False):
        ax.plot([s.offered], [s.goodput], marker, markersize=10, label=f"goodput, {s.label[5:]}")
    ax.set_xlabel("offered rate (req/s, Poisson)")
    ax.set_ylabel("req/s")
    ax.grid(alpha=0.3)
    ax2 = ax.twinx()
    ax2.plot(xs, [s.p99 for s in sweep_steps], "x--", color="tab:red", label="p99 of 2xx (ms)")
    for s in out["overload"]:
        ax2.plot([s.offered], [s.p99], "x", color="tab:red", markersize=10)
    ax2.set_yscale("log")
    ax2.set_ylabel("p99 latency of 2xx (ms, log)")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="upper left")
    ax.set_title("POST /v1/extract under open-loop load")
    fig.tight_layout()
    SECTIONS.mkdir(parents=True, exist_ok=True)
    fig.savefig(SECTIONS / "load.png", dpi=110)
    plt.close(fig)
    return "load.png"


def report(out: dict[str, Any], args: argparse.Namespace, elapsed: float) -> str:
    sat: Step = out["saturation"]
    shed, queued, free = out["overload"]
    png = plot(out)
    grpc_part = ""
    if out.get("grpc"):
        g1, g2 = out["grpc"]
        grpc_part = f"""
### gRPC `Extract` next to REST (same server; gRPC at the REST saturation rate and twice it)

{markdown_table([sat, shed, g1, g2])}

The gRPC edge sheds through the same gate (an interceptor answering `UNAVAILABLE`, trailers
`autoglm-error-code: overloaded`, `retry-after: 1`): at 2x, {g2.shed_share:.0%} refused with
p50 {_f(g2.shed_p50)} ms / p99 {_f(g2.shed_p99)} ms (REST: {_f(shed.shed_p50)} /
{_f(shed.shed_p99)} ms), accepted p99 {_f(g2.p99)} ms against {_f(g1.p99)} ms at 1x, goodput
{g2.goodput:.0f} req/s against {g1.goodput:.0f}.

Why gRPC needed more than the interceptor: grpc.aio takes in new calls one at a time, each a
round trip through its completion-queue thread and the event loop, and both need the GIL. Every
extraction thread running Python holds it for up to the switch interval (5 ms), so with the
default executor (cores + 4 threads) calls queued in that intake, before the gate could refuse
them (this bench at commit 35e7e98, before the fix, on a busier machine: gRPC 2x refusals
p50 84 ms / p99 476 ms, accepted p99 699 ms; rerun that commit's `bench.load` for a like-for-like
comparison on one machine). Two changes fixed most of it: (1) the shed methods take their slot
*before* the request message is read (served as stream-unary handlers; a unary call is a stream
of one message on the wire), so a refusal costs grpc.aio one round trip fewer and no decoding, as
REST answers 503 before reading the body; (2) the work runs on the server's own few threads
(`AUTOGLM_GRPC_WORKERS`, default cores + 1), so fewer CPU-bound threads compete with the intake.
The price is gRPC goodput below REST's (the table above), likely because fewer threads leave the
cores idle while requests wait for their group commit. Tried during development and not taken,
each worse or within the noise on this shared machine: grpc.aio's `maximum_concurrent_rpcs` (it
refuses nothing: it stops taking calls in, a queue bounded only by the deadline), a lower
`sys.setswitchinterval`, a loop-lag gate and a lower in-flight limit (16). One process can only
share its one GIL: shed gRPC overload in front of it too (a proxy limit, more replicas).
"""
    return f"""
One `autoglm-ops serve` process (one uvicorn worker, `{args.backend}` backend, SQLite WAL with
`synchronous=FULL`, group commit), driven over loopback by an open-loop generator
(Poisson arrivals; a raw asyncio HTTP/1.1 client, as `httpx.AsyncClient` costs the
generator about as much CPU per request as the server spends, `--client httpx` to compare)
on the same machine. Latency counts from each request's scheduled arrival; *client lag* is
how late the generator was, which bounds what the numbers can tell on a shared machine.
Goodput: 2xx answered within {GOOD_S * 1000:.0f} ms, per second. Shedding: at most
`AUTOGLM_MAX_INFLIGHT={args.max_inflight}` concurrent `/v1/extract`/`/v1/applications`
requests; one more waits up to
`AUTOGLM_MAX_QUEUE_MS={args.max_queue_ms:g}` ms for a slot (the queue-time budget) and is
otherwise answered `503 overloaded` (`Retry-After: 1`) before its body is read. Steps of
{args.step_seconds:g} s, rate x {args.factor:g} per step until goodput stops rising (< 3 %
gain); whole run {elapsed:.0f} s.

### Finding the saturation point

{markdown_table(out["sweep"])}

**Saturation: {sat.goodput:.0f} req/s of goodput at {sat.offered:.0f} req/s offered** (p99 of
2xx {_f(sat.p99)} ms).

### Twice the saturation rate ({2 * sat.target_rate:.0f} req/s offered)

{markdown_table([sat, *out["overload"]])}

- With shedding, the excess ({shed.shed_share:.0%} of requests) is refused fast: 503 p50
  {_f(shed.shed_p50)} ms, p99 {_f(shed.shed_p99)} ms; the accepted ones answer with p99
  {_f(shed.p99)} ms at 2x against {_f(sat.p99)} ms at saturation, goodput
  {shed.goodput:.0f} req/s against {sat.goodput:.0f}.
- Letting the excess wait up to {args.alt_queue_ms:g} ms for a slot
  (`AUTOGLM_MAX_QUEUE_MS={args.alt_queue_ms:g}`): {queued.shed_share:.0%} refused, 503 p99
  {_f(queued.shed_p99)} ms, p99 of 2xx {_f(queued.p99)} ms, goodput {queued.goodput:.0f}
  req/s.
- Without any limit every request queues: p99 of 2xx {_f(free.p99)} ms, goodput
  {free.goodput:.0f} req/s, {free.errors} requests without an answer within {TIMEOUT_S:g} s.
{grpc_part}
{f"![throughput, goodput and p99 against offered rate](bench/{png})" if png else ""}
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--start-rate", type=float, default=50.0)
    ap.add_argument("--factor", type=float, default=1.35)
    ap.add_argument("--max-steps", type=int, default=10)
    ap.add_argument("--step-seconds", type=float, default=6.0)
    ap.add_argument("--overload-seconds", type=float, default=10.0)
    ap.add_argument("--max-inflight", type=int, default=32)
    ap.add_argument("--max-queue-ms", type=float, default=0.0)
    ap.add_argument("--alt-queue-ms", type=float, default=200.0, help="queue budget to compare")
    ap.add_argument("--no-grpc", dest="grpc", action="store_false")
    ap.add_argument("--client", choices=("raw", "httpx"), default="raw")
    ap.add_argument("--backend", default=None, help="extraction backend (default: the default)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    args.grpc = args.grpc and grpc_available()
    args.backend = args.backend or Settings(_env_file=None).backend  # type: ignore[call-arg]
    raise_fd_limit()
    t0 = time.monotonic()
    out = asyncio.run(bench(args, load_texts()))
    elapsed = time.monotonic() - t0
    console.print(rich_table("rate sweep (REST)", out["sweep"]))
    console.print(rich_table("2x saturation", [out["saturation"], *out["overload"]]))
    if out.get("grpc"):
        console.print(rich_table("gRPC", out["grpc"]))
    body = report(out, args, elapsed)
    path = write_section(
        "load",
        "Load: saturation, goodput and load shedding",
        f".venv/bin/python -m bench.load --step-seconds {args.step_seconds:g} "
        f"--overload-seconds {args.overload_seconds:g} --backend {args.backend} "
        f"--max-inflight {args.max_inflight} "
        f"--max-queue-ms {args.max_queue_ms:g}",
        body,
    )
    console.print(f"written to {path}")


if __name__ == "__main__":
    main()
