"""Object builders for customers, products, prices, subscriptions and test clocks.

Each builder returns a plain dict with the key set and value types of the object in Stripe's current fixtures
(``shared/stripe-openapi/fixtures3.json``); the random choices come from the ``rng`` the caller passes, so the same
inputs give the same object.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from stripeflow.emulator import names
from stripeflow.emulator.chance import between, pick, text
from stripeflow.emulator.ids import IdFactory
from stripeflow.emulator.timeline import DAY

Obj = dict[str, Any]

COUNTRY_CURRENCY = {"US": "usd", "CA": "cad", "GB": "gbp", "IE": "eur", "FR": "eur", "DE": "eur", "AU": "aud"}
INTERVAL_SECONDS = {"day": DAY, "week": 7 * DAY, "month": 30 * DAY, "year": 365 * DAY}


@dataclass(frozen=True, slots=True)
class Context:
    """What every builder of one data set needs: the mode, the account and the id source."""

    livemode: bool
    account: str
    ids: IdFactory


def address(rng: random.Random) -> Obj:
    city, state, postal, country, street = pick(rng, names.ADDRESSES)
    line2 = f"Apt {between(rng, 1, 40)}" if rng.random() < 0.2 else None
    return {
        "city": city,
        "country": country,
        "line1": f"{between(rng, 1, 999)} {street}",
        "line2": line2,
        "postal_code": postal,
        "state": state,
    }


EMPTY_ADDRESS: Obj = dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))


def person(rng: random.Random) -> tuple[str, str, str]:
    """A (name, email, phone) triple."""
    first, last = pick(rng, names.FIRST_NAMES), pick(rng, names.LAST_NAMES)
    email = f"{first.lower()}.{last.lower()}{between(rng, 1, 9999)}@{pick(rng, names.EMAIL_DOMAINS)}"
    return f"{first} {last}", email, f"+1555{between(rng, 1000000, 9999999)}"


def discount(ctx: Context, rng: random.Random, customer: str, start: int) -> Obj:
    return {
        "checkout_session": None,
        "customer": customer,
        "end": None,
        "id": ctx.ids.new("di"),
        "invoice": None,
        "invoice_item": None,
        "object": "discount",
        "promotion_code": None,
        "start": start,
        "subscription": None,
        "subscription_item": None,
        "source": {"coupon": f"coupon_{text(rng, 8)}", "type": "coupon"},
        "customer_account": None,
    }


def customer(ctx: Context, rng: random.Random, created: int, test_clock: str | None) -> Obj:
    name, email, phone = person(rng)
    addr = address(rng) if rng.random() < 0.7 else EMPTY_ADDRESS
    cid = ctx.ids.new("cus")
    shipping = {"address": address(rng), "name": name, "phone": phone} if rng.random() < 0.2 else None
    return {
        "address": addr,
        "balance": -pick(rng, (500, 1000, 2500)) if rng.random() < 0.03 else 0,
        "created": created,
        "currency": COUNTRY_CURRENCY.get(addr["country"] or "US", "usd"),
        "default_source": None,
        "delinquent": rng.random() < 0.05,
        "description": None if rng.random() < 0.8 else f"Customer since {created // (365 * DAY) + 1970}",
        "discount": discount(ctx, rng, cid, created) if rng.random() < 0.03 else None,
        "email": email,
        "id": cid,
        "invoice_prefix": text(rng, 8).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": ctx.ids.new("pm") if rng.random() < 0.6 else None,
            "footer": None,
            "rendering_options": {"amount_tax_display": "exclude_tax", "template": None}
            if rng.random() < 0.1
            else None,
        },
        "livemode": ctx.livemode,
        "metadata": {"crm_id": str(between(rng, 10000, 99999))} if rng.random() < 0.3 else {},
        "name": name,
        "next_invoice_sequence": between(rng, 1, 30),
        "object": "customer",
        "phone": phone if rng.random() < 0.5 else None,
        "preferred_locales": ["en-US"] if rng.random() < 0.3 else [],
        "shipping": shipping,
        "tax_exempt": "none" if rng.random() < 0.97 else "exempt",
        "test_clock": test_clock,
    }


def product(ctx: Context, rng: random.Random, created: int, index: int) -> Obj:
    name, description = names.PRODUCTS[index % len(names.PRODUCTS)]
    edition = index // len(names.PRODUCTS)
    return {
        "active": True,
        "created": created,
        "default_price": None,
        "description": description,
        "id": ctx.ids.new("prod"),
        "images": [],
        "livemode": ctx.livemode,
        "marketing_features": [],
        "metadata": {},
        "name": f"{name} v{edition + 1}" if edition else name,
        "object": "product",
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "unit_label": None,
        "updated": created,
        "url": None,
        "type": "service",
    }


def price(ctx: Context, rng: random.Random, created: int, product_id: str, currency: str, interval: str | None) -> Obj:
    """A price; ``interval`` None makes a one-time price."""
    unit_amount = pick(rng, (500, 900, 1200, 1900, 2000, 2900, 4900, 9900, 19900, 49900))
    if interval == "year":
        unit_amount *= 10
    recurring = (
        {
            "interval": interval,
            "interval_count": 1,
            "meter": None,
            "usage_type": "licensed",
            "trial_period_days": 14 if rng.random() < 0.2 else None,
        }
        if interval
        else None
    )
    return {
        "active": True,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": currency,
        "custom_unit_amount": None,
        "id": ctx.ids.new("price"),
        "livemode": ctx.livemode,
        "lookup_key": None,
        "metadata": {},
        "nickname": f"{interval}ly" if interval and rng.random() < 0.4 else None,
        "object": "price",
        "product": product_id,
        "recurring": recurring,
        "tax_behavior": pick(rng, ("unspecified", "exclusive", "inclusive")),
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if interval else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }


def plan_of(price_obj: Obj) -> Obj:
    """The legacy ``plan`` view Stripe still embeds next to a recurring price on subscription items."""
    recurring = price_obj["recurring"] or {"interval": "month", "interval_count": 1, "usage_type": "licensed"}
    return {
        "active": price_obj["active"],
        "amount": price_obj["unit_amount"],
        "amount_decimal": price_obj["unit_amount_decimal"],
        "billing_scheme": price_obj["billing_scheme"],
        "created": price_obj["created"],
        "currency": price_obj["currency"],
        "id": price_obj["id"],
        "interval": recurring["interval"],
        "interval_count": recurring["interval_count"],
        "livemode": price_obj["livemode"],
        "metadata": price_obj["metadata"],
        "meter": None,
        "nickname": price_obj["nickname"],
        "object": "plan",
        "product": price_obj["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": recurring["usage_type"],
    }


def period(anchor: int, interval: str, reference: int) -> tuple[int, int]:
    """The billing period (start, end) that holds ``reference`` for a cycle anchored at ``anchor``."""
    length = INTERVAL_SECONDS[interval]
    start = anchor + max(0, (reference - anchor) // length) * length
    return start, start + length


def subscription_item(
    ctx: Context, rng: random.Random, created: int, sub_id: str, price_obj: Obj, current: tuple[int, int]
) -> Obj:
    return {
        "created": created,
        "discounts": [],
        "id": ctx.ids.new("si"),
        "metadata": {},
        "object": "subscription_item",
        "price": price_obj,
        "quantity": pick(rng, (1, 1, 1, 1, 2, 3, 5, 10)),
        "subscription": sub_id,
        "tax_rates": [],
        "plan": plan_of(price_obj),
        "current_period_end": current[1],
        "current_period_start": current[0],
        "billing_thresholds": None,
    }


def test_clock(ctx: Context, rng: random.Random, created: int, index: int) -> Obj:
    return {
        "created": created,
        "deletes_after": created + 30 * DAY,
        "frozen_time": created + between(rng, 0, 20) * DAY,
        "id": ctx.ids.new("clock"),
        "livemode": False,
        "name": f"Renewal scenario {index + 1}",
        "object": "test_helpers.test_clock",
        "status": "ready",
        "status_details": {},
    }
