"""The request budget shared by every worker of one account.

Two limits apply to every request, as Stripe's own limiter does: one for the whole account and one per endpoint
(method and route, e.g. ``GET /v1/charges``). Requests are paced (a virtual schedule per limit, as in GCRA), so
the budget is spent evenly instead of in bursts that trip the server's limiter. A 429 that names the limit it
hit lowers that limit's pace (multiplicative decrease); successes bring it back to the configured ceiling
(additive increase).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

#: After a throttle, the pace drops to this share of what it was...
DECREASE_FACTOR = 0.75
#: ...and each success afterwards adds this share of the ceiling back.
INCREASE_SHARE = 0.02
#: How far back an unused slot can still be taken (seconds): absorbs event-loop jitter, bounds the burst.
SLACK = 0.1
#: Never pace below this many requests per second.
FLOOR_RPS = 0.5


@dataclass(slots=True)
class Pace:
    """One paced limit. ``ceiling`` of 0 means unlimited."""

    ceiling: float
    rate: float = 0.0
    next_at: float = 0.0

    def __post_init__(self) -> None:
        self.rate = self.ceiling

    @property
    def unlimited(self) -> bool:
        return self.ceiling <= 0

    def slow_down(self, now: float) -> None:
        if self.unlimited:
            return
        self.rate = max(FLOOR_RPS, self.rate * DECREASE_FACTOR)
        self.next_at = max(self.next_at, now + 1.0 / self.rate)

    def recover(self) -> None:
        if not self.unlimited and self.rate < self.ceiling:
            self.rate = min(self.ceiling, self.rate + self.ceiling * INCREASE_SHARE)


@dataclass
class RequestBudget:
    """Paces requests under a global and a per-endpoint rate; safe for many asyncio tasks of one loop."""

    global_rps: float
    endpoint_rps: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _global: Pace = field(init=False)
    _endpoints: dict[str, Pace] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._global = Pace(self.global_rps)

    def _endpoint(self, endpoint: str) -> Pace:
        pace = self._endpoints.get(endpoint)
        if pace is None:
            pace = self._endpoints[endpoint] = Pace(self.endpoint_rps)
        return pace

    async def acquire(self, endpoint: str) -> None:
        """Wait for the endpoint's turn, then for the account's.

        Two steps, in this order, so that a request waiting on a busy endpoint never holds a place in the
        account-wide line that a request to another endpoint could use now.
        """
        for pace in (self._endpoint(endpoint), self._global):
            wait = self._book(pace)
            if wait > 0:
                await self.sleep(wait)

    def _book(self, pace: Pace) -> float:
        if pace.unlimited:
            return 0.0
        now = self.clock()
        # A slot left unused in the last SLACK seconds (a busy event loop woke a waiter late) may still be taken,
        # so that scheduling jitter does not turn into lost rate; it allows a burst of at most SLACK * rate.
        start = max(now - SLACK, pace.next_at)
        pace.next_at = start + 1.0 / pace.rate
        return max(0.0, start - now)

    def on_throttled(self, endpoint: str, reason: str | None) -> None:
        """A 429 came back. ``reason`` is ``Stripe-Rate-Limited-Reason`` (``global-rate``, ``endpoint-rate``...)."""
        now = self.clock()
        if reason is None or reason.startswith("global"):
            self._global.slow_down(now)
        if reason is None or reason.startswith("endpoint") or reason == "resource-specific":
            self._endpoint(endpoint).slow_down(now)

    def on_success(self, endpoint: str) -> None:
        self._global.recover()
        self._endpoint(endpoint).recover()

    def set_global_ceiling(self, rps: float) -> None:
        """Change the account-wide limit, e.g. once Stripe has told the key's real mode."""
        self._global = Pace(rps)

    def rates(self) -> dict[str, float]:
        """Current paces, for progress displays and tests."""
        return {"global": self._global.rate} | {name: pace.rate for name, pace in self._endpoints.items()}
