"""Fault injection against `autoglm-ops serve`: kill -9 during a write burst (SQLite), and
PostgreSQL restarted under load.

Run: .venv/bin/python -m bench.faults [--trials 50] [--pg-restarts 2]

(a) kill -9: concurrent POST /v1/extract, SIGKILL at a random moment, restart on the same
    data dir; every request answered 2xx must be stored, with the fields it was answered with.
(b) PostgreSQL restart (root, `pg_ctlcluster`): open-loop load while the cluster restarts;
    requests succeed or fail cleanly (503 JSON, never a 500 or a hang), nothing is
    half-written, and the service recovers without its own restart.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from autoglm_ops.store.repo import Store
from bench.common import write_section
from bench.loadgen import Served, load_texts, new_data_dir, start_server, stop_server

console = Console()
TASK = "income_parsing"
PG_URL = os.environ.get(
    "AUTOGLM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/autoglm_test"
)


# --- what is stored --------------------------------------------------------------------------


def stored_fields(url: str, ids: list[str]) -> dict[str, Any]:
    """request_id -> stored fields, for those of ``ids`` that are stored."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found: dict[str, Any] = {}
            query = text("SELECT request_id, fields FROM requests WHERE request_id IN :ids")
            query = query.bindparams(bindparam("ids", expanding=True))
            for i in range(0, len(ids), 500):
                rows = conn.execute(query, {"ids": ids[i : i + 500]})
                found.update({r[0]: _json(r[1]) for r in rows})
            return found
    finally:
        engine.dispose()


def _json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


def incomplete_rows(url: str, field_names: set[str]) -> tuple[int, int]:
    """(rows, rows with a missing part): every stored request must be whole."""
    engine = create_engine(url)
    bad = 0
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT request_id, task, model, text, text_chars, fields, review_reasons "
                    "FROM requests"
                )
            ).all()
    finally:
        engine.dispose()
    for rid, task, model, body, chars, fields, reasons in rows:
        fields, reasons = _json(fields), _json(reasons)
        whole = (
            bool(rid and task and model and body)
            and chars == len(body)
            and isinstance(fields, dict)
            and set(fields) == field_names
            and all(isinstance(f, dict) and "value" in f for f in fields.values())
            and isinstance(reasons, list)
        )
        bad += not whole
    return len(rows), bad


def task_field_names() -> set[str]:
    from autoglm_ops.tasks.registry import TaskRegistry

    return {f.name for f in TaskRegistry.load().get(TASK).fields}


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'var' / 'autoglm.db'}"


# --- (a) kill -9 during a write burst --------------------------------------------------------


@dataclass
class KillTrial:
    """One kill -9: what was answered, what was stored after the restart."""

    kill_after_s: float
    acknowledged: int
    in_flight: int  # requests sent and unanswered when the process died
    lost: list[str]  # acknowledged but not stored: must stay empty
    mismatched: list[str]  # stored with other fields than answered: must stay empty
    committed_unanswered: int  # stored, but the answer died with the process (allowed)
    restart_s: float


async def burst_until_kill(
    served: Served,
    key: str,
    texts: list[str],
    rng: random.Random,
    concurrency: int = 16,
    max_delay_s: float = 1.0,
) -> tuple[dict[str, Any], int, float]:
    """Concurrent extractions until a SIGKILL at a random moment after the first answer;
    returns (request_id -> answered fields, requests in flight at the kill, kill delay)."""
    acked: dict[str, Any] = {}
    in_flight = 0
    first = asyncio.Event()
    headers = {"Authorization": f"Bearer {key}"}

    async def worker(client: httpx.AsyncClient, w: int) -> None:
        nonlocal in_flight
        i = w
        while True:
            body = {"text": texts[i % len(texts)], "task": TASK}
            try:
                r = await client.post("/v1/extract", json=body, headers=headers)
            except httpx.ConnectError:
                return  # the process is gone: this one was never sent
            except httpx.HTTPError:
                in_flight += 1  # sent, answer lost with the process
                return
            if r.status_code == 200:
                answer = r.json()
                acked[answer["request_id"]] = answer["fields"]
                first.set()
            i += concurrency

    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=served.url, timeout=30, limits=limits) as client:
        tasks = [asyncio.create_task(worker(client, w)) for w in range(concurrency)]
        await asyncio.wait_for(first.wait(), 60)
        delay = rng.uniform(0.0, max_delay_s)
        await asyncio.sleep(delay)
        os.kill(served.proc.pid, signal.SIGKILL)
        served.proc.wait()
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
    return acked, in_flight, delay


def kill9_trials(
    trials: int, seed: int = 1, progress: Progress | None = None
) -> tuple[list[KillTrial], str, tuple[int, int]]:
    """Run ``trials`` kill -9 trials on one SQLite data dir, each restart serving the next;
    returns the trials, SQLite's integrity check and (rows, incomplete rows) at the end."""
    rng = random.Random(seed)
    texts = load_texts()
    data_dir, key = new_data_dir("faults-kill9-")
    url = sqlite_url(data_dir)
    results: list[KillTrial] = []
    bar = progress.add_task("kill -9 trials", total=trials) if progress else None
    served = start_server(data_dir)
    try:
        for _ in range(trials):
            before = _count(url)
            acked, in_flight, delay = asyncio.run(burst_until_kill(served, key, texts, rng))
            t0 = time.monotonic()
            served = start_server(data_dir)  # WAL recovery happens on this open
            restart_s = time.monotonic() - t0
            stored = stored_fields(url, list(acked))
            lost = [rid for rid in acked if rid not in stored]
            mismatched = [rid for rid in stored if stored[rid] != acked[rid]]
            results.append(
                KillTrial(
                    kill_after_s=delay,
                    acknowledged=len(acked),
                    in_flight=in_flight,
                    lost=lost,
                    mismatched=mismatched,
                    committed_unanswered=_count(url) - before - len(stored),
                    restart_s=restart_s,
                )
            )
            if progress is not None and bar is not None:
                progress.advance(bar)
    finally:
        stop_server(served)
    try:
        return results, sqlite_integrity(url), incomplete_rows(url, task_field_names())
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM requests")).scalar() or 0)
    finally:
        engine.dispose()


def sqlite_integrity(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA integrity_check").scalar())
    finally:
        engine.dispose()


# --- (b) PostgreSQL restarted under load -----------------------------------------------------


def pg_controllable() -> str | None:
    """None when this process may restart the local PostgreSQL cluster, else why not."""
    if os.geteuid() != 0:
        return "not root"
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        return "pg_ctlcluster / /etc/postgresql not found"
    if not pg_ready():
        return "PostgreSQL is not answering on 127.0.0.1:5432"
    return None


def pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


def pg_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False
        ).returncode
        == 0
    )


def pg_restart() -> float:
    """Restart the cluster (fast shutdown) and wait until it accepts connections; seconds."""
    t0 = time.monotonic()
    cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), "main"]
    # pg_ctlcluster's default shutdown mode is "fast": clients are disconnected at once
    subprocess.run([*cmd, "restart"], check=False, capture_output=True)
    ensure_pg_up()
    return time.monotonic() - t0


def ensure_pg_up(timeout: float = 60.0) -> None:
    """Wait for PostgreSQL; start it if a restart left it down."""
    began = time.monotonic()
    started = False
    while time.monotonic() - began < timeout:
        if pg_ready():
            return
        if not started and time.monotonic() - began > 5:
            cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), "main", "start"]
            subprocess.run(cmd, check=False, capture_output=True)
            started = True
        time.sleep(0.2)
    raise RuntimeError("PostgreSQL did not come back within a minute")


@contextmanager
def fresh_pg_schema(base_url: str = PG_URL) -> Iterator[str]:
    """A URL whose connections see only a new schema (search_path); dropped afterwards."""
    schema = f"faults_{uuid.uuid4().hex[:12]}"
    # no pool: a pooled connection would not survive the restart this schema is made for
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        ensure_pg_up()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            admin.dispose()


@dataclass
class Answer:
    sent: float  # seconds since the load started
    latency: float
    status: int  # 0: no answer within the client timeout / connection failed
    code: str | None = None  # error code of a JSON error body; "not-json" otherwise
    request_id: str | None = None


@dataclass
class PgRun:
    """One PostgreSQL restart under load."""

    answers: list[Answer]
    restart_at: float
    restart_s: float
    ready: list[tuple[float, int]]  # (t, /readyz status)
    lost: list[str] = field(default_factory=list)
    rows: int = 0
    incomplete: int = 0

    def count(self, pred: Any) -> int:
        return sum(1 for a in self.answers if pred(a))

    @property
    def ok(self) -> int:
        return self.count(lambda a: a.status == 200)

    @property
    def clean_503(self) -> int:
        return self.count(lambda a: a.status == 503 and a.code in _CLEAN_CODES)

    @property
    def bad(self) -> list[Answer]:
        """Anything but a 2xx or a 503 with a JSON error body: a 500, a hang, a reset."""
        return [
            a
            for a in self.answers
            if not (a.status == 200 or (a.status == 503 and a.code in _CLEAN_CODES))
        ]

    @property
    def first_ok_after_s(self) -> float:
        """From the restart's end to the first request sent after it that succeeded."""
        end = self.restart_at + self.restart_s
        after = [a.sent for a in self.answers if a.sent >= end and a.status == 200]
        return (min(after) - end) if after else float("inf")


_CLEAN_CODES = {"store_unavailable", "overloaded"}


async def _pg_load(
    served: Served,
    key: str,
    texts: list[str],
    rate: float,
    pre_s: float,
    post_s: float,
    timeout: float,
) -> PgRun:
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    answers: list[Answer] = []
    ready: list[tuple[float, int]] = []
    headers = {"Authorization": f"Bearer {key}"}
    rng = random.Random(3)
    restart: dict[str, float] = {}

    async with httpx.AsyncClient(base_url=served.url, timeout=timeout) as client:

        async def one(i: int) -> None:
            sent = loop.time() - t0
            body = {"text": texts[i % len(texts)], "task": TASK}
            try:
                r = await client.post("/v1/extract", json=body, headers=headers)
            except httpx.HTTPError:
                answers.append(Answer(sent, loop.time() - t0 - sent, 0))
                return
            latency = loop.time() - t0 - sent
            try:
                payload = r.json()
            except ValueError:
                answers.append(Answer(sent, latency, r.status_code, "not-json"))
                return
            if r.status_code == 200:
                answers.append(Answer(sent, latency, 200, None, payload["request_id"]))
            else:
                code = (payload.get("error") or {}).get("code", "not-json")
                answers.append(Answer(sent, latency, r.status_code, code))

        async def probe() -> None:
            while "end" not in restart or loop.time() - t0 < restart["end"] + post_s:
                try:
                    status = (await client.get("/readyz")).status_code
                except httpx.HTTPError:
                    status = 0
                ready.append((loop.time() - t0, status))
                await asyncio.sleep(0.1)

        async def restarter() -> None:
            await asyncio.sleep(pre_s)
            restart["at"] = loop.time() - t0
            restart["took"] = await asyncio.to_thread(pg_restart)
            restart["end"] = loop.time() - t0

        tasks: set[asyncio.Task[None]] = set()
        side = [asyncio.create_task(restarter()), asyncio.create_task(probe())]
        due = loop.time()
        i = 0
        while "end" not in restart or loop.time() - t0 < restart["end"] + post_s:
            due += rng.expovariate(rate)
            await asyncio.sleep(max(0.0, due - loop.time()))
            task = asyncio.create_task(one(i))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
        await asyncio.gather(*side)
        if tasks:
            await asyncio.wait(tasks, timeout=timeout + 5)
    return PgRun(answers, restart["at"], restart["took"], ready)


def pg_restart_run(
    base_url: str = PG_URL,
    rate: float = 30.0,
    pre_s: float = 3.0,
    post_s: float = 8.0,
    timeout: float = 10.0,
) -> PgRun:
    """Serve on a fresh PostgreSQL schema, restart the cluster under load, verify the rows."""
    texts = load_texts()
    with fresh_pg_schema(base_url) as url:
        store = Store.open(url)
        try:
            key = store.create_key(["extract"], name="faults").secret
        finally:
            store.close()
        data_dir, _ = new_data_dir("faults-pg-")
        served = start_server(data_dir, env={"AUTOGLM_DATABASE_URL": url})
        try:
            run = asyncio.run(_pg_load(served, key, texts, rate, pre_s, post_s, timeout))
            # still serving after the load: the service recovered without a restart
            alive = httpx.get(f"{served.url}/readyz", timeout=5).status_code
        finally:
            stop_server(served)
            shutil.rmtree(data_dir, ignore_errors=True)
        if alive != 200:
            run.ready.append((float("inf"), alive))
        ok_ids = [a.request_id for a in run.answers if a.status == 200 and a.request_id]
        stored = stored_fields(url, ok_ids)
        run.lost = [rid for rid in ok_ids if rid not in stored]
        run.rows, run.incomplete = incomplete_rows(url, task_field_names())
    return run


# --- the bench -------------------------------------------------------------------------------


def _kill_table(trials: list[KillTrial]) -> str:
    acked = sum(t.acknowledged for t in trials)
    lost = sum(len(t.lost) for t in trials)
    mism = sum(len(t.mismatched) for t in trials)
    in_flight = sum(t.in_flight for t in trials)
    unanswered = sum(t.committed_unanswered for t in trials)
    per = [t.acknowledged for t in trials]
    restart = [t.restart_s for t in trials]
    head = [
        "trials",
        "acknowledged (2xx)",
        "lost",
        "stored with other fields",
        "in flight at the kill",
        "committed, answer lost",
        "acknowledged per trial (min / median / max)",
        "restart to /healthz s (median)",
    ]
    row = [
        str(len(trials)),
        str(acked),
        f"**{lost}**",
        str(mism),
        str(in_flight),
        str(unanswered),
        f"{min(per)} / {np.median(per):.0f} / {max(per)}",
        f"{np.median(restart):.1f}",
    ]
    return "\n".join(
        ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), "| " + " | ".join(row) + " |"]
    )


def _pg_table(runs: list[PgRun]) -> str:
    lines = [
        "| run | requests | 2xx | 503 JSON | other (500, hang, reset) | restart s | "
        "/readyz 503 during | first 2xx after restart s | 2xx ids lost | rows | incomplete rows |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, r in enumerate(runs, 1):
        not_ready = sum(1 for _, st in r.ready if st != 200)
        lines.append(
            f"| {n} | {len(r.answers)} | {r.ok} | {r.clean_503} | **{len(r.bad)}** | "
            f"{r.restart_s:.1f} | {not_ready} probes | {r.first_ok_after_s:.2f} | "
            f"**{len(r.lost)}** | {r.rows} | **{r.incomplete}** |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--pg-restarts", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.monotonic()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as progress:
        trials, integrity, (rows, incomplete) = kill9_trials(args.trials, args.seed, progress)
    kill_s = time.monotonic() - t0
    runs: list[PgRun] = []
    why_not = pg_controllable()
    if why_not is None:
        for n in range(args.pg_restarts):
            console.print(f"PostgreSQL restart under load {n + 1}/{args.pg_restarts}")
            runs.append(pg_restart_run())
    else:
        console.print(f"[yellow]PostgreSQL restart skipped: {why_not}[/]")
    summary = Table(title="kill -9 during a write burst", title_justify="left")
    for col in ("trials", "acknowledged", "lost", "mismatched", "in flight"):
        summary.add_column(col, justify="right")
    summary.add_row(
        str(len(trials)),
        str(sum(t.acknowledged for t in trials)),
        str(sum(len(t.lost) for t in trials)),
        str(sum(len(t.mismatched) for t in trials)),
        str(sum(t.in_flight for t in trials)),
    )
    console.print(summary)
    pg_part = (
        f"""
### (b) PostgreSQL restarted under load

Open-loop load (Poisson, 30 req/s, below saturation) on a fresh schema of the real
PostgreSQL server; after 3 s `pg_ctlcluster --skip-systemctl-redirect <v> main restart`
(fast shutdown: clients are disconnected at once) runs, and the load goes on 8 s past
its end. `/readyz` is probed every 100 ms. The server process is never restarted
(pool_pre_ping replaces the dead connections).

{_pg_table(runs)}

Non-2xx answers by code: {_codes(runs)}.
"""
        if runs
        else f"\n### (b) PostgreSQL restarted under load\n\nSkipped: {why_not}.\n"
    )
    body = f"""
### (a) kill -9 during a write burst (SQLite, WAL, synchronous=FULL)

Each trial: 16 concurrent clients POST `/v1/extract` in a loop; at a random moment (0-1 s
after the first answer) the server gets SIGKILL; it is restarted on the same data dir and
every request id answered 2xx is looked up, with the fields it was answered with. The
restarted server serves the next trial. {len(trials)} trials in {kill_s:.0f} s.

{_kill_table(trials)}

After the last trial: `PRAGMA integrity_check` says `{integrity}`; {rows} stored rows,
{incomplete} with a missing part. *Committed, answer lost*: rows whose transaction committed
while the process died before the answer went out; the client saw an error and may retry
(with a new request id).
{pg_part}
### (c) read-only database and full disk

Covered by `tests/api/rest/test_store_unavailable.py`: `/readyz` 503 and extractions
`503 store_unavailable` with the reason, for a read-only SQLite file, a file made immutable
while serving, a full tmpfs and a read-only PostgreSQL session, with recovery without a
restart.
"""
    path = write_section(
        "faults",
        "Faults: kill -9, PostgreSQL restart, unwritable database",
        f".venv/bin/python -m bench.faults --trials {args.trials} --pg-restarts {args.pg_restarts}",
        body,
    )
    console.print(body)
    console.print(f"written to {path}")


def _codes(runs: list[PgRun]) -> str:
    counts: dict[str, int] = {}
    for r in runs:
        for a in r.answers:
            if a.status != 200:
                k = f"{a.status} {a.code or ''}".strip()
                counts[k] = counts.get(k, 0) + 1
    return ", ".join(f"`{k}` x {v}" for k, v in sorted(counts.items())) or "none"


if __name__ == "__main__":
    main()
