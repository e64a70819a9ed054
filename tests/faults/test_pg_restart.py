"""PostgreSQL restarted under load: clean 503s or successes, nothing half-written, and the
service recovers without its own restart. Restarts the local cluster, so it runs only as
root where ``pg_ctlcluster`` controls the server of AUTOGLM_TEST_POSTGRES_URL."""

from __future__ import annotations

import pytest
from bench.faults import pg_controllable, pg_restart_run

from tests.databases import postgres_url_or_skip

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_postgres_restart_under_load_fails_cleanly_and_recovers() -> None:
    base = postgres_url_or_skip()
    why_not = pg_controllable()
    if why_not is not None:
        pytest.skip(f"cannot restart PostgreSQL here: {why_not}")
    run = pg_restart_run(base, rate=20.0, pre_s=2.0, post_s=5.0)
    assert run.bad == []  # never a 500, a non-JSON error, a reset or a hang
    assert run.ok > 0 and run.lost == []
    assert run.incomplete == 0 and run.rows == run.ok
    # requests sent after the restart's end succeed again, without restarting the service
    end = run.restart_at + run.restart_s
    after = [a for a in run.answers if a.sent >= end + 1.0]
    assert after and all(a.status == 200 for a in after)
    assert run.ready[-1][1] == 200
