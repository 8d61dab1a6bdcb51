"""Keys, modes, accounts, permissions, rate limits and injected faults, over the in-process app."""

from __future__ import annotations

import base64
import time

import pytest

from stripeflow.emulator.app import create_app
from stripeflow.emulator.config import READ_PERMISSIONS
from tests.emulator.conftest import ANCHOR, Client, FakeClock, small_config


def tiny(**overrides: object):  # type: ignore[no-untyped-def]
    """A small data set: these tests are about access and faults, not data."""
    return small_config(**{"objects": {name: 40 for name in READ_ONLY_COUNTS}, **overrides})


READ_ONLY_COUNTS = ("charges", "subscriptions", "refunds", "balance_transactions", "customers", "prices")


def test_every_answer_has_a_request_id(client: Client) -> None:
    answers = [client.get("/v1/charges"), client.get("/v1/charges", auth=False), client.get("/v1/nope")]
    ids = [answer.headers["request-id"] for answer in answers]
    assert all(request_id.startswith("req_") for request_id in ids)
    assert len(set(ids)) == 3


def test_bearer_and_basic_auth_both_work(client: Client) -> None:
    basic = base64.b64encode(b"sk_test_emulator:").decode()
    assert client.get("/v1/charges", auth=False, headers={"Authorization": f"Basic {basic}"}).status_code == 200
    assert client.get("/v1/charges").status_code == 200


def test_missing_unknown_and_expired_keys_are_401s(client: Client) -> None:
    missing = client.get("/v1/charges", auth=False)
    assert missing.status_code == 401
    assert missing.json()["error"]["message"].startswith("You did not provide an API key.")
    unknown = client.get("/v1/charges", key="sk_test_wrongwrongabcd")
    assert unknown.status_code == 401
    assert unknown.json()["error"]["message"] == "Invalid API Key provided: sk_test_****abcd"
    assert unknown.json()["error"]["type"] == "invalid_request_error"
    expired = client.get("/v1/charges", key="sk_test_emulator_expired")
    assert (expired.status_code, expired.json()["error"]["code"]) == (401, "api_key_expired")


def test_test_and_live_mode_hold_separate_data() -> None:
    app = create_app(tiny(live_objects={"charges": 30}), clock=FakeClock(ANCHOR))
    test = Client(app).ok("/v1/charges", params={"limit": 100})
    live = Client(app, key="sk_live_emulator").ok("/v1/charges", params={"limit": 100})
    assert all(not c["livemode"] for c in test["data"])
    assert all(c["livemode"] for c in live["data"])
    assert len(live["data"]) == 30
    assert not {c["id"] for c in test["data"]} & {c["id"] for c in live["data"]}
    missing = Client(app, key="sk_live_emulator").get(f"/v1/charges/{test['data'][0]['id']}")
    assert missing.status_code == 404
    assert missing.json()["error"]["request_log_url"].startswith("https://dashboard.stripe.com/logs/")


def test_restricted_keys_need_the_endpoint_permission() -> None:
    key = "rk_test_onlycharges1234"
    app = create_app(tiny(restricted_keys={key: frozenset({"rak_charge_read"})}), clock=FakeClock(ANCHOR))
    client = Client(app, key=key)
    assert client.get("/v1/charges").status_code == 200
    account = Client(app).ok("/v1/account")["id"]
    for path, permission in [
        ("/v1/subscriptions", "rak_subscription_read"),
        ("/v1/subscription_items?subscription=sub_x", "rak_subscription_read"),
        ("/v1/events", "rak_event_read"),
        ("/v1/account", "rak_account_read"),
        ("/v1/balance", "rak_balance_read"),
        ("/v1/balance_transactions", "rak_balance_transaction_read"),
        ("/v1/customers/cus_x", "rak_customer_read"),
    ]:
        denied = client.get(path)
        assert denied.status_code == 403, path
        assert denied.json()["error"] == {
            "message": f"The provided key 'rk_test_***1234' does not have the required permissions for this endpoint "
            f"on account '{account}'. Having the '{permission}' permission would allow this request to continue.",
            "request_log_url": f"https://dashboard.stripe.com/test/logs/{denied.headers['request-id']}",
            "type": "invalid_request_error",
        }


def test_the_default_read_only_restricted_key_reads_everything(client: Client) -> None:
    assert "rak_charge_read" in READ_PERMISSIONS
    for path in ("/v1/charges", "/v1/events", "/v1/account", "/v1/balance", "/v1/test_helpers/test_clocks"):
        assert client.get(path, key="rk_test_emulator_readonly").status_code == 200, path


def test_stripe_account_scopes_data_to_a_connected_account() -> None:
    app = create_app(tiny(connected_accounts=("acct_1ConnectedShop001",)), clock=FakeClock(ANCHOR))
    client = Client(app)
    connected = client.ok("/v1/customers", params={"limit": 100}, headers={"Stripe-Account": "acct_1ConnectedShop001"})
    platform = client.ok("/v1/customers", params={"limit": 100})
    assert connected["data"]
    assert not {c["id"] for c in connected["data"]} & {c["id"] for c in platform["data"]}
    events = client.ok("/v1/events", headers={"Stripe-Account": "acct_1ConnectedShop001"})
    assert all(event["account"] == "acct_1ConnectedShop001" for event in events["data"])
    assert client.ok("/v1/accounts/acct_1ConnectedShop001")["controller"]["type"] == "application"
    denied = client.get("/v1/customers", headers={"Stripe-Account": "acct_1Unknown"})
    assert denied.status_code == 403
    assert "does not have access to account 'acct_1Unknown'" in denied.json()["error"]["message"]


def test_unknown_routes_and_writes() -> None:
    client = Client(create_app(tiny(), clock=FakeClock(ANCHOR)))
    unknown = client.get("/v1/customers/")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"].startswith("Unrecognized request URL (GET: /v1/customers/).")
    assert "remove the trailing slash" in unknown.json()["error"]["message"]
    assert client.get("/v1/invoices").status_code == 404
    write = client.post("/v1/charges", json={"amount": 100})
    assert write.status_code == 400
    assert "read-only" in write.json()["error"]["message"]


def test_latency_delays_api_answers_but_not_the_admin_api() -> None:
    client = Client(create_app(tiny(latency_ms=80.0), clock=FakeClock(ANCHOR)))
    started = time.perf_counter()
    assert client.get("/v1/charges").status_code == 200
    assert time.perf_counter() - started >= 0.08
    started = time.perf_counter()
    client.get("/_emulator/health", auth=False)
    assert time.perf_counter() - started < 0.08


def test_rate_limits_answer_429_with_the_reason_and_recover() -> None:
    ticks = FakeClock(0.0)
    app = create_app(tiny(rate_limit=5.0, endpoint_rate_limit=3.0), clock=FakeClock(ANCHOR), monotonic=ticks)
    client = Client(app)
    statuses = [client.get("/v1/charges") for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    limited = statuses[-1]
    assert limited.headers["stripe-rate-limited-reason"] == "endpoint-rate"
    assert limited.json()["error"]["code"] == "rate_limit"
    assert limited.json()["error"]["message"].startswith("Request rate limit exceeded")
    customers = [client.get("/v1/customers") for _ in range(3)]
    assert [r.status_code for r in customers] == [200, 200, 429]  # 5 per second in all
    assert customers[-1].headers["stripe-rate-limited-reason"] == "global-rate"
    ticks.now += 1.0
    assert client.get("/v1/charges").status_code == 200
    stats = client.get("/_emulator/stats", auth=False).json()
    assert stats["rate_limited"] == {"endpoint-rate": 1, "global-rate": 1}
    assert stats["endpoints"]["GET /v1/charges"]["429"] == 1


def run_faulty(**overrides: object) -> list[int]:
    client = Client(create_app(tiny(**overrides), clock=FakeClock(ANCHOR)))  # type: ignore[arg-type]
    return [client.get("/v1/charges", params={"limit": 1}).status_code for _ in range(200)]


def test_fail_rate_is_seeded_and_roughly_the_share_asked_for() -> None:
    first, second = run_faulty(fail_rate=0.2), run_faulty(fail_rate=0.2)
    assert first == second
    assert 20 <= first.count(500) <= 60
    assert run_faulty(fail_rate=0.2, seed=8) != first


def test_injected_errors_have_stripes_shape_and_headers() -> None:
    client = Client(create_app(tiny(fail_rate=1.0), clock=FakeClock(ANCHOR)))
    failed = client.get("/v1/charges")
    assert failed.status_code == 500
    assert failed.json()["error"]["type"] == "api_error"
    assert "stripe-should-retry" not in failed.headers
    client = Client(create_app(tiny(fail_rate=1.0, fail_should_retry_false=True), clock=FakeClock(ANCHOR)))
    assert client.get("/v1/charges").headers["stripe-should-retry"] == "false"
    client = Client(create_app(tiny(lock_timeout_rate=1.0), clock=FakeClock(ANCHOR)))
    locked = client.get("/v1/customers")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "lock_timeout"
    assert locked.headers["stripe-should-retry"] == "true"
    assert "stripe-rate-limited-reason" not in locked.headers
    stats = client.get("/_emulator/stats", auth=False).json()
    assert stats["rate_limited"] == {"lock_timeout": 1}


@pytest.mark.parametrize("path", ["/v1/charges", "/v1/events"])
def test_malformed_pages_are_200s_without_valid_data(path: str) -> None:
    client = Client(create_app(tiny(malformed_rate=1.0), clock=FakeClock(ANCHOR)))
    kinds = set()
    for _ in range(20):
        response = client.get(path)
        assert response.status_code == 200
        try:
            body = response.json()
        except ValueError:
            kinds.add("bad json")
        else:
            assert "data" not in body
            kinds.add("no data")
    assert kinds == {"bad json", "no data"}
    assert client.get("/v1/charges/ch_x").status_code == 404  # retrieves are never malformed


def test_faults_and_limits_can_be_changed_at_run_time() -> None:
    ticks = FakeClock(0.0)
    client = Client(create_app(tiny(fail_rate=1.0, endpoint_rate_limit=1.0), clock=FakeClock(ANCHOR), monotonic=ticks))
    assert client.get("/v1/charges").status_code == 500
    settings = client.post("/_emulator/faults", json={"fail_rate": 0, "endpoint_rate_limit": 0}, auth=False).json()
    assert settings["fail_rate"] == 0
    assert settings["endpoint_rate_limit"] == 0
    assert [client.get("/v1/charges").status_code for _ in range(5)] == [200] * 5
    assert client.post("/_emulator/faults", json={"fail_rate": 2}, auth=False).status_code == 400
    assert client.post("/_emulator/faults", json={"colour": 1}, auth=False).status_code == 400
