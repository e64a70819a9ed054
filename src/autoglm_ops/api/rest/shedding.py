"""Load shedding at the REST edge: an admission limit on the expensive routes.

At most ``max_inflight`` requests to ``/v1/extract`` and ``/v1/applications`` run at once.
One more either waits up to ``queue_ms`` for a slot or, at once when the budget is 0 (the
default), gets ``503 overloaded`` with ``Retry-After: 1`` before its body is read. Without a
limit a saturated server accepts everything and every request gets slow (the goodput
collapses); with it the accepted ones keep their latency and the excess fails fast, so
clients and load balancers can go elsewhere. Probes, metrics and cheap reads never shed.

Plain ASGI (no BaseHTTPMiddleware) and event-loop only: the counter is touched by one
thread, so it needs no lock. A refused request's ``scope["route"]`` is set to the route it
asked for, so that the metrics and the access log of the outer middleware label it rightly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from autoglm_ops.core.errors import OverloadedError

#: the routes whose work (extraction, scoring, a durable write) saturates the server
SHED_PATHS = frozenset({"/v1/extract", "/v1/applications"})

_MESSAGE = (
    "the server is at its limit of concurrent requests; retry after a second "
    "(limit: AUTOGLM_MAX_INFLIGHT)"
)


def _overloaded_response() -> tuple[dict[str, Any], dict[str, Any]]:
    body = json.dumps({"error": OverloadedError(_MESSAGE).to_dict()}).encode()
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
    request over the limit waits up to ``queue_ms`` for a slot, then gets a 503."""

    def __init__(
        self,
        app: ASGIApp,
        max_inflight: int,
        queue_ms: float = 0.0,
        paths: frozenset[str] = SHED_PATHS,
    ) -> None:
        self.app = app
        self.max_inflight = max_inflight
        self.queue_s = max(0.0, queue_ms) / 1000.0
        self.paths = paths
        self.inflight = 0
        self.shed = 0  # refusals since start (tests and benchmarks read it)
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._start, self._body = _overloaded_response()
        self._routes: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_inflight <= 0 or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        if self.inflight < self.max_inflight and not self._waiters:
            self.inflight += 1
        elif not await self._wait_for_slot():
            self.shed += 1
            self._label_route(scope)
            await send(self._start)
            await send(self._body)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    async def _wait_for_slot(self) -> bool:
        """Queue for a slot for up to the budget; True when one was handed over."""
        if self.queue_s <= 0:
            return False
        slot = asyncio.get_running_loop().create_future()
        self._waiters.append(slot)
        try:
            await asyncio.wait_for(slot, self.queue_s)
            return True
        except TimeoutError:
            return False
        except asyncio.CancelledError:
            # the client went away just as a slot was handed to it: give the slot back
            if slot.done() and not slot.cancelled():
                self._release()
            raise
        finally:
            # gone from the queue however it ended, so that the queue only holds live waiters
            with contextlib.suppress(ValueError):
                self._waiters.remove(slot)

    def _release(self) -> None:
        """Hand the slot to the longest waiter still waiting, else free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.inflight -= 1

    def _label_route(self, scope: Scope) -> None:
        """Set the route a refused request asked for (the shed paths are literal templates)."""
        path = scope["path"]
        if path not in self._routes:
            routes = getattr(getattr(scope.get("app"), "router", None), "routes", ())
            self._routes[path] = next((r for r in routes if getattr(r, "path", None) == path), None)
        if self._routes[path] is not None:
            scope["route"] = self._routes[path]
