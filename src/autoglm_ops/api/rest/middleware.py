"""Plain ASGI middleware (not BaseHTTPMiddleware, which measured at half the throughput)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from opentelemetry import propagate
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autoglm_ops.observability import request_scope
from autoglm_ops.observability.tracing import set_attributes

access_log = logging.getLogger("autoglm_ops.access")


async def send_json_error(send: Send, status: int, code: str, message: str) -> None:
    """Send a complete JSON error response from ASGI code."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with 413 before they are read whole: at once when
    Content-Length says so, otherwise as soon as the streamed bytes pass the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"request body is larger than {self.max_bytes} bytes (AUTOGLM_MAX_BODY_BYTES)"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await send_json_error(send, 400, "bad_request", "invalid Content-Length")
                    return
                if declared > self.max_bytes:
                    await send_json_error(send, 413, "payload_too_large", message)
                    return
        seen = 0
        started = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal seen, refused
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    # Answer 413 now and tell the app the client went away, so that nothing
                    # downstream turns this into a 400 or waits for the rest of the body.
                    if not started and not refused:
                        refused = True
                        await send_json_error(send, 413, "payload_too_large", message)
                    return {"type": "http.disconnect"}
            return msg

        async def guarded_send(msg: Message) -> None:
            nonlocal started
            if refused:
                return
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        await self.app(scope, limited_receive, guarded_send)


_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
# probes and scrapes arrive every few seconds: log them only at DEBUG unless they fail
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


def _outcome(status: int) -> str:
    """The outcome of a request the service never saw (refused at the edge, or no route)."""
    return "ok" if status < 400 else "client_error" if status < 500 else "server_error"


class _HeaderGetter(Getter[dict[str, str]]):
    """Reads W3C trace-context headers (lower-cased names) for OpenTelemetry's propagator."""

    def get(self, carrier: dict[str, str], key: str) -> list[str] | None:
        value = carrier.get(key.lower())
        return [value] if value is not None else None

    def keys(self, carrier: dict[str, str]) -> list[str]:
        return list(carrier)


_GETTER = _HeaderGetter()


class ObservabilityMiddleware:
    """Per HTTP request: a server span (continuing an incoming ``traceparent``), the HTTP
    metrics by route template, an ``X-Request-ID`` response header, and one JSON access-log
    line with what the service filled in (request id, tenant, task, model, outcome).

    The route label is the matched template (``/v1/requests/{request_id}``), never the raw
    path, which would carry request ids; unmatched paths share the label ``unmatched``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        platform: Any = getattr(scope["app"].state, "platform", None)
        if platform is None:  # not started yet: nothing to record into
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"] if scope["method"] in _METHODS else "other"
        parent = None
        if platform.tracing.enabled:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            parent = propagate.extract(headers, getter=_GETTER)
        status = 500
        with request_scope() as info:

            async def observed_send(msg: Message) -> None:
                nonlocal status
                if msg["type"] == "http.response.start":
                    status = msg["status"]
                    if info.request_id:
                        msg = {
                            **msg,
                            "headers": [
                                *msg.get("headers", []),
                                (b"x-request-id", info.request_id.encode()),
                            ],
                        }
                await send(msg)

            with platform.tracing.span(f"HTTP {method}", SpanKind.SERVER, parent) as span:
                try:
                    await self.app(scope, receive, observed_send)
                finally:
                    route = getattr(scope.get("route"), "path", None) or "unmatched"
                    elapsed = time.perf_counter() - started
                    if span.is_recording():
                        span.update_name(f"{method} {route}")
                        span.set_attribute("http.request.method", method)
                        span.set_attribute("http.route", route)
                        span.set_attribute("http.response.status_code", status)
                        if status >= 500:
                            span.set_status(Status(StatusCode.ERROR, f"HTTP {status}"))
                        set_attributes(
                            span, request_id=info.request_id, task=info.task, model=info.model
                        )
                    m = platform.metrics
                    m.http_requests.labels(method, route, str(status)).inc()
                    m.http_duration.labels(method, route).observe(elapsed)
                    level = logging.INFO
                    if status >= 500:
                        level = logging.WARNING
                    elif route in _QUIET_ROUTES:
                        level = logging.DEBUG
                    access_log.log(
                        level,
                        "request",
                        extra={
                            **info.as_log_fields(),
                            "latency_ms": round(elapsed * 1000.0, 3),
                            "method": method,
                            "route": route,
                            "status": status,
                            "outcome": info.outcome or _outcome(status),
                        },
                    )
