"""The gRPC edge: ``autoglm_ops.v1.PredictionService`` on grpc.aio, calling the service layer.

Every RPC authenticates the ``authorization: Bearer <key>`` metadata, runs the same service
function as the REST edge in a worker thread (extraction is sync CPU and database work, the
event loop must stay free), and maps errors through the one table in ``core.errors``.

The worker threads are the server's own few (``AUTOGLM_GRPC_WORKERS``, default cores + 1),
not the default executor: every extraction thread that is running Python competes for the
GIL with grpc.aio's completion-queue thread and the event loop, and grpc.aio takes in new
calls one at a time through both. With more CPU-bound threads than cores, calls wait in
that intake, before load shedding can see them (measured in docs/bench/load.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import os
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from autoglm_ops.api.grpc.gen import prediction_pb2 as pb
from autoglm_ops.api.grpc.gen import prediction_pb2_grpc as pb_grpc
from autoglm_ops.api.grpc.shedding import SheddingInterceptor
from autoglm_ops.core.errors import (
    AuthenticationError,
    AutoGLMError,
    ConfigurationError,
    status_for,
)
from autoglm_ops.service import extraction
from autoglm_ops.service.platform import Platform
from autoglm_ops.store.repo import Principal

SERVICE_NAME: str = pb.DESCRIPTOR.services_by_name["PredictionService"].full_name
# How long in-flight RPCs may take to finish once the server is told to stop.
SHUTDOWN_GRACE_S = 5.0

log = logging.getLogger("autoglm_ops.api.grpc")

M = TypeVar("M", bound=Message)
Context = grpc.aio.ServicerContext[Any, Any]


def _bearer_key(context: Context) -> str:
    """The API key of ``authorization: Bearer <key>`` or an AuthenticationError (as REST)."""
    auth: str | bytes = ""
    for name, value in context.invocation_metadata() or ():
        if name == "authorization":
            auth = value
            break
    if isinstance(auth, bytes):  # only "-bin" keys carry bytes; be lenient anyway
        auth = auth.decode("latin-1")
    scheme, _, key = auth.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise AuthenticationError(
            "missing API key; send metadata 'authorization: Bearer <key>' "
            "(create one with `autoglm-ops keys create --scope extract`)"
        )
    return key.strip()


def _to_message(body: dict[str, Any], message: M) -> M:
    # The JSON form of the service's answer is the REST body; parsing it keeps both edges
    # identical. Unknown keys are dropped so that a new stored attribute cannot break old RPCs.
    return json_format.ParseDict(body, message, ignore_unknown_fields=True)


async def _abort(context: Context, exc: AutoGLMError) -> None:
    code = grpc.StatusCode[status_for(exc)[1]]
    trailers: list[tuple[str, str]] = [("autoglm-error-code", exc.code)]
    if "retry_after" in exc.details:
        trailers.append(("retry-after", str(max(1, round(float(exc.details["retry_after"]))))))
    await context.abort(code, exc.public_message, trailing_metadata=tuple(trailers))


class PredictionServicer(pb_grpc.PredictionServiceServicer):
    """``autoglm_ops.v1.PredictionService``: thin adapters over ``service.extraction``."""

    def __init__(self, platform: Platform, workers: int) -> None:
        self._platform = platform
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="autoglm-grpc")

    def close(self) -> None:
        """Stop the worker threads once the work they hold is done (without waiting)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _run(self, context: Context, work: Callable[[Principal], M]) -> M:
        """Authenticate and run ``work`` in a thread; turn every failure into a status."""
        try:
            key = _bearer_key(context)
            # as asyncio.to_thread, on the server's own pool: the span context goes along
            call = functools.partial(contextvars.copy_context().run, self._authorized, key, work)
            return await asyncio.get_running_loop().run_in_executor(self._pool, call)
        except AutoGLMError as exc:
            await _abort(context, exc)
        except Exception as exc:
            # Never send a traceback or customer text; the type name finds the log line.
            log.error("unhandled error", extra={"error_type": type(exc).__name__, "edge": "grpc"})
            await context.abort(grpc.StatusCode.INTERNAL, "internal error; see the server log")
        raise AssertionError("unreachable: context.abort raises")

    def _authorized(self, key: str, work: Callable[[Principal], M]) -> M:
        # the same service call as REST: auth span and store timing included
        return work(extraction.authenticate(self._platform, key))

    def _extract(
        self, principal: Principal, *, text: str, task: str, backend: str | None
    ) -> dict[str, Any]:
        started = time.perf_counter()
        result = extraction.extract(
            self._platform, text=text, task=task, principal=principal, backend=backend
        )
        log.info(
            "extract",
            extra={
                "edge": "grpc",
                "request_id": result.request_id,
                "tenant": principal.tenant,
                "task": result.task,
                "model": result.model,
                "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                "outcome": "review" if result.review.required else "auto",
            },
        )
        return result.model_dump(mode="json")

    async def Predict(self, request: pb.PredictRequest, context: Context) -> pb.PredictResponse:
        """The seed's call: the flat field -> value mapping with model, request id and review."""

        def work(principal: Principal) -> pb.PredictResponse:
            body = self._extract(principal, text=request.text, task=request.task, backend=None)
            flat = {k: body[k] for k in ("model", "request_id", "review")}
            return _to_message({"fields": body["data"], **flat}, pb.PredictResponse())

        return await self._run(context, work)

    async def Extract(self, request: pb.ExtractRequest, context: Context) -> pb.ExtractResponse:
        """The answer of ``POST /v1/extract``: values, confidence, evidence and review."""
        backend = request.backend if request.HasField("backend") else None

        def work(principal: Principal) -> pb.ExtractResponse:
            body = self._extract(principal, text=request.text, task=request.task, backend=backend)
            return _to_message(body, pb.ExtractResponse())

        return await self._run(context, work)

    async def GetRequest(self, request: pb.GetRequestRequest, context: Context) -> pb.StoredRequest:
        """A stored request of the caller's tenant, without the input text."""

        def work(principal: Principal) -> pb.StoredRequest:
            body = extraction.get_stored(
                self._platform, request_id=request.request_id, principal=principal
            )
            return _to_message(body, pb.StoredRequest())

        return await self._run(context, work)


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def build_server(platform: Platform, port: int, host: str | None = None) -> grpc.aio.Server:
    """A grpc.aio server bound to ``host`` (default: settings.host) and ``port``, not started.

    Serves PredictionService, the standard health service (SERVING for "" and the service)
    and, only when ``settings.grpc_reflection``, server reflection. Call it inside the event
    loop that will run the server; stop it with :func:`stop` to report NOT_SERVING first.
    """
    settings = platform.settings
    server = grpc.aio.server(
        # load shedding of Predict/Extract, as the REST edge's (AUTOGLM_MAX_INFLIGHT)
        interceptors=[
            SheddingInterceptor(SERVICE_NAME, settings.max_inflight, settings.max_queue_ms)
        ],
        options=[
            ("grpc.max_receive_message_length", settings.max_body_bytes),
            # Linux lets two servers share a port with SO_REUSEPORT; a clash must fail loudly.
            ("grpc.so_reuseport", 0),
        ],
    )
    servicer = PredictionServicer(platform, settings.grpc_workers or (os.cpu_count() or 1) + 1)
    pb_grpc.add_PredictionServiceServicer_to_server(servicer, server)
    health_servicer = _Health()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    services = [SERVICE_NAME, health.SERVICE_NAME]
    if settings.grpc_reflection:
        from grpc_reflection.v1alpha import reflection

        services.append(reflection.SERVICE_NAME)
        reflection.enable_server_reflection(services, server)
    address = _address(host or settings.host, port)
    try:
        bound = server.add_insecure_port(address)
    except RuntimeError:
        bound = 0
    if bound == 0:
        servicer.close()
        raise ConfigurationError(
            f"cannot listen for gRPC on {address} (port in use?); choose another with "
            "--grpc-port / AUTOGLM_GRPC_PORT, or 0 to disable gRPC"
        )
    _SERVED[server] = (health_servicer, servicer)
    return server


class _Health(health.aio.HealthServicer):
    """The standard health service, SERVING for "" and PredictionService from the start: a
    server is only built once its platform is up (settings, tasks, store, backend)."""

    def __init__(self) -> None:
        super().__init__()
        # no watcher can exist yet, so a plain write is what the async `set` would do
        self._server_status[SERVICE_NAME] = health_pb2.HealthCheckResponse.SERVING


# The servicers of each built server: `stop` reports NOT_SERVING first, then ends the workers.
_SERVED: weakref.WeakKeyDictionary[grpc.aio.Server, tuple[_Health, PredictionServicer]] = (
    weakref.WeakKeyDictionary()
)


async def stop(server: grpc.aio.Server, grace: float = SHUTDOWN_GRACE_S) -> None:
    """Report NOT_SERVING, then let in-flight RPCs finish for up to ``grace`` seconds."""
    served = _SERVED.pop(server, None)
    if served is not None:
        await served[0].enter_graceful_shutdown()
    await server.stop(grace)
    if served is not None:
        served[1].close()


@contextlib.contextmanager
def _quiet_signals(on_signal: Callable[[], object]) -> Iterator[None]:
    """Own SIGINT/SIGTERM while serving. uvicorn installs its handlers during ``serve()``,
    restores the ones it found and then re-raises the signal it caught: with Python's
    defaults that would kill the process (SIGTERM) or raise KeyboardInterrupt (SIGINT)
    before gRPC has drained, so the ones it finds must only ask for a stop."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda *_: on_signal()) for s in sigs}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


class Serving(Protocol):
    """What :func:`serve_alongside` runs next to gRPC, e.g. ``uvicorn.Server``: ``serve()``
    returns after its own graceful shutdown, which ``should_exit = True`` starts."""

    should_exit: bool

    async def serve(self) -> None: ...


async def serve_alongside(platform: Platform, port: int, other: Serving | None = None) -> None:
    """Serve gRPC on ``port`` (0: not at all) while ``other`` serves, until SIGINT/SIGTERM.

    Both drain at once: a signal (ours before ``other`` has started, ``other``'s own
    after) sets ``other.should_exit``, which also starts the gRPC graceful stop.
    """
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def request_stop() -> None:
        stopping.set()
        if other is not None:
            other.should_exit = True

    async def stop_when_asked() -> None:
        while not (stopping.is_set() or (other is not None and other.should_exit)):
            # uvicorn's handler only flips a flag; poll it as uvicorn itself does
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=0.1)
        if server is not None:
            await stop(server)

    server = build_server(platform, port) if port else None
    with _quiet_signals(lambda: loop.call_soon_threadsafe(request_stop)):
        if server is not None:
            await server.start()
            log.info("grpc listening", extra={"port": port})
        stopper = asyncio.create_task(stop_when_asked())
        try:
            if other is not None:
                await other.serve()
            else:
                await stopping.wait()
        finally:
            # also when `other` returned or failed on its own (e.g. its port was taken)
            request_stop()
            await stopper
