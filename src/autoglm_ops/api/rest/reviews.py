"""REST routes of human review (``review`` scope): thin calls into service.review."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from autoglm_ops.api.rest.deps import PlatformDep, PrincipalDep
from autoglm_ops.api.rest.responses import AUTHENTICATED, JSON_BODY, error_responses
from autoglm_ops.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnknownTaskError,
    ValidationError,
)
from autoglm_ops.service import review


class ReviewRequest(BaseModel):
    """Body of ``POST /v1/requests/{request_id}/review``."""

    model_config = ConfigDict(extra="forbid")

    fields: dict[str, Any] = Field(
        description="field -> the correct value, for the fields the model got wrong; "
        "omitted fields confirm the model's value",
        examples=[{"income_amount": 18000, "income_period": "month"}],
    )


router = APIRouter(tags=["review"])


@router.get(
    "/v1/reviews",
    response_model=review.ReviewQueue,
    responses=error_responses(
        *AUTHENTICATED, PermissionDeniedError, RateLimitedError, ValidationError
    ),
)
def list_reviews(
    platform: PlatformDep,
    principal: PrincipalDep,
    kind: Literal["review", "qa"] = Query(
        "review", description="review: answers that need one; qa: auto-accepted, sampled"
    ),
    limit: int = Query(50, ge=1, le=review.MAX_LIST),
) -> review.ReviewQueue:
    """Answers of the caller's tenant waiting for a reviewer, oldest first: values,
    confidences and evidence offsets (not the input text)."""
    return review.list_pending(platform, principal=principal, kind=kind, limit=limit)


@router.post(
    "/v1/requests/{request_id}/review",
    response_model=review.ReviewResult,
    status_code=201,
    responses=error_responses(
        *AUTHENTICATED,
        *JSON_BODY,
        PermissionDeniedError,
        NotFoundError,
        UnknownTaskError,  # the task was removed since the answer was stored
        ConflictError,
        RateLimitedError,
    ),
)
def submit_review(
    request_id: str, body: ReviewRequest, platform: PlatformDep, principal: PrincipalDep
) -> review.ReviewResult:
    """Store a reviewer's label for a queued answer (once; a second one is a 409). Values
    are checked against the task's schema; unknown fields are refused."""
    return review.submit_review(
        platform, request_id=request_id, fields=body.fields, principal=principal
    )
