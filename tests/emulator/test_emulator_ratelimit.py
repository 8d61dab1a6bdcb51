"""Token buckets and the two-level rate limiter, on an injected clock."""

from __future__ import annotations

from stripeflow.emulator.ratelimit import RateLimiter, TokenBucket


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def drain(bucket: TokenBucket) -> int:
    taken = 0
    while bucket.available():
        bucket.take()
        taken += 1
    return taken


def test_a_bucket_allows_one_second_of_burst_then_refills_at_its_rate() -> None:
    ticks = Ticks()
    bucket = TokenBucket(25.0, ticks)
    assert drain(bucket) == 25
    ticks.now += 0.2
    assert drain(bucket) == 5
    ticks.now += 100
    assert drain(bucket) == 25  # never more than the burst


def test_the_global_limit_is_shared_by_endpoints_and_reported_as_global_rate() -> None:
    ticks = Ticks()
    limiter = RateLimiter(lambda mode: 10.0, 0.0, ticks)
    passed = [limiter.check("acct_1", "test", f"GET /v1/e{n % 3}") for n in range(12)]
    assert passed[:10] == [None] * 10
    assert passed[10:] == ["global-rate", "global-rate"]


def test_each_endpoint_has_its_own_bucket() -> None:
    ticks = Ticks()
    limiter = RateLimiter(lambda mode: 0.0, 3.0, ticks)
    charges = [limiter.check("acct_1", "test", "GET /v1/charges") for _ in range(4)]
    assert charges == [None, None, None, "endpoint-rate"]
    assert limiter.check("acct_1", "test", "GET /v1/customers") is None


def test_accounts_and_modes_are_limited_separately_and_refused_requests_cost_nothing() -> None:
    ticks = Ticks()
    limiter = RateLimiter(lambda mode: 2.0 if mode == "test" else 100.0, 1.0, ticks)
    assert limiter.check("acct_1", "test", "GET /v1/charges") is None
    assert limiter.check("acct_1", "test", "GET /v1/charges") == "endpoint-rate"
    assert limiter.check("acct_1", "test", "GET /v1/refunds") is None  # the refused one took no global token
    assert limiter.check("acct_1", "test", "GET /v1/prices") == "global-rate"
    assert limiter.check("acct_1", "live", "GET /v1/charges") is None
    assert limiter.check("acct_2", "test", "GET /v1/charges") is None
    ticks.now += 1.0
    assert limiter.check("acct_1", "test", "GET /v1/charges") is None


def test_zero_disables_a_limit() -> None:
    limiter = RateLimiter(lambda mode: 0.0, 0.0, Ticks())
    assert all(limiter.check("acct_1", "test", "GET /v1/charges") is None for _ in range(1000))
