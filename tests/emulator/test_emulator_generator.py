"""The data generator: deterministic, consistent across objects, realistic in its mix of cases."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import orjson
import pytest

from stripeflow.emulator.build import build_dataset
from stripeflow.emulator.config import RESOURCE_NAMES
from stripeflow.emulator.dataset import Dataset, DatasetSpec
from stripeflow.emulator.timeline import DAY, HISTORY_SECONDS
from stripeflow.stripe.resources import EVENT_RETENTION_SECONDS

ANCHOR = 1_750_000_000
COUNT = 800


def spec(seed: int = 5, **counts: int) -> DatasetSpec:
    return DatasetSpec(
        seed=seed,
        account="acct_1GeneratorTest01",
        livemode=False,
        connected=False,
        counts={**dict.fromkeys(RESOURCE_NAMES, COUNT), **counts},
        anchor=ANCHOR,
        api_version="2026-07-29.dahlia",
    )


@pytest.fixture(scope="module")
def data() -> Dataset:
    return build_dataset(spec(), parallel=False)


def objects(data: Dataset, name: str) -> list[dict[str, Any]]:
    return [orjson.loads(record.body) for record in data[name].records.values()]


def fingerprint(data: Dataset) -> dict[str, list[tuple[str, bytes]]]:
    return {name: sorted((r.id, r.body) for r in coll.records.values()) for name, coll in data.collections.items()}


def test_the_same_seed_gives_the_same_ids_and_contents_also_when_built_in_parallel(data: Dataset) -> None:
    again = build_dataset(spec(), parallel=True)
    assert fingerprint(again) == fingerprint(data)
    assert again.long_items == data.long_items


def test_another_seed_gives_other_data(data: Dataset) -> None:
    other = build_dataset(spec(seed=6, charges=50, customers=50), parallel=False)
    assert not set(other["charges"].records) & set(data["charges"].records)


def test_each_resource_has_the_requested_count(data: Dataset) -> None:
    for name in RESOURCE_NAMES:
        assert len(data[name]) == COUNT, name


def test_balance_transactions_beyond_charges_and_refunds_are_payouts_fees_and_adjustments() -> None:
    small = build_dataset(spec(charges=40, refunds=5, balance_transactions=120), parallel=False)
    txns = objects(small, "balance_transactions")
    assert len(txns) == 120
    kinds = Counter(txn["type"] for txn in txns)
    assert kinds["charge"] + kinds["refund"] <= 45
    assert kinds["payout"] > 0


def test_ids_look_like_stripes(data: Dataset) -> None:
    patterns = {
        "charges": r"ch_1[0-9A-Za-z]{23}",
        "subscriptions": r"sub_1[0-9A-Za-z]{23}",
        "refunds": r"re_1[0-9A-Za-z]{23}",
        "balance_transactions": r"txn_1[0-9A-Za-z]{23}",
        "customers": r"cus_[0-9A-Za-z]{14}",
        "prices": r"price_1[0-9A-Za-z]{23}",
        "products": r"prod_[0-9A-Za-z]{14}",
        "events": r"evt_1[0-9A-Za-z]{23}",
        "test_clocks": r"clock_1[0-9A-Za-z]{23}",
    }
    for name, pattern in patterns.items():
        assert data[name].records, name
        for object_id in data[name].records:
            assert re.fullmatch(pattern, object_id), object_id
    item = orjson.loads(next(iter(data["subscriptions"].records.values())).body)["items"]["data"][0]
    assert re.fullmatch(r"si_[0-9A-Za-z]{14}", item["id"])


def test_creation_times_span_two_years_and_recent_months_are_busier(data: Dataset) -> None:
    created = [record.created for record in data["charges"].records.values()]
    assert min(created) >= ANCHOR - HISTORY_SECONDS
    assert max(created) <= ANCHOR
    first_half_year = sum(t < ANCHOR - HISTORY_SECONDS + 180 * DAY for t in created)
    last_half_year = sum(t > ANCHOR - 180 * DAY for t in created)
    assert last_half_year > 1.5 * first_half_year
    assert min(created) < ANCHOR - 600 * DAY


def test_charges_mix_cards_and_buy_now_pay_later_with_matching_details(data: Dataset) -> None:
    charges = objects(data, "charges")
    methods = Counter(charge["payment_method_details"]["type"] for charge in charges)
    assert 0.6 < methods["card"] / len(charges) < 0.8
    for method in ("klarna", "afterpay_clearpay", "affirm", "zip"):
        assert methods[method] > 0, method
    for charge in charges:
        details = charge["payment_method_details"]
        assert set(details) == {"type", details["type"]}
    failed = [charge for charge in charges if charge["status"] == "failed"]
    assert failed
    assert all(not c["paid"] and c["balance_transaction"] is None and c["failure_code"] for c in failed)


def test_refunds_agree_with_their_charges(data: Dataset) -> None:
    charges = {charge["id"]: charge for charge in objects(data, "charges")}
    refunded: Counter[str] = Counter()
    for refund in objects(data, "refunds"):
        charge = charges[refund["charge"]]
        assert charge["status"] == "succeeded"
        assert refund["created"] >= charge["created"]
        assert (refund["payment_intent"], refund["currency"]) == (charge["payment_intent"], charge["currency"])
        if refund["status"] == "succeeded":
            refunded[charge["id"]] += refund["amount"]
    for charge in charges.values():
        assert charge["amount_refunded"] == refunded[charge["id"]]
        assert charge["refunded"] == (charge["amount_refunded"] == charge["amount"] and charge["paid"])
    assert any(c["refunded"] for c in charges.values())
    assert any(0 < c["amount_refunded"] < c["amount"] for c in charges.values())


def test_balance_transactions_point_at_their_charges_and_refunds_and_back(data: Dataset) -> None:
    sources = {obj["id"]: obj for name in ("charges", "refunds") for obj in objects(data, name)}
    kinds = Counter()
    for txn in objects(data, "balance_transactions"):
        kinds[txn["type"]] += 1
        assert txn["net"] == txn["amount"] - txn["fee"]
        assert (txn["status"] == "pending") == (txn["available_on"] > ANCHOR)
        if txn["type"] in ("charge", "refund"):
            source = sources[txn["source"]]
            assert source["balance_transaction"] == txn["id"]
            assert (txn["amount"] > 0) == (txn["type"] == "charge")
        if txn["type"] == "charge":
            assert txn["fee"] > 0
            assert txn["fee_details"][0]["type"] == "stripe_fee"
    assert kinds["charge"]
    assert kinds["refund"]


def test_subscriptions_have_every_status_and_items_beyond_the_embedded_page(data: Dataset) -> None:
    subs = objects(data, "subscriptions")
    statuses = Counter(sub["status"] for sub in subs)
    expected = {"active", "canceled", "past_due", "unpaid", "paused", "incomplete_expired", "trialing"}
    assert expected <= set(statuses), statuses
    assert 0.2 < statuses["canceled"] / len(subs) < 0.4
    for sub in subs:
        items = sub["items"]
        assert items["total_count"] >= 1
        assert items["url"] == f"/v1/subscription_items?subscription={sub['id']}"
        assert len(items["data"]) == min(10, items["total_count"])
        assert items["has_more"] == (items["total_count"] > 10)
        if sub["status"] == "canceled":
            assert sub["canceled_at"]
            assert sub["ended_at"]
            assert sub["ended_at"] >= sub["created"]
    long = [sub for sub in subs if sub["items"]["total_count"] > 10]
    assert len(long) == COUNT // 100
    assert all(len(data.long_items[sub["id"]]) == sub["items"]["total_count"] <= 30 for sub in long)


def test_prices_are_active_and_archived_one_time_and_recurring(data: Dataset) -> None:
    prices = objects(data, "prices")
    archived = sum(not price["active"] for price in prices) / len(prices)
    assert 0.2 < archived < 0.4
    assert {price["type"] for price in prices} == {"one_time", "recurring"}
    assert all((price["recurring"] is None) == (price["type"] == "one_time") for price in prices)


def test_test_clocks_hold_some_customers_and_their_subscriptions(data: Dataset) -> None:
    clocks = set(data["test_clocks"].records)
    assert clocks
    customers = {c["id"]: c for c in objects(data, "customers")}
    under_clock = {cid for cid, c in customers.items() if c["test_clock"]}
    assert under_clock
    assert {customers[cid]["test_clock"] for cid in under_clock} <= clocks
    for sub in objects(data, "subscriptions"):
        assert sub["test_clock"] == customers[sub["customer"]]["test_clock"]
    assert any(sub["test_clock"] for sub in objects(data, "subscriptions"))


def test_customers_are_realistic(data: Dataset) -> None:
    customers = objects(data, "customers")
    assert all(c["email"] and "@" in c["email"] and c["name"] for c in customers)
    assert sum(bool(c["address"]["line1"]) for c in customers) > len(customers) / 2


def test_recent_objects_have_creation_events_and_older_ones_none(data: Dataset) -> None:
    events = objects(data, "events")
    since = ANCHOR - EVENT_RETENTION_SECONDS
    assert events
    assert all(event["created"] >= since for event in events)
    created = {e["data"]["object"]["id"] for e in events if e["type"].endswith((".created", ".succeeded", ".failed"))}
    for name in ("customers", "charges", "subscriptions", "refunds", "prices"):
        recent = {record.id for record in data[name].records.values() if record.created >= since}
        assert recent, name
        assert recent <= created, name
    by_type = Counter(event["type"] for event in events)
    assert by_type["charge.refunded"]
    assert by_type["customer.subscription.deleted"]
    assert by_type["price.updated"]
    refunded = next(e for e in events if e["type"] == "charge.refunded")
    assert "amount_refunded" in refunded["data"]["previous_attributes"]
