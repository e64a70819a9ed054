"""`autoglm-ops serve` as a real process: HTTP and gRPC on one platform, clean SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from autoglm_ops.api.grpc.gen import prediction_pb2 as pb
from autoglm_ops.api.grpc.gen import prediction_pb2_grpc as pb_grpc
from autoglm_ops.api.grpc.server import serve_alongside
from autoglm_ops.core.settings import Settings
from autoglm_ops.service.platform import Platform
from tests.conftest import free_port


def _wait_http(url: str, proc: subprocess.Popen[str], deadline: float) -> None:
    while time.monotonic() < deadline:
        assert proc.poll() is None, "serve exited early"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("HTTP did not come up")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_answers_http_and_grpc_then_stops_on_signal(tmp_path: Path, sig: int) -> None:
    http_port, grpc_port = free_port(), free_port()
    env = {**os.environ, "AUTOGLM_DATA_DIR": str(tmp_path / "var"), "AUTOGLM_LOG_LEVEL": "WARNING"}
    exe = Path(sys.executable).parent / "autoglm-ops"
    cmd = [str(exe), "serve", "--port", str(http_port), "--grpc-port", str(grpc_port)]
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        # the bootstrap admin key is printed alone on a line before the servers start
        assert proc.stdout is not None
        key = ""
        head: list[str] = []
        while not key and (line := proc.stdout.readline()):
            head.append(line)
            key = line.strip() if line.startswith("agk_") else ""
        assert key, "".join(head)
        _wait_http(f"http://127.0.0.1:{http_port}/healthz", proc, started + 30)
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as ch:
            grpc.channel_ready_future(ch).result(timeout=10)
            health = health_pb2_grpc.HealthStub(ch)
            resp = health.Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert resp.status == health_pb2.HealthCheckResponse.SERVING
            answer = pb_grpc.PredictionServiceStub(ch).Predict(
                pb.PredictRequest(task="income_parsing", text="月薪八千"),
                metadata=(("authorization", f"Bearer {key}"),),
                timeout=10,
            )
            assert answer.request_id and "income_amount" in answer.fields
        up_s = time.monotonic() - started
        proc.send_signal(sig)
        stopping = time.monotonic()
        rest, _ = proc.communicate(timeout=20)
        down_s = time.monotonic() - stopping
        out = "".join(head) + rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out
    assert f"gRPC PredictionService on 127.0.0.1:{grpc_port}" in out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out
    assert up_s < 30 and down_s < 10, (up_s, down_s)
    print(f"serve: up and answering in {up_s:.2f}s, stopped in {down_s:.2f}s")


class FakeHttp:
    """Stands in for uvicorn.Server: serves until ``should_exit``; installs no handlers."""

    def __init__(self, on_start: Callable[[], None]) -> None:
        self.should_exit = False
        self.on_start = on_start
        self.served = False

    async def serve(self) -> None:
        await asyncio.to_thread(self.on_start)  # a blocking client must not block the loop
        os.kill(os.getpid(), signal.SIGTERM)
        while not self.should_exit:
            await asyncio.sleep(0.01)
        self.served = True


def test_a_signal_before_http_starts_still_stops_both(settings: Settings) -> None:
    """A SIGTERM that arrives before the HTTP server owns the signals is not lost."""
    platform = Platform.from_settings(settings)
    port = free_port()
    before = signal.getsignal(signal.SIGTERM)
    seen: list[int] = []

    def on_start() -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            check = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
            seen.append(check.status)

    http = FakeHttp(on_start)
    try:
        started = time.monotonic()
        asyncio.run(asyncio.wait_for(serve_alongside(platform, port, http), timeout=15))
        took = time.monotonic() - started
    finally:
        platform.close()
    assert http.should_exit and http.served
    assert seen == [health_pb2.HealthCheckResponse.SERVING]
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored
    assert took < 5
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch, pytest.raises(grpc.RpcError) as err:
        health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=1)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE  # the gRPC server is gone
