"""Metrics, traces and the per-request log record, shared by the service layer and the edges.

Depends on :mod:`autoglm_ops.core` only, so that every layer above it may use it.
"""

from autoglm_ops.observability.context import RequestScope, current_scope, request_scope
from autoglm_ops.observability.metrics import Metrics
from autoglm_ops.observability.tracing import Tracing

__all__ = ["Metrics", "RequestScope", "Tracing", "current_scope", "request_scope"]
