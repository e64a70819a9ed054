"""Load shedding: the admission limit as ASGI middleware, and in the real app over HTTP."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from autoglm_ops.api.rest.app import create_app
from autoglm_ops.api.rest.shedding import SheddingMiddleware
from autoglm_ops.core.settings import Settings
from autoglm_ops.service.platform import Platform
from tests.conftest import LiveServer
from tests.doubles.slow import SlowExtractor
from tests.doubles.slow import slow_platform as make_slow_platform

TEXT = "我月均收入约1.8万元,有公积金缴纳记录"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the middleware uses asyncio futures (as under uvicorn)


class Gate:
    """An inner ASGI app whose requests block until released; counts what reached it. Its
    ``router.routes`` name the paths it serves, as a Starlette app's do."""

    def __init__(self, paths: tuple[str, ...] = ("/v1/extract", "/v1/applications")) -> None:
        self.open = asyncio.Event()
        self.entered = 0
        self.router = SimpleNamespace(routes=[SimpleNamespace(path=p) for p in paths])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.entered += 1
        if scope["path"] != "/healthz":
            await self.open.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def _client(mw: SheddingMiddleware) -> httpx.AsyncClient:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = mw.app  # as Starlette sets it before its middleware runs
        await mw(scope, receive, send)

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


@pytest.mark.anyio
async def test_over_the_limit_gets_a_fast_503_and_probes_never_shed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="autoglm_ops.api.shedding")
    gate = Gate()
    mw = SheddingMiddleware(gate, max_inflight=2)
    async with _client(mw) as c:
        held = [asyncio.create_task(c.post("/v1/extract", content=b"{}")) for _ in range(2)]
        await _settle()
        assert gate.entered == 2 and mw.gate.inflight == 2
        t0 = time.perf_counter()
        r = await c.post("/v1/extract", content=b"{}")
        assert time.perf_counter() - t0 < 0.5
        assert r.status_code == 503
        assert r.headers["retry-after"] == "1"
        assert r.json()["error"]["code"] == "overloaded"
        assert (await c.post("/v1/applications", content=b"{}")).status_code == 503
        assert gate.entered == 2 and mw.gate.shed == 2  # the refused ones never reached the app
        # one summary line per interval, not one per refusal
        lines = [r for r in caplog.records if r.getMessage() == "shedding load"]
        assert len(lines) == 1 and lines[0].shed == 1  # type: ignore[attr-defined]
        assert (await c.get("/healthz")).status_code == 200  # not a shed route
        gate.open.set()
        assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200]
        assert mw.gate.inflight == 0
        assert (await c.post("/v1/extract", content=b"{}")).status_code == 200


@pytest.mark.anyio
async def test_a_path_the_app_does_not_route_is_not_shed() -> None:
    gate = Gate(paths=("/v1/extract",))
    mw = SheddingMiddleware(gate, max_inflight=1)
    gate.open.set()
    async with _client(mw) as c:
        mw.gate.inflight = 1  # full
        assert (await c.post("/v1/extract")).status_code == 503
        assert (await c.post("/v1/applications")).status_code == 200  # the app's own answer


@pytest.mark.anyio
async def test_zero_disables_the_limit() -> None:
    gate = Gate()
    mw = SheddingMiddleware(gate, max_inflight=0)
    async with _client(mw) as c:
        held = [asyncio.create_task(c.post("/v1/extract")) for _ in range(50)]
        await _settle()
        assert gate.entered == 50
        gate.open.set()
        assert {r.status_code for r in await asyncio.gather(*held)} == {200}


@pytest.mark.anyio
async def test_queue_budget_hands_a_freed_slot_to_the_waiter() -> None:
    gate = Gate()
    mw = SheddingMiddleware(gate, max_inflight=1, max_queue_ms=2000)
    async with _client(mw) as c:
        first = asyncio.create_task(c.post("/v1/extract"))
        await _settle()
        second = asyncio.create_task(c.post("/v1/extract"))
        await _settle()
        assert gate.entered == 1 and len(mw.gate._waiters) == 1
        gate.open.set()
        assert (await first).status_code == 200
        assert (await second).status_code == 200
        assert mw.gate.inflight == 0 and mw.gate.shed == 0


@pytest.mark.anyio
async def test_queue_budget_runs_out_then_free_slots_admit_at_once() -> None:
    gate = Gate()
    mw = SheddingMiddleware(gate, max_inflight=1, max_queue_ms=50)
    async with _client(mw) as c:
        first = asyncio.create_task(c.post("/v1/extract"))
        await _settle()
        t0 = time.perf_counter()
        r = await c.post("/v1/extract")
        waited = time.perf_counter() - t0
        assert r.status_code == 503 and 0.04 <= waited < 1.0
        assert not mw.gate._waiters  # a timed-out waiter leaves the queue
        gate.open.set()
        assert (await first).status_code == 200
        # nothing in flight: the next request is admitted without waiting for the budget
        t0 = time.perf_counter()
        assert (await c.post("/v1/extract")).status_code == 200
        assert time.perf_counter() - t0 < 0.04


@pytest.fixture
def slow_platform(settings: Settings) -> Iterator[tuple[Platform, SlowExtractor]]:
    with make_slow_platform(settings) as pair:
        yield pair


def test_the_app_sheds_with_503_json_and_counts_it(
    slow_platform: tuple[Platform, SlowExtractor],
) -> None:
    platform, slow = slow_platform
    key = platform.store.create_key(["extract"]).secret
    headers = {"Authorization": f"Bearer {key}"}
    body = {"text": TEXT, "task": "income_parsing"}
    with LiveServer(create_app(platform=platform)) as srv:
        results: list[int] = []

        def call() -> None:
            with httpx.Client(base_url=srv.url, timeout=15) as c:
                results.append(c.post("/v1/extract", json=body, headers=headers).status_code)

        held = [threading.Thread(target=call) for _ in range(2)]
        for t in held:
            t.start()
        for _ in held:
            assert slow.started.acquire(timeout=10)
        with httpx.Client(base_url=srv.url, timeout=5) as c:
            t0 = time.perf_counter()
            r = c.post("/v1/extract", json=body, headers=headers)
            assert time.perf_counter() - t0 < 1.0
            assert r.status_code == 503 and r.headers["retry-after"] == "1"
            assert r.json()["error"]["code"] == "overloaded"
            assert TEXT not in r.text
            for path in ("/healthz", "/readyz", "/metrics"):
                assert c.get(path).status_code == 200, path
            slow.release.set()
            for t in held:
                t.join(10)
            assert results == [200, 200]
            assert c.post("/v1/extract", json=body, headers=headers).status_code == 200
            metrics = c.get("/metrics").text
        # the refusal is labelled with its route, not "unmatched"
        assert (
            'autoglm_http_requests_total{method="POST",route="/v1/extract",status="503"} 1.0'
            in metrics
        )


def test_the_real_app_sheds_included_router_routes_too(
    slow_platform: tuple[Platform, SlowExtractor],
) -> None:
    """POST /v1/applications sits in an included router, which FastAPI keeps out of
    ``app.router.routes``: it takes a slot and is refused like /v1/extract; reads are not."""
    platform, slow = slow_platform  # at most 2 in flight
    key = platform.store.create_key(["extract"]).secret
    headers = {"Authorization": f"Bearer {key}"}
    calls = [
        ("/v1/extract", {"text": TEXT, "task": "income_parsing"}),
        ("/v1/applications", {"text": TEXT}),
    ]
    with LiveServer(create_app(platform=platform)) as srv:
        results: dict[str, int] = {}

        def call(path: str, body: dict[str, str]) -> None:
            with httpx.Client(base_url=srv.url, timeout=15) as c:
                results[path] = c.post(path, json=body, headers=headers).status_code

        # one of each fills both slots: the application holds one as an extraction does
        held = [threading.Thread(target=call, args=pc) for pc in calls]
        for t in held:
            t.start()
        for _ in held:
            assert slow.started.acquire(timeout=10)
        with httpx.Client(base_url=srv.url, timeout=5, headers=headers) as c:
            for path, body in reversed(calls):  # the included router's route first
                r = c.post(path, json=body)
                assert r.status_code == 503, (path, r.text)
                assert r.headers["retry-after"] == "1", path
                assert r.json()["error"]["code"] == "overloaded", path
            # reads, probes and a method the shed path does not route are the app's own answers
            reads = {
                "/healthz": 200,
                "/v1/tasks": 200,
                "/v1/requests/nope": 404,
                "/v1/applications/nope": 404,
                "/v1/applications": 405,
            }
            for path, status in reads.items():
                assert c.get(path).status_code == status, path
            slow.release.set()
            for t in held:
                t.join(10)
            assert results == {"/v1/extract": 200, "/v1/applications": 201}
            assert c.post("/v1/applications", json={"text": TEXT}).status_code == 201
            metrics = c.get("/metrics").text
        assert (
            'autoglm_http_requests_total{method="POST",route="/v1/applications",status="503"} 1.0'
            in metrics
        )
