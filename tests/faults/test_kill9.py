"""kill -9 of `autoglm-ops serve` during a write burst loses no acknowledged request.

The server is a real subprocess on SQLite (WAL, synchronous=FULL, group commit); the
trials are those of ``bench.faults`` (50 there, 3 here).
"""

from __future__ import annotations

import pytest
from bench.faults import kill9_trials

pytestmark = pytest.mark.slow


def test_kill9_during_a_write_burst_loses_no_acknowledged_request() -> None:
    trials, integrity, (rows, incomplete) = kill9_trials(3, seed=11)
    assert len(trials) == 3
    for t in trials:
        assert t.acknowledged > 0  # the kill really hit a running burst
        assert t.lost == []
        assert t.mismatched == []  # stored with the very fields that were answered
        assert t.committed_unanswered >= 0
    assert integrity == "ok"
    assert rows >= sum(t.acknowledged for t in trials)
    assert incomplete == 0
