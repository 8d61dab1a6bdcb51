"""Generation of products and prices: one-time and recurring, about a third of them archived."""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field

from stripeflow.emulator import shapes_billing as shapes
from stripeflow.emulator.chance import below, between, pick
from stripeflow.emulator.events import EventRecorder
from stripeflow.emulator.shapes_billing import Context, Obj
from stripeflow.emulator.timeline import DAY, HISTORY_SECONDS, later_time, sample_times

ARCHIVED_SHARE = 0.3
PRICE_CURRENCIES = ("usd", "usd", "usd", "usd", "usd", "usd", "usd", "usd", "eur", "gbp")


@dataclass(slots=True)
class Catalog:
    """Products and prices, with the recurring prices grouped by (interval, currency) for subscriptions."""

    products: list[Obj] = field(default_factory=list)
    prices: list[Obj] = field(default_factory=list)
    recurring: list[Obj] = field(default_factory=list)  # oldest first
    recurring_created: list[int] = field(default_factory=list)
    buckets: dict[tuple[str, str], list[Obj]] = field(default_factory=dict)
    bucket_created: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    inline: list[Obj] = field(default_factory=list)

    def recurring_before(self, created: int) -> int:
        """How many recurring prices exist at ``created``."""
        return bisect_right(self.recurring_created, created)

    def bucket_before(self, bucket: tuple[str, str], created: int) -> int:
        """How many prices of ``bucket`` exist at ``created``."""
        return bisect_right(self.bucket_created[bucket], created)


def _interval(rng: random.Random) -> str | None:
    draw = rng.random()
    if draw < 0.35:
        return None
    return "month" if draw < 0.8 else ("year" if draw < 0.97 else "week")


def generate_catalog(ctx: Context, rng: random.Random, count: int, anchor: int, recorder: EventRecorder) -> Catalog:
    catalog = Catalog()
    product_count = max(1, min(200, count // 4 + 1))
    for index in range(product_count):
        created = anchor - HISTORY_SECONDS - between(rng, 1, 60) * DAY
        catalog.products.append(shapes.product(ctx, rng, created, index))
    for created in sample_times(rng, count, anchor):
        product = pick(rng, catalog.products)
        interval = _interval(rng)
        obj = shapes.price(ctx, rng, created, product["id"], pick(rng, PRICE_CURRENCIES), interval)
        if interval and rng.random() < 0.1:
            obj["lookup_key"] = f"{product['name'].lower().replace(' ', '_')}_{interval}_{obj['id'][-6:]}"
        if recorder.keeps(created):
            recorder.record("price.created", obj.copy(), created)
        if rng.random() < ARCHIVED_SHARE:
            archived_at = later_time(rng, created, anchor, 365 * DAY)
            obj["active"] = False
            recorder.record("price.updated", obj, archived_at, previous={"active": True})
        catalog.prices.append(obj)
        if interval:
            _add_recurring(catalog, obj)
    return catalog


def _add_recurring(catalog: Catalog, obj: Obj) -> None:
    bucket = (obj["recurring"]["interval"], obj["currency"])
    catalog.recurring.append(obj)
    catalog.recurring_created.append(obj["created"])
    catalog.buckets.setdefault(bucket, []).append(obj)
    catalog.bucket_created.setdefault(bucket, []).append(obj["created"])


def inline_price(ctx: Context, rng: random.Random, catalog: Catalog, created: int, bucket: tuple[str, str]) -> Obj:
    """A price made with ``price_data`` for one subscription: retrievable, never listed."""
    interval, currency = bucket
    obj = shapes.price(ctx, rng, created, pick(rng, catalog.products)["id"], currency, interval)
    catalog.inline.append(obj)
    return obj


def pick_subscription_prices(ctx: Context, rng: random.Random, catalog: Catalog, created: int, count: int) -> list[Obj]:
    """``count`` distinct recurring prices of one interval and currency, all older than ``created``.

    When the catalogue has too few, the rest are inline prices (as Stripe's ``price_data`` makes).
    """
    available = catalog.recurring_before(created)
    if not available:
        bucket = ("month", "usd")
        return [inline_price(ctx, rng, catalog, created, bucket) for _ in range(count)]
    first = catalog.recurring[below(rng, available)]
    bucket = (first["recurring"]["interval"], first["currency"])
    if count == 1:
        return [first]
    pool = catalog.buckets[bucket]
    size = catalog.bucket_before(bucket, created)
    chosen = [pool[index] for index in rng.sample(range(size), min(count, size))]
    if not any(price is first for price in chosen):
        chosen[0] = first
    while len(chosen) < count:
        chosen.append(inline_price(ctx, rng, catalog, created, bucket))
    return chosen
