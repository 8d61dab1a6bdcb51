"""Every current fixture object of the six resources survives a write and a read, typed and raw."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from stripeflow.lake.datasets import StripeDataset, SystemColumns
from stripeflow.lake.schema import SYSTEM_COLUMNS, resource_schema
from tests.lake.expect import decoded, expected
from tests.lake.factories import OBJECTS, fixture_object


def test_fixture_object_round_trips(
    root: Path, system: SystemColumns, resource_and_object: tuple[str, dict[str, Any]]
) -> None:
    resource, record = resource_and_object
    dataset = StripeDataset(root, resource)

    dataset.append([record], system)

    (row,) = dataset.to_arrow().to_pylist()
    assert orjson.loads(row["_raw"]) == record
    kinds = resource_schema(resource).kinds
    for name, kind in kinds.items():
        assert decoded(kind, row[name]) == expected(kind, record.get(name)), name
    undeclared = set(record) - set(kinds)
    assert undeclared == set(), f"fixture fields missing from the schema: {undeclared}"


def test_system_columns_are_set(root: Path, system: SystemColumns, charges: list[dict[str, Any]]) -> None:
    dataset = StripeDataset(root, "charges")

    dataset.append(charges[:2], system)

    for row in dataset.to_arrow(sorted(SYSTEM_COLUMNS)).to_pylist():
        assert row["_batch_id"] == "batch-1"
        assert row["_ingested_at"] == datetime(2026, 8, 1, 12, 0, tzinfo=UTC)
        assert row["_api_version"] == "2026-07-29.dahlia"
        assert row["_livemode"] is False
        assert row["_account"] == "acct_test"
        assert row["_deleted"] is False
        assert row["_deleted_at"] is None


def test_unix_times_are_utc_timestamps(root: Path, system: SystemColumns) -> None:
    dataset = StripeDataset(root, "balance_transactions")
    record = {"id": "txn_1", "created": 1_700_000_000, "available_on": 1_700_086_400, "status": "pending"}

    dataset.append([record], system)

    table = dataset.to_arrow(["created", "available_on"])
    assert str(table.schema.field("created").type) == "timestamp[us, tz=UTC]"
    assert table.to_pylist() == [
        {
            "created": datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
            "available_on": datetime(2023, 11, 15, 22, 13, 20, tzinfo=UTC),
        }
    ]


@pytest.mark.parametrize("resource", ["charges", "subscriptions"])
def test_expanded_object_is_stored_as_its_id(root: Path, system: SystemColumns, resource: str) -> None:
    # The fixtures expand transfer_data.destination: {"id": "obj_123", "object": "account"}.
    record = fixture_object(OBJECTS[resource])
    dataset = StripeDataset(root, resource)

    dataset.append([record], system)

    (row,) = dataset.to_arrow(["transfer_data"]).to_pylist()
    assert row["transfer_data"]["destination"] == "obj_123"
