"""The database a test runs against: a fresh SQLite file, or a fresh schema on the real
PostgreSQL server (``AUTOGLM_TEST_POSTGRES_URL``, set by ``.ci/run``).

Use the ``database_url`` fixture (re-exported by the conftest of each test folder that needs
it); tests taking it run once per database, the PostgreSQL run marked ``postgres``.

PostgreSQL isolation: every test gets its own schema, selected through the connection's
``search_path`` (libpq ``options=-csearch_path=...``), so Alembic migrates from nothing, tests
never see each other's rows, and the schema is dropped afterwards.

Without the variable the PostgreSQL runs are skipped, except in CI (``CI=true``), where they
fail: CI must never report green on SQLite alone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from autoglm_ops.core.settings import Settings
from autoglm_ops.observability import Tracing
from autoglm_ops.service.platform import Platform

# read at import: the autouse fixture that scrubs AUTOGLM_* runs before any test
POSTGRES_URL = os.environ.get("AUTOGLM_TEST_POSTGRES_URL", "")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_url_or_skip() -> str:
    """The server URL, or skip (fail in CI) with the reason when it is not configured."""
    if POSTGRES_URL:
        return POSTGRES_URL
    reason = (
        "AUTOGLM_TEST_POSTGRES_URL is not set (e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/autoglm_test; .ci/run sets it)"
    )
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture
def fresh_postgres_schema() -> Iterator[str]:
    """A URL whose connections see only a new, empty schema; dropped after the test."""
    base = postgres_url_or_skip()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: SQLite under the test's temp dir, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'autoglm.db'}"
    return str(request.getfixturevalue("fresh_postgres_schema"))


@pytest.fixture
def platform(settings: Settings, database_url: str) -> Iterator[Platform]:
    """A platform with default settings on the test's database (SQLite, then PostgreSQL)."""
    p = Platform.from_settings(settings.model_copy(update={"database_url": database_url}))
    yield p
    p.close()


@pytest.fixture
def spans(platform: Platform) -> InMemorySpanExporter:
    """The platform's finished spans, captured in memory."""
    exporter = InMemorySpanExporter()
    platform.tracing = Tracing.with_exporter(exporter)
    return exporter
