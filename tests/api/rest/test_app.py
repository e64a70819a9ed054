"""The REST edge against a real uvicorn server, on a real SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import text

from autoglm_ops.api.rest.app import create_app
from autoglm_ops.api.rest.deps import get_principal
from autoglm_ops.api.rest.shedding import SHED_PATHS
from autoglm_ops.core.settings import Settings
from autoglm_ops.service.platform import Platform
from tests.conftest import LiveServer

#: the backend a platform built from default settings serves with
DEFAULT_BACKEND = Settings.model_fields["backend"].default

SEED_TEXT = "我月均收入约1.8万元,有公积金缴纳记录"


@pytest.fixture
def platform(settings: Settings, database_url: str) -> Iterator[Platform]:
    p = Platform.from_settings(
        settings.model_copy(
            update={"max_body_bytes": 4096, "max_text_chars": 500, "database_url": database_url}
        )
    )
    yield p
    p.close()


@pytest.fixture
def server(platform: Platform) -> Iterator[LiveServer]:
    with LiveServer(create_app(platform=platform)) as srv:
        yield srv


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


@pytest.fixture
def key(platform: Platform) -> str:
    return platform.store.create_key(["extract"], tenant="bank-a").secret


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_health_and_ready(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["ready"] is True


def test_extract_answers_and_stores(client: httpx.Client, key: str, platform: Platform) -> None:
    r = client.post(
        "/v1/extract", json={"text": SEED_TEXT, "task": "income_parsing"}, headers=auth(key)
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"request_id", "task", "data", "fields", "model", "review"}
    assert body["task"] == "income_parsing"
    assert set(body["data"]) == set(body["fields"])
    for f in body["fields"].values():
        assert 0.0 <= f["confidence"] <= 1.0
        if f["evidence"] is not None:
            ev = f["evidence"]
            assert SEED_TEXT[ev["start"] : ev["end"]] == ev["text"]
    assert body["model"].startswith(f"{DEFAULT_BACKEND}@")
    assert isinstance(body["review"]["required"], bool)
    # stored durably with the text (read back over a new connection), readable only by the tenant
    with platform.store.engine.connect() as conn:
        row = conn.execute(
            text("select tenant, task, text from requests where request_id=:r"),
            {"r": body["request_id"]},
        ).one()
    assert tuple(row) == ("bank-a", "income_parsing", SEED_TEXT)
    if platform.store.engine.dialect.name == "sqlite":
        db = platform.settings.resolved_database_url.removeprefix("sqlite:///")
        with sqlite3.connect(db) as conn:
            assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    got = client.get(f"/v1/requests/{body['request_id']}", headers=auth(key))
    assert got.status_code == 200 and got.json()["data"] == body["data"]


def test_other_tenant_cannot_read_request(
    client: httpx.Client, key: str, platform: Platform
) -> None:
    rid = client.post(
        "/v1/extract", json={"text": SEED_TEXT, "task": "income_parsing"}, headers=auth(key)
    ).json()["request_id"]
    other = platform.store.create_key(["extract"], tenant="bank-b").secret
    r = client.get(f"/v1/requests/{rid}", headers=auth(other))
    assert r.status_code == 404
    assert rid in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer agk_123_wrong"},
    ],
)
def test_missing_or_wrong_key_is_401(client: httpx.Client, headers: dict[str, str]) -> None:
    r = client.post(
        "/v1/extract", json={"text": SEED_TEXT, "task": "income_parsing"}, headers=headers
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    assert SEED_TEXT not in r.text


def test_revoked_key_is_401(client: httpx.Client, platform: Platform) -> None:
    new = platform.store.create_key(["extract"])
    platform.store.revoke_key(new.key_id)
    r = client.post(
        "/v1/extract", json={"text": "x", "task": "income_parsing"}, headers=auth(new.secret)
    )
    assert r.status_code == 401


def test_unknown_task_is_404_listing_tasks(client: httpx.Client, key: str) -> None:
    r = client.post("/v1/extract", json={"text": SEED_TEXT, "task": "nope"}, headers=auth(key))
    assert r.status_code == 404
    err = r.json()["error"]
    assert "income_parsing" in err["message"]
    assert "income_parsing" in err["details"]["known_tasks"]


@pytest.mark.parametrize(
    "body",
    [
        {"text": "", "task": "income_parsing"},
        {"text": "   ", "task": "income_parsing"},
        {"text": 123, "task": "income_parsing"},
        {"text": None, "task": "income_parsing"},
        {"task": "income_parsing"},
        {"text": "月薪八千"},
        {"text": "月薪八千", "task": "income_parsing", "unexpected": 1},
        ["not", "an", "object"],
    ],
)
def test_bad_bodies_are_422(client: httpx.Client, key: str, body: object) -> None:
    r = client.post("/v1/extract", json=body, headers=auth(key))
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_input" and err["message"]
    assert "月薪八千" not in r.text


def test_invalid_json_is_400(client: httpx.Client, key: str) -> None:
    r = client.post(
        "/v1/extract",
        content=b'{"text": "abc", ',
        headers={**auth(key), "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_request"


def test_text_over_limit_is_413(client: httpx.Client, key: str) -> None:
    r = client.post(
        "/v1/extract", json={"text": "八" * 501, "task": "income_parsing"}, headers=auth(key)
    )
    assert r.status_code == 413
    assert "500" in r.json()["error"]["message"]


def test_body_over_limit_is_413_by_content_length(client: httpx.Client, key: str) -> None:
    r = client.post(
        "/v1/extract",
        content=b"x" * 5000,
        headers={**auth(key), "Content-Type": "application/json"},
    )
    assert r.status_code == 413


def test_chunked_body_over_limit_is_refused_before_read_whole(server: LiveServer, key: str) -> None:
    """No Content-Length: the limit is enforced while streaming, and the server answers 413
    without waiting for the (endless) rest of the body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        head = (
            "POST /v1/extract HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {key}\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sock.sendall(head.encode())
        chunk = b"a" * 1024
        for _ in range(8):
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        data = sock.recv(4096).decode()
    assert data.startswith("HTTP/1.1 413")
    assert json.loads(data.split("\r\n\r\n", 1)[1])["error"]["code"] == "payload_too_large"


def test_openapi_and_docs(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert "/v1/extract" in spec["paths"]
    assert client.get("/docs").status_code == 200


def _calls(dependant: Dependant) -> Iterator[object]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def test_every_route_documents_the_errors_of_the_edge(settings: Settings) -> None:
    """Errors raised around a route, not in it, are documented for every route they reach
    (a new router gets them by ``error_responses(*AUTHENTICATED, *JSON_BODY, *SHED)``), and
    a 422 is documented with the body the app sends, not FastAPI's default."""
    app = create_app(settings)
    spec = app.openapi()
    assert "HTTPValidationError" not in json.dumps(spec)
    checked: set[tuple[str, str]] = set()
    # included routers' routes are not in app.routes itself
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        path = context.path
        for method in context.methods or ():
            responses = spec["paths"][path][method.lower()]["responses"]
            where = (method, path)
            checked.add(where)
            if get_principal in _calls(route.dependant):
                assert responses["401"]["headers"]["WWW-Authenticate"]["required"], where
                assert "store_unavailable" in responses["503"]["description"], where
            if route.body_field is not None:
                assert {"400", "413", "422"} <= set(responses), where
                assert responses["422"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/InvalidInputResponse"
                }, where
            if path in SHED_PATHS:
                assert "Retry-After" in responses["503"]["headers"], where
            for status, response in responses.items():
                if int(status) >= 400 and status != "422" and path != "/readyz":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, where
    assert checked == {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}, (
        "every documented operation was checked"
    )
