"""Prometheus metrics of one platform instance, on its own registry.

Every metric lives on a per-platform :class:`~prometheus_client.CollectorRegistry` (never the
process-global default registry), so that two apps in one process, and tests, never share
counts. The names below are what the alert rules and dashboards query; change them only
together with ``docs/observability.md``.

Label values are always from small closed sets (task names, backend names, model ids, status
codes, field names of a task). Customer text, request ids, tenants and API keys never become
label values: each would create one time series per request (cardinality) and put personal
data into the metrics store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import Metric

__all__ = ["CONTENT_TYPE_LATEST", "REQUEST_LABELS", "UNKNOWN", "Metrics"]

#: labels of the per-request service metrics
REQUEST_LABELS = ("route", "task", "backend", "model_version", "status")
#: the label value used when the true one is unknown or caller-chosen (unbounded)
UNKNOWN = "unknown"

# Latency buckets around the 500 ms alert threshold of the seed (§4.2).
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0)
_STORE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
_CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 1.0)


class _ScrapedGauge(Gauge):
    """A labelled gauge whose series are re-read from a source at every scrape (series the
    source no longer reports disappear, instead of keeping a stale value)."""

    # keys: tuples of label values (Any: Mapping keys are invariant, tuple[str, str] etc.)
    _source: Callable[[], Mapping[Any, float] | None] | None = None

    def read_from(self, source: Callable[[], Mapping[Any, float] | None]) -> None:
        self._refresh_lock = threading.Lock()
        self._source = source

    def collect(self) -> Iterable[Metric]:
        if self._source is None:
            return super().collect()
        with self._refresh_lock:  # concurrent scrapes must not see each other's half refresh
            values = self._source()
            self.clear()
            for labels, value in (values or {}).items():
                self.labels(*labels).set(value)
            return super().collect()


class Metrics:
    """All metrics of one platform; ``render()`` gives the Prometheus exposition text."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "autoglm_requests",
            "Service calls (REST and gRPC alike) by route, task, backend, model and status.",
            REQUEST_LABELS,
            registry=r,
        )
        self.errors = Counter(
            "autoglm_errors",
            "Failed service calls; 'code' is the error code of the error tree.",
            (*REQUEST_LABELS, "code"),
            registry=r,
        )
        self.request_duration = Histogram(
            "autoglm_request_duration_seconds",
            "Duration of service calls, from authentication to the stored answer.",
            REQUEST_LABELS,
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.field_confidence = Histogram(
            "autoglm_field_confidence",
            "Confidence of each extracted field.",
            ("task", "field"),
            buckets=_CONFIDENCE_BUCKETS,
            registry=r,
        )
        self.reviews = Counter(
            "autoglm_review",
            "Answered extractions sent to manual review (review rate = this / requests).",
            ("task", "backend", "model_version"),
            registry=r,
        )
        self.route_decisions = Counter(
            "autoglm_route_decisions",
            "Which backend served a request, and why ('default', 'requested', ...).",
            ("task", "backend", "model_version", "reason"),
            registry=r,
        )
        self.store_duration = Histogram(
            "autoglm_store_duration_seconds",
            "Duration of database calls by operation and outcome.",
            ("operation", "outcome"),
            buckets=_STORE_BUCKETS,
            registry=r,
        )
        self.rate_limited = Counter(
            "autoglm_rate_limited",
            "Calls refused by the per-API-key rate limit.",
            ("route",),
            registry=r,
        )
        self.rate_limit_backend_errors = Counter(
            "autoglm_rate_limit_backend_errors",
            "Rate-limit checks that could not reach the shared store (the call was let through).",
            registry=r,
        )
        self.review_queue_size = Gauge(
            "autoglm_review_queue_size",
            "Cases waiting for manual review.",
            registry=r,
        )
        self.qa_accuracy = _ScrapedGauge(
            "autoglm_qa_accuracy",
            "Field-level agreement of the model with reviewers on QA-sampled auto-accepted "
            "answers labelled in the last hour, per task and model.",
            ("task", "model_version"),
            registry=r,
        )
        self.qa_sampled = Counter(
            "autoglm_qa_sampled",
            "Auto-accepted answers drawn for QA review (AUTOGLM_QA_SAMPLE_RATE).",
            ("task", "backend", "model_version"),
            registry=r,
        )
        self.review_labels = Counter(
            "autoglm_review_labels",
            "Labels stored by reviewers; 'kind' is review (needed one) or qa (sampled).",
            ("task", "kind", "model_version"),
            registry=r,
        )
        self.review_corrections = Counter(
            "autoglm_review_corrections",
            "Fields whose value a reviewer changed, per task, field and review kind.",
            ("task", "field", "kind"),
            registry=r,
        )
        self.http_requests = Counter(
            "autoglm_http_requests",
            "HTTP requests by method, route template and status (REST edge).",
            ("method", "route", "status"),
            registry=r,
        )
        self.http_duration = Histogram(
            "autoglm_http_request_duration_seconds",
            "HTTP request duration by method and route template (REST edge).",
            ("method", "route"),
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )

    def track_review_queue(self, size: Callable[[], float]) -> None:
        """Read the review queue size from ``size()`` at every scrape."""
        self.review_queue_size.set_function(size)

    def track_qa_accuracy(
        self, agreement: Callable[[], Mapping[tuple[str, str], float] | None]
    ) -> None:
        """Read QA accuracy per (task, model_version) from ``agreement()`` at every scrape;
        a task without QA labels in the window has no series (None: none at all)."""
        self.qa_accuracy.read_from(agreement)

    def render(self) -> bytes:
        """The registry in the Prometheus text exposition format."""
        return generate_latest(self.registry)

    def value(self, name: str, labels: dict[str, str] | None = None) -> float | None:
        """One sample's current value (``None`` when absent); for tests and the CLI."""
        return self.registry.get_sample_value(name, labels or {})
