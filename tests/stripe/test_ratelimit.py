from __future__ import annotations

import asyncio
import heapq
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from stripeflow.stripe.ratelimit import FLOOR_RPS, RequestBudget

T = TypeVar("T")


class FakeTime:
    """Virtual time for the budget: sleepers wake in time order, and nothing really waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, id(future), future))
        await future

    async def drive(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work``; whenever every task is asleep, jump to the earliest wake-up."""
        task = asyncio.ensure_future(work)
        while not task.done():
            for _ in range(20):
                await asyncio.sleep(0)
            if self._sleepers and not task.done():
                wake, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake)
                future.set_result(None)
        return task.result()


def budget(fake: FakeTime, global_rps: float, endpoint_rps: float) -> RequestBudget:
    return RequestBudget(global_rps, endpoint_rps, clock=fake.clock, sleep=fake.sleep)


def send_times(limits: RequestBudget, fake: FakeTime, endpoints: list[str]) -> list[float]:
    """When each request goes out if they are issued one after another by one task."""

    async def run() -> list[float]:
        times = []
        for endpoint in endpoints:
            await limits.acquire(endpoint)
            times.append(round(fake.now, 6))
        return times

    return asyncio.run(fake.drive(run()))


def test_global_rate_paces_requests_evenly() -> None:
    fake = FakeTime()
    times = send_times(budget(fake, 10, 0), fake, [f"GET /v1/{n}" for n in range(5)])
    # The slot 0.1 s before the first request is still free (SLACK), so two go at once, then one every 0.1 s.
    assert times == pytest.approx([1000.0, 1000.0, 1000.1, 1000.2, 1000.3])


def test_unused_slots_older_than_the_slack_are_lost() -> None:
    fake = FakeTime()
    limits = budget(fake, 10, 0)
    send_times(limits, fake, ["GET /v1/a"] * 3)
    fake.now += 5.0  # idle: no burst of 50 may follow
    times = send_times(limits, fake, ["GET /v1/a"] * 4)
    assert times == pytest.approx([1005.1, 1005.1, 1005.2, 1005.3])


def test_endpoint_rate_binds_below_global_rate() -> None:
    fake = FakeTime()
    times = send_times(budget(fake, 100, 4), fake, ["GET /v1/charges"] * 4)
    assert times == pytest.approx([1000.0, 1000.15, 1000.4, 1000.65])


def test_a_busy_endpoint_does_not_hold_back_another_endpoint() -> None:
    """Twenty charges requests wait for their 2/s endpoint; a prices request still goes at the global pace."""
    fake = FakeTime()
    limits = budget(fake, 10, 2)
    sent: dict[str, list[float]] = {"GET /v1/charges": [], "GET /v1/prices": []}

    async def request(endpoint: str) -> None:
        await limits.acquire(endpoint)
        sent[endpoint].append(fake.now)

    async def run() -> None:
        await asyncio.gather(*(request("GET /v1/charges") for _ in range(20)), request("GET /v1/prices"))

    asyncio.run(fake.drive(run()))
    assert sent["GET /v1/prices"][0] <= 1000.2
    assert max(sent["GET /v1/charges"]) == pytest.approx(1009.4, abs=0.02)


def test_zero_means_unlimited() -> None:
    fake = FakeTime()
    assert send_times(budget(fake, 0, 0), fake, ["GET /v1/charges"] * 50) == [1000.0] * 50


def test_throttle_slows_the_named_limit_and_successes_recover_it() -> None:
    fake = FakeTime()
    limits = budget(fake, 100, 20)
    send_times(limits, fake, ["GET /v1/charges"])
    limits.on_throttled("GET /v1/charges", "endpoint-rate")
    assert limits.rates()["GET /v1/charges"] == pytest.approx(15.0)
    assert limits.rates()["global"] == pytest.approx(100.0)
    limits.on_throttled("GET /v1/charges", "global-rate")
    assert limits.rates()["global"] == pytest.approx(75.0)
    for _ in range(200):
        limits.on_success("GET /v1/charges")
    assert limits.rates()["GET /v1/charges"] == pytest.approx(20.0)
    assert limits.rates()["global"] == pytest.approx(100.0)


def test_rate_never_drops_below_the_floor() -> None:
    fake = FakeTime()
    limits = budget(fake, 10, 10)
    for _ in range(100):
        limits.on_throttled("GET /v1/charges", None)
    assert limits.rates()["global"] == pytest.approx(FLOOR_RPS)
    assert limits.rates()["GET /v1/charges"] == pytest.approx(FLOOR_RPS)
