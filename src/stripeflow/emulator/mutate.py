"""Changes over time for ``POST /_emulator/mutate``: seeded creations, updates, cancellations and deletions.

Each change stores the new object state (serialized once) and records the event Stripe would send, with
``previous_attributes`` on updates. Which objects are touched is drawn from a random stream seeded by the seed
and the number of earlier mutations of the data set, so a given sequence of calls always has the same effect.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from stripeflow.emulator import shapes_billing as billing
from stripeflow.emulator import shapes_payments as payments
from stripeflow.emulator.api_errors import bad_request
from stripeflow.emulator.chance import below, between, pick
from stripeflow.emulator.config import RESOURCE_NAMES
from stripeflow.emulator.dataset import Dataset
from stripeflow.emulator.events import previous_attributes
from stripeflow.emulator.generate_catalog import PRICE_CURRENCIES
from stripeflow.emulator.generate_payments import FAILED_SHARE, GUEST_SHARE
from stripeflow.emulator.generate_people import item_count
from stripeflow.emulator.shapes_subscription import EMBEDDED_ITEMS, SubscriptionPlan, subscription
from stripeflow.emulator.store import Collection, Obj, ViewKey, serialize

MAX_PER_CALL = 10_000
OPEN_SUBSCRIPTIONS: ViewKey = ("noclock", "default")


@dataclass(slots=True)
class Mutation:
    """One ``mutate`` call on one data set: its random stream, its time, and what it touched."""

    data: Dataset
    rng: random.Random
    now: int
    request_id: str
    touched: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def note(self, action: str, resource: str, object_id: str) -> None:
        self.touched.setdefault(action, {}).setdefault(resource, []).append(object_id)

    def event(self, event_type: str, obj: Obj, previous: Obj | None = None) -> None:
        self.data.recorder.record(event_type, obj, self.now, previous=previous, request_id=self.request_id)

    def put(self, collection: str, obj: Obj) -> None:
        record = self.data[collection].put(obj)
        if collection == "balance_transactions":
            self.data.track_pending(record)


def _random(coll: Collection, view: ViewKey, rng: random.Random) -> Obj | None:
    keys = coll.view(view)
    return coll.load(keys[below(rng, len(keys))][1]) if keys else None


# --- creations -------------------------------------------------------------------------------------------------


def _create_customer(m: Mutation) -> str | None:
    obj = billing.customer(m.data.ctx, m.rng, m.now, None)
    m.put("customers", obj)
    m.event("customer.created", obj)
    return str(obj["id"])


def _create_price(m: Mutation) -> str | None:
    product = _random(m.data["products"], ("all",), m.rng)
    if product is None:
        return None
    interval = pick(m.rng, (None, "month", "month", "year"))
    obj = billing.price(m.data.ctx, m.rng, m.now, product["id"], pick(m.rng, PRICE_CURRENCIES), interval)
    m.put("prices", obj)
    m.event("price.created", obj)
    return str(obj["id"])


def _subscription_prices(m: Mutation) -> list[Obj]:
    coll, wanted = m.data["prices"], item_count(m.rng)
    candidates = [_random(coll, ("active", True), m.rng) for _ in range(20 + wanted)]
    recurring = [price for price in candidates if price and price["recurring"]]
    if not recurring:
        product = _random(m.data["products"], ("all",), m.rng) or {"id": "prod_unknown"}
        inline = billing.price(m.data.ctx, m.rng, m.now, product["id"], "usd", "month")
        m.data["inline_prices"].put(inline)
        return [inline]
    first = recurring[0]
    bucket = (first["currency"], first["recurring"]["interval"])
    same = {p["id"]: p for p in recurring if (p["currency"], p["recurring"]["interval"]) == bucket}
    return list(same.values())[:wanted]


def _create_subscription(m: Mutation) -> str | None:
    customer = _random(m.data["customers"], ("visible",), m.rng)
    if customer is None:
        return None
    plan = SubscriptionPlan(m.now, customer["id"], None, _subscription_prices(m), "active", False, None, m.now)
    obj, items = subscription(m.data.ctx, m.rng, plan)
    if len(items) > EMBEDDED_ITEMS:
        m.data.long_items[obj["id"]] = [(item["id"], serialize(item)) for item in items]
    m.put("subscriptions", obj)
    m.event("customer.subscription.created", obj)
    return str(obj["id"])


def _create_charge(m: Mutation) -> str | None:
    ctx, rng = m.data.ctx, m.rng
    customer = _random(m.data["customers"], ("visible",), rng) if rng.random() >= GUEST_SHARE else None
    payer = (
        payments.Payer(customer["id"], customer["name"], customer["email"], customer["address"])
        if customer
        else payments.guest_payer(rng)
    )
    method, currency = payments.pick_method(rng)
    amount, failed = payments.draw_amount(rng), rng.random() < FAILED_SHARE
    plan = payments.ChargePlan(
        ctx.ids.new("ch"), m.now, payer, amount, currency, method, failed, ctx.ids.new("pi"), ctx.ids.new("pm")
    )
    if not failed:
        plan.balance_transaction = ctx.ids.new("txn")
        txn = payments.balance_transaction(
            plan.balance_transaction, m.now, amount, currency, "charge", plan.id, m.now,
            fee=payments.charge_fee(method, amount, currency),
            available_on=payments.charge_available_on(method, m.now),
            description=f"Payment {plan.id}",
        )  # fmt: skip
        m.put("balance_transactions", txn)
    obj = payments.charge(ctx, rng, plan)
    m.put("charges", obj)
    m.event("charge.failed" if failed else "charge.succeeded", obj)
    return plan.id


def _refundable(m: Mutation) -> Obj | None:
    for _ in range(50):
        charge = _random(m.data["charges"], ("all",), m.rng)
        if charge and charge["status"] == "succeeded" and charge["amount_refunded"] < charge["amount"]:
            return charge
    return None


def _create_refund(m: Mutation) -> str | None:
    charge = _refundable(m)
    if charge is None:
        return None
    remaining = charge["amount"] - charge["amount_refunded"]
    amount = remaining if m.rng.random() < 0.5 else max(1, int(remaining * m.rng.uniform(0.2, 0.8)))
    payer = payments.Payer(charge["customer"], "", None, billing.EMPTY_ADDRESS)
    method = charge["payment_method_details"]["type"]
    charge_plan = payments.ChargePlan(
        charge["id"], charge["created"], payer, charge["amount"], charge["currency"], method, False,
        charge["payment_intent"], charge["payment_method"],
    )  # fmt: skip
    ids = m.data.ctx.ids
    plan = payments.RefundPlan(ids.new("re"), m.now, charge_plan, amount, False, ids.new("txn"))
    refund = payments.refund(m.rng, plan)
    m.put("refunds", refund)
    txn = payments.balance_transaction(
        str(plan.balance_transaction),
        m.now, -amount, charge["currency"], "refund", plan.id, m.now,
        available_on=m.now, description=f"REFUND FOR CHARGE ({charge['id']})",
    )  # fmt: skip
    m.put("balance_transactions", txn)
    refunded = charge["amount_refunded"] + amount
    updated = charge | {"amount_refunded": refunded, "refunded": refunded >= charge["amount"]}
    m.put("charges", updated)
    m.event("refund.created", refund)
    m.event("charge.refunded", updated, previous_attributes(charge, updated))
    return plan.id


def _create_balance_transaction(m: Mutation) -> str | None:
    txn_id = m.data.ctx.ids.new("txn")
    amount = pick(m.rng, (-1, 1)) * between(m.rng, 100, 20_000)
    txn = payments.balance_transaction(
        txn_id, m.now, amount, "usd", "adjustment", None, m.now, available_on=m.now, description="Balance adjustment"
    )
    m.put("balance_transactions", txn)
    return txn_id


# --- updates, cancellations, deletions -------------------------------------------------------------------------

Change = Callable[[Obj, random.Random, int], Obj]


def _updater(collection: str, view: ViewKey, change: Change, event_type: str) -> Callable[[Mutation], str | None]:
    def update(m: Mutation) -> str | None:
        old = _random(m.data[collection], view, m.rng)
        if old is None:
            return None
        new = change(dict(old), m.rng, m.now)
        m.put(collection, new)
        m.event(event_type, new, previous_attributes(old, new))
        return str(new["id"])

    return update


def _change_customer(obj: Obj, rng: random.Random, now: int) -> Obj:
    name, email, _ = billing.person(rng)
    obj["email"] = email
    if rng.random() < 0.5:
        obj["name"] = name
    obj["metadata"] = {**obj["metadata"], "updated_at": str(now)}
    return obj


def _change_metadata(obj: Obj, rng: random.Random, now: int) -> Obj:
    obj["metadata"] = {**obj["metadata"], "updated_at": str(now)}
    if obj["object"] == "charge" and rng.random() < 0.5:
        obj["description"] = f"Order #{between(rng, 1000, 99999)} (updated)"
    return obj


def _change_price(obj: Obj, rng: random.Random, now: int) -> Obj:
    if rng.random() < 0.5:
        obj["active"] = False
    else:
        obj["nickname"] = f"Edition {between(rng, 2, 9)}"
    return obj


def _cancel(m: Mutation, sub: Obj, reason: str = "cancellation_requested") -> str:
    canceled = sub | {
        "status": "canceled",
        "canceled_at": m.now,
        "ended_at": m.now,
        "cancel_at_period_end": False,
        "cancellation_details": {"comment": None, "feedback": None, "reason": reason},
    }
    m.put("subscriptions", canceled)
    m.event("customer.subscription.deleted", canceled)
    return str(sub["id"])


def _cancel_subscription(m: Mutation) -> str | None:
    sub = _random(m.data["subscriptions"], OPEN_SUBSCRIPTIONS, m.rng)
    return None if sub is None else _cancel(m, sub)


def _delete_customer(m: Mutation) -> str | None:
    """Delete a customer; Stripe cancels the customer's subscriptions first."""
    customers = m.data["customers"]
    customer = _random(customers, ("visible",), m.rng)
    if customer is None:
        return None
    subs = m.data["subscriptions"]
    for key in list(subs.view(("customer", customer["id"]))):
        sub = subs.load(key[1])
        if sub is not None and sub["status"] != "canceled":
            m.note("cancel", "subscriptions", _cancel(m, sub, "cancellation_requested"))
    customers.delete(customer["id"])
    m.event("customer.deleted", customer)
    return str(customer["id"])


def _delete_price(m: Mutation) -> str | None:
    prices = m.data["prices"]
    price = _random(prices, ("active", m.rng.random() < 0.7), m.rng)
    if price is None:
        return None
    prices.delete(price["id"])
    m.event("price.deleted", price)
    return str(price["id"])


OPERATIONS: Mapping[str, Mapping[str, Callable[[Mutation], str | None]]] = MappingProxyType(
    {
        "create": {
            "customers": _create_customer, "prices": _create_price, "subscriptions": _create_subscription,
            "charges": _create_charge, "refunds": _create_refund,
            "balance_transactions": _create_balance_transaction,
        },
        "update": {
            "customers": _updater("customers", ("visible",), _change_customer, "customer.updated"),
            "charges": _updater("charges", ("all",), _change_metadata, "charge.updated"),
            "refunds": _updater("refunds", ("all",), _change_metadata, "refund.updated"),
            "subscriptions": _updater(
                "subscriptions", OPEN_SUBSCRIPTIONS, _change_metadata, "customer.subscription.updated"
            ),
            "prices": _updater("prices", ("active", True), _change_price, "price.updated"),
        },
        "cancel": {"subscriptions": _cancel_subscription},
        "delete": {"customers": _delete_customer, "prices": _delete_price},
    }
)  # fmt: skip
#: Past tense of each action, for the answer.
DONE = MappingProxyType({"create": "created", "update": "updated", "cancel": "canceled", "delete": "deleted"})


def parse_changes(body: Any) -> list[tuple[str, str, int]]:
    """``{"create": {"charges": 5}, …}`` -> ``[("create", "charges", 5), …]``, validated, in a fixed order."""
    if not isinstance(body, dict):
        raise bad_request('The body must be a JSON object such as {"create": {"charges": 5}}.')
    unknown = sorted(set(body) - set(OPERATIONS) - {"mode", "account"})
    if unknown:
        raise bad_request(f"Unknown action(s) {', '.join(unknown)}; valid actions are {', '.join(OPERATIONS)}.")
    changes = []
    for action, allowed in OPERATIONS.items():
        counts = body.get(action, {})
        if not isinstance(counts, dict):
            raise bad_request(f"'{action}' must map resource names to counts.")
        for resource, count in counts.items():
            if resource not in allowed:
                valid = ", ".join(allowed)
                known = "unknown resource" if resource not in RESOURCE_NAMES else "not supported"
                raise bad_request(f"{action} {resource}: {known}; {action} works on {valid}.")
            if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_PER_CALL:
                raise bad_request(f"{action} {resource}: the count must be a whole number from 0 to {MAX_PER_CALL}.")
            changes.append((action, resource, count))
    return changes


def apply(data: Dataset, changes: list[tuple[str, str, int]], now: int, request_id: str) -> dict[str, Any]:
    """Apply the changes in order and answer which ids each touched and which events they made."""
    m = Mutation(data, data.rng(f"mutation:{data.mutations}"), now, request_id)
    data.mutations += 1
    for action, resource, count in changes:
        for _ in range(count):
            touched = OPERATIONS[action][resource](m)
            if touched is not None:
                m.note(action, resource, touched)
    events = data.add_events()
    answer: dict[str, Any] = {DONE[action]: m.touched.get(action, {}) for action in OPERATIONS}
    answer["events"] = [event["id"] for event in events]
    answer["now"] = now
    return answer
