"""The real server in a child process, over loopback: plain httpx, the official stripe library, the CLI."""

from __future__ import annotations

import httpx
import pytest

import stripe
from stripeflow.emulator.server import RunningEmulator, start_emulator
from tests.emulator.conftest import KEY, RESTRICTED, SMALL, small_config


def stripe_client(server: RunningEmulator, key: str = KEY) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": server.base_url}, max_network_retries=0)


def test_the_server_answers_over_loopback_with_request_ids(server: RunningEmulator) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    response = httpx.get(
        f"{server.base_url}/v1/charges", params={"limit": 3}, headers={"Authorization": f"Bearer {KEY}"}
    )
    assert response.status_code == 200
    assert response.headers["request-id"].startswith("req_")
    assert response.headers["content-type"] == "application/json"
    assert [c["object"] for c in response.json()["data"]] == ["charge"] * 3


def test_the_stripe_library_auto_pages_every_charge(server: RunningEmulator) -> None:
    client = stripe_client(server)
    charges = list(client.v1.charges.list(params={"limit": 100}).auto_paging_iter())
    assert len(charges) == SMALL["charges"]
    assert len({charge.id for charge in charges}) == SMALL["charges"]
    created = [charge.created for charge in charges]
    assert created == sorted(created, reverse=True)


def test_the_stripe_library_lists_every_subscription_status_and_retrieves(server: RunningEmulator) -> None:
    client = stripe_client(server)
    subscriptions = list(client.v1.subscriptions.list(params={"status": "all", "limit": 100}).auto_paging_iter())
    assert "canceled" in {sub.status for sub in subscriptions}
    customer_id = subscriptions[0].customer
    assert isinstance(customer_id, str)
    customer = client.v1.customers.retrieve(customer_id, params={"expand": ["subscriptions"]})
    assert customer.id == customer_id
    assert customer.subscriptions is not None
    assert customer.subscriptions.object == "list"
    long = next(sub for sub in subscriptions if sub["items"].has_more)
    items = list(long["items"].auto_paging_iter())
    assert len(items) == long["items"]["total_count"]


def test_the_stripe_library_walks_events_backwards(server: RunningEmulator) -> None:
    client = stripe_client(server)
    newest = client.v1.events.list(params={"limit": 1}).data[0]
    oldest = list(client.v1.events.list(params={"limit": 100, "created": {"lt": newest.created}}).auto_paging_iter())
    forward = list(client.v1.events.list(params={"limit": 20, "ending_before": oldest[-1].id}).auto_paging_iter())
    assert forward[0].created >= oldest[-1].created
    assert [e.created for e in forward] == sorted(e.created for e in forward)


def test_the_stripe_library_raises_its_errors_with_request_ids(server: RunningEmulator) -> None:
    with pytest.raises(stripe.AuthenticationError) as auth:
        stripe_client(server, "sk_test_unknownkey9999").v1.charges.list()
    assert auth.value.request_id
    assert "sk_test_****9999" in str(auth.value.user_message)
    with pytest.raises(stripe.PermissionError) as permission:
        stripe_client(server, RESTRICTED).v1.subscriptions.list()
    assert permission.value.request_id
    assert "rak_subscription_read" in str(permission.value.user_message)
    with pytest.raises(stripe.InvalidRequestError) as invalid:
        stripe_client(server).v1.customers.retrieve("cus_doesnotexist")
    assert invalid.value.request_id
    assert invalid.value.code == "resource_missing"
    assert invalid.value.http_status == 404


def test_the_stripe_library_sees_rate_limit_errors() -> None:
    config = small_config(objects={"charges": 20}, rate_limit=1.0, endpoint_rate_limit=1.0)
    with start_emulator(config) as limited:
        client = stripe.StripeClient(KEY, base_addresses={"api": limited.base_url}, max_network_retries=0)
        client.v1.charges.list(params={"limit": 1})  # the burst: one second's worth
        with pytest.raises(stripe.RateLimitError) as caught:
            client.v1.charges.list(params={"limit": 1})
        assert caught.value.request_id
        assert caught.value.json_body
        assert caught.value.json_body["error"]["code"] == "rate_limit"
        stats = httpx.get(f"{limited.base_url}/_emulator/stats").json()
        assert stats["rate_limited_429"] >= 1
        assert stats["endpoints"]["GET /v1/charges"]["429"] >= 1


def test_stats_count_requests_per_endpoint(server: RunningEmulator) -> None:
    before = httpx.get(f"{server.base_url}/_emulator/stats").json()["endpoints"].get("GET /v1/prices/{id}", {})
    headers = {"Authorization": f"Bearer {KEY}"}
    for _ in range(3):
        httpx.get(f"{server.base_url}/v1/prices/price_missing", headers=headers)
    after = httpx.get(f"{server.base_url}/_emulator/stats").json()["endpoints"]["GET /v1/prices/{id}"]
    assert after["requests"] - before.get("requests", 0) == 3
    assert after["statuses"]["404"] - before.get("statuses", {}).get("404", 0) == 3


def test_stop_ends_the_child_process() -> None:
    running = start_emulator(small_config(objects={"charges": 5}))
    running.stop()
    assert running.process.poll() is not None
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{running.base_url}/_emulator/health", timeout=1.0)


def test_the_stripe_library_pages_search_results(server: RunningEmulator) -> None:
    client = stripe_client(server)
    found = list(client.v1.charges.search(params={"query": 'status:"failed"', "limit": 7}).auto_paging_iter())
    assert found
    assert {charge.status for charge in found} == {"failed"}
    assert len({charge.id for charge in found}) == len(found)
