"""How the REST edge renders errors, and how its OpenAPI document describes them.

Every error answer is ``{"error": {"code", "message", "details"?}}``. A route lists the
errors it can raise, ``responses=error_responses(*AUTHENTICATED, NotFoundError)``; the
statuses, the codes under each, the body schema and the headers (``WWW-Authenticate``,
``Retry-After``) come from here and from ``core.errors.ERROR_STATUS``, the one mapping table.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from autoglm_ops.core.errors import (
    AuthenticationError,
    AutoGLMError,
    BadRequestError,
    OverloadedError,
    PayloadTooLargeError,
    RateLimitedError,
    RuntimeFailure,
    StoreUnavailableError,
    ValidationError,
    status_for,
)

# --- the body --------------------------------------------------------------------------------


class Error(BaseModel):
    """One error: a stable code to branch on and a message that says how to fix it."""

    code: str = Field(description="stable machine-readable code, e.g. 'not_found'")
    message: str = Field(description="what went wrong and how to fix it")
    details: dict[str, Any] | SkipJsonSchema[None] = Field(
        None, description="structured extras, e.g. 'retry_after' or 'known_tasks'"
    )


class ErrorResponse(BaseModel):
    """The body of every error answer."""

    error: Error


class InputProblem(BaseModel):
    """One problem with the request: where (never the submitted value) and what."""

    loc: list[str] = Field(description="where, e.g. ['body', 'text']")
    msg: str


class InvalidInputDetails(BaseModel):
    errors: list[InputProblem]


class InvalidInput(BaseModel):
    """A 422: the request's shape (``details.errors``) or a value in it is wrong."""

    code: str = Field(description="'invalid_input'")
    message: str = Field(description="the first problem, e.g. 'text: Field required'")
    details: InvalidInputDetails | SkipJsonSchema[None] = Field(
        None, description="every problem, when the request's shape is wrong"
    )


class InvalidInputResponse(BaseModel):
    """The body of a 422 answer."""

    error: InvalidInput


# --- rendering -------------------------------------------------------------------------------

#: the headers an error answer carries, by error class (the documented ones below)
_RETRY_AFTER = {
    "description": "seconds to wait before retrying",
    "schema": {"type": "integer", "minimum": 1},
}
_HEADERS: dict[type[AutoGLMError], dict[str, dict[str, Any]]] = {
    AuthenticationError: {
        "WWW-Authenticate": {"description": "'Bearer'", "schema": {"type": "string"}}
    },
    RateLimitedError: {"Retry-After": _RETRY_AFTER},
    # sent by the shedding middleware (Retry-After: 1), which answers before any route runs
    OverloadedError: {"Retry-After": _RETRY_AFTER},
}


def error_headers(exc: AutoGLMError) -> dict[str, str]:
    headers = {}
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    if "retry_after" in exc.details:
        headers["Retry-After"] = str(max(1, round(float(exc.details["retry_after"]))))
    return headers


def error_response(exc: AutoGLMError) -> JSONResponse:
    """The answer to an error raised by a route: its status from ERROR_STATUS."""
    status, _ = status_for(exc)
    return JSONResponse({"error": exc.to_dict()}, status_code=status, headers=error_headers(exc))


# --- documenting -----------------------------------------------------------------------------

#: a route behind ``PrincipalDep``: the key is looked up in the store
AUTHENTICATED: tuple[type[AutoGLMError], ...] = (AuthenticationError, StoreUnavailableError)
#: a route with a JSON body: not JSON (400), over AUTOGLM_MAX_BODY_BYTES (413), wrong shape (422)
JSON_BODY: tuple[type[AutoGLMError], ...] = (BadRequestError, PayloadTooLargeError, ValidationError)
#: a route the shedding middleware guards (``shedding.SHED_PATHS``)
SHED: tuple[type[AutoGLMError], ...] = (OverloadedError,)


def error_responses(*errors: type[AutoGLMError]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route that can raise ``errors`` (and, as any route can,
    an unexpected 500): one entry per status, naming the codes it carries."""
    by_status: dict[int, list[type[AutoGLMError]]] = {}
    for klass in (*errors, RuntimeFailure):
        status, _ = status_for(klass)
        if klass not in by_status.setdefault(status, []):
            by_status[status].append(klass)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, classes in sorted(by_status.items()):
        codes = ", ".join(dict.fromkeys(f"`{k.code}`" for k in classes))
        entry: dict[str, Any] = {
            "model": InvalidInputResponse if status == 422 else ErrorResponse,
            "description": f"{HTTPStatus(status).phrase}: {codes}",
        }
        headers: dict[str, dict[str, Any]] = {}
        for klass in classes:
            for name, header in _HEADERS.get(klass, {}).items():
                # required only when every error of this status sends it
                sent_by_all = all(name in _HEADERS.get(k, {}) for k in classes)
                headers[name] = {**header, "required": sent_by_all}
        if headers:
            entry["headers"] = headers
        responses[status] = entry
    return responses


def without_default_422(app: FastAPI) -> None:
    """Make ``app.openapi()`` drop the 422 FastAPI adds to every route with parameters: its
    ``HTTPValidationError`` body is not what the app sends, and a route that can answer 422
    says so with ``error_responses(ValidationError)``."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = build()
            fastapi_default = {"$ref": "#/components/schemas/HTTPValidationError"}
            for operations in doc.get("paths", {}).values():
                for operation in operations.values():
                    responses = operation.get("responses", {})
                    content = responses.get("422", {}).get("content", {})
                    if content.get("application/json", {}).get("schema") == fastapi_default:
                        del responses["422"]
            schemas = doc.get("components", {}).get("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
