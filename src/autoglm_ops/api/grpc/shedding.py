"""Load shedding at the gRPC edge: the REST edge's admission limit as a grpc.aio interceptor.

``Predict`` and ``Extract`` (an extraction and a durable write each) are admitted through an
:class:`~autoglm_ops.service.admission.AdmissionGate` of ``max_inflight`` slots; the excess
ends at once with ``UNAVAILABLE`` (the table's code for ``OverloadedError``), trailers
``autoglm-error-code: overloaded`` and ``retry-after: 1``. Health, reflection and
``GetRequest`` never shed. The gate is the edge's own: REST and gRPC each admit up to the limit.

As on REST, admission comes before the request is read: grpc.aio reads a unary call's message
(a round trip through its completion-queue thread, which needs the GIL that busy worker threads
hold) before it calls the handler, so the shed methods are served as stream-unary handlers
that take a slot first and only then read their one message. A refusal then costs grpc.aio
one round trip fewer and no decoding, which keeps its intake moving at twice the saturation
rate. The wire protocol is unchanged (a unary call is a stream of one message).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from autoglm_ops.core.errors import OverloadedError, status_for
from autoglm_ops.service.admission import OVERLOADED_MESSAGE, AdmissionGate

#: the RPCs (by method name) whose work saturates the server
SHED_METHODS = frozenset({"Predict", "Extract"})


class SheddingInterceptor(grpc.aio.ServerInterceptor):
    """Admit at most ``max_inflight`` concurrent shed RPCs of ``service`` (0: no limit); one
    over the limit waits up to ``max_queue_ms`` for a slot."""

    def __init__(
        self,
        service: str,
        max_inflight: int,
        max_queue_ms: float = 0.0,
        methods: frozenset[str] = SHED_METHODS,
    ) -> None:
        self.gate = AdmissionGate(max_inflight, max_queue_ms)
        self.paths = frozenset(f"/{service}/{m}" for m in methods)
        self._code = grpc.StatusCode[status_for(OverloadedError(OVERLOADED_MESSAGE))[1]]

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if (
            handler is None
            or not self.gate.enabled
            or handler_call_details.method not in self.paths
            or handler.unary_unary is None
        ):
            return handler
        # grpc.aio calls the behaviour with an aio context and awaits it (the stubs say sync)
        behavior: Any = handler.unary_unary
        gate = self.gate
        code = self._code

        async def admitted(
            requests: AsyncIterator[Any], context: grpc.aio.ServicerContext[Any, Any]
        ) -> Any:
            if not await gate.enter():
                await context.abort(
                    code,
                    OVERLOADED_MESSAGE,
                    trailing_metadata=(
                        ("autoglm-error-code", OverloadedError.code),
                        ("retry-after", "1"),
                    ),
                )
            try:
                request = await anext(requests, None)
                if request is None:  # the client half-closed without a message
                    await context.abort(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        "a unary call needs one request message; use the generated stub",
                    )
                return await behavior(request, context)
            finally:
                gate.leave()

        return grpc.stream_unary_rpc_method_handler(
            admitted,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
