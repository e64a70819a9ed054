"""The per-request record behind the one access-log line per request.

An edge opens a :func:`request_scope` around each request; the service fills in what it learns
(request id, tenant, task, model, outcome) and the edge writes one line when the request ends,
with its own protocol details (status, route, latency). The service itself never writes an
access line, so an edge's line is the only one; outside any scope the service fills nothing.

Sync endpoints run in a worker thread with a *copy* of the context; the copy refers to the same
:class:`RequestScope` object, so what the service writes there is seen by the edge.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["RequestScope", "current_scope", "request_scope"]


@dataclass
class RequestScope:
    """What one request's log line says beyond the protocol details."""

    request_id: str | None = None
    tenant: str | None = None
    task: str | None = None
    model: str | None = None
    outcome: str | None = None

    def as_log_fields(self) -> dict[str, Any]:
        return asdict(self)


_current: ContextVar[RequestScope | None] = ContextVar("autoglm_request_scope", default=None)


@contextmanager
def request_scope() -> Iterator[RequestScope]:
    """Open a fresh scope for one request (edges only)."""
    scope = RequestScope()
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def current_scope() -> RequestScope | None:
    """The scope of the request being served, or None outside any."""
    return _current.get()
