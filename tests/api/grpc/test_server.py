"""The gRPC edge against a real grpc.aio server, a real client and a real SQLite file."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from autoglm_ops.api.grpc.gen import prediction_pb2 as pb
from autoglm_ops.api.grpc.gen import prediction_pb2_grpc as pb_grpc
from autoglm_ops.api.grpc.server import SERVICE_NAME, build_server
from autoglm_ops.backends.base import Extractor
from autoglm_ops.core.errors import ConfigurationError
from autoglm_ops.core.settings import Settings
from autoglm_ops.core.types import Evidence, Extraction, FieldResult
from autoglm_ops.service import extraction
from autoglm_ops.service.platform import Platform
from autoglm_ops.tasks.schema import TaskDefinition
from tests.api.grpc.conftest import LiveGrpc, auth

SEED_TEXT = "我月均收入约1.8万元,有公积金缴纳记录"
LEAKY = "张三的身份证号 110101199003071234"


class FixedExtractor(Extractor):
    """Deterministic values of every JSON kind, with evidence, so conversion is exercised."""

    name = "fixed"
    version = "1.0.0"

    def extract(self, text: str, task: TaskDefinition) -> Extraction:
        at = text.find("1.8万")
        pf = text.find("公积金")
        return Extraction(
            task=task.name,
            model=self.model_id,
            fields={
                "income_amount": FieldResult(
                    value=18000,
                    confidence=0.93,
                    evidence=Evidence.from_span(text, at, at + 4) if at >= 0 else None,
                    reasons=["unit 万"],
                ),
                "currency": FieldResult(value="CNY", confidence=0.9),
                "income_period": FieldResult(value="month", confidence=0.88),
                "is_after_tax": FieldResult(value=None, confidence=0.4),
                "has_provident_fund": FieldResult(
                    value=True,
                    confidence=0.85,
                    evidence=Evidence.from_span(text, pf, pf + 3) if pf >= 0 else None,
                ),
                "employment_years": FieldResult(value=3.5, confidence=0.7),
            },
            review_reasons=["tenure is vague"],
        )


class SlowExtractor(FixedExtractor):
    name = "slow"

    def extract(self, text: str, task: TaskDefinition) -> Extraction:
        time.sleep(0.6)
        return super().extract(text, task)


class BrokenExtractor(Extractor):
    name = "broken"

    def extract(self, text: str, task: TaskDefinition) -> Extraction:
        raise RuntimeError(f"boom while reading {text}")


def as_dict(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def rest_body(platform: Platform, key: str, text: str, backend: str | None) -> dict[str, Any]:
    """What the service function answers (the REST body), in the protobuf JSON form:
    an absent evidence is an unset message rather than null."""
    principal = platform.store.authenticate(key)
    assert principal is not None
    body = extraction.extract(
        platform, text=text, task="income_parsing", principal=principal, backend=backend
    ).model_dump(mode="json")
    for f in body["fields"].values():
        if f["evidence"] is None:
            del f["evidence"]
    return body


def code_of(call: Any, *args: Any, **kwargs: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call(*args, **kwargs)
    return info.value


@pytest.mark.parametrize("backend", [None, "fixed"])
def test_extract_matches_the_service_and_is_stored(
    stub: pb_grpc.PredictionServiceStub, platform: Platform, key: str, backend: str | None
) -> None:
    platform.backends["fixed"] = FixedExtractor()
    request = pb.ExtractRequest(task="income_parsing", text=SEED_TEXT, backend=backend)
    if backend is None:
        request.ClearField("backend")
    resp = stub.Extract(request, metadata=auth(key), timeout=10)
    got = as_dict(resp)
    expected = rest_body(platform, key, SEED_TEXT, backend)
    assert got.pop("request_id") != expected.pop("request_id")
    assert got == expected  # JSON numbers: 18000 == 18000.0
    assert resp.task == "income_parsing"
    if backend == "fixed":
        amount = resp.fields["income_amount"]
        assert amount.value.number_value == 18000 and amount.confidence == pytest.approx(0.93)
        ev = amount.evidence
        assert SEED_TEXT[ev.start : ev.end] == ev.text == "1.8万"
        assert list(amount.reasons) == ["unit 万"]
        assert not resp.fields["currency"].HasField("evidence")
        assert resp.fields["is_after_tax"].value.WhichOneof("kind") == "null_value"
        assert resp.data["has_provident_fund"] is True and resp.data["currency"] == "CNY"
        assert resp.model == "fixed@1.0.0"
        assert resp.review.required is True  # 0.4 and 0.7 are under the 0.8 threshold
    # stored with the text, for the key's tenant, before the answer came back
    row = platform.store.get_request(resp.request_id, "bank-a")
    assert row.text == SEED_TEXT and row.task == "income_parsing" and row.model == resp.model
    assert set(row.fields) == set(resp.fields)


def test_predict_answers_flat_fields(
    stub: pb_grpc.PredictionServiceStub, platform: Platform, key: str
) -> None:
    platform.backends[platform.settings.backend] = FixedExtractor()
    resp = stub.Predict(
        pb.PredictRequest(task="income_parsing", text=SEED_TEXT), metadata=auth(key), timeout=10
    )
    expected = rest_body(platform, key, SEED_TEXT, None)
    got = as_dict(resp)
    assert got["fields"] == expected["data"]
    assert got["model"] == expected["model"] == "fixed@1.0.0"
    assert got["review"] == expected["review"]
    assert platform.store.get_request(resp.request_id, "bank-a").text == SEED_TEXT


def test_get_request_round_trip_and_tenancy(
    stub: pb_grpc.PredictionServiceStub, platform: Platform, key: str
) -> None:
    platform.backends["fixed"] = FixedExtractor()
    made = stub.Extract(
        pb.ExtractRequest(task="income_parsing", text=SEED_TEXT, backend="fixed"),
        metadata=auth(key),
    )
    got = stub.GetRequest(pb.GetRequestRequest(request_id=made.request_id), metadata=auth(key))
    assert got.request_id == made.request_id and got.model == made.model
    assert as_dict(got.data) == as_dict(made.data)
    assert as_dict(got)["fields"] == as_dict(made)["fields"]
    assert got.created_at and got.latency_ms >= 0
    other = platform.store.create_key(["extract"], tenant="bank-b").secret
    err = code_of(
        stub.GetRequest, pb.GetRequestRequest(request_id=made.request_id), metadata=auth(other)
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    "metadata",
    [(), (("authorization", "Bearer agk_nope_wrong"),), (("authorization", "Basic abc"),)],
    ids=["missing", "wrong", "not-bearer"],
)
def test_unauthenticated(
    stub: pb_grpc.PredictionServiceStub, platform: Platform, metadata: tuple[Any, ...]
) -> None:
    for call, req in [
        (stub.Extract, pb.ExtractRequest(task="income_parsing", text=SEED_TEXT)),
        (stub.Predict, pb.PredictRequest(task="income_parsing", text=SEED_TEXT)),
    ]:
        err = code_of(call, req, metadata=metadata)
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert platform.store.count_requests() == 0


def test_scope_is_enforced(stub: pb_grpc.PredictionServiceStub, platform: Platform) -> None:
    reviewer = platform.store.create_key(["review"], tenant="bank-a").secret
    err = code_of(
        stub.Extract,
        pb.ExtractRequest(task="income_parsing", text=SEED_TEXT),
        metadata=auth(reviewer),
    )
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED


def test_unknown_task_lists_the_known_ones(
    stub: pb_grpc.PredictionServiceStub, platform: Platform, key: str
) -> None:
    err = code_of(stub.Predict, pb.PredictRequest(task="nope", text=SEED_TEXT), metadata=auth(key))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert "income_parsing" in (err.details() or "")
    assert ("autoglm-error-code", "unknown_task") in tuple(err.trailing_metadata() or ())


@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_text_is_invalid(stub: pb_grpc.PredictionServiceStub, key: str, text: str) -> None:
    err = code_of(
        stub.Extract, pb.ExtractRequest(task="income_parsing", text=text), metadata=auth(key)
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_too_long_text_and_too_big_message(
    stub: pb_grpc.PredictionServiceStub, platform: Platform, key: str
) -> None:
    # over max_text_chars (500) but under max_body_bytes (4096): the service's own limit
    err = code_of(
        stub.Extract, pb.ExtractRequest(task="income_parsing", text="a" * 600), metadata=auth(key)
    )
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "limit is 500" in (err.details() or "")
    # over max_body_bytes: refused by the transport before any of our code runs
    err = code_of(
        stub.Extract, pb.ExtractRequest(task="income_parsing", text="收" * 2000), metadata=auth(key)
    )
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert platform.store.count_requests() == 0


def test_unexpected_error_is_internal_without_customer_text(
    stub: pb_grpc.PredictionServiceStub,
    platform: Platform,
    key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    platform.backends["broken"] = BrokenExtractor()
    with caplog.at_level(logging.DEBUG):
        err = code_of(
            stub.Extract,
            pb.ExtractRequest(task="income_parsing", text=LEAKY, backend="broken"),
            metadata=auth(key),
        )
    assert err.code() == grpc.StatusCode.INTERNAL
    details = err.details() or ""
    assert "110101" not in details and "boom" not in details and "Traceback" not in details
    assert "110101" not in caplog.text
    assert any(getattr(r, "error_type", None) == "RuntimeError" for r in caplog.records)


def test_health_serving(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", SERVICE_NAME):
        resp = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert resp.status == health_pb2.HealthCheckResponse.SERVING


def test_event_loop_stays_free_during_extraction(
    stub: pb_grpc.PredictionServiceStub, channel: grpc.Channel, platform: Platform, key: str
) -> None:
    platform.backends["slow"] = SlowExtractor()
    health = health_pb2_grpc.HealthStub(channel)
    req = pb.ExtractRequest(task="income_parsing", text=SEED_TEXT, backend="slow")
    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        slow = [pool.submit(stub.Extract, req, metadata=auth(key), timeout=10) for _ in range(2)]
        time.sleep(0.1)
        t0 = time.perf_counter()
        health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        health_s = time.perf_counter() - t0
        results = [f.result() for f in slow]
    total = time.perf_counter() - started
    assert all(r.model == "slow@1.0.0" for r in results)
    assert health_s < 0.3, f"health check waited {health_s:.3f}s behind an extraction"
    assert total < 1.1, f"two 0.6 s extractions took {total:.3f}s: they ran one after another"


def _list_services(channel: grpc.Channel) -> list[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    replies = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
    )
    return [s.name for r in replies for s in r.list_services_response.service]


def test_reflection_off_by_default(channel: grpc.Channel) -> None:
    err = code_of(_list_services, channel)
    assert err.code() == grpc.StatusCode.UNIMPLEMENTED


def test_reflection_when_enabled(grpc_settings: Settings) -> None:
    platform = Platform.from_settings(grpc_settings.model_copy(update={"grpc_reflection": True}))
    try:
        with LiveGrpc(platform) as live, grpc.insecure_channel(live.target) as ch:
            names = _list_services(ch)
    finally:
        platform.close()
    assert SERVICE_NAME in names and "grpc.health.v1.Health" in names


def test_port_in_use_is_a_configuration_error(live: LiveGrpc, platform: Platform) -> None:
    async def clash() -> None:
        build_server(platform, live.port, host="127.0.0.1")

    with pytest.raises(ConfigurationError, match="AUTOGLM_GRPC_PORT"):
        asyncio.run(clash())
