"""A small, strict client for OpenAI-compatible ``/chat/completions`` endpoints.

Works with vLLM, SGLang, Ollama, llama.cpp's server and hosted GLM providers. It owns the
transport concerns only: timeouts, retries with jittered exponential backoff on 429/5xx and
connection errors (honouring ``Retry-After``), a concurrency bound, and translating every httpx
or protocol failure into :mod:`autoglm_ops.core.errors` at this boundary. Error messages name
the server, the status and the fix, never the request body (it carries customer text).
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from autoglm_ops.core.errors import (
    BackendError,
    BackendTimeoutError,
    ConfigurationError,
    RateLimitedError,
)

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_SAFE_CODE = re.compile(r"^[\w.\-]{1,64}$")
# Words in a 400/422 answer that name an optional request field the server does not support.
_OPTION_HINTS = {
    "response_format": ("response_format", "json_schema", "json_object", "guided", "grammar"),
    "logprobs": ("logprobs",),
    "temperature": ("temperature",),
}


@dataclass(frozen=True)
class TokenLogprob:
    """A generated token, its UTF-8 bytes (a CJK character may span tokens) and log-probability."""

    token: str
    logprob: float
    data: bytes


@dataclass
class ChatResult:
    """The parts of a chat-completions answer the backend uses."""

    content: str
    finish_reason: str | None
    logprobs: list[TokenLogprob] | None
    prompt_tokens: int
    completion_tokens: int
    usage_reported: bool
    model: str | None
    http_attempts: int
    latency_s: float
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


def chat_completions_url(base_url: str) -> str:
    """The chat-completions URL for a base URL given with or without ``/v1``.

    ``http://h:8000`` -> ``http://h:8000/v1/chat/completions``; ``http://h:8000/v1`` and
    provider paths like ``https://h/api/paas/v4`` get ``/chat/completions`` appended; a URL that
    already ends in ``/chat/completions`` is used as is.
    """
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"AUTOGLM_LLM_BASE_URL must be an http(s) URL such as http://127.0.0.1:8000/v1, "
            f"got scheme {parts.scheme!r}"
        )
    if url.endswith("/chat/completions"):
        return url
    if parts.path in ("", "/"):
        url += "/v1"
    return url + "/chat/completions"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _upstream_code(response: httpx.Response) -> str | None:
    """The upstream error's short code/type identifier, when it is a safe identifier.

    The upstream message itself is never copied: servers sometimes quote the prompt in it.
    """
    try:
        body = response.json()
    except ValueError:
        return None
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        for key in ("code", "type"):
            val = err.get(key)
            if isinstance(val, str | int) and _SAFE_CODE.match(str(val)):
                return str(val)
    return None


def _rejected_options(response: httpx.Response) -> list[str]:
    """The optional request fields an error answer names (so the caller can drop them)."""
    text = response.text.lower()
    return [opt for opt, hints in _OPTION_HINTS.items() if any(h in text for h in hints)]


class ChatClient:
    """Sync client for one OpenAI-compatible endpoint; thread-safe, shares one connection pool."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 2,
        max_concurrency: int = 8,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 8.0,
        max_retry_after_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ConfigurationError("AUTOGLM_LLM_MAX_CONCURRENCY must be at least 1")
        self.url = chat_completions_url(base_url)
        self.server = urlsplit(self.url).netloc
        self.max_retries = max(0, max_retries)
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.max_retry_after_s = max_retry_after_s
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(max_concurrency)
        headers = {"Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            headers=headers,
            limits=httpx.Limits(max_connections=max_concurrency),
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def backoff(self, attempt: int) -> float:
        """Equal-jitter exponential backoff for retry ``attempt`` (0-based)."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2**attempt))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def complete(self, body: dict[str, Any]) -> ChatResult:
        """POST one chat-completions request, retrying transient failures; parse the answer."""
        started = time.monotonic()
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                with self._slots:
                    response = self._http.post(self.url, json=body)
            except httpx.ConnectTimeout:
                if not last:
                    self._wait(attempt, None, "connect timeout")
                    continue
                raise BackendError(
                    f"cannot connect to the LLM server at {self.server} (connect timeout after "
                    f"{attempts} attempts); check AUTOGLM_LLM_BASE_URL and that the server is up",
                    details={"server": self.server, "attempts": attempts},
                ) from None
            except httpx.TimeoutException:
                # A read timeout is not retried: the server is working on it, and a second try
                # would double the caller's wait for what is likely the same outcome.
                raise BackendTimeoutError(
                    f"the LLM server at {self.server} did not answer within the timeout; "
                    "raise AUTOGLM_LLM_TIMEOUT_S or use a smaller model",
                    details={"server": self.server},
                ) from None
            except httpx.TransportError as exc:
                if not last:
                    self._wait(attempt, None, type(exc).__name__)
                    continue
                raise BackendError(
                    f"cannot reach the LLM server at {self.server} ({type(exc).__name__} after "
                    f"{attempts} attempts); check AUTOGLM_LLM_BASE_URL and that the server is up",
                    details={"server": self.server, "attempts": attempts},
                ) from None

            if response.status_code == 200:
                return self._parse(response, attempt + 1, time.monotonic() - started)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if response.status_code in RETRYABLE_STATUS:
                too_long = retry_after is not None and retry_after > self.max_retry_after_s
                if not last and not too_long:
                    self._wait(attempt, retry_after, f"HTTP {response.status_code}")
                    continue
                if response.status_code == 429:
                    raise RateLimitedError(
                        f"the LLM server at {self.server} is rate limiting (HTTP 429 after "
                        f"{attempt + 1} attempts); retry later or lower "
                        "AUTOGLM_LLM_MAX_CONCURRENCY",
                        retry_after=retry_after if retry_after is not None else self.backoff(0),
                    )
            raise self._status_error(response, attempt + 1)
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns/raises

    def _wait(self, attempt: int, retry_after: float | None, why: str) -> None:
        delay = retry_after if retry_after is not None else self.backoff(attempt)
        log.warning(
            "llm request retry",
            extra={"server": self.server, "reason": why, "attempt": attempt + 1, "delay_s": delay},
        )
        self._sleep(delay)

    def _status_error(self, response: httpx.Response, attempts: int) -> BackendError:
        status = response.status_code
        details: dict[str, Any] = {"server": self.server, "status": status, "attempts": attempts}
        code = _upstream_code(response)
        if code:
            details["upstream_code"] = code
        if status in (401, 403):
            hint = "the server rejected the API key; check AUTOGLM_LLM_API_KEY"
        elif status == 404:
            hint = "not found; check AUTOGLM_LLM_BASE_URL (…/v1) and AUTOGLM_LLM_MODEL"
        elif status in (400, 422):
            details["rejected_options"] = _rejected_options(response)
            hint = "the server refused the request; if it lacks structured output, set "
            hint += "AUTOGLM_LLM_STRUCTURED_OUTPUT=json_object or none"
        elif status >= 500:
            hint = f"server error after {attempts} attempts"
        else:
            hint = "unexpected status"
        suffix = f", upstream code {code}" if code else ""
        return BackendError(
            f"LLM server at {self.server} answered HTTP {status}{suffix}: {hint}", details=details
        )

    def _parse(self, response: httpx.Response, attempts: int, latency_s: float) -> ChatResult:
        try:
            body = response.json()
            choice = body["choices"][0]
            message = choice.get("message") or {}
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise BackendError(
                f"the LLM server at {self.server} sent an answer that is not a chat completion; "
                "check that AUTOGLM_LLM_BASE_URL points at an OpenAI-compatible endpoint",
                details={"server": self.server},
            ) from None
        content = message.get("content")
        usage = body.get("usage") if isinstance(body.get("usage"), dict) else None
        return ChatResult(
            content=content if isinstance(content, str) else "",
            finish_reason=choice.get("finish_reason"),
            logprobs=_parse_logprobs(choice.get("logprobs")),
            prompt_tokens=int((usage or {}).get("prompt_tokens") or 0),
            completion_tokens=int((usage or {}).get("completion_tokens") or 0),
            usage_reported=usage is not None,
            model=body.get("model") if isinstance(body.get("model"), str) else None,
            http_attempts=attempts,
            latency_s=latency_s,
            raw=body,
        )


def _parse_logprobs(raw: Any) -> list[TokenLogprob] | None:
    """Token log-probabilities from ``choice.logprobs.content``; None when absent or malformed."""
    if not isinstance(raw, dict) or not isinstance(raw.get("content"), list):
        return None
    tokens = []
    for item in raw["content"]:
        if not isinstance(item, dict):
            return None
        token, logprob, raw_bytes = item.get("token"), item.get("logprob"), item.get("bytes")
        if not isinstance(token, str) or not isinstance(logprob, int | float):
            return None
        if isinstance(raw_bytes, list) and all(
            isinstance(b, int) and 0 <= b < 256 for b in raw_bytes
        ):
            data = bytes(raw_bytes)
        else:
            data = token.encode("utf-8")
        tokens.append(TokenLogprob(token, float(logprob), data))
    return tokens or None
