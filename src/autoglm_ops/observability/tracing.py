"""OpenTelemetry tracing of one platform instance.

Spans go to an OTLP/HTTP collector only when one is configured (``AUTOGLM_OTLP_ENDPOINT`` or the
standard ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_ENDPOINT``). Without one
the tracer is OpenTelemetry's no-op tracer: no SDK provider, no span processor, no background
thread, next to no cost per span.

The provider belongs to the platform (never set as the process-global one), so two apps in one
process and tests do not share spans. Context propagation still uses OpenTelemetry's context,
so a span opened by an edge is the parent of the spans the service opens beneath it.

Attributes are restricted to scalars and are set by the code that knows them to be safe
(request id, task, model, backend, tenant, lengths). Exceptions are recorded by type name and
error code only: ``Span.record_exception`` would copy the exception message, and a message from a
third-party library may quote customer text.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from autoglm_ops.core.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

__all__ = ["ATTR_PREFIX", "Tracing", "otlp_traces_endpoint"]

SERVICE_NAME = "autoglm-ops"
ATTR_PREFIX = "autoglm."
_TRACES_PATH = "/v1/traces"

AttrValue = str | bool | int | float


def otlp_traces_endpoint(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> str | None:
    """The OTLP/HTTP traces URL, or None when tracing export is not configured.

    ``AUTOGLM_OTLP_ENDPOINT`` and ``OTEL_EXPORTER_OTLP_ENDPOINT`` are base URLs (``/v1/traces`` is
    appended); ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` is used as is, as the OTel spec says.
    """
    env = os.environ if environ is None else environ
    base = settings.otlp_endpoint or None
    if base:
        return _with_traces_path(base)
    if env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return _with_traces_path(env["OTEL_EXPORTER_OTLP_ENDPOINT"])
    return None


def _with_traces_path(base: str) -> str:
    base = base.rstrip("/")
    return base if base.endswith(_TRACES_PATH) else base + _TRACES_PATH


class Tracing:
    """A tracer plus the SDK provider behind it (None when tracing is off)."""

    def __init__(self, provider: TracerProvider | None = None) -> None:
        self.provider = provider
        self.tracer: trace.Tracer = (
            provider.get_tracer("autoglm_ops") if provider is not None else trace.NoOpTracer()
        )

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    @classmethod
    def from_settings(cls, settings: Settings) -> Tracing:
        """OTLP/HTTP export in batches when an endpoint is configured, else the no-op tracer."""
        endpoint = otlp_traces_endpoint(settings)
        if endpoint is None:
            return cls()
        # imported here: the exporter pulls in protobuf and requests, unneeded when off
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return cls.with_exporter(OTLPSpanExporter(endpoint=endpoint), batch=True)

    @classmethod
    def with_exporter(cls, exporter: SpanExporter, *, batch: bool = False) -> Tracing:
        """Tracing into ``exporter``: synchronously (tests), or batched on a background thread."""
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
        processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
        provider.add_span_processor(processor)
        return cls(provider)

    @contextmanager
    def span(
        self,
        name: str,
        kind: SpanKind = SpanKind.INTERNAL,
        context: Context | None = None,
        **attributes: AttrValue | None,
    ) -> Iterator[Span]:
        """A child span of the current one (or of ``context``); an escaping exception marks
        it failed by type and error code only (never its message), then propagates.

        With tracing off this is a shared non-recording span and no context switch at all:
        even OpenTelemetry's no-op tracer costs several microseconds per span.
        """
        if self.provider is None:
            yield trace.INVALID_SPAN
            return
        with self.tracer.start_as_current_span(
            name, context=context, kind=kind, record_exception=False, set_status_on_exception=False
        ) as sp:
            set_attributes(sp, **attributes)
            try:
                yield sp
            except BaseException as exc:
                mark_error(sp, exc)
                raise

    def shutdown(self) -> None:
        """Flush and stop the exporter (and its thread, when batching)."""
        if self.provider is not None:
            self.provider.shutdown()


def set_attributes(span: Span, **attributes: AttrValue | None) -> None:
    """Set ``autoglm.<name>`` attributes, skipping None values."""
    if not span.is_recording():
        return
    for key, value in attributes.items():
        if value is not None:
            span.set_attribute(ATTR_PREFIX + key, value)


def mark_error(span: Span, exc: BaseException) -> None:
    """Mark ``span`` failed with the exception's type and error code, not its message."""
    if not span.is_recording():
        return
    code: Any = getattr(exc, "code", None)
    span.set_attribute("error.type", type(exc).__name__)
    if isinstance(code, str):
        span.set_attribute(ATTR_PREFIX + "error_code", code)
    span.set_status(Status(StatusCode.ERROR, code if isinstance(code, str) else type(exc).__name__))
