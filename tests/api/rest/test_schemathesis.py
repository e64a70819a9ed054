"""Property-based API tests generated from the app's own ``/openapi.json`` (schemathesis):
every operation, with valid and invalid input, against a real uvicorn server with a valid
key. No answer may be a 5xx, every status must be documented for its route, and every body
must match the schema documented for its status. The error answers a valid key rarely
meets (401, 403, 413, 429) are provoked one by one and checked against the document too.
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
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

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
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        timeout=10,
    )


def test_error_answers_match_the_document(tmp_path: Path) -> None:
    """Each kind of error answer, provoked on purpose: its status is documented for the
    route, its body matches the documented schema, and the documented required headers
    (``WWW-Authenticate``, ``Retry-After``) are sent."""
    settings = _settings(tmp_path / "var").model_copy(
        update={"max_body_bytes": 4096, "rate_limit_per_minute": 1, "rate_limit_burst": 1}
    )
    platform = Platform.from_settings(settings)

    def key(*scopes: str) -> dict[str, str]:
        # a fresh key per answer: every key has a budget of one request a minute
        return {"Authorization": f"Bearer {platform.store.create_key(list(scopes)).secret}"}

    good = {"text": "月薪八千", "task": TASKS[0]}
    limited = key("extract")
    answers: list[tuple[str, str, str, dict[str, Any], int]] = [
        ("POST", "/v1/extract", "/v1/extract", {"content": b'{"text": '}, 400),
        ("POST", "/v1/extract", "/v1/extract", {"json": good, "headers": {}}, 401),
        ("POST", "/v1/extract", "/v1/extract", {"json": good, "headers": key("review")}, 403),
        ("POST", "/v1/extract", "/v1/extract", {"json": {**good, "task": "nope"}}, 404),
        ("POST", "/v1/extract", "/v1/extract", {"content": b" " * 5000}, 413),
        ("POST", "/v1/extract", "/v1/extract", {"json": {"text": 1}}, 422),
        ("POST", "/v1/extract", "/v1/extract", {"json": {**good, "text": " "}}, 422),
        ("GET", "/v1/requests/{request_id}", "/v1/requests/r1", {"headers": limited}, 404),
        ("GET", "/v1/requests/{request_id}", "/v1/requests/r1", {"headers": limited}, 429),
        ("GET", "/v1/tasks", "/v1/tasks", {"headers": {"Authorization": "Bearer x"}}, 401),
        ("POST", "/v1/applications", "/v1/applications", {"json": {"txt": ""}}, 422),
        (
            "POST",
            "/v1/applications",
            "/v1/applications",
            {"json": {}, "headers": key("review")},
            403,
        ),
        ("GET", "/v1/applications/{application_id}", "/v1/applications/a1", {}, 404),
    ]
    try:
        with LiveServer(create_app(platform=platform)) as srv, httpx.Client(timeout=10) as c:
            for method, template, path, kwargs, status in answers:
                headers = {"Content-Type": "application/json"}
                headers.update(kwargs.pop("headers", key("admin")))
                r = c.request(method, srv.url + path, headers=headers, **kwargs)
                assert r.status_code == status, (method, path, r.text)
                documented = OPENAPI["paths"][template][method.lower()]["responses"]
                assert str(status) in documented, (method, template, status)
                schema[template][method].validate_response(r)
                for name, header in documented[str(status)].get("headers", {}).items():
                    assert not header["required"] or name in r.headers, (path, status, name)
    finally:
        platform.close()
