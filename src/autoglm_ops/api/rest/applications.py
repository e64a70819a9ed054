"""REST routes of the credit decision flow: thin calls into service.applications."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from autoglm_ops.api.rest.deps import PlatformDep, PrincipalDep
from autoglm_ops.api.rest.responses import AUTHENTICATED, JSON_BODY, SHED, error_responses
from autoglm_ops.core.errors import NotFoundError, PermissionDeniedError
from autoglm_ops.service import applications


class ApplicationRequest(BaseModel):
    """Body of ``POST /v1/applications``: the narrative and, when the front end has them,
    structured form values (which win over extracted ones)."""

    model_config = ConfigDict(extra="forbid")

    text: StrictStr | None = Field(None, description="the applicant's free-text narrative")
    form: dict[str, Any] | None = Field(
        None, description="structured values, e.g. {'requested_amount': 200000}"
    )
    backend: StrictStr | None = None


router = APIRouter(tags=["applications"])


@router.post(
    "/v1/applications",
    status_code=201,
    response_model=applications.ApplicationResponse,
    # no backend or task errors: a failed extraction becomes an intake problem
    responses=error_responses(*AUTHENTICATED, *JSON_BODY, *SHED, PermissionDeniedError),
)
def submit(
    body: ApplicationRequest, platform: PlatformDep, principal: PrincipalDep
) -> applications.ApplicationResponse:
    """Assess a credit application; it is stored (with its audit record) before answering.
    Partial or bad applications are stored too and come back as ``manual_review``."""
    return applications.submit_application(
        platform, text=body.text, form=body.form, principal=principal, backend=body.backend
    )


@router.get(
    "/v1/applications/{application_id}",
    responses=error_responses(*AUTHENTICATED, PermissionDeniedError, NotFoundError),
)
def get(application_id: str, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """The full audit record of an application of the caller's tenant."""
    return applications.get_application(
        platform, application_id=application_id, principal=principal
    )
