"""Stripe-shaped records for the lake tests and ``benchmarks/lake_throughput.py``, built from the current fixtures."""

from __future__ import annotations

import copy
import json
import random
import string
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[3] / "shared/stripe-openapi/fixtures3.json"

#: dataset name -> Stripe object name, for the six resources.
OBJECTS = {
    "charges": "charge",
    "subscriptions": "subscription",
    "refunds": "refund",
    "balance_transactions": "balance_transaction",
    "customers": "customer",
    "prices": "price",
}

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase

_METHODS: list[tuple[str, dict[str, Any] | None]] = [
    ("card", None),
    ("card", None),
    ("card", None),
    ("card", None),
    ("card", None),
    ("card", None),
    ("klarna", {"payment_method_category": "pay_later", "preferred_locale": "de-DE"}),
    ("afterpay_clearpay", {"order_id": "ord_1", "reference": "ref_1"}),
    ("affirm", {"location": None, "reader": None, "transaction_id": "aff_tx_1"}),
    ("zip", {}),
    ("sepa_debit", {"bank_code": "37040044", "country": "DE", "last4": "3000", "mandate": "mandate_1"}),
]
_WALLETS = [None, None, {"apple_pay": {}, "dynamic_last4": "4242", "type": "apple_pay"}]


@cache
def _fixture_resources() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURES.read_text())["resources"]
    return loaded


def fixture_object(name: str) -> dict[str, Any]:
    """A fresh copy of the current fixture object ``name`` (``"charge"``, ``"price"`` ...)."""
    return copy.deepcopy(_fixture_resources()[name])


def stripe_id(prefix: str, created: int, rnd: random.Random) -> str:
    """An id shaped like Stripe's: ids made close in time share a prefix (they sort roughly by creation)."""
    stamp = ""
    value = created
    while value:
        value, digit = divmod(value, 62)
        stamp = _BASE62[digit] + stamp
    tail = "".join(rnd.choice(_BASE62) for _ in range(17))
    return f"{prefix}_3{stamp}{tail}"


def make_charges(count: int, *, seed: int = 1, start: int = 1_700_000_000) -> list[dict[str, Any]]:
    """``count`` charges in the current shape, oldest first, with varied ids, times, amounts and methods."""
    rnd = random.Random(seed)
    base = fixture_object("charge")
    base.pop("source", None)  # deprecated; not returned by current API versions for payment-intent charges
    charges = []
    created = start
    for _ in range(count):
        created += rnd.randint(0, 3)
        charge = copy.deepcopy(base)
        charge_id = stripe_id("ch", created, rnd)
        amount = rnd.randint(100, 250_000)
        status = rnd.choice(("succeeded", "succeeded", "succeeded", "pending", "failed"))
        charge.update(
            id=charge_id,
            created=created,
            amount=amount,
            amount_captured=amount if status == "succeeded" else 0,
            captured=status == "succeeded",
            paid=status != "failed",
            status=status,
            currency=rnd.choice(("usd", "eur", "gbp")),
            customer=stripe_id("cus", created - rnd.randint(0, 10**6), rnd),
            balance_transaction=stripe_id("txn", created, rnd),
            payment_intent=stripe_id("pi", created, rnd),
            metadata={f"key{index}": f"value {rnd.randint(0, 999)}" for index in range(rnd.randint(0, 3))},
            receipt_url=f"https://pay.stripe.com/receipts/{charge_id}",
            transfer_data=None,
        )
        charge["refunds"]["url"] = f"/v1/charges/{charge_id}/refunds"
        kind, details = rnd.choice(_METHODS)
        if kind == "card":
            card = charge["payment_method_details"]["card"]
            card.update(
                brand=rnd.choice(("visa", "mastercard", "amex")),
                last4=f"{rnd.randint(0, 9999):04d}",
                exp_month=rnd.randint(1, 12),
                exp_year=rnd.randint(2027, 2035),
                fingerprint="".join(rnd.choice(_BASE62) for _ in range(16)),
                wallet=copy.deepcopy(rnd.choice(_WALLETS)),
            )
        else:
            charge["payment_method_details"] = {kind: copy.deepcopy(details), "type": kind}
        charges.append(charge)
    return charges
