"""Builders for the account and balance objects (``/v1/account``, ``/v1/balance``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stripeflow.emulator.shapes_billing import EMPTY_ADDRESS, Obj

_REQUIREMENTS: Obj = {
    "alternatives": [],
    "current_deadline": None,
    "currently_due": [],
    "disabled_reason": None,
    "errors": [],
    "eventually_due": [],
    "past_due": [],
    "pending_verification": [],
}


def account(account_id: str, created: int, *, connected: bool, name: str) -> Obj:
    return {
        "business_profile": {
            "annual_revenue": None,
            "estimated_worker_count": None,
            "mcc": "5734",
            "name": name,
            "product_description": "Software subscriptions",
            "support_address": EMPTY_ADDRESS,
            "support_email": "support@example.com",
            "support_phone": None,
            "support_url": None,
            "url": "https://example.com",
            "minority_owned_business_designation": None,
        },
        "business_type": "company",
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": True,
        "controller": {"type": "application" if connected else "account"},
        "country": "US",
        "created": created,
        "default_currency": "usd",
        "details_submitted": True,
        "email": "owner@example.com",
        "external_accounts": {
            "data": [],
            "has_more": False,
            "object": "list",
            "url": f"/v1/accounts/{account_id}/external_accounts",
        },
        "future_requirements": dict(_REQUIREMENTS),
        "id": account_id,
        "metadata": {},
        "object": "account",
        "payouts_enabled": True,
        "requirements": dict(_REQUIREMENTS),
        "settings": {
            "dashboard": {"display_name": name, "timezone": "Etc/UTC"},
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 2, "interval": "daily"},
                "statement_descriptor": None,
            },
        },
        "tos_acceptance": {"date": created, "ip": None, "user_agent": None},
        "type": "express" if connected else "standard",
    }


def balance(livemode: bool, transactions: Iterable[Any]) -> Obj:
    """The balance: the sum of ``net`` of available and of pending balance transactions (all in usd)."""
    totals = {"available": 0, "pending": 0}
    for attrs in transactions:
        totals[attrs.status] += attrs.net
    return {
        "available": [
            {"amount": totals["available"], "currency": "usd", "source_types": {"card": totals["available"]}}
        ],
        "connect_reserved": [{"amount": 0, "currency": "usd"}],
        "livemode": livemode,
        "object": "balance",
        "pending": [{"amount": totals["pending"], "currency": "usd", "source_types": {"card": totals["pending"]}}],
    }
