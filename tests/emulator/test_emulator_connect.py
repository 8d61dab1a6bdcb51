"""Connect OAuth and webhook delivery."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

import stripe
from stripeflow.emulator.app import create_app
from stripeflow.emulator.server import RunningEmulator
from stripeflow.emulator.webhooks import signature_header
from tests.emulator.conftest import KEY, Client, FakeClock, small_config

SECRET = "whsec_test_emulator"


def authorize(client: Client, **params: str) -> httpx.Response:
    query = {"response_type": "code", "client_id": "ca_emulator", "scope": "read_write", **params}
    return client.get("/oauth/authorize", params=query, auth=False)


def test_code_exchange_gives_a_key_of_the_connected_account(fresh: Client) -> None:
    redirect = authorize(fresh, redirect_uri="https://platform.example/cb", state="xyz")
    assert redirect.status_code == 302
    target = urlparse(redirect.headers["location"])
    query = parse_qs(target.query)
    assert (target.netloc, query["state"]) == ("platform.example", ["xyz"])
    token = form(fresh, "/oauth/token", grant_type="authorization_code", code=query["code"][0])
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "bearer"
    assert body["livemode"] is False
    assert body["scope"] == "read_write"
    account = body["stripe_user_id"]
    connected = fresh.ok("/v1/customers", key=body["access_token"])["data"]
    platform = fresh.ok("/v1/customers")["data"]
    assert connected
    assert not {c["id"] for c in connected} & {c["id"] for c in platform}
    assert fresh.ok("/v1/account", key=body["access_token"])["id"] == account
    assert fresh.get("/v1/customers", headers={"Stripe-Account": account}).status_code == 200
    reused = form(fresh, "/oauth/token", grant_type="authorization_code", code=query["code"][0])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def form(client: Client, path: str, key: str | None = KEY, **fields: str) -> httpx.Response:
    """POST a form with the platform key (``key=None``: without any)."""
    return client.post(path, auth=key is not None, key=key, data=fields)


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, 400, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "ac_nope"}, 400, "invalid_grant"),
        ({"grant_type": "refresh_token", "refresh_token": "rt_nope"}, 400, "invalid_grant"),
    ],
)
def test_token_errors_are_string_shaped(fresh: Client, fields: dict[str, str], status: int, error: str) -> None:
    answer = form(fresh, "/oauth/token", **fields)
    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert answer.json()["error_description"]


def test_refresh_narrows_scope_and_deauthorize_revokes(fresh: Client) -> None:
    code = authorize(fresh).json()["code"]
    first = form(fresh, "/oauth/token", grant_type="authorization_code", code=code).json()
    wider = form(fresh, "/oauth/token", grant_type="refresh_token", refresh_token=first["refresh_token"], scope="x")
    assert wider.json()["error"] == "invalid_scope"
    narrower = form(
        fresh, "/oauth/token", grant_type="refresh_token", refresh_token=first["refresh_token"], scope="read_only"
    ).json()
    assert narrower["scope"] == "read_only"
    assert narrower["stripe_user_id"] == first["stripe_user_id"]
    live = form(
        fresh, "/oauth/token", key="sk_live_emulator", grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert live.json()["error"] == "invalid_grant"  # a test-mode grant cannot be refreshed with a live key
    gone = form(fresh, "/oauth/deauthorize", client_id="ca_emulator", stripe_user_id=first["stripe_user_id"])
    assert gone.json() == {"stripe_user_id": first["stripe_user_id"]}
    assert fresh.get("/v1/customers", key=first["access_token"]).status_code == 401
    assert form(fresh, "/oauth/token", key=None, grant_type="authorization_code", code="x").status_code == 401


def test_the_stripe_library_exchanges_a_code(server: RunningEmulator) -> None:
    client = stripe.StripeClient(
        KEY, base_addresses={"api": server.base_url, "connect": server.base_url}, client_id="ca_emulator"
    )
    url = client.oauth.authorize_url(params={"scope": "read_only"})
    code = httpx.get(url).json()["code"]
    token = client.oauth.token(params={"grant_type": "authorization_code", "code": code})
    assert token.stripe_user_id.startswith("acct_")
    connected = stripe.StripeClient(token.access_token, base_addresses={"api": server.base_url})
    assert connected.v1.accounts.retrieve_current().id == token.stripe_user_id
    with pytest.raises(stripe.oauth_error.InvalidGrantError):
        client.oauth.token(params={"grant_type": "authorization_code", "code": code})
    assert client.oauth.deauthorize(params={"stripe_user_id": token.stripe_user_id}).stripe_user_id


def test_events_from_changes_are_delivered_signed() -> None:
    received: list[httpx.Request] = []

    def endpoint(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200 if len(received) != 2 else 500)  # the second attempt fails once

    config = small_config(anchor=None, webhook_endpoints={"https://hooks.example/stripe": SECRET})
    clock = FakeClock(time.time())  # signatures are checked against the real time, as a receiver would
    client = Client(create_app(config, clock=clock, webhook_transport=httpx.MockTransport(endpoint)))
    clock.now += 5
    answer = client.post("/_emulator/mutate", json={"create": {"customers": 2}}, auth=False).json()
    assert len(answer["events"]) == 2
    delivered = [stripe.Webhook.construct_event(r.content, r.headers["stripe-signature"], SECRET) for r in received]
    assert [event.id for event in delivered] == [answer["events"][0], answer["events"][1], answer["events"][1]]
    first = received[0]
    assert first.headers["stripe-signature"] == signature_header(SECRET, int(clock.now), first.content)
    assert client.ok(f"/v1/events/{answer['events'][0]}")["pending_webhooks"] == 0
    stats = client.get("/_emulator/stats", auth=False).json()["webhooks"]
    assert stats == {"delivered": 2, "failed": 0, "attempts": 3}


def test_a_failing_endpoint_leaves_the_event_pending(clock: FakeClock) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    config = small_config(webhook_endpoints={"https://hooks.example/down": SECRET})
    client = Client(create_app(config, clock=clock, webhook_transport=httpx.MockTransport(down)))
    event_id = client.post("/_emulator/mutate", json={"update": {"customers": 1}}, auth=False).json()["events"][0]
    assert client.ok(f"/v1/events/{event_id}")["pending_webhooks"] == 1
    assert client.get("/_emulator/stats", auth=False).json()["webhooks"]["failed"] == 1


def test_conflicts_can_be_injected(clock: FakeClock) -> None:
    client = Client(create_app(small_config(conflict_rate=1.0, objects={"charges": 5}), clock=clock))
    answer = client.get("/v1/charges")
    assert answer.status_code == 409
    error: dict[str, Any] = answer.json()["error"]
    assert (error["type"], error["code"]) == ("idempotency_error", "idempotency_key_in_use")
