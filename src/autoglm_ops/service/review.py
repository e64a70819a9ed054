"""Human review: the queue of stored answers waiting for a reviewer, reviewers' labels, the QA
accuracy they yield, and the export of labels as training data for the `local` model.

Two kinds of pending review:

* ``review``: answers with a field below ``AUTOGLM_REVIEW_THRESHOLD`` (``review.required``);
* ``qa``: auto-accepted answers drawn by request-id hash at ``AUTOGLM_QA_SAMPLE_RATE``
  (:func:`~autoglm_ops.service.extraction.qa_sampled`), the only check on answers nobody else
  looks at.

A label holds the reviewer's value of every field of the task: values sent replace the
model's, omitted fields confirm it. Agreement per field (``core.compare.values_equal``) is
counted when the label is stored; ``autoglm_qa_accuracy`` is agreeing / labelled fields over
the QA labels of the last hour, per task and model.

What reviewers are shown: values, confidences and evidence offsets, never the input text. The
store keeps the text (audit, retraining) but the queue goes to a reviewing tool that shows the
case from the bank's own record of it; evidence snippets are masked (``core.pii``) as in logs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from autoglm_ops.core.compare import values_equal
from autoglm_ops.core.errors import ConflictError, PermissionDeniedError, ValidationError
from autoglm_ops.core.pii import mask_pii
from autoglm_ops.service.extraction import _Call, _store_call
from autoglm_ops.service.platform import Platform
from autoglm_ops.store.models import RequestRecord, ReviewLabel
from autoglm_ops.store.repo import REVIEW_KINDS, Principal, Store
from autoglm_ops.tasks.registry import TaskRegistry
from autoglm_ops.tasks.schema import FieldSpec, TaskDefinition

MAX_LIST = 500
_MAX_STRING = 1000


class EvidenceSpan(BaseModel):
    """Where a value was read: offsets into the input, and the span with personal data masked."""

    start: int
    end: int
    text: str


class ReviewField(BaseModel):
    value: Any = None
    confidence: float
    evidence: EvidenceSpan | None = None


class ReviewItem(BaseModel):
    """One answer waiting for a reviewer."""

    request_id: str
    task: str
    model: str
    created_at: str
    kind: str
    reasons: list[str]
    fields: dict[str, ReviewField]


class ReviewQueue(BaseModel):
    """The answer of ``GET /v1/reviews``: the oldest pending items first."""

    kind: str
    pending: int
    items: list[ReviewItem]


class ReviewResult(BaseModel):
    """The answer of ``POST /v1/requests/{request_id}/review``."""

    request_id: str
    task: str
    kind: str
    fields: dict[str, Any]
    corrected: list[str]
    agreement: float
    reviewed_at: str


def _require_review_scope(principal: Principal) -> None:
    if not principal.allows("review"):
        raise PermissionDeniedError(
            "this API key lacks the 'review' scope "
            "(create one with `autoglm-ops keys create --scope review`)"
        )


def _kind_of(row: RequestRecord) -> str | None:
    if row.review_required:
        return "review"
    return "qa" if row.qa_sampled else None


def _item(row: RequestRecord, kind: str) -> ReviewItem:
    fields = {}
    for name, f in row.fields.items():
        ev = f.get("evidence")
        span = (
            EvidenceSpan(start=ev["start"], end=ev["end"], text=mask_pii(str(ev.get("text", ""))))
            if isinstance(ev, dict)
            else None
        )
        fields[name] = ReviewField(
            value=f.get("value"), confidence=float(f.get("confidence", 0.0)), evidence=span
        )
    return ReviewItem(
        request_id=row.request_id,
        task=row.task,
        model=row.model,
        created_at=row.created_at.isoformat(),
        kind=kind,
        reasons=row.review_reasons,
        fields=fields,
    )


def list_pending(
    platform: Platform, *, principal: Principal, kind: str = "review", limit: int = 50
) -> ReviewQueue:
    """The caller's tenant's unlabelled answers of one kind, oldest first."""
    call = _Call(platform, "list_reviews", principal)
    with call.run():
        call.backend = "none"
        call.limit()
        _require_review_scope(principal)
        if kind not in REVIEW_KINDS:
            raise ValidationError(f"'kind' must be one of {', '.join(REVIEW_KINDS)}")
        if not 1 <= limit <= MAX_LIST:
            raise ValidationError(f"'limit' must be between 1 and {MAX_LIST}")
        with _store_call(platform, "pending_reviews"):
            rows, pending = platform.store.pending_reviews(principal.tenant, kind, limit)
        return ReviewQueue(kind=kind, pending=pending, items=[_item(r, kind) for r in rows])


def _problem(spec: FieldSpec, value: Any) -> str | None:
    """What is wrong with ``value`` for ``spec`` (naming the type, never the value), or None."""
    if value is None:
        return None if spec.nullable else "must not be null"
    if spec.type in ("number", "score", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a {spec.type}" + (" or null" if spec.nullable else "")
        if not math.isfinite(value):
            return "must be a finite number"
        if spec.type == "integer" and not float(value).is_integer():
            return "must be a whole number"
        if spec.minimum is not None and value < spec.minimum:
            return f"must be at least {spec.minimum:g}"
        if spec.maximum is not None and value > spec.maximum:
            return f"must be at most {spec.maximum:g}"
        return None
    if spec.type == "boolean":
        return None if isinstance(value, bool) else "must be true, false or null"
    if not isinstance(value, str):
        return "must be a string"
    if spec.type == "enum" and value not in (spec.enum or []):
        return f"must be one of {', '.join(spec.enum or [])}"
    return None if len(value) <= _MAX_STRING else f"must be at most {_MAX_STRING} characters"


def validate_values(task: TaskDefinition, values: object) -> dict[str, Any]:
    """Reviewer values checked against the task schema; unknown fields are refused."""
    if not isinstance(values, dict):
        raise ValidationError("'fields' must be an object of field name -> corrected value")
    unknown = sorted(str(k) for k in values if k not in task.field_names)
    if unknown:
        raise ValidationError(
            f"unknown field(s) {', '.join(unknown)} for task {task.name}; "
            f"its fields are {', '.join(task.field_names)}"
        )
    problems = [
        f"{name}: {why}"
        for name, value in values.items()
        if (why := _problem(task.field(name), value)) is not None
    ]
    if problems:
        raise ValidationError("; ".join(problems), details={"problems": problems})
    return {
        k: int(v) if task.field(k).type == "integer" and isinstance(v, float) else v
        for k, v in values.items()
    }


def submit_review(
    platform: Platform, *, request_id: str, fields: object, principal: Principal
) -> ReviewResult:
    """Store the reviewer's values for one answer of the caller's tenant (once: a second
    label is a conflict); omitted fields confirm the model's value."""
    call = _Call(platform, "submit_review", principal)
    with call.run():
        call.backend = "none"
        call.limit()
        _require_review_scope(principal)
        with _store_call(platform, "get_request"):
            row = platform.store.get_request(request_id, principal.tenant)
        call.request_id = row.request_id
        task = platform.tasks.get(row.task)
        call.task, call.model = task.name, row.model
        kind = _kind_of(row)
        if kind is None:
            raise ConflictError(
                f"request {row.request_id!r} was neither flagged for review nor drawn for QA; "
                "only queued answers take a label (see GET /v1/reviews)"
            )
        with _store_call(platform, "get_label"):
            if platform.store.get_label(row.request_id) is not None:
                raise ConflictError(
                    f"request {row.request_id!r} has already been reviewed; a label is final"
                )
        values = validate_values(task, fields)
        label = _label(row, task, kind, values, principal.key_id)
        with _store_call(platform, "save_label"):
            platform.store.save_label(label)
        m = platform.metrics
        m.review_labels.labels(task.name, kind, row.model).inc()
        for name in label.corrected:
            m.review_corrections.labels(task.name, name, kind).inc()
        return ReviewResult(
            request_id=row.request_id,
            task=task.name,
            kind=kind,
            fields=label.fields,
            corrected=label.corrected,
            agreement=label.n_agree / label.n_fields if label.n_fields else 1.0,
            reviewed_at=label.reviewed_at.isoformat(),
        )


def _label(
    row: RequestRecord,
    task: TaskDefinition,
    kind: str,
    values: dict[str, Any],
    reviewer: str,
) -> ReviewLabel:
    final: dict[str, Any] = {}
    corrected: list[str] = []
    for name in task.field_names:
        model_value = (row.fields.get(name) or {}).get("value")
        final[name] = values.get(name, model_value)
        if not values_equal(final[name], model_value):
            corrected.append(name)
    return ReviewLabel(
        request_id=row.request_id,
        tenant=row.tenant,
        task=task.name,
        kind=kind,
        model=row.model,
        fields=final,
        corrected=corrected,
        n_fields=len(final),
        n_agree=len(final) - len(corrected),
        reviewer_key_id=reviewer,
        reviewed_at=datetime.now(UTC),
    )


def export_corrections(
    store: Store, tasks: TaskRegistry, *, task: str, tenant: str | None = None
) -> Iterator[dict[str, Any]]:
    """Reviewed answers of ``task`` as labelled JSONL lines (``id, task, text, expected``, the
    format `autoglm-ops train` and `eval` read): ``expected`` is the reviewer's values.

    The text is the stored input with ID-card, phone, bank-card numbers and e-mail addresses
    masked (``core.pii``): the training set needs the wording, not the customer's identifiers,
    so the file carries no more personal data than the task requires. Still customer text:
    keep the file where the database is."""
    name = tasks.get(task).name  # an unknown task fails here, before anything is written
    return _training_lines(store.labelled_requests(name, tenant), name)


def _training_lines(
    pairs: list[tuple[RequestRecord, ReviewLabel]], task: str
) -> Iterator[dict[str, Any]]:
    for row, label in pairs:
        yield {
            "id": row.request_id,
            "task": task,
            "text": mask_pii(row.text),
            "expected": label.fields,
            "source": f"{label.kind}-label",
            "model": label.model,
            "corrected": label.corrected,
        }
