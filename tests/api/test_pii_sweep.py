"""Known fake personal data sent through every endpoint and error path (REST and gRPC) never
shows up in logs, spans, metrics or error bodies."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from google.protobuf.json_format import MessageToJson
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from autoglm_ops.api.grpc.gen import prediction_pb2, prediction_pb2_grpc
from autoglm_ops.api.grpc.server import build_server
from autoglm_ops.api.rest.app import create_app
from autoglm_ops.core.logging import configure_logging
from autoglm_ops.core.pii import id_check_char, luhn_valid
from autoglm_ops.core.settings import Settings
from autoglm_ops.observability import Tracing
from autoglm_ops.service.platform import Platform
from tests.conftest import LiveServer, free_port

_ID17 = "11010519900307123"
ID_CARD = _ID17 + id_check_char(_ID17)
PHONE = "13912345678"
CARD = "6222020200112233446"
EMAIL = "wang.xiaoming@example.com"
NAME = "王小明"
SECRETS = (ID_CARD, PHONE, CARD, EMAIL, NAME)
TEXT = (
    f"我叫{NAME}，身份证{ID_CARD}，手机{PHONE}，工资卡{CARD}，邮箱{EMAIL}。"
    "月薪税后一万八，有公积金。想贷款十万。"
)


def test_fixture_values_are_real_shapes() -> None:
    assert luhn_valid(CARD)
    assert len(ID_CARD) == 18


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    p = Platform.from_settings(Settings(data_dir=tmp_path / "var", max_text_chars=400))
    yield p
    p.close()


def test_no_personal_data_escapes(
    platform: Platform, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    exporter = InMemorySpanExporter()
    platform.tracing = Tracing.with_exporter(exporter)
    key = platform.store.create_key(["extract"], tenant="bank-a").secret
    auth = {"Authorization": f"Bearer {key}"}
    bodies: list[str] = []
    log_stream = (tmp_path / "log.jsonl").open("w+", encoding="utf-8")
    handler = configure_logging("DEBUG", stream=log_stream)
    try:
        with (
            LiveServer(create_app(platform=platform)) as srv,
            httpx.Client(base_url=srv.url, timeout=20) as c,
        ):
            calls = [
                c.post("/v1/extract", json={"text": TEXT, "task": "income_parsing"}, headers=auth),
                c.post("/v1/extract", json={"text": TEXT, "task": PHONE}, headers=auth),
                c.post(
                    "/v1/extract", json={"text": TEXT * 5, "task": "income_parsing"}, headers=auth
                ),
                c.post(
                    "/v1/extract",
                    json={"text": TEXT, "task": "income_parsing", EMAIL: 1},
                    headers=auth,
                ),
                c.post(
                    "/v1/extract", json={"text": [TEXT], "task": "income_parsing"}, headers=auth
                ),
                c.post(
                    "/v1/extract",
                    content=f'{{"text": "{TEXT}", '.encode(),
                    headers={**auth, "Content-Type": "application/json"},
                ),
                c.post(
                    "/v1/extract",
                    json={"text": TEXT, "task": "income_parsing"},
                    headers={"Authorization": f"Bearer {ID_CARD}"},
                ),
                c.post(
                    "/v1/applications", json={"text": TEXT, "form": {"age": PHONE}}, headers=auth
                ),
                c.post("/v1/applications", json={"form": {EMAIL: CARD}}, headers=auth),
                c.get(f"/v1/requests/{PHONE}", headers=auth),
                c.get(f"/v1/applications/{ID_CARD}", headers=auth),
                c.get(f"/nothing/{CARD}"),
            ]
            statuses = [r.status_code for r in calls]
            bodies += [r.text for r in calls]
            bodies.append(c.get("/metrics").text)
        assert statuses == [200, 404, 413, 422, 422, 400, 401, 201, 201, 404, 404, 404]

        port = free_port()

        async def grpc_calls() -> None:
            server = build_server(platform, port)
            await server.start()
            try:
                async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                    stub = prediction_pb2_grpc.PredictionServiceStub(channel)
                    md = (("authorization", f"Bearer {key}"),)
                    ok = await stub.Extract(
                        prediction_pb2.ExtractRequest(text=TEXT, task="income_parsing"),
                        metadata=md,
                    )
                    bodies.append(MessageToJson(ok))
                    for req, meta in (
                        (prediction_pb2.ExtractRequest(text=TEXT, task=CARD), md),
                        (prediction_pb2.ExtractRequest(text=TEXT * 5, task="income_parsing"), md),
                        (
                            prediction_pb2.ExtractRequest(text=TEXT, task="income_parsing"),
                            (("authorization", f"Bearer {PHONE}"),),
                        ),
                    ):
                        with pytest.raises(grpc.aio.AioRpcError) as info:
                            await stub.Extract(req, metadata=meta)
                        bodies.append(str(info.value.details()))
            finally:
                await server.stop(None)

        import asyncio

        asyncio.run(grpc_calls())
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    log_stream.close()
    logs = (tmp_path / "log.jsonl").read_text(encoding="utf-8") + capfd.readouterr().err
    spans = json.dumps(
        [dict(s.attributes or {}) for s in exporter.get_finished_spans()], ensure_ascii=False
    )
    for where, blob in (("logs", logs), ("spans", spans), ("bodies", "\n".join(bodies))):
        for secret in SECRETS:
            assert secret not in blob, f"{secret!r} leaked into {where}"
    # the successful answers still carry the extraction (evidence spans are fields, not PII)
    assert json.loads(bodies[0])["data"]["income_amount"] == 18000
