"""The admission gate behind load shedding on both edges."""

from __future__ import annotations

import asyncio

import pytest

from autoglm_ops.service.admission import AdmissionGate


def test_limit_then_refusals_counted() -> None:
    async def main() -> None:
        gate = AdmissionGate(2)
        assert gate.enabled
        assert await gate.enter() and await gate.enter()
        assert not await gate.enter()
        assert gate.inflight == 2 and gate.shed == 1
        gate.leave()
        assert await gate.enter()
        gate.leave()
        gate.leave()
        assert gate.inflight == 0

    asyncio.run(main())


def test_zero_is_disabled() -> None:
    assert not AdmissionGate(0).enabled


def test_waiters_are_served_in_order() -> None:
    async def main() -> None:
        gate = AdmissionGate(1, max_queue_ms=5000)
        assert await gate.enter()
        order: list[int] = []

        async def wait(n: int) -> None:
            assert await gate.enter()
            order.append(n)

        tasks = [asyncio.create_task(wait(n)) for n in range(3)]
        await asyncio.sleep(0.01)
        for _ in range(3):
            gate.leave()  # hands the slot on: inflight stays 1
            await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)
        assert order == [0, 1, 2]
        gate.leave()
        assert gate.inflight == 0 and gate.shed == 0

    asyncio.run(main())


@pytest.mark.parametrize("cancel_before_wakeup", [True, False])
def test_a_cancelled_waiter_never_leaks_its_slot(cancel_before_wakeup: bool) -> None:
    async def main() -> None:
        gate = AdmissionGate(1, max_queue_ms=5000)
        assert await gate.enter()
        waiter = asyncio.create_task(gate.enter())
        await asyncio.sleep(0.01)
        if cancel_before_wakeup:
            gate.leave()  # the slot is handed over, then the waiter is cancelled
            waiter.cancel()
        else:
            waiter.cancel()  # cancelled while waiting: the slot stays with the holder
            await asyncio.sleep(0)
            gate.leave()
        try:
            admitted = await waiter
        except asyncio.CancelledError:
            admitted = False
        if admitted:  # the slot was won just before the cancellation landed
            gate.leave()
        assert gate.inflight == 0
        assert not gate._waiters

    asyncio.run(main())
