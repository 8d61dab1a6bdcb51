"""Object builders for charges, refunds and balance transactions (see :mod:`.shapes_billing` for the contract)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from stripeflow.emulator import names
from stripeflow.emulator.chance import Weighted, between, pick, text
from stripeflow.emulator.shapes_billing import EMPTY_ADDRESS, Context, Obj, person
from stripeflow.emulator.timeline import DAY, day_start

#: Payment methods with their share of charges and the currencies they settle in.
METHODS = (
    ("card", 0.70, ("usd", "usd", "usd", "usd", "eur", "gbp", "cad")),
    ("klarna", 0.08, ("usd", "eur", "gbp")),
    ("afterpay_clearpay", 0.08, ("usd", "gbp", "aud")),
    ("affirm", 0.07, ("usd", "cad")),
    ("zip", 0.07, ("usd", "aud")),
)
#: Processing fee of each method: (percent, fixed cents).
FEES = {"card": (2.9, 30), "klarna": (5.99, 30), "afterpay_clearpay": (6.0, 30), "affirm": (6.0, 0), "zip": (5.9, 30)}
#: Conversion into the account's settlement currency (usd).
USD_RATES = {"usd": 1.0, "eur": 1.08, "gbp": 1.27, "cad": 0.74, "aud": 0.66}
SETTLEMENT_DAYS = {"card": 2}
CARD_BRANDS = Weighted(names.CARD_BRANDS)
BNPL_SETTLEMENT_DAYS = 3


@dataclass(frozen=True, slots=True)
class Payer:
    """Who pays a charge: a customer id (or None for a guest) and the billing details shown on the charge."""

    customer: str | None
    name: str
    email: str | None
    address: Obj


@dataclass(slots=True)
class ChargePlan:
    """The facts a charge is built from; refunds and the ledger fill in the last two before it is built."""

    id: str
    created: int
    payer: Payer
    amount: int
    currency: str
    method: str
    failed: bool
    payment_intent: str
    payment_method: str
    amount_refunded: int = 0
    balance_transaction: str | None = None


def pick_method(rng: random.Random) -> tuple[str, str]:
    """A (payment method type, currency) pair: about 70% cards, the rest buy-now-pay-later methods."""
    draw = rng.random()
    for method, share, currencies in METHODS:
        draw -= share
        if draw < 0:
            return method, pick(rng, currencies)
    return "card", "usd"


def draw_amount(rng: random.Random) -> int:
    """A charge amount in cents: log-normal around $24, at least 50 cents."""
    return max(50, round(math.exp(rng.gauss(7.8, 1.0))))


def guest_payer(rng: random.Random) -> Payer:
    name, email, _ = person(rng)
    return Payer(None, name, email if rng.random() < 0.5 else None, EMPTY_ADDRESS)


def card_details(rng: random.Random, amount: int) -> Obj:
    brand = CARD_BRANDS.draw(rng)
    wallet = pick(rng, ("apple_pay", "google_pay", "link"))
    return {
        "amount_authorized": amount,
        "brand": brand,
        "checks": {"address_line1_check": None, "address_postal_code_check": "pass", "cvc_check": "pass"},
        "country": pick(rng, names.CARD_COUNTRIES),
        "exp_month": between(rng, 1, 12),
        "exp_year": between(rng, 2026, 2032),
        "extended_authorization": {"status": "disabled"},
        "fingerprint": text(rng, 16),
        "funding": "credit" if rng.random() < 0.7 else "debit",
        "incremental_authorization": {"status": "unavailable"},
        "installments": None,
        "last4": f"{between(rng, 0, 9999):04d}",
        "mandate": None,
        "multicapture": {"status": "unavailable"},
        "network": brand,
        "network_token": {"used": False},
        "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
        "three_d_secure": _three_d_secure(rng) if rng.random() < 0.1 else None,
        "wallet": {"dynamic_last4": None, "type": wallet} if rng.random() < 0.2 else None,
        "authorization_code": str(between(rng, 100000, 999999)),
        "regulated_status": "unregulated",
        "network_transaction_id": text(rng, 15),
        "transaction_link_id": None,
    }


def _three_d_secure(rng: random.Random) -> Obj:
    return {
        "authentication_flow": pick(rng, ("challenge", "frictionless")),
        "electronic_commerce_indicator": "05",
        "exemption_indicator": None,
        "result": "authenticated",
        "result_reason": None,
        "transaction_id": text(rng, 32),
        "version": "2.2.0",
    }


def method_details(rng: random.Random, method: str, amount: int, payer: Payer) -> Obj:
    """``payment_method_details``: ``{"type": m, m: {...}}`` for the card or buy-now-pay-later method ``m``."""
    if method == "card":
        details = card_details(rng, amount)
    elif method == "klarna":
        country = payer.address["country"] or "US"
        details = {
            "payer_details": {"address": {"country": country}},
            "payment_method_category": pick(rng, ("pay_later", "pay_in_installments", "pay_now")),
            "preferred_locale": "en-US",
        }
    elif method == "afterpay_clearpay":
        details = {"order_id": None, "reference": text(rng, 10)}
    elif method == "affirm":
        details = {"location": None, "reader": None, "transaction_id": text(rng, 12)}
    else:
        details = {}
    return {method: details, "type": method}


def _outcome(rng: random.Random, failed: bool, method: str) -> Obj:
    risk = between(rng, 0, 64)
    if not failed:
        return {
            "advice_code": None, "network_advice_code": None, "network_decline_code": None,
            "network_status": "approved_by_network", "reason": None, "risk_level": "normal",
            "risk_score": risk, "seller_message": "Payment complete.", "type": "authorized",
        }  # fmt: skip
    reason = pick(rng, ("generic_decline", "insufficient_funds", "do_not_honor")) if method == "card" else None
    return {
        "advice_code": "try_again_later" if reason == "insufficient_funds" else None,
        "network_advice_code": None, "network_decline_code": "51" if reason == "insufficient_funds" else None,
        "network_status": "declined_by_network", "reason": reason, "risk_level": "normal", "risk_score": risk,
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }  # fmt: skip


def charge(ctx: Context, rng: random.Random, plan: ChargePlan) -> Obj:
    paid = not plan.failed
    payer = plan.payer
    template = pick(rng, names.CHARGE_DESCRIPTIONS)
    failure_code = None
    if plan.failed:
        failure_code = "card_declined" if plan.method == "card" else "payment_method_provider_decline"
    return {
        "amount": plan.amount,
        "amount_captured": plan.amount if paid else 0,
        "amount_refunded": plan.amount_refunded,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": plan.balance_transaction,
        "billing_details": {
            "address": payer.address,
            "email": payer.email,
            "name": payer.name,
            "phone": None,
            "tax_id": None,
        },
        "calculated_statement_descriptor": "STRIPEFLOW* DEMO",
        "captured": paid,
        "created": plan.created,
        "currency": plan.currency,
        "customer": payer.customer,
        "description": template.format(n=between(rng, 1000, 99999)) if template else None,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure_code,
        "failure_message": "Your card was declined." if plan.failed else None,
        "fraud_details": {},
        "id": plan.id,
        "livemode": ctx.livemode,
        "metadata": {"order_id": str(between(rng, 100000, 999999))} if rng.random() < 0.3 else {},
        "object": "charge",
        "on_behalf_of": None,
        "outcome": _outcome(rng, plan.failed, plan.method),
        "paid": paid,
        "payment_intent": plan.payment_intent,
        "payment_method": plan.payment_method,
        "payment_method_details": method_details(rng, plan.method, plan.amount, payer),
        "receipt_email": payer.email if paid and rng.random() < 0.5 else None,
        "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/payment/{plan.id}",
        "refunded": paid and plan.amount_refunded >= plan.amount,
        "review": None,
        "shipping": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "failed" if plan.failed else "succeeded",
        "transfer_data": None,
        "transfer_group": None,
        "source": None,
    }


@dataclass(slots=True)
class RefundPlan:
    id: str
    created: int
    charge: ChargePlan
    amount: int
    failed: bool
    balance_transaction: str | None = None


def refund(rng: random.Random, plan: RefundPlan) -> Obj:
    method = plan.charge.method
    if method == "card":
        destination: Obj = {
            "card": {
                "reference": str(between(rng, 10**22, 10**23 - 1)),
                "reference_status": "available",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
            "type": "card",
        }
    else:
        destination = {method: {}, "type": method}
    return {
        "amount": plan.amount,
        "balance_transaction": plan.balance_transaction,
        "charge": plan.charge.id,
        "created": plan.created,
        "currency": plan.charge.currency,
        "destination_details": destination,
        "id": plan.id,
        "metadata": {},
        "object": "refund",
        "payment_intent": plan.charge.payment_intent,
        "reason": pick(rng, ("requested_by_customer", "requested_by_customer", "duplicate", "fraudulent", None)),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "failed" if plan.failed else "succeeded",
        "transfer_reversal": None,
        "customer": plan.charge.payer.customer,
        "customer_account": None,
        "payment_method": plan.charge.payment_method,
    }


def balance_transaction(
    txn_id: str,
    created: int,
    amount: int,
    currency: str,
    kind: str,
    source: str | None,
    now: int,
    *,
    fee: int = 0,
    available_on: int | None = None,
    description: str | None = None,
) -> Obj:
    """A balance transaction in the settlement currency (usd); pending until ``available_on`` (default: next day).

    Refunds and other debits pass ``available_on=created``: Stripe takes them from the available balance at once.
    """
    rate = USD_RATES.get(currency, 1.0)
    settled = round(amount * rate)
    if available_on is None:
        available_on = day_start(created) + DAY
    fee_details = [
        {
            "amount": fee,
            "application": None,
            "currency": "usd",
            "description": "Stripe processing fees",
            "type": "stripe_fee",
        }
    ]
    return {
        "amount": settled,
        "available_on": available_on,
        "created": created,
        "currency": "usd",
        "description": description,
        "exchange_rate": rate if currency != "usd" else None,
        "fee": fee,
        "fee_details": fee_details if fee else [],
        "id": txn_id,
        "net": settled - fee,
        "object": "balance_transaction",
        "reporting_category": {"charge": "charge", "refund": "refund", "payout": "payout"}.get(kind, "fee"),
        "source": source,
        "status": "available" if available_on <= now else "pending",
        "type": kind,
        "balance_type": "payments",
    }


def charge_fee(method: str, amount: int, currency: str) -> int:
    percent, fixed = FEES[method]
    return round(amount * USD_RATES.get(currency, 1.0) * percent / 100) + fixed


def charge_available_on(method: str, created: int) -> int:
    return day_start(created) + SETTLEMENT_DAYS.get(method, BNPL_SETTLEMENT_DAYS) * DAY
