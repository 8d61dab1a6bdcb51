"""End-to-end syncs against the emulator over loopback, into temporary Delta tables and SQLite."""

from __future__ import annotations

from pathlib import Path

import duckdb
import httpx
import pyarrow as pa
import pytest

from stripeflow import api
from stripeflow.emulator.server import RunningEmulator, start_emulator
from stripeflow.errors import AuthenticationError
from stripeflow.stripe.resources import RESOURCES
from tests.support.emulator import KEY, advance_clock, emulator_config, mutate, settings_for, truth


def ids_of(table: pa.Table) -> list[str]:
    return [str(value) for value in table.column("id").to_pylist()]


def item_count(base_url: str, subscription: str) -> int:
    """How many items the emulator holds for a subscription, listed directly."""
    page = httpx.get(
        f"{base_url}/v1/subscription_items",
        params={"subscription": subscription, "limit": 100},
        headers={"Authorization": f"Bearer {KEY}"},
    ).json()
    assert not page["has_more"]
    return len(page["data"])


def assert_complete(settings_dir: Path, base_url: str) -> None:
    """Every object the API lists is in its dataset exactly once."""
    expected = truth(base_url)
    settings = settings_for(base_url, settings_dir)
    for name in RESOURCES:
        table = api.read_dataset(settings, name, include_deleted=True)
        ids = ids_of(table)
        assert len(ids) == len(set(ids)), f"{name}: duplicated rows"
        assert expected[name] <= set(ids), f"{name}: missing {sorted(expected[name] - set(ids))[:5]}"


def test_first_sync_is_complete_and_second_is_cheap(shared_emulator: RunningEmulator, tmp_path: Path) -> None:
    settings = settings_for(shared_emulator.base_url, tmp_path)
    report = api.sync(settings)
    assert report.ok, report.to_json()
    assert {item.mode for item in report.resources.values()} == {"backfill"}
    assert_complete(tmp_path, shared_emulator.base_url)

    subscriptions = api.read_dataset(settings, "subscriptions")
    statuses = set(subscriptions.column("status").to_pylist())
    assert "canceled" in statuses, "canceled subscriptions are hidden by Stripe's default and must be fetched"
    prices = api.read_dataset(settings, "prices")
    assert set(prices.column("active").to_pylist()) == {True, False}

    con = duckdb.connect()
    con.register("subscriptions", subscriptions)
    rows = con.execute("select id, len(items.data) from subscriptions where len(items.data) > 10").fetchall()
    assert rows, "the emulated account has subscriptions with more than 10 items"
    for sub_id, held in rows:
        assert held == item_count(shared_emulator.base_url, sub_id), "embedded item lists must be paged to the end"
    assert not con.execute("select count(*) from subscriptions where items.has_more").fetchone()[0]  # type: ignore[index]

    again = api.sync(settings)
    assert again.ok
    assert {item.mode for item in again.resources.values()} == {"incremental"}
    for name, item in again.resources.items():
        assert item.requests <= 3, f"{name}: {item.requests} requests for a sync with no changes"
    assert_complete(tmp_path, shared_emulator.base_url)


def test_updates_deletions_and_new_objects_arrive_through_events(emulator: RunningEmulator, tmp_path: Path) -> None:
    settings = settings_for(emulator.base_url, tmp_path)
    assert api.sync(settings).ok
    touched = mutate(
        emulator.base_url,
        {
            "create": {"charges": 4, "customers": 3, "prices": 2, "subscriptions": 2, "refunds": 2},
            "update": {"customers": 3, "charges": 2, "prices": 1},
            "delete": {"customers": 2, "prices": 1},
            "cancel": {"subscriptions": 2},
        },
    )
    report = api.sync(settings)
    assert report.ok, report.to_json()
    assert report.resources["customers"].deleted == 2
    assert report.resources["prices"].deleted == 1
    assert_complete(tmp_path, emulator.base_url)

    customers = api.read_dataset(settings, "customers", include_deleted=True)
    deleted = {row["id"] for row in customers.to_pylist() if row["_deleted"]}
    assert deleted == set(touched["deleted"]["customers"])  # type: ignore[index]
    canceled = set(touched["canceled"]["subscriptions"])  # type: ignore[index]
    subs = {row["id"]: row["status"] for row in api.read_dataset(settings, "subscriptions").to_pylist()}
    assert all(subs[sub_id] == "canceled" for sub_id in canceled)


def test_cursor_older_than_event_retention_falls_back_to_a_full_backfill(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    settings = settings_for(emulator.base_url, tmp_path)
    assert api.sync(settings, resources="customers,balance_transactions").ok
    advance_clock(emulator.base_url, 31 * 24 * 3600)
    mutate(emulator.base_url, {"update": {"customers": 2}})
    report = api.sync(settings, resources="customers,balance_transactions")
    assert report.resources["customers"].mode == "rebackfill"
    assert "30-day" in (report.resources["customers"].note or "")
    assert report.resources["balance_transactions"].mode == "incremental"
    assert_complete_resource(settings, emulator.base_url, "customers")


def assert_complete_resource(settings: object, base_url: str, name: str) -> None:
    expected = truth(base_url)[name]
    table = api.read_dataset(settings, name, include_deleted=True)  # type: ignore[arg-type]
    ids = ids_of(table)
    assert len(ids) == len(set(ids))
    assert expected <= set(ids)


def test_invalid_key_stops_at_once_with_the_key_masked(shared_emulator: RunningEmulator, tmp_path: Path) -> None:
    settings = settings_for(shared_emulator.base_url, tmp_path, access_token="sk_test_not_a_real_key_1234")
    with pytest.raises(AuthenticationError) as caught:
        api.sync(settings)
    assert "sk_test_not_a_real_key_1234" not in str(caught.value)
    assert caught.value.request_id


def test_restricted_key_without_one_permission_fails_only_that_resource(tmp_path: Path) -> None:
    from stripeflow.emulator.config import READ_PERMISSIONS

    key = "rk_test_no_subscriptions"
    config = emulator_config(restricted_keys={key: READ_PERMISSIONS - {"rak_subscription_read"}})
    with start_emulator(config) as running:
        report = api.sync(settings_for(running.base_url, tmp_path, access_token=key))
    failed = report.resources["subscriptions"]
    assert failed.status == "failed"
    assert "rak_subscription_read" in (failed.error or "")
    assert all(item.status == "success" for name, item in report.resources.items() if name != "subscriptions")


def test_429_storms_random_500s_and_malformed_pages_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    config = emulator_config(
        rate_limit=40.0, endpoint_rate_limit=15.0, fail_rate=0.06, malformed_rate=0.04, lock_timeout_rate=0.03
    )
    with start_emulator(config) as running:
        # The client's own budget is off, so the emulator's limiter answers 429 often.
        settings = settings_for(running.base_url, tmp_path)
        report = api.sync(settings)
        assert report.ok, report.to_json()
        assert sum(item.throttled for item in report.resources.values()) > 0
        assert sum(item.retries for item in report.resources.values()) > 0
        assert_complete(tmp_path, running.base_url)


def test_pending_balance_transactions_are_rescanned_when_they_become_available(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    settings = settings_for(emulator.base_url, tmp_path)
    assert api.sync(settings, resources="balance_transactions").ok
    before = api.read_dataset(settings, "balance_transactions")
    pending = {row["id"] for row in before.to_pylist() if row["status"] == "pending"}
    assert pending, "the emulated account has recent pending balance transactions"
    advance_clock(emulator.base_url, 10 * 24 * 3600)
    report = api.sync(settings, resources="balance_transactions")
    assert report.ok
    after = {row["id"]: row["status"] for row in api.read_dataset(settings, "balance_transactions").to_pylist()}
    assert all(after[item] == "available" for item in pending)
