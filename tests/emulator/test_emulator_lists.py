"""List and retrieve semantics over the in-process app: order, cursors, filters, defaults, expand, sublists."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Client

RESOURCE_PATHS = ["charges", "subscriptions", "refunds", "balance_transactions", "customers", "prices"]


def walk(client: Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every object of a list, following starting_after until has_more is false."""
    found: list[dict[str, Any]] = []
    while True:
        page = client.ok(
            path, params={"limit": 100, **params, **({"starting_after": found[-1]["id"]} if found else {})}
        )
        found += page["data"]
        if not page["has_more"]:
            return found


def order_key(obj: dict[str, Any]) -> tuple[int, str]:
    return obj["created"], obj["id"]


@pytest.mark.parametrize("name", RESOURCE_PATHS)
def test_lists_are_newest_first_complete_and_shaped_like_stripes(client: Client, name: str) -> None:
    first = client.ok(f"/v1/{name}")
    assert set(first) == {"object", "data", "has_more", "url"}
    assert (first["object"], first["url"], len(first["data"])) == ("list", f"/v1/{name}", 10)
    everything = walk(client, f"/v1/{name}", **({"status": "all"} if name == "subscriptions" else {}))
    assert everything == sorted(everything, key=order_key, reverse=True)
    assert len({obj["id"] for obj in everything}) == len(everything)


def test_ending_before_pages_backwards_to_the_newest(client: Client) -> None:
    newest = walk(client, "/v1/charges")
    cursor, seen = newest[250]["id"], []
    while True:
        page = client.ok("/v1/charges", params={"limit": 30, "ending_before": cursor})
        seen = page["data"] + seen
        if not page["has_more"]:
            break
        cursor = page["data"][0]["id"]
    assert [c["id"] for c in seen] == [c["id"] for c in newest[:250]]


def test_created_filters_select_exact_ranges(client: Client) -> None:
    charges = walk(client, "/v1/charges")
    middle = charges[len(charges) // 2]["created"]
    for params, keep in [
        ({"created[gte]": middle}, lambda t: t >= middle),
        ({"created[gt]": middle}, lambda t: t > middle),
        ({"created[lt]": middle}, lambda t: t < middle),
        ({"created[lte]": middle, "created[gte]": middle - 86_400 * 30}, lambda t: middle - 86_400 * 30 <= t <= middle),
        ({"created": middle}, lambda t: t == middle),
    ]:
        got = [c["id"] for c in walk(client, "/v1/charges", **params)]
        assert got == [c["id"] for c in charges if keep(c["created"])], params


def test_subscription_status_defaults_and_filters(client: Client) -> None:
    every = walk(client, "/v1/subscriptions", status="all")
    default = walk(client, "/v1/subscriptions")
    assert any(sub["status"] == "canceled" for sub in every)
    assert not any(sub["status"] == "canceled" for sub in default)
    assert {s["id"] for s in default} == {s["id"] for s in every if s["status"] != "canceled"}
    ended = walk(client, "/v1/subscriptions", status="ended")
    assert {s["status"] for s in ended} <= {"canceled", "incomplete_expired"}
    assert ended
    for status in ("active", "canceled", "past_due"):
        assert {s["status"] for s in walk(client, "/v1/subscriptions", status=status)} == {status}
    bad = client.get("/v1/subscriptions", params={"status": "sleeping"})
    assert (bad.status_code, bad.json()["error"]["param"]) == (400, "status")


def test_test_clock_objects_are_listed_only_when_asked_for(client: Client) -> None:
    clocks = client.ok("/v1/test_helpers/test_clocks")["data"]
    assert clocks
    assert clocks[0]["object"] == "test_helpers.test_clock"
    listed = {c["id"] for c in walk(client, "/v1/customers")}
    for clock in clocks:
        under = walk(client, "/v1/customers", test_clock=clock["id"])
        assert under
        assert all(c["test_clock"] == clock["id"] for c in under)
        assert not listed & {c["id"] for c in under}
    visible_subs = walk(client, "/v1/subscriptions", status="all")
    assert not any(sub["test_clock"] for sub in visible_subs)
    clocked = [s for clock in clocks for s in walk(client, "/v1/subscriptions", status="all", test_clock=clock["id"])]
    assert clocked
    by_customer = walk(client, "/v1/subscriptions", status="all", customer=clocked[0]["customer"])
    assert clocked[0]["id"] in {s["id"] for s in by_customer}


def test_prices_default_to_active_and_filter_by_product_currency_type(client: Client) -> None:
    active, inactive = walk(client, "/v1/prices"), walk(client, "/v1/prices", active="false")
    assert active
    assert inactive
    assert all(p["active"] for p in active)
    assert not any(p["active"] for p in inactive)
    assert walk(client, "/v1/prices", active="true") == active
    product = active[0]["product"]
    assert {p["product"] for p in walk(client, "/v1/prices", product=product)} == {product}
    recurring_usd = walk(client, "/v1/prices", type="recurring", currency="usd")
    assert recurring_usd
    assert all(p["type"] == "recurring" and p["currency"] == "usd" for p in recurring_usd)
    assert client.get("/v1/prices", params={"active": "maybe"}).status_code == 400


def test_resource_filters(client: Client) -> None:
    charge = next(
        c for c in walk(client, "/v1/charges") if c["customer"] and c["amount_refunded"] and c["balance_transaction"]
    )
    assert {c["customer"] for c in walk(client, "/v1/charges", customer=charge["customer"])} == {charge["customer"]}
    assert [c["id"] for c in walk(client, "/v1/charges", payment_intent=charge["payment_intent"])] == [charge["id"]]
    refunds = walk(client, "/v1/refunds", charge=charge["id"])
    assert refunds
    assert {r["charge"] for r in refunds} == {charge["id"]}
    assert walk(client, "/v1/refunds", payment_intent=charge["payment_intent"]) == refunds
    assert [t["source"] for t in walk(client, "/v1/balance_transactions", source=charge["id"])] == [charge["id"]]
    assert {t["type"] for t in walk(client, "/v1/balance_transactions", type="refund")} == {"refund"}
    assert walk(client, "/v1/balance_transactions", currency="eur") == []
    customer = client.ok(f"/v1/customers/{charge['customer']}")
    if not customer["test_clock"]:
        assert [c["id"] for c in walk(client, "/v1/customers", email=customer["email"])] == [customer["id"]]


def test_unknown_cursor_is_a_400_resource_missing(client: Client) -> None:
    response = client.get("/v1/charges", params={"starting_after": "ch_nope"})
    error = response.json()["error"]
    assert (response.status_code, error["code"], error["param"]) == (400, "resource_missing", "starting_after")
    assert error["message"] == "No such charge: 'ch_nope'"


def test_retrieve_and_its_404(client: Client) -> None:
    charge = client.ok("/v1/charges")["data"][0]
    assert client.ok(f"/v1/charges/{charge['id']}") == charge
    missing = client.get("/v1/customers/cus_missing")
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "code": "resource_missing",
        "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
        "message": "No such customer: 'cus_missing'",
        "param": "id",
        "request_log_url": f"https://dashboard.stripe.com/test/logs/{missing.headers['request-id']}",
        "type": "invalid_request_error",
    }


def test_expand_replaces_ids_recursively_on_lists_and_retrieves(client: Client) -> None:
    page = client.ok(
        "/v1/refunds", params={"limit": 5, "expand[]": ["data.charge.customer", "data.balance_transaction"]}
    )
    for refund in page["data"]:
        assert refund["charge"]["object"] == "charge"
        assert refund["charge"]["customer"] is None or refund["charge"]["customer"]["object"] == "customer"
        assert refund["balance_transaction"] is None or refund["balance_transaction"]["object"] == "balance_transaction"
    txn = next(t for t in walk(client, "/v1/balance_transactions", type="charge"))
    expanded = client.ok(f"/v1/balance_transactions/{txn['id']}", params={"expand[0]": "source.customer"})
    assert expanded["source"]["id"] == txn["source"]
    sub_id = client.ok("/v1/subscriptions", params={"limit": 1})["data"][0]["id"]
    sub = client.ok(f"/v1/subscriptions/{sub_id}", params={"expand[]": "items.data.price.product"})
    assert sub["items"]["data"][0]["price"]["product"]["object"] == "product"
    too_deep = client.get("/v1/subscriptions", params={"expand[]": "data.items.data.price.product"})
    assert too_deep.status_code == 400  # "data." counts as a level


def test_includable_fields_appear_only_when_expanded(client: Client) -> None:
    charge = next(c for c in walk(client, "/v1/charges") if c["amount_refunded"])
    assert "refunds" not in charge
    with_refunds = client.ok(f"/v1/charges/{charge['id']}", params={"expand[]": "refunds"})
    refunds = with_refunds["refunds"]
    assert refunds["object"] == "list"
    assert refunds["url"] == f"/v1/charges/{charge['id']}/refunds"
    assert {r["charge"] for r in refunds["data"]} == {charge["id"]}
    assert client.ok(f"/v1/charges/{charge['id']}/refunds")["data"] == refunds["data"]
    customer = client.ok("/v1/customers", params={"limit": 1, "expand[]": ["data.subscriptions", "data.tax_ids"]})
    first = customer["data"][0]
    assert first["subscriptions"]["object"] == "list"
    assert first["tax_ids"]["data"] == []
    assert "subscriptions" not in client.ok(f"/v1/customers/{first['id']}")


@pytest.mark.parametrize(
    ("path", "expand", "message"),
    [
        ("/v1/charges", "data.amount", "This property cannot be expanded (data.amount)."),
        ("/v1/charges", "customer", "You may want to try expanding 'data.customer' instead."),
        ("/v1/charges", "data.customer.test_clock.a.b", "more than 4 levels"),
        ("/v1/prices", "data.nickname", "This property cannot be expanded (data.nickname)."),
    ],
)
def test_expanding_what_cannot_be_expanded_is_a_400(client: Client, path: str, expand: str, message: str) -> None:
    response = client.get(path, params={"expand[]": expand})
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert response.json()["error"]["param"] == "expand"


def test_four_levels_are_allowed(client: Client) -> None:
    page = client.ok("/v1/balance_transactions", params={"limit": 3, "expand[]": "data.source.customer.test_clock"})
    assert len(page["data"]) == 3


def test_subscription_items_page_through_the_whole_list(client: Client) -> None:
    long = next(s for s in walk(client, "/v1/subscriptions", status="all") if s["items"]["has_more"])
    embedded = long["items"]["data"]
    assert len(embedded) == 10
    rest = client.ok(
        "/v1/subscription_items", params={"subscription": long["id"], "starting_after": embedded[-1]["id"]}
    )
    everything = embedded + rest["data"]
    assert len(everything) == long["items"]["total_count"]
    assert len({item["id"] for item in everything}) == len(everything)
    assert all(item["subscription"] == long["id"] for item in everything)
    first_page = client.ok("/v1/subscription_items", params={"subscription": long["id"]})
    assert first_page["data"] == embedded
    assert first_page["has_more"]
    back = client.ok(
        "/v1/subscription_items", params={"subscription": long["id"], "ending_before": everything[12]["id"]}
    )
    assert back["data"] == everything[2:12]
    assert back["has_more"]
    missing = client.get("/v1/subscription_items")
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "parameter_missing")


def test_account_balance_and_products(client: Client) -> None:
    account = client.ok("/v1/account")
    assert account["object"] == "account"
    assert account["id"].startswith("acct_")
    assert client.ok(f"/v1/accounts/{account['id']}") == account
    balance = client.ok("/v1/balance")
    assert balance["object"] == "balance"
    assert balance["livemode"] is False
    assert balance["available"][0]["currency"] == "usd"
    product = client.ok("/v1/products", params={"limit": 1})["data"][0]
    assert product["object"] == "product"
