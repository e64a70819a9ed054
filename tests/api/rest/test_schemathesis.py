"""Property-based API tests generated from the app's own ``/openapi.json`` (schemathesis):
every operation, with valid and invalid input, against a real uvicorn server with a valid
key. No answer may be a 5xx, and every answer the schema documents must match it.

Undocumented statuses (401, 404, 413, 503 with the error body) are not failures here: FastAPI
documents only 200 and 422 per route, and the error body is checked by the REST tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from autoglm_ops.api.rest.app import create_app
from autoglm_ops.core.settings import Settings
from autoglm_ops.service.platform import Platform
from autoglm_ops.tasks.registry import TaskRegistry
from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """One server for the module's examples; (base URL, admin key)."""
    data_dir: Path = tmp_path_factory.mktemp("schemathesis") / "var"
    platform = Platform.from_settings(_settings(data_dir))
    key = platform.store.create_key(["admin"], name="schemathesis").secret
    try:
        with LiveServer(create_app(platform=platform)) as srv:
            yield srv.url, key
    finally:
        platform.close()


def _settings(data_dir: Path) -> Settings:
    # explicit values: the module-scoped server starts before the per-test env scrub
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'autoglm.db'}",
        backend="rules",
        rate_limit_per_minute=0,
        redis_url=None,
        otlp_endpoint=None,
        max_inflight=0,  # one client, no load: shedding is tested elsewhere
    )


# The document /openapi.json serves, built without starting anything (schemathesis's lazy
# `from_fixture` loader does not work with pytest 9); the live server is checked to serve it.
OPENAPI = create_app(_settings(Path("unused"))).openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)
TASKS = [t.name for t in TaskRegistry.load()]


@schema.hook
def flatmap_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
    """The schema types ``task`` as any string, so generated bodies would almost never name
    a real task and the extraction path would go untested: name one in two of three."""
    if isinstance(body, dict) and isinstance(body.get("task"), str):
        return st.sampled_from([body, *({**body, "task": t} for t in TASKS)])
    return st.just(body)


def test_the_server_serves_the_tested_document(live_api: tuple[str, str]) -> None:
    url, _ = live_api
    assert httpx.get(f"{url}/openapi.json", timeout=10).json() == OPENAPI


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, live_api: tuple[str, str]) -> None:
    url, key = live_api
    case.call_and_validate(
        base_url=url,
        headers={"Authorization": f"Bearer {key}"},
        checks=[not_a_server_error, response_schema_conformance],
        timeout=10,
    )
