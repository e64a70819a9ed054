"""Per-API-key rate limits: a token bucket, in process or shared through Redis.

Each key has a bucket of ``burst`` tokens that refills at ``per_minute / 60`` tokens a second;
a call takes one token, and a call that finds less than one is refused with
:class:`~autoglm_ops.core.errors.RateLimitedError` carrying ``retry_after`` (seconds until a
token is back), which the REST edge turns into ``429`` + ``Retry-After``.

* In process (default): exact for one replica; each replica of a cluster counts on its own.
* Redis (``AUTOGLM_REDIS_URL``): one bucket per key for all replicas. The refill-and-take is
  one Lua script, so it is atomic, and it reads the clock of the Redis server, so replicas with
  skewed clocks agree. Keys expire once their bucket would be full again.

When Redis cannot be reached the call is let through (rate limiting protects capacity; it
must not take the service down with it), a warning is logged at most once a minute, and
``on_backend_error`` is called (the platform counts it in a metric).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from autoglm_ops.core.errors import ConfigurationError, RateLimitedError
from autoglm_ops.core.settings import Settings

__all__ = [
    "NoRateLimit",
    "RateLimiter",
    "RedisTokenBucket",
    "TokenBucket",
    "build_rate_limiter",
    "effective_burst",
]

log = logging.getLogger(__name__)

REDIS_PREFIX = "autoglm:ratelimit:"
# float drift of the refill arithmetic must not cost a caller a whole token
_EPSILON = 1e-9


class RateLimiter(Protocol):
    """Takes one token for ``key`` or raises RateLimitedError."""

    def check(self, key: str) -> None: ...

    def close(self) -> None: ...


def effective_burst(per_minute: float, burst: int) -> int:
    """The bucket size: ``burst``, or ten seconds' worth of the rate (at least 1) when 0."""
    return burst if burst > 0 else max(1, math.ceil(per_minute / 6))


def _refuse(per_minute: float, wait_s: float) -> RateLimitedError:
    return RateLimitedError(
        f"rate limit of {per_minute:g} requests per minute for this API key exceeded; "
        f"retry in {wait_s:.2f} s (AUTOGLM_RATE_LIMIT_PER_MINUTE, AUTOGLM_RATE_LIMIT_BURST)",
        retry_after=wait_s,
    )


class NoRateLimit:
    """The limiter when rate limiting is off."""

    def check(self, key: str) -> None:
        return None

    def close(self) -> None:
        return None


class TokenBucket:
    """In-process token buckets, one per key, safe across threads."""

    def __init__(
        self,
        per_minute: float,
        burst: int = 0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive (use NoRateLimit to disable)")
        self.per_minute = per_minute
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = effective_burst(per_minute, burst)
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def acquire(self, key: str) -> float:
        """Take a token: 0.0 when granted, else the seconds until one is available."""
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + max(0.0, now - at) * self.rate)
            if tokens >= 1.0 - _EPSILON:
                self._buckets[key] = (max(0.0, tokens - 1.0), now)
                return 0.0
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > 10_000:
                self._prune(now)
            return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        # a bucket that has refilled completely is the same as no bucket
        full_after = self.burst / self.rate
        for k in [k for k, (_, at) in self._buckets.items() if now - at >= full_after]:
            del self._buckets[k]

    def check(self, key: str) -> None:
        wait = self.acquire(key)
        if wait > 0.0:
            raise _refuse(self.per_minute, wait)

    def close(self) -> None:
        return None


# KEYS[1] bucket key; ARGV[1] tokens per millisecond, ARGV[2] burst.
# Returns {granted (0|1), milliseconds until a token is available}.
_LUA_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local granted = 0
local wait = 0
if tokens >= 1 - 1e-9 then
  tokens = math.max(0, tokens - 1)
  granted = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return {granted, wait}
"""


class RedisTokenBucket:
    """Token buckets shared by every replica through one Redis server."""

    def __init__(
        self,
        url: str,
        per_minute: float,
        burst: int = 0,
        *,
        prefix: str = REDIS_PREFIX,
        timeout_s: float = 0.5,
        on_backend_error: Callable[[], None] | None = None,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive (use NoRateLimit to disable)")
        import redis

        try:
            self._client: Any = redis.Redis.from_url(
                url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
            )
        except ValueError:
            raise ConfigurationError(
                "AUTOGLM_REDIS_URL is not a valid Redis URL (e.g. redis://127.0.0.1:6379/0)"
            ) from None
        self._script = self._client.register_script(_LUA_TAKE)
        self._redis_error: type[Exception] = redis.RedisError
        self.per_minute = per_minute
        self.burst = effective_burst(per_minute, burst)
        self.prefix = prefix
        self._rate_ms = per_minute / 60_000.0
        self._on_backend_error = on_backend_error
        self._last_warning = -math.inf

    def acquire(self, key: str) -> float:
        """Take a token: 0.0 when granted (or Redis is unreachable), else seconds to wait."""
        try:
            granted, wait_ms = self._script(
                keys=[self.prefix + key], args=[repr(self._rate_ms), self.burst]
            )
        except self._redis_error as exc:
            self._backend_failed(exc)
            return 0.0
        return 0.0 if int(granted) else max(int(wait_ms), 1) / 1000.0

    def _backend_failed(self, exc: Exception) -> None:
        if self._on_backend_error is not None:
            self._on_backend_error()
        now = time.monotonic()
        if now - self._last_warning >= 60.0:
            self._last_warning = now
            log.warning(
                "rate limit store unreachable; letting calls through",
                extra={"error_type": type(exc).__name__},
            )

    def check(self, key: str) -> None:
        wait = self.acquire(key)
        if wait > 0.0:
            raise _refuse(self.per_minute, wait)

    def ping(self) -> bool:
        """True when the Redis server answers."""
        try:
            return bool(self._client.ping())
        except self._redis_error:
            return False

    def close(self) -> None:
        self._client.close()


def build_rate_limiter(
    settings: Settings, *, on_backend_error: Callable[[], None] | None = None
) -> RateLimiter:
    """The limiter the settings ask for: none, in process, or through Redis."""
    if settings.rate_limit_per_minute <= 0:
        return NoRateLimit()
    if settings.redis_url:
        return RedisTokenBucket(
            settings.redis_url,
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
            on_backend_error=on_backend_error,
        )
    return TokenBucket(settings.rate_limit_per_minute, settings.rate_limit_burst)
