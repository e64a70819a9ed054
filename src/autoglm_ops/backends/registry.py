"""The one backend registry. One discovery path: the ``autoglm_ops.backends`` entry-point group.

Built-in backends register themselves in pyproject.toml exactly as a third-party plugin would.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from autoglm_ops.backends.base import Extractor
from autoglm_ops.core.errors import ConfigurationError, NotFoundError
from autoglm_ops.core.settings import Settings

GROUP = "autoglm_ops.backends"


@cache
def available_backends() -> dict[str, str]:
    """Backend name -> "module:Class" for every registered backend."""
    return {ep.name: ep.value for ep in entry_points(group=GROUP)}


def backend_class(name: str) -> type[Extractor]:
    """Import and return the class registered under ``name``."""
    for ep in entry_points(group=GROUP):
        if ep.name == name:
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, Extractor)):
                raise ConfigurationError(f"backend {name!r} ({ep.value}) is not an Extractor")
            return cls
    known = ", ".join(sorted(available_backends())) or "(none)"
    raise NotFoundError(
        f"unknown backend {name!r}; known backends: {known} (set AUTOGLM_BACKEND or --backend)",
        details={"known_backends": sorted(available_backends())},
    )


def create_backend(name: str, settings: Settings) -> Extractor:
    """Build a backend from settings (``from_settings`` when the class has one)."""
    cls = backend_class(name)
    factory = getattr(cls, "from_settings", None)
    if callable(factory):
        return factory(settings)  # type: ignore[no-any-return]
    return cls()
