"""Load shedding at the gRPC edge: over the limit, Extract/Predict end at once UNAVAILABLE
with the overloaded trailers; health and GetRequest never shed; the admitted ones finish."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from autoglm_ops.api.grpc.gen import prediction_pb2 as pb
from autoglm_ops.api.grpc.gen import prediction_pb2_grpc as pb_grpc
from autoglm_ops.core.settings import Settings
from autoglm_ops.service.platform import Platform
from tests.api.grpc.conftest import LiveGrpc, auth
from tests.doubles.slow import SlowExtractor
from tests.doubles.slow import slow_platform as make_slow_platform

TEXT = "我月均收入约1.8万元,有公积金缴纳记录"


@pytest.fixture
def slow_platform(grpc_settings: Settings) -> Iterator[tuple[Platform, SlowExtractor]]:
    with make_slow_platform(grpc_settings) as pair:
        yield pair


def test_over_the_limit_is_unavailable_at_once(
    slow_platform: tuple[Platform, SlowExtractor],
) -> None:
    platform, slow = slow_platform
    key = platform.store.create_key(["extract"]).secret
    request = pb.ExtractRequest(text=TEXT, task="income_parsing")
    with (
        LiveGrpc(platform) as live,
        grpc.insecure_channel(live.target) as channel,
        ThreadPoolExecutor(2) as pool,
    ):
        stub = pb_grpc.PredictionServiceStub(channel)
        held = [pool.submit(stub.Extract, request, metadata=auth(key), timeout=15)]
        held.append(
            pool.submit(
                stub.Predict,
                pb.PredictRequest(text=TEXT, task="income_parsing"),
                metadata=auth(key),
                timeout=15,
            )
        )
        for _ in held:
            assert slow.started.acquire(timeout=10)
        t0 = time.perf_counter()
        with pytest.raises(grpc.RpcError) as err:
            stub.Extract(request, metadata=auth(key), timeout=5)
        assert time.perf_counter() - t0 < 1.0
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
        trailers = tuple(err.value.trailing_metadata() or ())
        assert ("autoglm-error-code", "overloaded") in trailers
        assert ("retry-after", "1") in trailers
        assert TEXT not in (err.value.details() or "")
        # probes and reads are not shed
        health = health_pb2_grpc.HealthStub(channel)
        status = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5).status
        assert status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as missing:
            stub.GetRequest(pb.GetRequestRequest(request_id="nope"), metadata=auth(key), timeout=5)
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        slow.release.set()
        answers = [f.result(timeout=15) for f in held]
        assert answers[0].request_id and answers[1].request_id
        # slots are free again
        assert stub.Extract(request, metadata=auth(key), timeout=10).request_id
