"""The one abstract base every extraction backend (and every wrapper) implements.

Like httpx's ``BaseTransport.handle_request`` there is one required method, ``extract``.
Capability flags are class attributes so routers can choose without instantiating.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from autoglm_ops.core.types import Extraction
from autoglm_ops.tasks.schema import TaskDefinition


class Extractor(ABC):
    """Turns one text into an :class:`Extraction` for a task."""

    #: registry name, e.g. "rules"
    name: ClassVar[str] = "base"
    version: ClassVar[str] = "0.0.0"
    #: tasks this backend can serve; None means any task
    supported_tasks: ClassVar[frozenset[str] | None] = None
    #: True when extract() makes network calls (routers prefer local backends under load)
    remote: ClassVar[bool] = False
    #: True when confidences are calibrated on held-out data
    calibrated: ClassVar[bool] = False

    @property
    def model_id(self) -> str:
        return f"{self.name}@{self.version}"

    def supports(self, task: TaskDefinition) -> bool:
        return self.supported_tasks is None or task.name in self.supported_tasks

    @abstractmethod
    def extract(self, text: str, task: TaskDefinition) -> Extraction:
        """Extract every field of ``task`` from ``text``."""

    def extract_batch(self, texts: Sequence[str], task: TaskDefinition) -> list[Extraction]:
        """Extract many texts; backends override this when batching is cheaper."""
        return [self.extract(t, task) for t in texts]

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (connections, model memory)."""
