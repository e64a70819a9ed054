"""Metrics, traces, access logs and rate limits at the REST edge, against a live server."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from autoglm_ops.api.rest.app import create_app
from autoglm_ops.core.settings import Settings
from autoglm_ops.service.platform import Platform
from tests.conftest import LiveServer

#: the backend a platform built from default settings serves with
DEFAULT_BACKEND = Settings.model_fields["backend"].default

TEXT = "我叫王小明，手机13812345678，月薪税后一万八，公积金正常缴纳"
REDIS_URL = os.environ.get("AUTOGLM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def client(platform: Platform) -> Iterator[httpx.Client]:
    with (
        LiveServer(create_app(platform=platform)) as srv,
        httpx.Client(base_url=srv.url, timeout=10) as c,
    ):
        yield c


@pytest.fixture
def key(platform: Platform) -> str:
    return platform.store.create_key(["extract"], tenant="bank-a").secret


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def extract(client: httpx.Client, key: str, text: str = TEXT) -> httpx.Response:
    return client.post(
        "/v1/extract", json={"text": text, "task": "income_parsing"}, headers=auth(key)
    )


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Parse the exposition text (fails on malformed output) into {(name, labels): value}."""
    out = {}
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(
    parsed: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return parsed.get((name, frozenset(labels.items())), 0.0)


def test_metrics_endpoint(client: httpx.Client, key: str) -> None:
    body = extract(client, key).json()
    rid, model = body["request_id"], body["model"]
    assert client.get(f"/v1/requests/{rid}", headers=auth(key)).status_code == 200
    assert client.post("/v1/extract", json={"text": TEXT}, headers=auth(key)).status_code == 422
    assert extract(client, "agk_x_wrong").status_code == 401
    assert client.get(f"/nothing/here/{rid}").status_code == 404

    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=")
    parsed = samples(r.text)
    ok = {
        "route": "extract",
        "task": "income_parsing",
        "backend": DEFAULT_BACKEND,
        "model_version": model,
        "status": "200",
    }
    assert value(parsed, "autoglm_requests_total", **ok) == 1
    assert value(parsed, "autoglm_request_duration_seconds_count", **ok) == 1
    assert (
        value(
            parsed, "autoglm_field_confidence_count", task="income_parsing", field="income_amount"
        )
        == 1
    )
    http = "autoglm_http_requests_total"
    assert value(parsed, http, method="POST", route="/v1/extract", status="200") == 1
    assert value(parsed, http, method="POST", route="/v1/extract", status="422") == 1
    assert value(parsed, http, method="POST", route="/v1/extract", status="401") == 1
    # the template, never the raw path with its request id; unknown paths share one label
    assert value(parsed, http, method="GET", route="/v1/requests/{request_id}", status="200") == 1
    assert value(parsed, http, method="GET", route="unmatched", status="404") == 1
    assert (
        value(
            parsed,
            "autoglm_http_request_duration_seconds_count",
            method="POST",
            route="/v1/extract",
        )
        == 3
    )
    # no request id, tenant, key or text anywhere in the exposition
    for secret in (rid, "bank-a", key, "王小明", "13812345678", "一万八"):
        assert secret not in r.text


def test_registries_are_per_app(tmp_path: Path) -> None:
    apps = []
    for name in ("a", "b"):
        p = Platform.from_settings(Settings(data_dir=tmp_path / name))
        apps.append((p, p.store.create_key(["extract"]).secret))
    try:
        with (
            LiveServer(create_app(platform=apps[0][0])) as a,
            LiveServer(create_app(platform=apps[1][0])) as b,
            httpx.Client(timeout=10) as c,
        ):
            for _ in range(2):
                assert (
                    c.post(
                        f"{a.url}/v1/extract",
                        json={"text": TEXT, "task": "income_parsing"},
                        headers=auth(apps[0][1]),
                    ).status_code
                    == 200
                )
            count = {}
            for name, srv in (("a", a), ("b", b)):
                parsed = samples(c.get(f"{srv.url}/metrics").text)
                count[name] = sum(
                    v for (n, _), v in parsed.items() if n == "autoglm_requests_total"
                )
        assert count == {"a": 2, "b": 0}
    finally:
        for p, _ in apps:
            p.close()


def test_request_id_header(client: httpx.Client, key: str) -> None:
    r = extract(client, key)
    assert r.headers["x-request-id"] == r.json()["request_id"]
    assert "x-request-id" not in extract(client, "agk_x_wrong").headers


def test_trace_of_an_extraction(
    client: httpx.Client, key: str, spans: InMemorySpanExporter
) -> None:
    trace_id = uuid.uuid4().hex
    parent_span = uuid.uuid4().hex[:16]
    r = client.post(
        "/v1/extract",
        json={"text": TEXT, "task": "income_parsing"},
        headers={**auth(key), "traceparent": f"00-{trace_id}-{parent_span}-01"},
    )
    assert r.status_code == 200
    rid = r.json()["request_id"]
    finished = spans.get_finished_spans()
    names = {s.name for s in finished}
    assert {
        "POST /v1/extract",
        "autoglm.auth",
        "autoglm.service.extract",
        "autoglm.ratelimit",
        "autoglm.validate",
        "autoglm.route",
        "autoglm.extract",
        "autoglm.store",
    } <= names
    # one trace, continuing the caller's
    assert {format(s.context.trace_id, "032x") for s in finished} == {trace_id}
    server = next(s for s in finished if s.name == "POST /v1/extract")
    assert server.parent is not None and format(server.parent.span_id, "016x") == parent_span
    attrs = server.attributes or {}
    assert attrs["http.route"] == "/v1/extract"
    assert attrs["http.response.status_code"] == 200
    assert attrs["autoglm.request_id"] == rid
    assert attrs["autoglm.task"] == "income_parsing"
    by_id = {s.context.span_id: s for s in finished}
    auth_span = next(s for s in finished if s.name == "autoglm.auth")
    call = next(s for s in finished if s.name == "autoglm.service.extract")
    assert auth_span.parent.span_id == server.context.span_id  # type: ignore[union-attr]
    assert call.parent.span_id == server.context.span_id  # type: ignore[union-attr]
    stages = ("autoglm.ratelimit", "autoglm.validate", "autoglm.route", "autoglm.extract")
    for s in finished:
        if s.name in stages:
            assert s.parent is not None and s.parent.span_id == call.context.span_id
        if s.name == "autoglm.store":
            op = (s.attributes or {})["autoglm.operation"]
            owner = {"authenticate": auth_span, "save_request": call}[str(op)]
            assert s.parent is not None and s.parent.span_id == owner.context.span_id
        for v in (s.attributes or {}).values():
            assert str(v) not in TEXT or len(str(v)) < 2
            assert "王小明" not in str(v) and "13812345678" not in str(v)
    assert len(by_id) == len(finished)


def access_lines(stderr: str) -> list[dict[str, object]]:
    lines = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record["logger"] == "autoglm_ops.access":
                lines.append(record)
    return lines


def test_one_json_access_line_per_request(
    platform: Platform, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    root_handlers = list(logging.getLogger().handlers)
    with (
        LiveServer(create_app(platform=platform)) as srv,
        httpx.Client(base_url=srv.url, timeout=10) as c,
    ):
        ok = extract(c, key)
        bad = c.post("/v1/extract", json={"text": "", "task": "income_parsing"}, headers=auth(key))
        unauth = extract(c, "agk_x_wrong")
        big = c.post(
            "/v1/extract",
            content=b"x" * (platform.settings.max_body_bytes + 1),
            headers={**auth(key), "Content-Type": "application/json"},
        )
        c.get("/healthz")  # probes log at DEBUG only
    assert [ok.status_code, bad.status_code, unauth.status_code, big.status_code] == [
        200,
        422,
        401,
        413,
    ]
    err = capsys.readouterr().err
    lines = access_lines(err)
    assert [line["status"] for line in lines] == [200, 422, 401, 413]
    first = lines[0]
    assert first["request_id"] == ok.json()["request_id"]
    assert first["tenant"] == "bank-a" and first["task"] == "income_parsing"
    assert first["model"] == ok.json()["model"]
    assert first["outcome"] == ("review" if ok.json()["review"]["required"] else "auto")
    assert isinstance(first["latency_ms"], float) and first["latency_ms"] > 0
    assert first["route"] == "/v1/extract" and first["method"] == "POST"
    assert lines[1]["outcome"] == "invalid_input" and lines[1]["tenant"] == "bank-a"
    assert lines[2]["outcome"] == "client_error" and lines[2]["tenant"] is None
    # the text (and its personal data) is in no log line
    for piece in ("王小明", "13812345678", "一万八"):
        assert piece not in err
    # the JSON handler the app installed is gone after shutdown
    assert logging.getLogger().handlers == root_handlers


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        rate_limit_per_minute=60,
        rate_limit_burst=2,
    )
    p = Platform.from_settings(settings)
    try:
        key = p.store.create_key(["extract"]).secret
        other = p.store.create_key(["extract"]).secret
        with (
            LiveServer(create_app(platform=p)) as srv,
            httpx.Client(base_url=srv.url, timeout=10) as c,
        ):
            assert [extract(c, key).status_code for _ in range(2)] == [200, 200]
            r = extract(c, key)
            assert r.status_code == 429
            assert r.headers["retry-after"] == "1"
            assert r.json()["error"]["code"] == "rate_limited"
            assert "王小明" not in r.text
            assert extract(c, other).status_code == 200  # per key
            parsed = samples(c.get("/metrics").text)
        assert value(parsed, "autoglm_rate_limited_total", route="extract") == 1
        assert p.store.count_requests() == 3
    finally:
        p.close()


def test_rate_limit_is_shared_by_replicas_through_redis(tmp_path: Path) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI=true but Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=db,
        redis_url=REDIS_URL,
        rate_limit_per_minute=60,
        rate_limit_burst=3,
    )
    replicas = [Platform.from_settings(settings) for _ in range(2)]
    try:
        key = replicas[0].store.create_key(["extract"])
        with (
            LiveServer(create_app(platform=replicas[0])) as a,
            LiveServer(create_app(platform=replicas[1])) as b,
            httpx.Client(timeout=10) as c,
        ):
            body = {"text": TEXT, "task": "income_parsing"}
            codes = [
                c.post(f"{srv.url}/v1/extract", json=body, headers=auth(key.secret)).status_code
                for srv in (a, b, a, b)
            ]
        assert codes == [200, 200, 200, 429]
    finally:
        redis.Redis.from_url(REDIS_URL).delete(f"autoglm:ratelimit:{key.key_id}")
        for p in replicas:
            p.close()
