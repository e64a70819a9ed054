"""A real grpc.aio server on a loopback port (its own event loop in a thread), real clients."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import grpc
import pytest

from autoglm_ops.api.grpc.gen import prediction_pb2_grpc as pb_grpc
from autoglm_ops.api.grpc.server import build_server, stop
from autoglm_ops.core.settings import Settings
from autoglm_ops.service.platform import Platform
from tests.conftest import free_port


class LiveGrpc:
    """``build_server`` served by an event loop in a background thread."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: grpc.aio.Server | None = None

    async def _start(self) -> None:
        self.server = build_server(self.platform, self.port, host="127.0.0.1")
        await self.server.start()

    def __enter__(self) -> LiveGrpc:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=15)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            asyncio.run_coroutine_threadsafe(stop(self.server, grace=1.0), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture
def grpc_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_body_bytes": 4096, "max_text_chars": 500})


@pytest.fixture
def platform(grpc_settings: Settings) -> Iterator[Platform]:
    p = Platform.from_settings(grpc_settings)
    yield p
    p.close()


@pytest.fixture
def live(platform: Platform) -> Iterator[LiveGrpc]:
    with LiveGrpc(platform) as srv:
        yield srv


@pytest.fixture
def channel(live: LiveGrpc) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(live.target) as ch:
        grpc.channel_ready_future(ch).result(timeout=10)
        yield ch


@pytest.fixture
def stub(channel: grpc.Channel) -> pb_grpc.PredictionServiceStub:
    return pb_grpc.PredictionServiceStub(channel)


@pytest.fixture
def key(platform: Platform) -> str:
    return platform.store.create_key(["extract"], tenant="bank-a").secret


def auth(key: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {key}"),)
