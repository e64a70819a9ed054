"""Per-API-key token buckets: in process (fake clock) and shared through the real Redis."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest

from autoglm_ops.core.errors import ConfigurationError, RateLimitedError
from autoglm_ops.core.settings import Settings
from autoglm_ops.service.ratelimit import (
    NoRateLimit,
    RedisTokenBucket,
    TokenBucket,
    build_rate_limiter,
    effective_burst,
)

# read at import: the autouse fixture scrubs AUTOGLM_* variables before each test
REDIS_URL = os.environ.get("AUTOGLM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_burst_then_refuses_with_retry_after() -> None:
    clock = FakeClock()
    bucket = TokenBucket(per_minute=60, burst=3, clock=clock)  # one token a second
    for _ in range(3):
        bucket.check("k1")
    with pytest.raises(RateLimitedError) as info:
        bucket.check("k1")
    assert info.value.retry_after == pytest.approx(1.0)
    assert info.value.details["retry_after"] == pytest.approx(1.0)
    assert "60 requests per minute" in info.value.message
    clock.now += 0.5
    assert bucket.acquire("k1") == pytest.approx(0.5)  # half a token back, half to go
    clock.now += 0.5
    bucket.check("k1")


def test_bucket_refills_to_burst_and_no_further() -> None:
    clock = FakeClock()
    bucket = TokenBucket(per_minute=600, burst=5, clock=clock)
    for _ in range(5):
        bucket.check("k")
    clock.now += 3600  # an hour idle: still only `burst` tokens
    granted = sum(bucket.acquire("k") == 0.0 for _ in range(20))
    assert granted == 5


def test_keys_have_separate_buckets() -> None:
    bucket = TokenBucket(per_minute=60, burst=1, clock=FakeClock())
    bucket.check("a")
    bucket.check("b")
    with pytest.raises(RateLimitedError):
        bucket.check("a")


def test_sustained_rate_matches_configuration() -> None:
    clock = FakeClock()
    bucket = TokenBucket(per_minute=120, burst=1, clock=clock)
    granted = 0
    for _ in range(600):  # 60 s in steps of 0.1 s, trying every step
        granted += bucket.acquire("k") == 0.0
        clock.now += 0.1
    assert granted == 120


def test_bucket_is_thread_safe() -> None:
    bucket = TokenBucket(per_minute=1e-6, burst=50)  # effectively no refill
    granted = []

    def worker() -> None:
        granted.append(sum(bucket.acquire("k") == 0.0 for _ in range(20)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 50


def test_effective_burst_default_is_ten_seconds_of_rate() -> None:
    assert effective_burst(600, 0) == 100
    assert effective_burst(1, 0) == 1
    assert effective_burst(600, 7) == 7


def test_build_from_settings(tmp_path: object) -> None:
    assert isinstance(build_rate_limiter(Settings()), NoRateLimit)
    limiter = build_rate_limiter(Settings(rate_limit_per_minute=30, rate_limit_burst=2))
    assert isinstance(limiter, TokenBucket) and limiter.burst == 2
    shared = build_rate_limiter(Settings(rate_limit_per_minute=30, redis_url=REDIS_URL))
    assert isinstance(shared, RedisTokenBucket)
    shared.close()
    with pytest.raises(ConfigurationError, match="AUTOGLM_REDIS_URL"):
        build_rate_limiter(Settings(rate_limit_per_minute=30, redis_url="nonsense://x"))


def test_zero_rate_is_refused_by_the_buckets() -> None:
    with pytest.raises(ValueError):
        TokenBucket(per_minute=0)


# --- Redis ------------------------------------------------------------------------------------


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the real Redis; its keys are deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if IN_CI:
            pytest.fail(f"CI=true but Redis is not reachable at {REDIS_URL} (.ci/run starts it)")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"autoglm:test:{uuid.uuid4().hex}:"
    yield prefix
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_redis_bucket_refuses_after_burst(redis_prefix: str) -> None:
    bucket = RedisTokenBucket(REDIS_URL, per_minute=60, burst=2, prefix=redis_prefix)
    bucket.check("k")
    bucket.check("k")
    with pytest.raises(RateLimitedError) as info:
        bucket.check("k")
    assert 0.9 <= info.value.retry_after <= 1.0
    bucket.check("other")  # keys are separate
    bucket.close()


def test_redis_bucket_refills(redis_prefix: str) -> None:
    import time

    bucket = RedisTokenBucket(REDIS_URL, per_minute=6000, burst=1, prefix=redis_prefix)
    bucket.check("k")
    wait = bucket.acquire("k")
    assert 0.0 < wait <= 0.011  # 100 tokens a second
    time.sleep(wait + 0.01)
    bucket.check("k")
    bucket.close()


def test_redis_bucket_is_shared_by_replicas(redis_prefix: str) -> None:
    a = RedisTokenBucket(REDIS_URL, per_minute=60, burst=3, prefix=redis_prefix)
    b = RedisTokenBucket(REDIS_URL, per_minute=60, burst=3, prefix=redis_prefix)
    a.check("k")
    a.check("k")
    b.check("k")
    with pytest.raises(RateLimitedError):
        b.check("k")
    with pytest.raises(RateLimitedError):
        a.check("k")
    a.close()
    b.close()


def test_redis_bucket_is_atomic_under_concurrency(redis_prefix: str) -> None:
    buckets = [
        RedisTokenBucket(REDIS_URL, per_minute=1e-3, burst=40, prefix=redis_prefix)
        for _ in range(4)
    ]
    granted: list[int] = []

    def worker(bucket: RedisTokenBucket) -> None:
        granted.append(sum(bucket.acquire("k") == 0.0 for _ in range(25)))

    threads = [threading.Thread(target=worker, args=(b,)) for b in buckets for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 40  # 200 attempts, exactly `burst` granted
    for b in buckets:
        b.close()


def test_redis_keys_expire(redis_prefix: str) -> None:
    import redis

    bucket = RedisTokenBucket(REDIS_URL, per_minute=60, burst=2, prefix=redis_prefix)
    bucket.check("k")
    ttl_ms = redis.Redis.from_url(REDIS_URL).pttl(redis_prefix + "k")
    # one token to refill at 1/s, plus a second of slack
    assert 1000 < ttl_ms <= 2000
    bucket.close()


def test_unreachable_redis_lets_calls_through_and_reports(caplog: pytest.LogCaptureFixture) -> None:
    errors: list[int] = []
    bucket = RedisTokenBucket(
        "redis://127.0.0.1:1/0",  # nothing listens on port 1
        per_minute=60,
        burst=1,
        timeout_s=0.2,
        on_backend_error=lambda: errors.append(1),
    )
    assert not bucket.ping()
    with caplog.at_level("WARNING"):
        for _ in range(3):
            bucket.check("k")  # never raises: fail open
    assert len(errors) == 3
    warnings = [r for r in caplog.records if "rate limit store unreachable" in r.getMessage()]
    assert len(warnings) == 1  # throttled to once a minute
    bucket.close()
