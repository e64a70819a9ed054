"""Load shedding at the REST edge: an admission limit on the expensive routes.

At most ``max_inflight`` requests to ``/v1/extract`` and ``/v1/applications`` run at once.
One more either waits up to the queue-time budget ``max_queue_ms`` for a slot or, at once
when the budget is 0 (the default), gets ``503 overloaded`` with ``Retry-After: 1`` before
its body is read. Without a limit a saturated server accepts everything and every request
gets slow (the goodput collapses); with it the accepted ones keep their latency and the
excess fails fast, so clients and load balancers can go elsewhere. Probes, metrics and
cheap reads never shed.

The middleware is the outermost one, because a refusal must cost next to nothing: through
the observability middleware (span, metrics, one JSON access-log line) it cost ~60 times
the refusal itself, CPU that an overloaded server does not have. A refusal is counted in
``autoglm_http_requests_total`` with its route and status 503 as any request is, and the
log gets one WARNING line per ``LOG_EVERY_S`` with the number refused, not one per request.
Plain ASGI (no BaseHTTPMiddleware); the gRPC edge applies the same gate by an interceptor.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Receive, Scope, Send

from autoglm_ops.core.errors import OverloadedError
from autoglm_ops.service.admission import OVERLOADED_MESSAGE, AdmissionGate

log = logging.getLogger("autoglm_ops.api.shedding")

#: the routes whose work (extraction, scoring, a durable write) saturates the server
SHED_PATHS = frozenset({"/v1/extract", "/v1/applications"})
#: at most one log line per this many seconds while shedding
LOG_EVERY_S = 10.0
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def _overloaded_response() -> tuple[dict[str, Any], dict[str, Any]]:
    body = json.dumps({"error": OverloadedError(OVERLOADED_MESSAGE).to_dict()}).encode()
    start = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", b"1"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class SheddingMiddleware:
    """Admit at most ``max_inflight`` concurrent requests to ``paths`` (0: no limit); a
    request over the limit waits up to ``max_queue_ms`` for a slot, then gets a 503."""

    def __init__(
        self,
        app: ASGIApp,
        max_inflight: int,
        max_queue_ms: float = 0.0,
        paths: frozenset[str] = SHED_PATHS,
    ) -> None:
        self.app = app
        self.gate = AdmissionGate(max_inflight, max_queue_ms)
        self.paths = paths
        self._start, self._body = _overloaded_response()
        # shed path -> the methods the app routes there (None: any); resolved at the first
        # request, since the routes are only known from scope["app"]
        self._routed: dict[str, frozenset[str] | None] | None = None
        self._logged_at = 0.0
        self._logged_shed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.gate.enabled
            or scope["path"] not in self.paths
            or not self._routed_path(scope)
        ):
            await self.app(scope, receive, send)
            return
        if not await self.gate.enter():
            await send(self._start)
            await send(self._body)
            self._count_refusal(scope)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.gate.leave()

    def _routed_path(self, scope: Scope) -> bool:
        """Only methods and paths the app routes are shed (the shed paths are literal route
        templates): a 404 or 405 stays the app's own answer, a GET next to a shed POST runs."""
        routed = self._routed
        if routed is None:
            routed = self._routed = self._resolve(scope)
        if scope["path"] not in routed:
            return False
        methods = routed[scope["path"]]
        return methods is None or scope["method"] in methods

    def _resolve(self, scope: Scope) -> dict[str, frozenset[str] | None]:
        # iter_route_contexts, not router.routes: FastAPI keeps the routes of an included
        # router inside a wrapper route (with no path), which a plain walk never sees
        routes = getattr(getattr(scope.get("app"), "router", None), "routes", None) or []
        routed: dict[str, frozenset[str] | None] = {}
        for context in iter_route_contexts(routes):
            path = context.path
            if path not in self.paths:
                continue
            seen = routed.get(path, frozenset())
            methods = context.methods
            # a route without methods (a plain ASGI one) takes any
            routed[path] = None if seen is None or methods is None else seen | methods
        return routed

    def _count_refusal(self, scope: Scope) -> None:
        platform: Any = getattr(getattr(scope.get("app"), "state", None), "platform", None)
        if platform is not None:
            method = scope["method"] if scope["method"] in _METHODS else "other"
            platform.metrics.http_requests.labels(method, scope["path"], "503").inc()
        now = time.monotonic()
        if now - self._logged_at >= LOG_EVERY_S:
            log.warning(
                "shedding load",
                extra={
                    "shed": self.gate.shed - self._logged_shed,
                    "inflight": self.gate.inflight,
                    "max_inflight": self.gate.max_inflight,
                },
            )
            self._logged_at, self._logged_shed = now, self.gate.shed
