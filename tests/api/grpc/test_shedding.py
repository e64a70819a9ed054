"""Load shedding at the gRPC edge: over the limit, Extract/Predict end at once UNAVAILABLE
with the overloaded trailers; health and GetRequest never shed; the admitted ones finish."""

from __future__ import annotations

import threading
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


EXTRACT = "/autoglm_ops.v1.PredictionService/Extract"


def _unsent(stop: threading.Event) -> Iterator[pb.ExtractRequest]:
    """A request stream that sends no message until ``stop``, then ends: a client whose
    unary call is on the wire but whose message has not arrived."""
    stop.wait(10)
    return
    yield  # a generator


def _raw_extract(channel: grpc.Channel) -> grpc.StreamUnaryMultiCallable:
    # Extract as the wire sees it: a unary call is a stream of one message
    return channel.stream_unary(
        EXTRACT,
        request_serializer=pb.ExtractRequest.SerializeToString,
        response_deserializer=pb.ExtractResponse.FromString,
    )


def test_refused_before_the_request_is_read(
    slow_platform: tuple[Platform, SlowExtractor],
) -> None:
    """As on REST: over the limit, the refusal does not wait for (or read) the message."""
    platform, slow = slow_platform
    key = platform.store.create_key(["extract"]).secret
    request = pb.ExtractRequest(text=TEXT, task="income_parsing")
    stop = threading.Event()
    with (
        LiveGrpc(platform) as live,
        grpc.insecure_channel(live.target) as channel,
        ThreadPoolExecutor(2) as pool,
    ):
        stub = pb_grpc.PredictionServiceStub(channel)
        held = [pool.submit(stub.Extract, request, metadata=auth(key), timeout=15) for _ in "ab"]
        for _ in held:
            assert slow.started.acquire(timeout=10)
        try:
            t0 = time.perf_counter()
            with pytest.raises(grpc.RpcError) as err:
                _raw_extract(channel)(_unsent(stop), metadata=auth(key), timeout=5)
            assert time.perf_counter() - t0 < 1.0
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE
            assert ("autoglm-error-code", "overloaded") in tuple(
                err.value.trailing_metadata() or ()
            )
        finally:
            stop.set()
            slow.release.set()
        assert all(f.result(timeout=15).request_id for f in held)


def test_admitted_calls_that_never_send_their_message_free_the_slot(
    slow_platform: tuple[Platform, SlowExtractor],
) -> None:
    """A slot is taken before the message is read; a client that cancels or half-closes
    without one must give it back (limit 2, so two leaks would refuse the last call)."""
    platform, slow = slow_platform
    slow.release.set()
    key = platform.store.create_key(["extract"]).secret
    with LiveGrpc(platform) as live, grpc.insecure_channel(live.target) as channel:
        raw = _raw_extract(channel)
        for _ in range(2):
            with pytest.raises(grpc.RpcError) as late:
                raw(_unsent(threading.Event()), metadata=auth(key), timeout=0.3)
            assert late.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        for _ in range(2):
            with pytest.raises(grpc.RpcError) as empty:
                raw(iter(()), metadata=auth(key), timeout=5)
            assert empty.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        time.sleep(0.2)  # the server sees the cancellations a moment after the client
        stub = pb_grpc.PredictionServiceStub(channel)
        request = pb.ExtractRequest(text=TEXT, task="income_parsing")
        with ThreadPoolExecutor(2) as pool:
            calls = [
                pool.submit(stub.Extract, request, metadata=auth(key), timeout=10) for _ in "ab"
            ]
            assert all(f.result(timeout=15).request_id for f in calls)


def test_work_runs_on_the_servers_own_few_threads(grpc_settings: Settings) -> None:
    """``grpc_workers`` threads run the calls' work, not the default executor: with one,
    a second admitted call waits for the first."""
    settings = grpc_settings.model_copy(update={"grpc_workers": 1})
    with make_slow_platform(settings, max_inflight=4) as (platform, slow):
        key = platform.store.create_key(["extract"]).secret
        request = pb.ExtractRequest(text=TEXT, task="income_parsing")
        with (
            LiveGrpc(platform) as live,
            grpc.insecure_channel(live.target) as channel,
            ThreadPoolExecutor(2) as pool,
        ):
            stub = pb_grpc.PredictionServiceStub(channel)
            calls = [
                pool.submit(stub.Extract, request, metadata=auth(key), timeout=15) for _ in "ab"
            ]
            assert slow.started.acquire(timeout=10)
            assert not slow.started.acquire(timeout=0.5)  # one worker: the second one waits
            workers = [t.name for t in threading.enumerate() if t.name.startswith("autoglm-grpc")]
            assert len(workers) == 1
            slow.release.set()
            assert all(f.result(timeout=15).request_id for f in calls)
