"""Stripe's request rate limits as token buckets: one per account and mode, one per endpoint of each."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

Monotonic = Callable[[], float]


class TokenBucket:
    """``rate`` tokens per second, holding at most ``burst`` (one second's worth by default)."""

    __slots__ = ("_burst", "_clock", "_rate", "_stamp", "_tokens")

    def __init__(self, rate: float, clock: Monotonic, burst: float | None = None) -> None:
        self._rate = rate
        self._burst = max(1.0, rate if burst is None else burst)
        self._clock = clock
        self._tokens = self._burst
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    def available(self) -> bool:
        """Whether a request could pass now (refills, takes nothing)."""
        self._refill()
        return self._tokens >= 1.0

    def take(self) -> None:
        self._tokens -= 1.0


class RateLimiter:
    """Decides whether a request passes; a refused request takes no token from either bucket.

    ``global_rate(mode)`` and ``endpoint_rate`` are requests per second; ``0`` switches that limit off.
    """

    def __init__(
        self,
        global_rate: Callable[[str], float],
        endpoint_rate: float,
        clock: Monotonic,
        group_rates: Mapping[str, float] = MappingProxyType({}),
    ) -> None:
        self._global_rate = global_rate
        self._endpoint_rate = endpoint_rate
        self._group_rates = group_rates
        self._clock = clock
        self._buckets: dict[tuple[str | None, ...], TokenBucket] = {}

    def set_rates(self, global_rate: Callable[[str], float] | None = None, endpoint_rate: float | None = None) -> None:
        """Change the limits at run time; every bucket starts again full."""
        self._global_rate = global_rate or self._global_rate
        self._endpoint_rate = self._endpoint_rate if endpoint_rate is None else endpoint_rate
        self._buckets.clear()

    def _bucket(self, key: tuple[str | None, ...], rate: float) -> TokenBucket | None:
        if rate <= 0:
            return None
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, self._clock)
        return bucket

    def check(self, account: str, mode: str, endpoint: str, group: str | None = None) -> str | None:
        """``None`` when the request may pass (its tokens are taken), else the ``Stripe-Rate-Limited-Reason``.

        A ``group`` (such as all search endpoints) has a bucket of its own, reported as ``endpoint-rate``.
        """
        overall = self._bucket((account, mode), self._global_rate(mode))
        if overall is not None and not overall.available():
            return "global-rate"
        shared = self._bucket((account, mode, "group", group), self._group_rates.get(group, 0.0)) if group else None
        single = self._bucket((account, mode, endpoint), self._endpoint_rate)
        for bucket in (shared, single):
            if bucket is not None and not bucket.available():
                return "endpoint-rate"
        for bucket in (overall, shared, single):
            if bucket is not None:
                bucket.take()
        return None
