"""The Search API: its query language, paging with next_page, the indexing delay and its own rate limit."""

from __future__ import annotations

from typing import Any

import pytest

from stripeflow.emulator.api_errors import ApiError
from stripeflow.emulator.app import create_app
from stripeflow.emulator.search import FIELDS, parse
from tests.emulator.conftest import ANCHOR, Client, FakeClock, small_config


def search_all(client: Client, resource: str, query: str) -> list[dict[str, Any]]:
    found, token = [], None
    while True:
        page = client.ok(
            f"/v1/{resource}/search", params={"query": query, "limit": 50, **({"page": token} if token else {})}
        )
        assert page["object"] == "search_result"
        assert page["url"] == f"/v1/{resource}/search"
        found += page["data"]
        if not page["has_more"]:
            assert page["next_page"] is None
            return found
        token = page["next_page"]


def test_exact_and_numeric_clauses_select_what_a_scan_would(client: Client) -> None:
    charges = client.ok("/v1/charges", params={"limit": 100})["data"]
    expected = [
        c["id"] for c in charges if c["status"] == "succeeded" and c["amount"] > 2000 and c["currency"] == "usd"
    ]
    query = 'status:"succeeded" AND amount>2000 currency:"usd"'
    found = [c["id"] for c in search_all(client, "charges", query) if c["id"] in {c["id"] for c in charges}]
    assert found == expected


def test_or_negation_substring_metadata_and_null(client: Client) -> None:
    subs = search_all(client, "subscriptions", 'status:"past_due" OR status:"unpaid"')
    assert subs
    assert {s["status"] for s in subs} == {"past_due", "unpaid"}
    assert all(s["status"] != "canceled" for s in search_all(client, "subscriptions", '-status:"canceled"'))
    customer = client.ok("/v1/customers", params={"limit": 1})["data"][0]
    by_name = search_all(client, "customers", f'name~"{customer["name"][:4].lower()}"')
    assert customer["id"] in {c["id"] for c in by_name}
    tagged = search_all(client, "customers", '-metadata["crm_id"]:null')
    assert tagged
    assert all("crm_id" in c["metadata"] for c in tagged)
    refunded = search_all(client, "charges", 'refunded:"true"')
    assert refunded
    assert all(c["amount_refunded"] == c["amount"] for c in refunded)
    never = search_all(client, "charges", "refunded:null")
    assert all(c["amount_refunded"] == 0 for c in never)
    assert search_all(client, "prices", "active:'false'".replace("'", '"'))[0]["active"] is False


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Missing required param: query."),
        ('status:"active" AND amount>1 OR amount<5', "cannot be mixed"),
        ("status:active", "must be quoted"),
        ('email>"a"', "does not work on email"),
        ('email~"ab"', "at least 3 characters"),
        ('colour:"red"', "not searchable"),
        ("amount=5", "cannot read the query"),
    ],
)
def test_bad_queries_are_400s(query: str, message: str) -> None:
    fields = {**FIELDS["charges"], **FIELDS["customers"]}
    with pytest.raises(ApiError) as caught:
        parse(query, fields)
    assert caught.value.status == 400
    assert message in caught.value.message


def test_search_expands_and_refuses_unknown_parameters(client: Client) -> None:
    page = client.ok(
        "/v1/charges/search", params={"query": 'status:"succeeded"', "limit": 2, "expand[]": "data.customer"}
    )
    assert all(c["customer"] is None or c["customer"]["object"] == "customer" for c in page["data"])
    assert client.get("/v1/charges/search", params={"query": "amount>1", "cursor": "x"}).status_code == 400
    assert client.get("/v1/charges/search", params={"query": "amount>1", "page": "nonsense"}).status_code == 400


def test_new_objects_reach_search_only_after_the_delay(clock: FakeClock) -> None:
    client = Client(create_app(small_config(search_delay_seconds=60), clock=clock))
    created = client.post("/_emulator/mutate", json={"create": {"customers": 1}}, auth=False).json()
    customer_id = created["created"]["customers"][0]
    query = "created>0"
    assert customer_id not in {c["id"] for c in search_all(client, "customers", query)}
    clock.now += 61
    assert customer_id in {c["id"] for c in search_all(client, "customers", query)}


def test_search_has_a_shared_rate_limit() -> None:
    ticks = FakeClock(0.0)
    app = create_app(small_config(search_rate_limit=2.0), clock=FakeClock(ANCHOR), monotonic=ticks)
    client = Client(app)
    statuses = [client.get(f"/v1/{r}/search", params={"query": "created>0"}).status_code for r in FIELDS]
    assert statuses == [200, 200, 429, 429]
    assert client.get("/v1/charges").status_code == 200  # lists are not searches
