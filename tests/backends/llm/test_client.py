"""ChatClient against the scripted OpenAI double over real loopback HTTP."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from autoglm_ops.backends.llm.client import ChatClient, chat_completions_url, parse_retry_after
from autoglm_ops.core.errors import (
    BackendError,
    BackendTimeoutError,
    ConfigurationError,
    RateLimitedError,
)
from tests.doubles.openai_double import OpenAIDouble, Reply

SECRET_TEXT = "张三身份证110101199003077777月薪8000"
BODY = {"model": "m", "messages": [{"role": "user", "content": SECRET_TEXT}]}


class Sleeps:
    """Records the waits the client asks for, without waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_client(double: OpenAIDouble, **kw: object) -> ChatClient:
    kw.setdefault("backoff_base_s", 0.01)
    return ChatClient(double.base_url, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("http://h:8000", "http://h:8000/v1/chat/completions"),
        ("http://h:8000/", "http://h:8000/v1/chat/completions"),
        ("http://h:8000/v1", "http://h:8000/v1/chat/completions"),
        ("https://h/api/paas/v4/", "https://h/api/paas/v4/chat/completions"),
        ("http://h/v1/chat/completions", "http://h/v1/chat/completions"),
    ],
)
def test_chat_completions_url(base: str, url: str) -> None:
    assert chat_completions_url(base) == url


def test_bad_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="AUTOGLM_LLM_BASE_URL"):
        chat_completions_url("127.0.0.1:8000")


def test_parse_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=7), usegmt=True), now=now) == 7
    assert parse_retry_after(format_datetime(now - timedelta(seconds=7), usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_success_parses_content_usage_and_sends_key(openai_double: OpenAIDouble) -> None:
    openai_double.script(
        Reply.text('{"a": 1}', usage={"prompt_tokens": 11, "completion_tokens": 3})
    )
    client = make_client(openai_double, api_key="sk-test")
    result = client.complete(BODY)
    assert result.content == '{"a": 1}'
    assert (result.prompt_tokens, result.completion_tokens) == (11, 3)
    assert result.usage_reported and result.http_attempts == 1
    req = openai_double.requests[0]
    assert req.path == "/v1/chat/completions"
    assert req.headers["Authorization"] == "Bearer sk-test"
    assert req.body == BODY


def test_retries_500_then_succeeds(openai_double: OpenAIDouble) -> None:
    openai_double.script(Reply.error(500), Reply.error(503), Reply.text("{}"))
    sleeps = Sleeps()
    result = make_client(openai_double, max_retries=2, sleep=sleeps).complete(BODY)
    assert result.http_attempts == 3
    assert len(openai_double.requests) == 3
    assert len(sleeps.calls) == 2
    # equal jitter: between half and all of base * 2**attempt
    assert 0.005 <= sleeps.calls[0] <= 0.01 and 0.01 <= sleeps.calls[1] <= 0.02


def test_500_exhausted_is_backend_error(openai_double: OpenAIDouble) -> None:
    openai_double.script(*[Reply.error(500, SECRET_TEXT)] * 3)
    with pytest.raises(BackendError) as info:
        make_client(openai_double, max_retries=2, sleep=Sleeps()).complete(BODY)
    assert "HTTP 500" in info.value.message and "3 attempts" in info.value.message
    assert SECRET_TEXT not in str(info.value.to_dict())
    assert not isinstance(info.value, RateLimitedError)


def test_429_honours_retry_after_seconds_for_real(openai_double: OpenAIDouble) -> None:
    openai_double.script(Reply.rate_limited("1"), Reply.text("{}"))
    make_client(openai_double).complete(BODY)
    first, second = openai_double.requests
    assert second.received_at - first.received_at >= 0.95


def test_429_honours_retry_after_http_date(openai_double: OpenAIDouble) -> None:
    when = datetime.now(UTC) + timedelta(seconds=5)
    openai_double.script(Reply.rate_limited(format_datetime(when, usegmt=True)), Reply.text("{}"))
    sleeps = Sleeps()
    make_client(openai_double, sleep=sleeps).complete(BODY)
    assert len(sleeps.calls) == 1 and 3.0 <= sleeps.calls[0] <= 5.0


def test_429_without_header_backs_off(openai_double: OpenAIDouble) -> None:
    openai_double.script(Reply.rate_limited(None), Reply.text("{}"))
    sleeps = Sleeps()
    make_client(openai_double, sleep=sleeps).complete(BODY)
    assert len(sleeps.calls) == 1 and sleeps.calls[0] <= 0.01


def test_429_exhausted_is_rate_limited_error(openai_double: OpenAIDouble) -> None:
    openai_double.script(*[Reply.rate_limited("2")] * 3)
    with pytest.raises(RateLimitedError) as info:
        make_client(openai_double, max_retries=2, sleep=Sleeps()).complete(BODY)
    assert info.value.retry_after == 2.0
    assert len(openai_double.requests) == 3


def test_retry_after_too_long_gives_up_at_once(openai_double: OpenAIDouble) -> None:
    openai_double.script(Reply.rate_limited("3600"))
    sleeps = Sleeps()
    with pytest.raises(RateLimitedError) as info:
        make_client(openai_double, max_retry_after_s=30, sleep=sleeps).complete(BODY)
    assert info.value.retry_after == 3600.0
    assert sleeps.calls == [] and len(openai_double.requests) == 1


def test_slow_answer_times_out_without_retry(openai_double: OpenAIDouble) -> None:
    openai_double.script(Reply.text("{}", delay_s=1.5), Reply.text("{}"))
    client = make_client(openai_double, timeout_s=0.3, max_retries=2)
    started = time.monotonic()
    with pytest.raises(BackendTimeoutError, match="AUTOGLM_LLM_TIMEOUT_S"):
        client.complete(BODY)
    assert time.monotonic() - started < 1.4
    assert len(openai_double.requests) == 1


def test_connection_refused_is_retried_then_backend_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = Sleeps()
    client = ChatClient(f"http://127.0.0.1:{port}/v1", max_retries=2, sleep=sleeps)
    with pytest.raises(BackendError, match="cannot reach") as info:
        client.complete(BODY)
    assert len(sleeps.calls) == 2
    assert info.value.details["attempts"] == 3


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "AUTOGLM_LLM_API_KEY"), (404, "AUTOGLM_LLM_BASE_URL"), (400, "STRUCTURED_OUTPUT")],
)
def test_client_errors_are_not_retried(openai_double: OpenAIDouble, status: int, hint: str) -> None:
    openai_double.script(Reply.error(status, f"bad: {SECRET_TEXT}", code="invalid_request"))
    with pytest.raises(BackendError) as info:
        make_client(openai_double, sleep=Sleeps()).complete(BODY)
    assert hint in info.value.message
    assert info.value.details["upstream_code"] == "invalid_request"
    assert SECRET_TEXT not in str(info.value.to_dict())
    assert len(openai_double.requests) == 1


def test_400_names_rejected_options(openai_double: OpenAIDouble) -> None:
    openai_double.script(Reply.error(400, "response_format json_schema is not supported"))
    with pytest.raises(BackendError) as info:
        make_client(openai_double).complete(BODY)
    assert info.value.details["rejected_options"] == ["response_format"]


def test_non_openai_answer_is_backend_error(openai_double: OpenAIDouble) -> None:
    openai_double.script(Reply(raw_body=b"<html>proxy login</html>"))
    with pytest.raises(BackendError, match="not a chat completion"):
        make_client(openai_double).complete(BODY)


def test_logprobs_are_parsed_from_bytes(openai_double: OpenAIDouble) -> None:
    openai_double.script(
        Reply.json_answer({"c": "人民币"}, logprobs=True, split_utf8=True, field_logprobs={})
    )
    result = make_client(openai_double).complete(BODY)
    assert result.logprobs is not None
    # split CJK characters come back as replacement characters in "token", exact in bytes
    assert any("\ufffd" in t.token for t in result.logprobs)
    assert b"".join(t.data for t in result.logprobs) == result.content.encode()


def test_concurrency_is_bounded(openai_double: OpenAIDouble) -> None:
    openai_double.responder = lambda body: Reply.text("{}", delay_s=0.2)
    client = make_client(openai_double, max_concurrency=2)
    threads = [threading.Thread(target=client.complete, args=(BODY,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(openai_double.requests) == 6
    assert openai_double.max_in_flight == 2


def test_max_concurrency_must_be_positive() -> None:
    with pytest.raises(ConfigurationError):
        ChatClient("http://127.0.0.1:1/v1", max_concurrency=0)
