"""The load generator's parts: `autoglm-ops serve` as a subprocess on a fresh data dir, and
clients that cost little CPU per request (a raw HTTP/1.1 one, httpx, grpc.aio), each a
``Send``: request number -> status. Used by bench.load and bench.faults.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from autoglm_ops.store.repo import Store
from bench.common import REPO, free_port, python, wait_http

TEST = REPO / "data" / "income_parsing" / "test.jsonl"
TIMEOUT_S = 5.0
Send = Callable[[int], Awaitable[int]]  # request number -> HTTP status (0: no answer)


# --- the server under test -------------------------------------------------------------------


@dataclass
class Served:
    """A running `autoglm-ops serve` process and how to reach it."""

    proc: subprocess.Popen[bytes]
    url: str
    grpc_target: str | None
    database: Path


def new_data_dir(prefix: str = "bench-") -> tuple[Path, str]:
    """A fresh data dir with an SQLite store and an extract key; (dir, key secret)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    store = Store.open(f"sqlite:///{tmp / 'var' / 'autoglm.db'}")
    try:
        key = store.create_key(["extract"], name="bench").secret
    finally:
        store.close()
    return tmp, key


def start_server(
    data_dir: Path, *, grpc: bool = False, env: dict[str, str] | None = None
) -> Served:
    """Start `autoglm-ops serve` on free loopback ports; returns once /healthz answers."""
    port = free_port()
    grpc_port = free_port() if grpc else 0
    exe = str(Path(python()).parent / "autoglm-ops")
    full_env = {
        **os.environ,
        "AUTOGLM_DATA_DIR": str(data_dir / "var"),
        "AUTOGLM_RATE_LIMIT_PER_MINUTE": "0",  # per-key limits would hide the server's own
        **(env or {}),
    }
    proc = subprocess.Popen(
        [exe, "serve", "--host", "127.0.0.1", "--port", str(port), "--grpc-port", str(grpc_port)],
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/healthz", timeout=60)
    except RuntimeError:
        proc.kill()
        raise
    target = f"127.0.0.1:{grpc_port}" if grpc else None
    return Served(proc, url, target, data_dir / "var" / "autoglm.db")


def stop_server(served: Served) -> None:
    served.proc.terminate()
    try:
        served.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        served.proc.kill()
        served.proc.wait()


@contextmanager
def serving(data_dir: Path, **kw: Any) -> Iterator[Served]:
    served = start_server(data_dir, **kw)
    try:
        yield served
    finally:
        stop_server(served)


def load_texts() -> list[str]:
    return [json.loads(line)["text"] for line in TEST.read_text("utf-8").splitlines() if line]


def raise_fd_limit() -> None:
    """Thousands of open connections at 2x overload without shedding need the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# --- clients ---------------------------------------------------------------------------------


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client: pre-built requests written to pooled loopback
    connections, status and Content-Length-framed body read back. httpx costs about as much
    CPU per request as the server under test, so on a small shared machine the generator,
    not the server, would saturate first (measured: httpx against a do-nothing ASGI app
    topped out near 200 req/s on 2 busy cores); this costs a small fraction of that."""

    def __init__(self, url: str) -> None:
        parsed = httpx.URL(url)
        self.host, self.port = parsed.host, parsed.port or 80
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(self, raw: bytes) -> int:
        """Send one pre-built request; its status, or 0 on no answer within the timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT_S
        conn = self._idle.pop() if self._idle else None
        for _ in range(2):
            fresh = conn is None
            try:
                if conn is None:
                    conn = await asyncio.wait_for(
                        asyncio.open_connection(self.host, self.port), deadline - loop.time()
                    )
                status, keep = await asyncio.wait_for(
                    self._exchange(conn, raw), deadline - loop.time()
                )
            except ConnectionError:
                if conn is not None:
                    conn[1].close()
                conn = None
                if fresh:
                    return 0
                # a kept-alive connection the server closed meanwhile (uvicorn closes idle
                # ones after 5 s): once more on a new one, as HTTP clients do
                continue
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
                if conn is not None:
                    conn[1].close()
                return 0
            if keep:
                self._idle.append(conn)
            else:
                conn[1].close()
            return status
        return 0

    @staticmethod
    async def _exchange(
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], raw: bytes
    ) -> tuple[int, bool]:
        reader, writer = conn
        writer.write(raw)
        line = await reader.readline()
        if not line:
            raise ConnectionResetError("closed before an answer")
        status = int(line.split(b" ", 2)[1])
        length, keep, chunked = 0, True, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                keep = False
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if not chunked:
            await reader.readexactly(length)
            return status, keep
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()  # the CRLF after the last chunk (no trailers are sent)
        return status, keep

    def close(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


def rest_sender(
    url: str, key: str, texts: list[str], client: str = "raw"
) -> tuple[Send, Callable[[], Awaitable[None]]]:
    """POST /v1/extract of the ``i``-th text (round robin) with ``client`` (raw | httpx);
    the sender and the coroutine function that closes its connections."""
    bodies = [
        json.dumps({"text": t, "task": "income_parsing"}, ensure_ascii=False).encode()
        for t in texts
    ]
    if client == "httpx":
        http = httpx.AsyncClient(
            base_url=url,
            timeout=TIMEOUT_S,
            # no client-side queueing: every request gets a connection at once
            limits=httpx.Limits(max_connections=8192, max_keepalive_connections=8192),
        )
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

        async def send_httpx(i: int) -> int:
            try:
                r = await http.post("/v1/extract", content=bodies[i % len(bodies)], headers=headers)
            except httpx.HTTPError:
                return 0
            return r.status_code

        return send_httpx, http.aclose
    raw_client = RawHttp(url)
    host = f"{raw_client.host}:{raw_client.port}".encode()
    requests = [
        b"POST /v1/extract HTTP/1.1\r\nHost: "
        + host
        + b"\r\nAuthorization: Bearer "
        + key.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(b)).encode()
        + b"\r\n\r\n"
        + b
        for b in bodies
    ]

    async def send_raw(i: int) -> int:
        return await raw_client.request(requests[i % len(requests)])

    async def close() -> None:
        raw_client.close()

    return send_raw, close


def grpc_sender(
    target: str, key: str, texts: list[str], channels: int = 1
) -> tuple[Send, Callable[[], Any]]:
    """A gRPC Extract sender over ``channels`` channels (round robin), and the coroutine
    function that closes them."""
    import grpc

    from autoglm_ops.api.grpc.gen import prediction_pb2 as pb
    from autoglm_ops.api.grpc.gen import prediction_pb2_grpc as pb_grpc

    # distinct channel arguments: else grpc shares one subchannel (one connection)
    chans = [
        grpc.aio.insecure_channel(target, options=[("autoglm.bench.channel", n)])
        for n in range(channels)
    ]
    stubs = [pb_grpc.PredictionServiceStub(ch) for ch in chans]
    metadata = (("authorization", f"Bearer {key}"),)
    # gRPC status -> the HTTP status of the same error in core.errors' table
    http = {
        grpc.StatusCode.OK: 200,
        grpc.StatusCode.UNAVAILABLE: 503,
        grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
        grpc.StatusCode.DEADLINE_EXCEEDED: 0,
    }

    async def send(i: int) -> int:
        req = pb.ExtractRequest(text=texts[i % len(texts)], task="income_parsing")
        try:
            await stubs[i % channels].Extract(req, metadata=metadata, timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as exc:
            return http.get(exc.code(), 500)
        return 200

    async def close() -> None:
        for ch in chans:
            await ch.close()

    return send, close
