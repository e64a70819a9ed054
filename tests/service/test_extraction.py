"""The service layer's spans, metrics, access-log fields and rate limits, on SQLite and
PostgreSQL. These cover both edges: REST and gRPC call the same functions."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from autoglm_ops.core.errors import (
    AuthenticationError,
    PermissionDeniedError,
    RateLimitedError,
    UnknownTaskError,
    ValidationError,
)
from autoglm_ops.core.settings import Settings
from autoglm_ops.observability import request_scope
from autoglm_ops.service import extraction
from autoglm_ops.service.platform import Platform
from autoglm_ops.service.ratelimit import TokenBucket
from autoglm_ops.store.repo import Principal

#: the backend a platform built from default settings serves with
DEFAULT_BACKEND = Settings.model_fields["backend"].default

# distinctive text whose pieces must never reach a span, a label or a log field
TEXT = "我叫王小明，手机13812345678，月薪税后一万八，公积金正常缴纳"


@pytest.fixture
def principal(platform: Platform) -> Principal:
    key = platform.store.create_key(["extract"], tenant="bank-a")
    found = platform.store.authenticate(key.secret)
    assert found is not None
    return found


def sample(platform: Platform, name: str, **labels: str) -> float:
    return platform.metrics.value(name, labels) or 0.0


def all_attribute_values(spans: list[ReadableSpan]) -> list[str]:
    return [str(v) for s in spans for v in (s.attributes or {}).values()]


def test_extract_spans_per_stage_without_text(
    platform: Platform, spans: InMemorySpanExporter, principal: Principal
) -> None:
    result = extraction.extract(platform, text=TEXT, task="income_parsing", principal=principal)
    finished = spans.get_finished_spans()
    by_name = {s.name: s for s in finished}
    # one span for the call, and as its children one per stage
    assert sorted(by_name) == sorted(
        [
            "autoglm.service.extract",
            "autoglm.ratelimit",
            "autoglm.validate",
            "autoglm.route",
            "autoglm.extract",
            "autoglm.store",
        ]
    )
    call = by_name["autoglm.service.extract"]
    assert call.parent is None
    for s in finished:
        assert s.context.trace_id == call.context.trace_id
        if s is not call:
            assert s.parent is not None and s.parent.span_id == call.context.span_id
    attrs = call.attributes or {}
    assert attrs["autoglm.request_id"] == result.request_id
    assert attrs["autoglm.task"] == "income_parsing"
    assert attrs["autoglm.model"] == result.model
    assert attrs["autoglm.backend"] == DEFAULT_BACKEND
    assert attrs["autoglm.tenant"] == "bank-a"
    validate = next(s for s in finished if s.name == "autoglm.validate")
    assert (validate.attributes or {})["autoglm.text_chars"] == len(TEXT)
    store = next(s for s in finished if s.name == "autoglm.store")
    assert (store.attributes or {})["autoglm.operation"] == "save_request"
    # no attribute carries the text or any piece of it
    for value in all_attribute_values(finished):
        assert value not in TEXT or len(value) < 2, value
        assert "13812345678" not in value and "王小明" not in value
    for s in finished:
        assert not s.events  # no exception events, no messages


def test_failed_stage_marks_span_by_code_only(
    platform: Platform, spans: InMemorySpanExporter, principal: Principal
) -> None:
    with pytest.raises(ValidationError):
        extraction.extract(platform, text="   ", task="income_parsing", principal=principal)
    validate = next(s for s in spans.get_finished_spans() if s.name == "autoglm.validate")
    assert not validate.status.is_ok
    assert validate.status.description == "invalid_input"
    assert (validate.attributes or {})["error.type"] == "ValidationError"
    assert not validate.events


def test_request_metrics_success_and_errors(platform: Platform, principal: Principal) -> None:
    result = extraction.extract(platform, text=TEXT, task="income_parsing", principal=principal)
    ok = {
        "route": "extract",
        "task": "income_parsing",
        "backend": DEFAULT_BACKEND,
        "model_version": result.model,
        "status": "200",
    }
    assert sample(platform, "autoglm_requests_total", **ok) == 1
    assert sample(platform, "autoglm_request_duration_seconds_count", **ok) == 1
    assert sample(platform, "autoglm_request_duration_seconds_sum", **ok) > 0
    decision = {"task": "income_parsing", "backend": DEFAULT_BACKEND, "model_version": result.model}
    assert sample(platform, "autoglm_route_decisions_total", **decision, reason="default") == 1
    assert (
        sample(
            platform,
            "autoglm_store_duration_seconds_count",
            operation="save_request",
            outcome="ok",
        )
        == 1
    )
    for name in result.fields:
        count = sample(
            platform, "autoglm_field_confidence_count", task="income_parsing", field=name
        )
        assert count == 1, name
    reviews = sample(platform, "autoglm_review_total", **decision)
    assert reviews == (1 if result.review.required else 0)

    # a caller-chosen task name never becomes a label value
    with pytest.raises(UnknownTaskError):
        extraction.extract(platform, text=TEXT, task="made-up-task-x", principal=principal)
    err = {**ok, "task": "unknown", "model_version": "unknown", "status": "404"}
    assert sample(platform, "autoglm_requests_total", **err) == 1
    assert sample(platform, "autoglm_errors_total", **err, code="unknown_task") == 1
    exposition = platform.metrics.render().decode()
    assert "made-up-task-x" not in exposition
    assert result.request_id not in exposition
    assert "bank-a" not in exposition
    assert "13812345678" not in exposition and "王小明" not in exposition


def test_review_counter_counts_reviewed_answers(tmp_path: Path, database_url: str) -> None:
    # threshold 1.0: every answer with a field below full confidence goes to review
    p = Platform.from_settings(
        Settings(data_dir=tmp_path / "var", database_url=database_url, review_threshold=1.0)
    )
    try:
        key = p.store.create_key(["extract"])
        principal = p.store.authenticate(key.secret)
        assert principal is not None
        results = [
            extraction.extract(p, text=t, task="income_parsing", principal=principal)
            for t in (TEXT, "月薪八千左右，做了三年", "no income at all")
        ]
        reviewed = sum(r.review.required for r in results)
        assert reviewed >= 1
        total = sum(
            sample(
                p,
                "autoglm_review_total",
                task="income_parsing",
                backend=DEFAULT_BACKEND,
                model_version=r.model,
            )
            for r in {r.model: r for r in results}.values()
        )
        assert total == reviewed
    finally:
        p.close()


def test_permission_and_store_errors_are_counted(platform: Platform) -> None:
    key = platform.store.create_key(["review"])
    reviewer = platform.store.authenticate(key.secret)
    assert reviewer is not None
    with pytest.raises(PermissionDeniedError):
        extraction.extract(platform, text=TEXT, task="income_parsing", principal=reviewer)
    assert (
        sample(
            platform,
            "autoglm_errors_total",
            route="extract",
            task="income_parsing",
            backend=DEFAULT_BACKEND,
            model_version="unknown",
            status="403",
            code="permission_denied",
        )
        == 1
    )


def test_request_scope_receives_log_fields(platform: Platform, principal: Principal) -> None:
    with request_scope() as scope:
        result = extraction.extract(platform, text=TEXT, task="income_parsing", principal=principal)
    assert scope.request_id == result.request_id
    assert scope.tenant == "bank-a"
    assert scope.task == "income_parsing"
    assert scope.model == result.model
    assert scope.outcome == ("review" if result.review.required else "auto")
    with request_scope() as failed, pytest.raises(ValidationError):
        extraction.extract(platform, text="", task="income_parsing", principal=principal)
    assert failed.outcome == "invalid_input" and failed.tenant == "bank-a"
    assert TEXT not in str(failed.as_log_fields())


def test_rate_limit_is_enforced_in_the_service(platform: Platform, principal: Principal) -> None:
    platform.limiter = TokenBucket(per_minute=60, burst=2)
    for _ in range(2):
        extraction.extract(platform, text=TEXT, task="income_parsing", principal=principal)
    before = platform.store.count_requests()
    with pytest.raises(RateLimitedError) as info:
        extraction.extract(platform, text=TEXT, task="income_parsing", principal=principal)
    assert 0 < info.value.retry_after <= 1.0
    assert platform.store.count_requests() == before  # refused before any work
    # reads count against the same key's bucket
    with pytest.raises(RateLimitedError):
        extraction.get_stored(platform, request_id="x", principal=principal)
    assert sample(platform, "autoglm_rate_limited_total", route="extract") == 1
    assert sample(platform, "autoglm_rate_limited_total", route="get_request") == 1
    # another key of the same tenant has its own bucket
    other = platform.store.authenticate(platform.store.create_key(["extract"]).secret)
    assert other is not None
    extraction.extract(platform, text=TEXT, task="income_parsing", principal=other)


def test_authenticate(platform: Platform, spans: InMemorySpanExporter) -> None:
    key = platform.store.create_key(["extract"], tenant="bank-b")
    principal = extraction.authenticate(platform, key.secret)
    assert principal.tenant == "bank-b" and principal.key_id == key.key_id
    for bad in ("", "  ", "agk_nope_nope", key.secret + "x"):
        with pytest.raises(AuthenticationError):
            extraction.authenticate(platform, bad)
    auth_spans = [s for s in spans.get_finished_spans() if s.name == "autoglm.auth"]
    assert len(auth_spans) == 5
    assert (auth_spans[0].attributes or {})["autoglm.tenant"] == "bank-b"
    for value in all_attribute_values(spans.get_finished_spans()):
        assert key.secret not in value and key.secret.split("_")[2] not in value
    assert (
        sample(
            platform,
            "autoglm_store_duration_seconds_count",
            operation="authenticate",
            outcome="ok",
        )
        >= 3
    )


def test_get_stored_is_observed(platform: Platform, principal: Principal) -> None:
    result = extraction.extract(platform, text=TEXT, task="income_parsing", principal=principal)
    with request_scope() as scope:
        body = extraction.get_stored(platform, request_id=result.request_id, principal=principal)
    assert body["data"] == result.data and "text" not in body
    assert scope.request_id == result.request_id and scope.outcome == "ok"
    labels = {
        "route": "get_request",
        "task": "income_parsing",
        "backend": "none",
        "model_version": result.model,
        "status": "200",
    }
    assert sample(platform, "autoglm_requests_total", **labels) == 1


def test_no_tracing_by_default(platform: Platform) -> None:
    assert not platform.tracing.enabled
    assert platform.tracing.provider is None
