"""The credit decision flow (seed §1): application text → extraction → policy rules + risk
model → preliminary credit suggestion, stored with its full audit record.

Bad or partial applications are never lost: whatever can be read is stored, and the answer is
``manual_review`` with the reasons.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from autoglm_ops.core.errors import AutoGLMError, PermissionDeniedError
from autoglm_ops.core.pii import mask_pii
from autoglm_ops.core.types import FieldResult
from autoglm_ops.decision.fields import LOAN_APPLICATION_FIELDS, coerce_fields
from autoglm_ops.decision.suggest import Suggestion, SuggestionReason, suggest
from autoglm_ops.service.platform import Platform
from autoglm_ops.store.models import ApplicationRecord
from autoglm_ops.store.repo import Principal

TASK = "loan_application"


class ApplicationField(FieldResult):
    """A field of an application: extracted (with evidence) or given in the form."""

    source: str = "extracted"  # "extracted" | "form"


class Assessment(BaseModel):
    """The outcome of one application before it is stored."""

    decision: str
    suggestion: Suggestion
    fields: dict[str, ApplicationField]
    intake_problems: list[str] = Field(default_factory=list)
    model: str
    latency_ms: float


class ApplicationResponse(BaseModel):
    """The answer of ``POST /v1/applications``."""

    application_id: str
    decision: str
    suggestion: dict[str, Any]
    fields: dict[str, ApplicationField]
    data: dict[str, Any]
    intake_problems: list[str]
    model: str


def _intake_reason(problem: str) -> SuggestionReason:
    return SuggestionReason(
        source="policy",
        ref="intake",
        effect="manual_review",
        text_zh=f"申请资料有问题：{problem}",
        text_en=problem,
    )


def assess(platform: Platform, *, text: Any, form: Any, backend: str | None = None) -> Assessment:
    """Extract, merge the form (form values win, marked as such), decide. Never raises for
    bad input: every problem becomes an intake problem and a manual review."""
    started = time.perf_counter()
    problems: list[str] = []
    task = platform.tasks.get(TASK)
    fields: dict[str, ApplicationField] = {
        name: ApplicationField(value=None, confidence=0.0) for name in task.field_names
    }
    model = "none"
    if not isinstance(text, str) or not text.strip():
        problems.append("no application text")
        text = text if isinstance(text, str) else ""
    elif len(text) > platform.settings.max_text_chars:
        problems.append(
            f"application text has {len(text)} characters, over the limit of "
            f"{platform.settings.max_text_chars}; not extracted"
        )
    else:
        try:
            extractor = platform.backend(backend)
            model = extractor.model_id
            result = extractor.extract(text, task)
            for name, fr in result.fields.items():
                fields[name] = ApplicationField(**fr.model_dump())
        except AutoGLMError as exc:
            problems.append(f"extraction failed ({exc.code}); fields left empty")
        except Exception as exc:  # a bug must not lose an accepted application
            problems.append(f"extraction failed ({type(exc).__name__}); fields left empty")

    if form is not None and not isinstance(form, dict):
        problems.append("'form' is not an object; ignored")
        form = {}
    for name in sorted(set(form or {}) - set(task.field_names)):
        problems.append(f"unknown form field {mask_pii(name)!r} ignored")
    given = {k: v for k, v in (form or {}).items() if k in task.field_names and v is not None}
    types = {k: LOAN_APPLICATION_FIELDS.get(k, "string") for k in given}
    clean, invalid = coerce_fields(given, types)
    for name in invalid:
        problems.append(f"form field {name!r} has the wrong type; ignored")
    for name, value in clean.items():
        if name not in invalid:
            fields[name] = ApplicationField(
                value=value, confidence=1.0, source="form", reasons=["from the application form"]
            )

    policy, risk_model = platform.decision_models()
    suggestion = suggest(
        {k: f.value for k, f in fields.items()},
        {k: f.confidence for k, f in fields.items()},
        policy,
        risk_model,
        platform.settings.review_threshold,
    )
    if problems:
        suggestion.reasons[:0] = [_intake_reason(p) for p in problems]
        if suggestion.decision == "approve":
            suggestion.decision = "manual_review"
    return Assessment(
        decision=suggestion.decision,
        suggestion=suggestion,
        fields=fields,
        intake_problems=problems,
        model=model,
        latency_ms=(time.perf_counter() - started) * 1000.0,
    )


def _compact(suggestion: Suggestion) -> dict[str, Any]:
    """The suggestion as the API shows it (full policy/risk detail stays in the audit record)."""
    return suggestion.model_dump(
        mode="json",
        include={
            "decision",
            "credit_limit",
            "credit_limit_currency",
            "pd",
            "score",
            "reasons",
            "policy_version",
            "model_versions",
            "imputed_model_inputs",
        },
    )


def submit_application(
    platform: Platform,
    *,
    text: Any,
    form: Any,
    principal: Principal,
    backend: str | None = None,
    store: bool = True,
) -> ApplicationResponse:
    """Assess one application for ``principal`` and store its audit record before answering."""
    if not principal.allows("extract"):
        raise PermissionDeniedError("this API key lacks the 'extract' scope")
    outcome = assess(platform, text=text, form=form, backend=backend)
    app_id = uuid.uuid4().hex
    if store:
        platform.store.save_application(
            ApplicationRecord(
                application_id=app_id,
                tenant=principal.tenant,
                created_at=datetime.now(UTC),
                text=text if isinstance(text, str) else "",
                form=form if isinstance(form, dict) else {},
                fields={k: v.model_dump(mode="json") for k, v in outcome.fields.items()},
                decision=outcome.decision,
                suggestion=outcome.suggestion.model_dump(mode="json"),
                intake_problems=outcome.intake_problems,
                model=outcome.model,
                policy_version=outcome.suggestion.policy_version,
                latency_ms=outcome.latency_ms,
            )
        )
    return ApplicationResponse(
        application_id=app_id,
        decision=outcome.decision,
        suggestion=_compact(outcome.suggestion),
        fields=outcome.fields,
        data={k: f.value for k, f in outcome.fields.items()},
        intake_problems=outcome.intake_problems,
        model=outcome.model,
    )


def get_application(
    platform: Platform, *, application_id: str, principal: Principal
) -> dict[str, Any]:
    """The full audit record of one of the caller's tenant's applications."""
    if not principal.allows("extract") and not principal.allows("review"):
        raise PermissionDeniedError("this API key lacks the 'extract' or 'review' scope")
    row = platform.store.get_application(application_id, principal.tenant)
    return {
        "application_id": row.application_id,
        "created_at": row.created_at.isoformat(),
        "decision": row.decision,
        "suggestion": row.suggestion,
        "fields": row.fields,
        "form": row.form,
        "intake_problems": row.intake_problems,
        "model": row.model,
        "policy_version": row.policy_version,
        "latency_ms": row.latency_ms,
    }
