"""Generation of test clocks, customers and subscriptions (with their items)."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from stripeflow.emulator import shapes_billing as shapes
from stripeflow.emulator.chance import Weighted, below, between
from stripeflow.emulator.events import EventRecorder
from stripeflow.emulator.generate_catalog import Catalog, pick_subscription_prices
from stripeflow.emulator.shapes_billing import Context, Obj
from stripeflow.emulator.shapes_subscription import (
    EMBEDDED_ITEMS,
    TRIAL_SECONDS,
    SubscriptionPlan,
    initial_state,
    subscription,
)
from stripeflow.emulator.timeline import DAY, later_time, sample_times

TEST_CLOCKS = 3
CLOCK_WINDOW = 25 * DAY
INCOMPLETE_SECONDS = 23 * 3600
#: One subscription in this many has more items than the embedded page holds.
LONG_EVERY = 100
#: Share of the subscriptions made after a test-clock customer exists that belong to test-clock customers.
CLOCKED_SHARE = 0.3
#: Final statuses of subscriptions older than a trial, with their weights.
STATUS_WEIGHTS = Weighted((
    ("active", 0.46), ("canceled", 0.30), ("past_due", 0.06), ("unpaid", 0.03), ("paused", 0.04),
    ("incomplete_expired", 0.05), ("trialing_then_active", 0.06),
))  # fmt: skip


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """What other objects need to know about a customer."""

    id: str
    created: int
    test_clock: str | None
    name: str
    email: str | None
    address: Obj


@dataclass(slots=True)
class People:
    """The customers made so far, oldest first, and separately those under a test clock."""

    customers: list[CustomerRef] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    clocked: list[CustomerRef] = field(default_factory=list)
    clocked_created: list[int] = field(default_factory=list)

    def before(self, created: int) -> int:
        return bisect_right(self.created, created)

    def owner(self, rng: random.Random, created: int) -> CustomerRef:
        """A customer who existed at ``created``; test-clock customers get a good share of recent ones."""
        clocked = bisect_right(self.clocked_created, created)
        if clocked and rng.random() < CLOCKED_SHARE:
            return self.clocked[below(rng, clocked)]
        known = self.before(created)
        return self.customers[below(rng, known)] if known else self.customers[0]


def test_clocks(ctx: Context, rng: random.Random, anchor: int, customers: int) -> list[Obj]:
    if ctx.livemode or customers < TEST_CLOCKS:
        return []
    return [shapes.test_clock(ctx, rng, anchor - CLOCK_WINDOW - index * 3600, index) for index in range(TEST_CLOCKS)]


def _clock_owners(rng: random.Random, times: list[int], anchor: int, clocks: list[Obj]) -> dict[int, str]:
    """About 2% of customers (only recent ones, as test clocks expire) live under a test clock."""
    if not clocks:
        return {}
    recent = [index for index, created in enumerate(times) if created >= anchor - CLOCK_WINDOW]
    wanted = min(len(recent), max(len(clocks), len(times) // 50))
    chosen = sorted(rng.sample(recent, wanted))
    return {index: clocks[n % len(clocks)]["id"] for n, index in enumerate(chosen)}


def customers(
    ctx: Context,
    rng: random.Random,
    count: int,
    anchor: int,
    clocks: list[Obj],
    recorder: EventRecorder,
    people: People,
) -> Iterator[Obj]:
    """Yield customers oldest first, noting each in ``people`` for the objects that refer to them."""
    times = sample_times(rng, count, anchor)
    owners = _clock_owners(rng, times, anchor, clocks)
    for index, created in enumerate(times):
        obj = shapes.customer(ctx, rng, created, owners.get(index))
        ref = CustomerRef(obj["id"], created, obj["test_clock"], obj["name"], obj["email"], obj["address"])
        people.customers.append(ref)
        if ref.test_clock:
            people.clocked.append(ref)
            people.clocked_created.append(created)
        people.created.append(created)
        recorder.record("customer.created", obj, created)
        yield obj


def item_count(rng: random.Random, *, long: bool = False) -> int:
    """How many items a subscription has: mostly 1, sometimes 2 to 6; ``long`` ones 11 to 30 (over a page)."""
    if long:
        return between(rng, EMBEDDED_ITEMS + 1, 30)
    draw = rng.random()
    if draw < 0.75:
        return 1
    return 2 if draw < 0.9 else between(rng, 3, 6)


def _status(rng: random.Random, created: int, anchor: int) -> tuple[str, bool, int | None]:
    """(final status, had a trial, ended_at) for a subscription created at ``created``."""
    age = anchor - created
    if age < INCOMPLETE_SECONDS and rng.random() < 0.2:
        return "incomplete", False, None
    if age < TRIAL_SECONDS and rng.random() < 0.4:
        return "trialing", True, None
    status = STATUS_WEIGHTS.draw(rng)
    if status == "canceled":
        return status, rng.random() < 0.15, later_time(rng, created, anchor, 500 * DAY)
    if status == "incomplete_expired":
        return status, False, min(anchor, created + INCOMPLETE_SECONDS)
    if status == "trialing_then_active":
        return "active", True, None
    return status, rng.random() < 0.1, None


def subscriptions(
    ctx: Context,
    rng: random.Random,
    count: int,
    anchor: int,
    people: People,
    catalog: Catalog,
    recorder: EventRecorder,
    long_items: dict[str, list[Obj]],
) -> Iterator[Obj]:
    """Yield subscriptions; the full item lists of those with more than 10 items go to ``long_items``."""
    if not people.customers:
        return
    for index, created in enumerate(sample_times(rng, count, anchor)):
        owner = people.owner(rng, created)
        created = max(created, owner.created)
        status, trial, ended_at = _status(rng, created, anchor)
        long = index % LONG_EVERY == LONG_EVERY // 2  # exactly 1%, so even small data sets have some
        prices = pick_subscription_prices(ctx, rng, catalog, created, item_count(rng, long=long))
        plan = SubscriptionPlan(created, owner.id, owner.test_clock, prices, status, trial, ended_at, anchor)
        obj, items = subscription(ctx, rng, plan)
        if len(items) > EMBEDDED_ITEMS:
            long_items[obj["id"]] = items
        if recorder.keeps(created):
            recorder.record("customer.subscription.created", initial_state(obj), created)
        if ended_at is not None and status == "canceled":
            recorder.record("customer.subscription.deleted", obj, ended_at)
        elif ended_at is not None:
            recorder.record("customer.subscription.updated", obj, ended_at, previous={"status": "incomplete"})
        yield obj
