from __future__ import annotations

import pytest

from stripeflow.stripe.retry import RetryPolicy, should_retry


@pytest.mark.parametrize("status", [409, 429, 500, 502, 503, 504, None])
def test_transient_failures_are_retried(status: int | None) -> None:
    assert should_retry(status, None)


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404])
def test_client_errors_are_never_retried(status: int) -> None:
    assert not should_retry(status, None)


def test_stripe_should_retry_header_wins_both_ways() -> None:
    assert not should_retry(500, "false")
    assert not should_retry(429, "false")
    assert should_retry(400, "true")
    assert should_retry(503, " TRUE ")


def test_legacy_rate_limit_sent_as_400_is_retried() -> None:
    assert should_retry(400, None, "rate_limit")
    assert not should_retry(400, None, "parameter_invalid_integer")


def test_backoff_grows_exponentially_is_capped_and_jittered() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    top = [policy.delay(attempt, lambda: 1.0) for attempt in range(1, 8)]
    bottom = [policy.delay(attempt, lambda: 0.0) for attempt in range(1, 8)]
    assert top == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert bottom == [value / 2 for value in top]
    assert all(value > 0 for value in bottom)
