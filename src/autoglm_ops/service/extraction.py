"""The extraction service: validate, extract, decide on review, store. REST and gRPC call this."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from autoglm_ops.core.errors import PayloadTooLargeError, PermissionDeniedError, ValidationError
from autoglm_ops.core.types import Extraction, FieldResult
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
    if not principal.allows("extract"):
        raise PermissionDeniedError("this API key lacks the 'extract' scope")
    task_def = platform.tasks.get(task)
    clean = validate_text(text, platform.settings.max_text_chars)
    extractor = platform.backend(backend)
    started = time.perf_counter()
    result = extractor.extract(clean, task_def)
    latency_ms = (time.perf_counter() - started) * 1000.0
    review = review_for(result, platform.settings.review_threshold)
    rid = request_id or uuid.uuid4().hex
    platform.store.save_request(
        RequestRecord(
            request_id=rid,
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
        )
    )
    return ExtractResponse(
        request_id=rid,
        task=task_def.name,
        data=result.data,
        fields=result.fields,
        model=result.model,
        review=review,
    )


def get_stored(platform: Platform, *, request_id: str, principal: Principal) -> dict[str, Any]:
    """A stored request of the caller's tenant, without the input text."""
    row = platform.store.get_request(request_id, principal.tenant)
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
