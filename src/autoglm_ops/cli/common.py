"""Shared CLI plumbing: error handling, settings overrides, console."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import ValidationError as PydanticValidationError
from rich.console import Console

from autoglm_ops.core.errors import AutoGLMError, CallerError
from autoglm_ops.core.settings import Settings

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def cli_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn project errors into a one-line message and a non-zero exit (2: caller mistake,
    1: runtime failure) instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except AutoGLMError as exc:
            err_console.print(
                f"[bold red]error:[/] {exc.public_message}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2 if isinstance(exc, CallerError) else 1) from None
        except PydanticValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            err_console.print(f"[bold red]error:[/] setting {where}: {err['msg']}", soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def make_settings(**overrides: Any) -> Settings:
    """Settings from the environment with CLI options (those not None) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
