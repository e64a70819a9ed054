"""Tracing: off (no-op, no threads) unless an OTLP endpoint is configured; real OTLP/HTTP
export to a local collector stand-in; failures recorded without messages."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NoOpTracer

from autoglm_ops.core.settings import Settings
from autoglm_ops.observability import Tracing
from autoglm_ops.observability.tracing import otlp_traces_endpoint
from autoglm_ops.service import extraction
from autoglm_ops.service.platform import Platform

TEXT = "我叫王小明，手机13812345678，月薪税后一万八"


def test_endpoint_resolution() -> None:
    none: dict[str, str] = {}
    assert otlp_traces_endpoint(Settings(), none) is None
    s = Settings(otlp_endpoint="http://collector:4318")
    assert otlp_traces_endpoint(s, none) == "http://collector:4318/v1/traces"
    s = Settings(otlp_endpoint="http://collector:4318/v1/traces/")
    assert otlp_traces_endpoint(s, none) == "http://collector:4318/v1/traces"
    base = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318/"}
    assert otlp_traces_endpoint(Settings(), base) == "http://otel:4318/v1/traces"
    exact = {**base, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t:1/custom"}
    assert otlp_traces_endpoint(Settings(), exact) == "http://t:1/custom"
    # the autoglm setting wins over the environment
    assert (
        otlp_traces_endpoint(Settings(otlp_endpoint="http://a:1"), exact) == "http://a:1/v1/traces"
    )


def test_off_by_default_is_a_no_op_without_threads() -> None:
    before = {t.ident for t in threading.enumerate()}
    tracing = Tracing.from_settings(Settings())
    assert not tracing.enabled and tracing.provider is None
    assert isinstance(tracing.tracer, NoOpTracer)
    with tracing.span("autoglm.x", task="t") as sp:
        assert not sp.is_recording()
    tracing.shutdown()
    assert {t.ident for t in threading.enumerate()} == before


def test_span_failure_keeps_no_message() -> None:
    exporter = InMemorySpanExporter()
    tracing = Tracing.with_exporter(exporter)
    with pytest.raises(ValueError), tracing.span("autoglm.x"):
        raise ValueError(f"a library quoting the input: {TEXT}")
    [span] = exporter.get_finished_spans()
    assert not span.status.is_ok and span.status.description == "ValueError"
    assert (span.attributes or {})["error.type"] == "ValueError"
    assert not span.events
    assert TEXT not in str(span.to_json())


class _Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    """A stand-in OTLP/HTTP collector on a loopback port."""
    received: list[tuple[str, str, bytes]] = []
    handler = type("Handler", (_Collector,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def test_otlp_export_of_a_service_call(
    tmp_path: Path, collector: tuple[str, list[tuple[str, str, bytes]]]
) -> None:
    url, received = collector
    platform = Platform.from_settings(Settings(data_dir=tmp_path / "var", otlp_endpoint=url))
    assert platform.tracing.enabled
    key = platform.store.create_key(["extract"], tenant="bank-a")
    principal = extraction.authenticate(platform, key.secret)
    result = extraction.extract(platform, text=TEXT, task="income_parsing", principal=principal)
    platform.close()  # flushes the batch and stops the exporter thread

    assert received, "nothing exported"
    names: set[str] = set()
    call_attrs: dict[str, object] = {}
    resource_attrs: dict[str, str] = {}
    for path, content_type, body in received:
        assert path == "/v1/traces" and content_type == "application/x-protobuf"
        assert "王小明".encode() not in body and b"13812345678" not in body
        request = ExportTraceServiceRequest.FromString(body)
        for rs in request.resource_spans:
            resource_attrs |= {a.key: a.value.string_value for a in rs.resource.attributes}
            for ss in rs.scope_spans:
                for span in ss.spans:
                    names.add(span.name)
                    if span.name == "autoglm.service.extract":
                        call_attrs = {a.key: a.value.string_value for a in span.attributes}
    assert resource_attrs["service.name"] == "autoglm-ops"
    assert {"autoglm.auth", "autoglm.service.extract", "autoglm.extract", "autoglm.store"} <= names
    assert call_attrs["autoglm.request_id"] == result.request_id
    assert call_attrs["autoglm.model"] == result.model
    assert call_attrs["autoglm.task"] == "income_parsing"
    assert not any(t.name.startswith("OtelBatchSpanProcessor") for t in threading.enumerate())
