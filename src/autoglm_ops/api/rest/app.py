"""The REST edge: FastAPI routes that call the service layer and nothing else."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from autoglm_ops.api.rest import applications as applications_routes
from autoglm_ops.api.rest import reviews as reviews_routes
from autoglm_ops.api.rest.deps import PlatformDep, PrincipalDep
from autoglm_ops.api.rest.middleware import BodyLimitMiddleware, ObservabilityMiddleware
from autoglm_ops.api.rest.responses import (
    AUTHENTICATED,
    JSON_BODY,
    SHED,
    InvalidInputResponse,
    error_response,
    error_responses,
    without_default_422,
)
from autoglm_ops.api.rest.shedding import SheddingMiddleware
from autoglm_ops.core.errors import (
    AutoGLMError,
    BackendError,
    BackendTimeoutError,
    ConfigurationError,
    ModelArtifactError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnknownTaskError,
)
from autoglm_ops.core.logging import configure_logging
from autoglm_ops.core.pii import mask_pii
from autoglm_ops.core.settings import Settings, get_settings
from autoglm_ops.observability.metrics import CONTENT_TYPE_LATEST
from autoglm_ops.service import extraction
from autoglm_ops.service.platform import Platform

log = logging.getLogger("autoglm_ops.api")


class ExtractRequest(BaseModel):
    """Body of ``POST /v1/extract``."""

    model_config = ConfigDict(extra="forbid")

    text: StrictStr
    task: StrictStr
    backend: StrictStr | None = None


class Readiness(BaseModel):
    """Body of ``GET /readyz``."""

    ready: bool
    checks: dict[str, bool]


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> FastAPI:
    """Build the ASGI app. A given ``platform`` is used as is (tests); otherwise one is built
    from ``settings`` at start-up and closed at shutdown."""
    settings = settings or (platform.settings if platform else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # JSON lines with PII masking while serving; the previous root setup comes back at
        # shutdown, so an app started inside another program (or a test) leaves no trace.
        root = logging.getLogger()
        previous_level = root.level
        handler = configure_logging(settings.log_level)
        own = platform is None
        try:
            app.state.platform = platform or Platform.from_settings(settings)
            yield
        finally:
            if own and hasattr(app.state, "platform"):
                app.state.platform.close()
            root.removeHandler(handler)
            handler.close()
            root.setLevel(previous_level)

    app = FastAPI(
        title="autoglm-ops",
        version="0.1.0",
        summary="Structured, evidence-backed fields from customer free text.",
        lifespan=lifespan,
    )
    if platform is not None:
        app.state.platform = platform

    @app.exception_handler(AutoGLMError)
    async def _autoglm_error(_: Request, exc: AutoGLMError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            bad = {"code": "bad_request", "message": "request body is not valid JSON"}
            return JSONResponse({"error": bad}, status_code=400)
        # Name the offending location and problem, never echo the submitted value.
        # A caller may put personal data in a field *name*: mask locations like messages.
        problems = [
            {"loc": [mask_pii(str(p)) for p in e.get("loc", ())], "msg": e.get("msg", "invalid")}
            for e in errors
        ]
        first = problems[0] if problems else {"loc": [], "msg": "invalid"}
        message = f"{'.'.join(first['loc'][1:]) or 'body'}: {first['msg']}"
        # built through the documented model, so the body is what /openapi.json says it is
        body = InvalidInputResponse.model_validate(
            {
                "error": {
                    "code": "invalid_input",
                    "message": message,
                    "details": {"errors": problems},
                }
            }
        )
        return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        body = {"code": "http_error", "message": str(exc.detail)}
        return JSONResponse({"error": body}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Never leak a traceback or customer text; the type name is enough to find the log line.
        log.error("unhandled error", extra={"error_type": type(exc).__name__})
        body = {"code": "internal", "message": "internal error; see the server log"}
        return JSONResponse({"error": body}, status_code=500)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "not ready: a check failed"}},
    )
    def readyz(platform: PlatformDep) -> JSONResponse:
        """Readiness: the store accepts writes."""
        ok = platform.store.ping()
        return JSONResponse({"ready": ok, "checks": {"store": ok}}, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    def metrics(platform: PlatformDep) -> Response:
        """Prometheus metrics of this process (text exposition format)."""
        return Response(platform.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/v1/tasks", tags=["extraction"], responses=error_responses(*AUTHENTICATED))
    def list_tasks(platform: PlatformDep, _: PrincipalDep) -> dict[str, Any]:
        """The tasks this service knows, with their fields."""
        return {
            "tasks": [
                {
                    "name": t.name,
                    "version": t.version,
                    "description": t.description,
                    "fields": [f.model_dump(exclude_none=True) for f in t.fields],
                }
                for t in platform.tasks
            ]
        }

    @app.post(
        "/v1/extract",
        tags=["extraction"],
        response_model=extraction.ExtractResponse,
        responses=error_responses(
            *AUTHENTICATED,
            *JSON_BODY,
            *SHED,
            PermissionDeniedError,
            UnknownTaskError,
            NotFoundError,  # an unknown backend
            RateLimitedError,
            BackendError,
            BackendTimeoutError,
            ConfigurationError,  # a requested backend that is not set up here
            ModelArtifactError,
        ),
    )
    def extract(
        body: ExtractRequest, platform: PlatformDep, principal: PrincipalDep
    ) -> extraction.ExtractResponse:
        """Extract the task's fields from ``text``; the request is stored before answering."""
        # the access-log line, metrics and spans come from the service and the middleware
        return extraction.extract(
            platform, text=body.text, task=body.task, principal=principal, backend=body.backend
        )

    @app.get(
        "/v1/requests/{request_id}",
        tags=["extraction"],
        responses=error_responses(*AUTHENTICATED, NotFoundError, RateLimitedError),
    )
    def get_request(
        request_id: str, platform: PlatformDep, principal: PrincipalDep
    ) -> dict[str, Any]:
        """A stored request of the caller's tenant (fields and review, not the input text)."""
        return extraction.get_stored(platform, request_id=request_id, principal=principal)

    app.include_router(applications_routes.router)
    app.include_router(reviews_routes.router)
    without_default_422(app)

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # refusals by the body limit are counted and logged too
    app.add_middleware(ObservabilityMiddleware)
    # outermost: excess is refused at next to no cost, before anything else runs (it counts
    # its refusals in the HTTP metrics itself)
    app.add_middleware(
        SheddingMiddleware, max_inflight=settings.max_inflight, max_queue_ms=settings.max_queue_ms
    )
    return app
