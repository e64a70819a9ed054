"""The one error tree of autoglm-ops, and its mapping to HTTP status and gRPC codes.

    AutoGLMError
    ├── CallerError                      the caller can fix it (4xx)
    │   ├── BadRequestError              400  malformed body, invalid JSON
    │   ├── AuthenticationError          401  missing / wrong API key
    │   ├── PermissionDeniedError        403  key lacks the scope
    │   ├── NotFoundError                404  unknown resource
    │   │   └── UnknownTaskError         404  unknown task (lists the known ones)
    │   ├── ConflictError                409  the resource's state forbids it (already reviewed)
    │   ├── ValidationError              422  a value in the body is wrong
    │   ├── PayloadTooLargeError         413  text or body over the limit
    │   └── RateLimitedError             429  too many requests (carries retry_after)
    ├── ConfigurationError               the operator can fix it (start-up refuses)
    │   ├── TaskDefinitionError          a malformed task file
    │   └── ModelArtifactError           a model file is missing / corrupt / tampered
    └── RuntimeFailure                   not the caller's fault (5xx)
        ├── BackendError                 502  a model backend failed
        │   └── BackendTimeoutError      504
        ├── OverloadedError              503  shedding load
        └── StoreUnavailableError        503  the database cannot be written

Messages say how to fix the problem and never contain customer text.
"""

from __future__ import annotations

from typing import Any

from autoglm_ops.core.pii import mask_pii


class AutoGLMError(Exception):
    """Base of every error autoglm-ops raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    @property
    def public_message(self) -> str:
        """The message as shown to callers. Messages never carry customer text by design;
        masking here is the last line of defence for values a caller put in ids or names."""
        return mask_pii(self.message)

    def to_dict(self) -> dict[str, Any]:
        """The error as a JSON body (every edge shows errors through this or public_message)."""
        body: dict[str, Any] = {"code": self.code, "message": self.public_message}
        if self.details:
            body["details"] = {
                k: mask_pii(v) if isinstance(v, str) else v for k, v in self.details.items()
            }
        return body


# --- caller mistakes -------------------------------------------------------------------------


class CallerError(AutoGLMError):
    code = "bad_request"


class BadRequestError(CallerError):
    code = "bad_request"


class AuthenticationError(CallerError):
    code = "unauthenticated"


class PermissionDeniedError(CallerError):
    code = "permission_denied"


class NotFoundError(CallerError):
    code = "not_found"


class UnknownTaskError(NotFoundError):
    code = "unknown_task"

    def __init__(self, task: str, known: list[str]) -> None:
        super().__init__(
            f"unknown task {task!r}; known tasks: {', '.join(sorted(known)) or '(none)'}",
            details={"known_tasks": sorted(known)},
        )


class ConflictError(CallerError):
    code = "conflict"


class ValidationError(CallerError):
    code = "invalid_input"


class PayloadTooLargeError(CallerError):
    code = "payload_too_large"


class RateLimitedError(CallerError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


# --- operator mistakes -----------------------------------------------------------------------


class ConfigurationError(AutoGLMError):
    code = "configuration_error"


class TaskDefinitionError(ConfigurationError):
    code = "task_definition_error"

    def __init__(self, path: str, field: str, reason: str) -> None:
        super().__init__(
            f"task file {path}: field {field!r}: {reason}",
            details={"file": path, "field": field, "reason": reason},
        )


class ModelArtifactError(ConfigurationError):
    code = "model_artifact_error"


# --- runtime failures ------------------------------------------------------------------------


class RuntimeFailure(AutoGLMError):
    code = "internal"


class BackendError(RuntimeFailure):
    code = "backend_error"


class BackendTimeoutError(BackendError):
    code = "backend_timeout"


class OverloadedError(RuntimeFailure):
    code = "overloaded"


class StoreUnavailableError(RuntimeFailure):
    code = "store_unavailable"


# --- the one mapping table: error class -> (HTTP status, gRPC status code name) ---------------
# Looked up along the MRO, so a subclass inherits its parent's row unless it has its own.
# gRPC codes are given by name so that this module does not import grpcio.
ERROR_STATUS: dict[type[AutoGLMError], tuple[int, str]] = {
    AutoGLMError: (500, "INTERNAL"),
    CallerError: (400, "INVALID_ARGUMENT"),
    BadRequestError: (400, "INVALID_ARGUMENT"),
    AuthenticationError: (401, "UNAUTHENTICATED"),
    PermissionDeniedError: (403, "PERMISSION_DENIED"),
    NotFoundError: (404, "NOT_FOUND"),
    ConflictError: (409, "ALREADY_EXISTS"),
    ValidationError: (422, "INVALID_ARGUMENT"),
    PayloadTooLargeError: (413, "RESOURCE_EXHAUSTED"),
    RateLimitedError: (429, "RESOURCE_EXHAUSTED"),
    ConfigurationError: (500, "FAILED_PRECONDITION"),
    RuntimeFailure: (500, "INTERNAL"),
    BackendError: (502, "UNAVAILABLE"),
    BackendTimeoutError: (504, "DEADLINE_EXCEEDED"),
    OverloadedError: (503, "UNAVAILABLE"),
    StoreUnavailableError: (503, "UNAVAILABLE"),
}


def status_for(exc: AutoGLMError | type[AutoGLMError]) -> tuple[int, str]:
    """Return (HTTP status, gRPC code name) for an error or error class, from the one table."""
    for klass in (exc if isinstance(exc, type) else type(exc)).__mro__:
        if klass in ERROR_STATUS:
            return ERROR_STATUS[klass]  # type: ignore[index]
    return (500, "INTERNAL")
