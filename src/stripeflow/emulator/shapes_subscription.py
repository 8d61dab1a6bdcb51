"""The subscription builder: a subscription with its items, at its state as of a given time."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from stripeflow.emulator.chance import pick
from stripeflow.emulator.shapes_billing import Context, Obj, period, subscription_item
from stripeflow.emulator.timeline import DAY

#: How many items Stripe embeds in ``subscription.items``; the rest is paged through /v1/subscription_items.
EMBEDDED_ITEMS = 10
TRIAL_SECONDS = 14 * DAY
ENDED_STATUSES = frozenset({"canceled", "incomplete_expired"})


@dataclass(frozen=True, slots=True)
class SubscriptionPlan:
    """The facts a subscription is built from; ``ended_at`` is set for canceled and expired ones."""

    created: int
    customer: str
    test_clock: str | None
    prices: Sequence[Obj]
    status: str
    trial: bool
    ended_at: int | None
    now: int


def items_list(sub_id: str, items: Sequence[Obj]) -> Obj:
    """The embedded ``items`` sublist: the first page, with the total and the URL of the rest."""
    return {
        "object": "list",
        "data": list(items[:EMBEDDED_ITEMS]),
        "has_more": len(items) > EMBEDDED_ITEMS,
        "total_count": len(items),
        "url": f"/v1/subscription_items?subscription={sub_id}",
    }


def subscription(ctx: Context, rng: random.Random, plan: SubscriptionPlan) -> tuple[Obj, list[Obj]]:
    """Build the subscription and its full item list (the object embeds only the first page of items)."""
    sub_id = ctx.ids.new("sub")
    trial_end = plan.created + TRIAL_SECONDS if plan.trial else None
    cycle_anchor = trial_end or plan.created
    reference = plan.ended_at or plan.now
    interval = (plan.prices[0]["recurring"] or {"interval": "month"})["interval"]
    current = period(cycle_anchor, interval, reference)
    items = [subscription_item(ctx, rng, plan.created, sub_id, price, current) for price in plan.prices]
    automatic = rng.random() < 0.9
    taxed = rng.random() < 0.2
    cancel_at_period_end = plan.status == "active" and rng.random() < 0.05
    obj: Obj = {
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"enabled": taxed, "liability": {"type": "self"} if taxed else None, "disabled_reason": None},
        "billing_cycle_anchor": cycle_anchor,
        "billing_cycle_anchor_config": None,
        "cancel_at": current[1] if cancel_at_period_end else None,
        "canceled_at": plan.ended_at if plan.status == "canceled" else None,
        "cancellation_details": _cancellation(rng, plan.status),
        "collection_method": "charge_automatically" if automatic else "send_invoice",
        "created": plan.created,
        "currency": plan.prices[0]["currency"],
        "customer": plan.customer,
        "days_until_due": None if automatic else 30,
        "default_payment_method": ctx.ids.new("pm") if automatic else None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [],
        "ended_at": plan.ended_at,
        "id": sub_id,
        "invoice_settings": {
            "account_tax_ids": None,
            "issuer": {"type": "self"},
            "custom_fields": None,
            "description": None,
            "footer": None,
        },
        "items": items_list(sub_id, items),
        "latest_invoice": None,
        "livemode": ctx.livemode,
        "metadata": {"plan_tier": pick(rng, ("starter", "team", "business"))} if rng.random() < 0.4 else {},
        "next_pending_invoice_item_invoice": None,
        "object": "subscription",
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": plan.created,
        "status": plan.status,
        "test_clock": plan.test_clock,
        "transfer_data": None,
        "trial_end": trial_end,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": plan.created if plan.trial else None,
        "cancel_at_period_end": cancel_at_period_end,
        "billing_thresholds": None,
        "billing_mode": {"type": "classic", "flexible": None},
        "customer_account": None,
        "managed_payments": {"enabled": False},
        "billing_schedules": [],
    }
    return obj, items


def _cancellation(rng: random.Random, status: str) -> Obj:
    if status != "canceled":
        return {"comment": None, "feedback": None, "reason": None}
    reason = pick(rng, ("cancellation_requested", "cancellation_requested", "payment_failed"))
    feedback = pick(rng, (None, "too_expensive", "unused", "switched_service", "missing_features"))
    return {"comment": None, "feedback": feedback if reason == "cancellation_requested" else None, "reason": reason}


def initial_state(obj: Obj) -> Obj:
    """The subscription as it was when created (for its ``customer.subscription.created`` event)."""
    first = obj.copy()
    if obj["status"] in ("incomplete", "incomplete_expired"):
        first["status"] = "incomplete"
    else:
        first["status"] = "trialing" if obj["trial_start"] else "active"
    if obj["status"] in ENDED_STATUSES:
        first["canceled_at"] = first["ended_at"] = None
        first["cancellation_details"] = {"comment": None, "feedback": None, "reason": None}
    return first
