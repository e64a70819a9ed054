"""Load shedding at the REST edge: an admission limit on the expensive routes.

At most ``max_inflight`` requests to ``/v1/extract`` and ``/v1/applications`` run at once.
One more either waits up to the queue-time budget ``max_queue_ms`` for a slot or, at once
when the budget is 0 (the default), gets ``503 overloaded`` with ``Retry-After: 1`` before
its body is read. Without a limit a saturated server accepts everything and every request
gets slow (the goodput collapses); with it the accepted ones keep their latency and the
excess fails fast, so clients and load balancers can go elsewhere. Probes, metrics and
cheap reads never shed.

Plain ASGI (no BaseHTTPMiddleware). A refused request's ``scope["route"]`` is set to the
route it asked for, so that the metrics and the access log of the outer middleware label it
rightly. The gRPC edge applies the same gate through an interceptor.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from autoglm_ops.core.errors import OverloadedError
from autoglm_ops.service.admission import OVERLOADED_MESSAGE, AdmissionGate

#: the routes whose work (extraction, scoring, a durable write) saturates the server
SHED_PATHS = frozenset({"/v1/extract", "/v1/applications"})


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
        self._routes: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.gate.enabled or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        if not await self.gate.enter():
            self._label_route(scope)
            await send(self._start)
            await send(self._body)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.gate.leave()

    def _label_route(self, scope: Scope) -> None:
        """Set the route a refused request asked for (the shed paths are literal templates)."""
        path = scope["path"]
        if path not in self._routes:
            routes = getattr(getattr(scope.get("app"), "router", None), "routes", ())
            self._routes[path] = next((r for r in routes if getattr(r, "path", None) == path), None)
        if self._routes[path] is not None:
            scope["route"] = self._routes[path]
