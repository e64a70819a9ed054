"""Admission control for load shedding, shared by the edges (REST middleware, gRPC
interceptor): at most ``max_inflight`` expensive requests at once; one more waits up to the
queue-time budget ``max_queue_ms`` for a slot (0: not at all) and is otherwise refused, so
that it can be answered ``overloaded`` at once instead of queueing behind work the server
cannot finish in time.

Event-loop only: one gate belongs to one server's loop, so the counter needs no lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

#: the message of every refusal, on both edges
OVERLOADED_MESSAGE = (
    "the server is at its limit of concurrent requests; retry after a second "
    "(limits: AUTOGLM_MAX_INFLIGHT, AUTOGLM_MAX_QUEUE_MS)"
)


class AdmissionGate:
    """Counts admitted requests; ``enter`` admits or refuses, ``leave`` frees the slot."""

    def __init__(self, max_inflight: int, max_queue_ms: float = 0.0) -> None:
        self.max_inflight = max_inflight
        self.queue_s = max(0.0, max_queue_ms) / 1000.0
        self.inflight = 0
        self.shed = 0  # refusals since start
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def enabled(self) -> bool:
        return self.max_inflight > 0

    async def enter(self) -> bool:
        """True: admitted (call :meth:`leave` when done); False: refused (counted)."""
        if self.inflight < self.max_inflight and not self._waiters:
            self.inflight += 1
            return True
        if self.queue_s > 0 and await self._wait_for_slot():
            return True
        self.shed += 1
        return False

    def leave(self) -> None:
        """Hand the slot to the longest waiter still waiting, else free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.inflight -= 1

    async def _wait_for_slot(self) -> bool:
        """Queue for a slot for up to the budget; True when one was handed over."""
        slot = asyncio.get_running_loop().create_future()
        self._waiters.append(slot)
        try:
            await asyncio.wait_for(slot, self.queue_s)
            return True
        except TimeoutError:
            return False
        except asyncio.CancelledError:
            # the caller went away just as a slot was handed to it: give the slot back
            if slot.done() and not slot.cancelled():
                self.leave()
            raise
        finally:
            # gone from the queue however it ended, so that the queue only holds live waiters
            with contextlib.suppress(ValueError):
                self._waiters.remove(slot)
