"""Embedded lists past their first 10 entries are paged to the end through their own endpoint."""

from __future__ import annotations

import asyncio

import httpx
import orjson

from stripeflow.stripe.client import StripeClient
from stripeflow.stripe.ratelimit import RequestBudget
from stripeflow.stripe.resources import SUBSCRIPTIONS
from stripeflow.sync.context import Progress, ResourceContext

ITEMS = [{"id": f"si_{n:02d}", "object": "subscription_item"} for n in range(25)]


def fake_stripe(request: httpx.Request) -> httpx.Response:
    """/v1/subscription_items pages of at most 10, like an account with a 25-item subscription."""
    assert request.url.path == "/v1/subscription_items"
    assert request.url.params["subscription"] == "sub_1"
    after = request.url.params.get("starting_after")
    start = 0 if after is None else next(i for i, item in enumerate(ITEMS) if item["id"] == after) + 1
    page = ITEMS[start : start + 10]
    body = {"object": "list", "data": page, "has_more": start + 10 < len(ITEMS), "url": "/v1/subscription_items"}
    return httpx.Response(200, content=orjson.dumps(body))


async def complete(record: dict[str, object]) -> int:
    """Complete ``record``'s nested lists against the fake; return how many requests that took."""
    async with StripeClient(
        "sk_test_123456789012",
        api_base="https://stripe.test",
        api_version="v",
        budget=RequestBudget(0, 0),
        transport=httpx.MockTransport(fake_stripe),
    ) as client:
        progress = Progress("subscriptions")
        ctx = ResourceContext(client=client, spec=SUBSCRIPTIONS, progress=progress, account="acct", livemode=False)
        await ctx.complete_nested(record)  # type: ignore[arg-type]
        return progress.metrics.requests


def test_a_subscription_with_25_items_is_completed() -> None:
    record = {
        "id": "sub_1",
        "items": {"object": "list", "data": ITEMS[:10], "has_more": True, "total_count": 25, "url": "/v1/x"},
    }
    requests = asyncio.run(complete(record))
    assert [item["id"] for item in record["items"]["data"]] == [item["id"] for item in ITEMS]  # type: ignore[index]
    assert record["items"]["has_more"] is False  # type: ignore[index]
    assert requests == 2  # items 11-20, then 21-25


def test_a_complete_embedded_list_costs_no_request() -> None:
    record = {"id": "sub_1", "items": {"object": "list", "data": ITEMS[:3], "has_more": False}}
    assert asyncio.run(complete(record)) == 0
