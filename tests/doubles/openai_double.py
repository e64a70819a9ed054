"""A scripted test double of an OpenAI-compatible chat-completions server.

THIS IS A TEST DOUBLE. It is a small but real HTTP server (``http.server`` in a background
thread, on an ephemeral loopback port) that speaks the OpenAI ``POST /v1/chat/completions``
protocol, so clients are exercised over real sockets: status codes, headers (``Retry-After``),
JSON shapes, ``usage``, ``logprobs``, slow answers and timeouts. It checks *protocol handling*,
never model quality: every answer is scripted by the test.

Usage::

    with OpenAIDouble() as double:
        double.script(Reply.rate_limited("1"), Reply.json_answer({"income_amount": 18000}))
        client = SomeClient(double.base_url)        # http://127.0.0.1:<port>/v1
        ...
        assert double.requests[0].body["response_format"]["type"] == "json_schema"

Scripted replies are served in order; once the script is used up, the ``responder`` (a function
of the request body) answers, and without one the double answers HTTP 500 with a message that
says the script ran out, so a test that sends more requests than planned fails loudly.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_LOGPROB = -0.001


@dataclass
class Reply:
    """One scripted answer. Build it with the class methods."""

    status: int = 200
    content: str | None = None
    raw_body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    tokens: list[tuple[bytes, float]] | None = None
    usage: dict[str, int] | None = None
    finish_reason: str = "stop"
    model: str = "double-model"

    @classmethod
    def text(cls, content: str, **kw: Any) -> Reply:
        """An assistant message with ``content`` verbatim (e.g. malformed JSON)."""
        return cls(content=content, **kw)

    @classmethod
    def json_answer(
        cls,
        obj: dict[str, Any],
        *,
        logprobs: bool = False,
        field_logprobs: dict[str, float] | None = None,
        split_utf8: bool = False,
        **kw: Any,
    ) -> Reply:
        """An assistant message whose content is ``obj`` as JSON.

        With ``logprobs`` the answer carries ``choices[0].logprobs.content``: structural tokens
        get a near-certain log-probability, and the tokens of a field's value share the total
        given in ``field_logprobs`` (default ``DEFAULT_LOGPROB``). ``split_utf8`` cuts value
        tokens every 2 bytes, splitting CJK characters across tokens as real tokenisers do.
        """
        pieces: list[tuple[bytes, float]] = [(b"{", DEFAULT_LOGPROB)]
        for i, (name, value) in enumerate(obj.items()):
            key = ("" if i == 0 else ", ") + json.dumps(name) + ": "
            pieces.append((key.encode(), DEFAULT_LOGPROB))
            raw = json.dumps(value, ensure_ascii=False).encode()
            step = 2 if split_utf8 else 4
            chunks = [raw[j : j + step] for j in range(0, len(raw), step)]
            total = (field_logprobs or {}).get(name, DEFAULT_LOGPROB)
            pieces += [(c, total / len(chunks)) for c in chunks]
        pieces.append((b"}", DEFAULT_LOGPROB))
        content = b"".join(p for p, _ in pieces).decode()
        return cls(content=content, tokens=pieces if logprobs else None, **kw)

    @classmethod
    def error(
        cls, status: int, message: str = "scripted error", *, code: str | None = None, **kw: Any
    ) -> Reply:
        """An OpenAI-style error body with ``status``."""
        err: dict[str, Any] = {"message": message, "type": "scripted"}
        if code is not None:
            err["code"] = code
        return cls(status=status, raw_body=json.dumps({"error": err}).encode(), **kw)

    @classmethod
    def rate_limited(cls, retry_after: str | None) -> Reply:
        """HTTP 429, with a ``Retry-After`` header (seconds or an HTTP date) unless None."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return cls.error(429, "rate limited", code="rate_limit_exceeded", headers=headers)

    def body(self, request: dict[str, Any]) -> bytes:
        if self.raw_body is not None:
            return self.raw_body
        choice: dict[str, Any] = {
            "index": 0,
            "message": {"role": "assistant", "content": self.content},
            "finish_reason": self.finish_reason,
        }
        if self.tokens is not None:
            choice["logprobs"] = {
                "content": [
                    {
                        "token": data.decode("utf-8", errors="replace"),
                        "logprob": lp,
                        "bytes": list(data),
                        "top_logprobs": [],
                    }
                    for data, lp in self.tokens
                ]
            }
        usage = self.usage or {"prompt_tokens": 100, "completion_tokens": 20}
        usage = {**usage, "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]}
        return json.dumps(
            {
                "id": "chatcmpl-double",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": request.get("model") or self.model,
                "choices": [choice],
                "usage": usage,
            },
            ensure_ascii=False,
        ).encode()


@dataclass
class RecordedRequest:
    """A request the double received."""

    path: str
    headers: dict[str, str]
    body: Any
    received_at: float


class OpenAIDouble:
    """The double's server; use as a context manager or call ``start``/``stop``."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.responder: Callable[[dict[str, Any]], Reply] | None = None
        self.max_in_flight = 0
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # a short poll interval keeps stop() (and so each test's teardown) fast
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (with ``/v1``)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *replies: Reply) -> None:
        """Append replies, served in order."""
        with self._lock:
            self._script.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not served yet."""
        return len(self._script)

    def start(self) -> OpenAIDouble:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> OpenAIDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._script:
                return self._script.popleft()
        if self.responder is not None:
            return self.responder(body)
        return Reply.error(500, "openai double: the test's script ran out of replies")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep pytest output clean

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                with double._lock:
                    double.requests.append(
                        RecordedRequest(self.path, dict(self.headers), body, time.monotonic())
                    )
                    double._in_flight += 1
                    double.max_in_flight = max(double.max_in_flight, double._in_flight)
                try:
                    if not self.path.endswith("/chat/completions"):
                        reply = Reply.error(404, f"no route {self.path}")
                    elif not isinstance(body, dict):
                        reply = Reply.error(400, "body is not a JSON object")
                    else:
                        reply = double._next_reply(body)
                    if reply.delay_s:
                        time.sleep(reply.delay_s)
                    payload = reply.body(body if isinstance(body, dict) else {})
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)
                finally:
                    with double._lock:
                        double._in_flight -= 1

        return Handler
