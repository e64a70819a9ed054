"""A backend wrapper that holds every extraction until released: fills a server's in-flight
slots on demand, for the load-shedding tests of both edges."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from autoglm_ops.backends.base import Extractor
from autoglm_ops.core.settings import Settings
from autoglm_ops.core.types import Extraction
from autoglm_ops.service.platform import Platform
from autoglm_ops.tasks.schema import TaskDefinition


class SlowExtractor(Extractor):
    """Wraps the real backend; every call waits for ``release`` (a thread event)."""

    name = "slow"

    def __init__(self, inner: Extractor) -> None:
        self.inner = inner
        self.release = threading.Event()
        self.started = threading.Semaphore(0)

    def extract(self, text: str, task: TaskDefinition) -> Extraction:
        self.started.release()
        self.release.wait(10)
        return self.inner.extract(text, task)


@contextmanager
def slow_platform(
    settings: Settings, max_inflight: int = 2
) -> Iterator[tuple[Platform, SlowExtractor]]:
    """A platform admitting ``max_inflight`` extractions, whose backend waits for release."""
    p = Platform.from_settings(settings.model_copy(update={"max_inflight": max_inflight}))
    slow = SlowExtractor(p.backend())
    p.backends[p.settings.backend] = slow
    try:
        yield p, slow
    finally:
        slow.release.set()
        p.close()
