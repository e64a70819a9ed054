"""The extraction service: authenticate, rate-limit, validate, route, extract, decide on
review, store. REST and gRPC call this, so its metrics, spans and rate limits cover both edges.

Observability of one call (see :class:`_Call`): a span per stage under one span per call,
the request metrics with bounded labels, and the fields of the edge's access-log line. The
input text goes into none of them; only its length does.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from autoglm_ops.backends.registry import available_backends
from autoglm_ops.core.errors import (
    AuthenticationError,
    AutoGLMError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
    status_for,
)
from autoglm_ops.core.types import Extraction, FieldResult
from autoglm_ops.observability import current_scope
from autoglm_ops.observability.metrics import UNKNOWN
from autoglm_ops.observability.tracing import set_attributes
from autoglm_ops.service.platform import Platform
from autoglm_ops.store.models import RequestRecord
from autoglm_ops.store.repo import Principal


class ReviewInfo(BaseModel):
    required: bool
    reasons: list[str] = Field(default_factory=list)


class ExtractResponse(BaseModel):
    """The answer of ``POST /v1/extract`` (and gRPC ``Extract``)."""

    request_id: str
    task: str
    data: dict[str, Any]
    fields: dict[str, FieldResult]
    model: str
    review: ReviewInfo


def review_for(extraction: Extraction, threshold: float) -> ReviewInfo:
    """A case needs review when any field's confidence is below ``threshold``."""
    low = extraction.low_confidence_fields(threshold)
    reasons = [
        f"low confidence on {name} ({extraction.fields[name].confidence:.2f} < {threshold:.2f})"
        for name in low
    ]
    if low:
        reasons.extend(r for r in extraction.review_reasons if r not in reasons)
    return ReviewInfo(required=bool(low), reasons=reasons)


def qa_sampled(request_id: str, rate: float) -> bool:
    """Whether an auto-accepted answer is drawn for QA review: a fixed share ``rate`` of
    request ids, by hash, so the draw is reproducible (and the same on every replica)."""
    digest = hashlib.sha256(request_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") < rate * 2**64


def validate_text(text: object, max_chars: int) -> str:
    """The text rules shared by every edge: a non-empty string within the length limit."""
    if not isinstance(text, str):
        raise ValidationError("'text' must be a string")
    if not text.strip():
        raise ValidationError("'text' must not be empty")
    if len(text) > max_chars:
        raise PayloadTooLargeError(
            f"'text' has {len(text)} characters; the limit is {max_chars} (AUTOGLM_MAX_TEXT_CHARS)"
        )
    return text


class _Call:
    """Observes one service call: one span (children per stage), the request metrics, and
    the fields of the edge's access-log line. Label values are only ever taken from closed
    sets (registered tasks and backends, model ids, error codes), never from the caller."""

    def __init__(self, platform: Platform, route: str, principal: Principal) -> None:
        self.platform = platform
        self.route = route
        self.principal = principal
        self.request_id: str | None = None
        self.task = UNKNOWN
        self.backend = UNKNOWN
        self.model = UNKNOWN
        self.outcome = "ok"

    @contextmanager
    def run(self) -> Iterator[_Call]:
        platform = self.platform
        started = time.perf_counter()
        status, code = "200", ""
        with platform.tracing.span(
            f"autoglm.service.{self.route}", tenant=self.principal.tenant
        ) as sp:
            try:
                yield self
            except AutoGLMError as exc:
                status, code = str(status_for(exc)[0]), exc.code
                raise
            except Exception:
                status, code = "500", "internal"
                raise
            finally:
                elapsed = time.perf_counter() - started
                set_attributes(
                    sp,
                    request_id=self.request_id,
                    task=self.task,
                    backend=self.backend,
                    model=self.model,
                )
                labels = (self.route, self.task, self.backend, self.model, status)
                m = platform.metrics
                m.requests.labels(*labels).inc()
                m.request_duration.labels(*labels).observe(elapsed)
                if code:
                    m.errors.labels(*labels, code).inc()
                    self.outcome = code
                scope = current_scope()
                if scope is not None:
                    scope.request_id = self.request_id
                    scope.tenant = self.principal.tenant
                    scope.task = None if self.task == UNKNOWN else self.task
                    scope.model = None if self.model == UNKNOWN else self.model
                    scope.outcome = self.outcome

    def stage(self, name: str) -> Any:
        """A child span for one stage of the call."""
        return self.platform.tracing.span(f"autoglm.{name}", request_id=self.request_id)

    def limit(self) -> None:
        """Take a rate-limit token for the caller's API key."""
        with self.stage("ratelimit"):
            try:
                self.platform.limiter.check(self.principal.key_id)
            except RateLimitedError:
                self.platform.metrics.rate_limited.labels(self.route).inc()
                raise


@contextmanager
def _store_call(platform: Platform, operation: str) -> Iterator[None]:
    """Time one database call into ``autoglm_store_duration_seconds`` under a span."""
    started = time.perf_counter()
    outcome = "ok"
    with platform.tracing.span("autoglm.store", operation=operation):
        try:
            yield
        except Exception:
            outcome = "error"
            raise
        finally:
            platform.metrics.store_duration.labels(operation, outcome).observe(
                time.perf_counter() - started
            )


def authenticate(platform: Platform, key: str) -> Principal:
    """Resolve a presented API key to its principal, or raise AuthenticationError."""
    with platform.tracing.span("autoglm.auth") as sp:
        if not key.strip():
            raise AuthenticationError(
                "missing API key; send 'Authorization: Bearer <key>' "
                "(create one with `autoglm-ops keys create --scope extract`)"
            )
        with _store_call(platform, "authenticate"):
            principal = platform.store.authenticate(key.strip())
        if principal is None:
            raise AuthenticationError("invalid or revoked API key")
        set_attributes(sp, tenant=principal.tenant)
        return principal


def _backend_label(platform: Platform, requested: str | None) -> str:
    name = requested or platform.settings.backend
    known = name in platform.backends or name in available_backends()
    return name if known else UNKNOWN


def extract(
    platform: Platform,
    *,
    text: object,
    task: str,
    principal: Principal,
    backend: str | None = None,
    request_id: str | None = None,
) -> ExtractResponse:
    """Run one extraction for ``principal`` and store it before returning."""
    call = _Call(platform, "extract", principal)
    with call.run():
        call.request_id = request_id or uuid.uuid4().hex
        if task in platform.tasks:
            call.task = task
        call.backend = _backend_label(platform, backend)
        call.limit()
        with call.stage("validate") as sp:
            if not principal.allows("extract"):
                raise PermissionDeniedError("this API key lacks the 'extract' scope")
            task_def = platform.tasks.get(task)
            clean = validate_text(text, platform.settings.max_text_chars)
            set_attributes(sp, task=task_def.name, text_chars=len(clean))
        with call.stage("route") as sp:
            extractor = platform.backend(backend)
            call.backend, call.model = extractor.name, extractor.model_id
            reason = "requested" if backend else "default"
            platform.metrics.route_decisions.labels(
                call.task, call.backend, call.model, reason
            ).inc()
            set_attributes(sp, backend=call.backend, model=call.model, reason=reason)
        with call.stage("extract") as sp:
            started = time.perf_counter()
            result = extractor.extract(clean, task_def)
            latency_ms = (time.perf_counter() - started) * 1000.0
            call.model = result.model
            set_attributes(sp, model=result.model, fields=len(result.fields))
        review = review_for(result, platform.settings.review_threshold)
        qa = not review.required and qa_sampled(call.request_id, platform.settings.qa_sample_rate)
        with _store_call(platform, "save_request"):
            platform.store.save_request(
                RequestRecord(
                    request_id=call.request_id,
                    tenant=principal.tenant,
                    created_at=datetime.now(UTC),
                    task=task_def.name,
                    model=result.model,
                    latency_ms=latency_ms,
                    text=clean,
                    fields={k: v.model_dump(mode="json") for k, v in result.fields.items()},
                    review_required=review.required,
                    review_reasons=review.reasons,
                    usage=getattr(result, "usage", None),
                    api_key_id=principal.key_id,
                    text_chars=len(clean),
                    qa_sampled=qa,
                )
            )
        _record_answer(platform, call, result, review)
        if qa:
            platform.metrics.qa_sampled.labels(call.task, call.backend, call.model).inc()
        return ExtractResponse(
            request_id=call.request_id,
            task=task_def.name,
            data=result.data,
            fields=result.fields,
            model=result.model,
            review=review,
        )


def _record_answer(platform: Platform, call: _Call, result: Extraction, review: ReviewInfo) -> None:
    """Confidence per field and the review decision of an answered (stored) extraction."""
    m = platform.metrics
    known_fields = {f.name for f in platform.tasks.get(call.task).fields}
    for name, f in result.fields.items():
        if name in known_fields:  # a backend's stray field name must not become a label
            m.field_confidence.labels(call.task, name).observe(f.confidence)
    if review.required:
        m.reviews.labels(call.task, call.backend, call.model).inc()
    call.outcome = "review" if review.required else "auto"


def get_stored(platform: Platform, *, request_id: str, principal: Principal) -> dict[str, Any]:
    """A stored request of the caller's tenant, without the input text."""
    call = _Call(platform, "get_request", principal)
    with call.run():
        call.backend = "none"
        call.limit()
        with _store_call(platform, "get_request"):
            row = platform.store.get_request(request_id, principal.tenant)
        call.request_id = row.request_id
        if row.task in platform.tasks:
            call.task = row.task
        call.model = row.model
        return {
            "request_id": row.request_id,
            "task": row.task,
            "model": row.model,
            "created_at": row.created_at.isoformat(),
            "latency_ms": row.latency_ms,
            "fields": row.fields,
            "data": {k: v.get("value") for k, v in row.fields.items()},
            "review": {"required": row.review_required, "reasons": row.review_reasons},
        }
