"""FastAPI dependencies shared by the REST routes: the platform and the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from autoglm_ops.core.errors import AuthenticationError
from autoglm_ops.service import extraction
from autoglm_ops.service.platform import Platform
from autoglm_ops.store.repo import Principal


def get_platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


def get_principal(
    request: Request, platform: Annotated[Platform, Depends(get_platform)]
) -> Principal:
    """Resolve ``Authorization: Bearer <key>`` to a principal or raise 401."""
    auth = request.headers.get("authorization", "")
    scheme, _, key = auth.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise AuthenticationError(
            "missing API key; send 'Authorization: Bearer <key>' "
            "(create one with `autoglm-ops keys create --scope extract`)"
        )
    return extraction.authenticate(platform, key)


PlatformDep = Annotated[Platform, Depends(get_platform)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
