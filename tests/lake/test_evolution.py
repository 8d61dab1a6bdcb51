"""Fields Stripe adds later, and values of an unexpected type: kept, never a crash, never a lost record."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from stripeflow.lake.datasets import Deletion, StripeDataset, SystemColumns


def test_a_new_top_level_field_becomes_a_column(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:2], system)
    added = [
        dict(charges[2], risk_tier=3, instant=True, score=0.5, label="gold", details={"a": [1]}, unknown=None),
        dict(charges[3], risk_tier=4, score=1, label="silver"),
    ]

    charges_dataset.append(added, system)

    schema = charges_dataset.to_arrow().schema
    assert schema.field("risk_tier").type == pa.int64()
    assert schema.field("instant").type == pa.bool_()
    assert schema.field("score").type == pa.float64()
    assert schema.field("label").type == pa.string()
    assert schema.field("details").type == pa.string()  # objects are kept as JSON text
    assert "unknown" not in schema.names  # no type to infer: only in _raw
    rows = {row["id"]: row for row in charges_dataset.to_arrow().to_pylist()}
    assert rows[charges[2]["id"]]["risk_tier"] == 3
    assert rows[charges[2]["id"]]["details"] == '{"a":[1]}'
    assert rows[charges[3]["id"]]["score"] == 1.0
    assert rows[charges[0]["id"]]["risk_tier"] is None
    assert orjson.loads(rows[charges[2]["id"]]["_raw"])["unknown"] is None


def test_evolved_columns_are_kept_by_later_writes(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append([dict(charges[0], risk_tier=3)], system)

    charges_dataset.append(charges[1:3], system)  # without the new field
    charges_dataset.upsert([dict(charges[1], risk_tier="high"), dict(charges[0], risk_tier=5)], system)

    rows = {row["id"]: row for row in charges_dataset.to_arrow(["id", "risk_tier", "_raw"]).to_pylist()}
    assert rows[charges[0]["id"]]["risk_tier"] == 5
    assert rows[charges[1]["id"]]["risk_tier"] is None  # a string in an int column: null, kept in _raw
    assert orjson.loads(rows[charges[1]["id"]]["_raw"])["risk_tier"] == "high"
    assert rows[charges[2]["id"]]["risk_tier"] is None

    charges_dataset.mark_deleted([Deletion(charges[0]["id"], system.ingested_at)], system)
    assert charges_dataset.to_arrow(["risk_tier", "_deleted"]).filter(pc.field("_deleted")).to_pylist() == [
        {"risk_tier": 5, "_deleted": True}
    ]


def test_upsert_adds_new_columns(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:2], system)

    charges_dataset.upsert([dict(charges[0], channel="pos"), dict(charges[5], channel="web")], system)

    rows = {row["id"]: row["channel"] for row in charges_dataset.to_arrow(["id", "channel"]).to_pylist()}
    assert rows == {charges[0]["id"]: "pos", charges[1]["id"]: None, charges[5]["id"]: "web"}


def test_values_of_an_unexpected_type_are_coerced_and_kept_raw(
    charges_dataset: StripeDataset,
    system: SystemColumns,
    charges: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    odd = dict(
        charges[0],
        amount="1200",  # a string where an integer is declared
        customer={"id": "cus_expanded", "object": "customer", "email": "x@example.com"},  # expanded object
        metadata={"count": 3, "note": "ok"},  # a non-string metadata value
        billing_details="unexpected",  # a string where an object is declared
        captured=1,  # an integer where a boolean is declared
        description={"text": "an object where a string is declared"},
    )
    good = charges[1]

    with caplog.at_level(logging.WARNING, logger="stripeflow.lake"):
        charges_dataset.append([odd, good], system)

    rows = {row["id"]: row for row in charges_dataset.to_arrow().to_pylist()}
    row = rows[odd["id"]]
    assert row["amount"] is None
    assert row["customer"] == "cus_expanded"
    assert sorted(row["metadata"]) == [("count", "3"), ("note", "ok")]
    assert row["billing_details"] is None
    assert row["captured"] is None
    assert orjson.loads(row["description"]) == {"text": "an object where a string is declared"}
    assert orjson.loads(row["_raw"]) == odd
    assert row["payment_method_details"]["type"] == odd["payment_method_details"]["type"]  # other columns typed
    assert rows[good["id"]]["amount"] == good["amount"]
    assert rows[good["id"]]["customer"] == good["customer"]
    assert rows[good["id"]]["billing_details"]["name"] == good["billing_details"]["name"]
    coerced = {record.getMessage().split("column=")[1].split()[0] for record in caplog.records}
    assert coerced == {"amount", "customer", "metadata", "billing_details", "captured", "description"}


def test_nested_values_of_an_unexpected_type(root: Path, system: SystemColumns) -> None:
    dataset = StripeDataset(root, "subscriptions")
    record = {
        "id": "sub_1",
        "object": "subscription",
        "items": {
            "object": "list",
            "data": [
                {"id": "si_1", "price": {"id": "price_1", "unit_amount": "2000"}, "current_period_end": 1_700_000_000},
                "not an item",
                {"id": "si_2", "metadata": {"k": "v"}, "current_period_end": "soon"},
            ],
            "has_more": False,
        },
    }

    dataset.append([record], system)

    (row,) = dataset.to_arrow(["items", "_raw"]).to_pylist()
    first, second, third = row["items"]["data"]
    assert first["id"] == "si_1"
    assert first["price"]["unit_amount"] is None
    assert first["current_period_end"] is not None
    assert second is None
    assert third["metadata"] == [("k", "v")]
    assert third["current_period_end"] is None
    assert orjson.loads(row["_raw"]) == record


def test_resource_without_a_description_keeps_every_record(root: Path, system: SystemColumns) -> None:
    dataset = StripeDataset(root, "disputes")

    dataset.append([{"id": "dp_1", "amount": 5, "evidence": {"a": "b"}}], system)

    assert dataset.to_arrow(["id", "amount", "evidence"]).to_pylist() == [
        {"id": "dp_1", "amount": 5, "evidence": '{"a":"b"}'}
    ]
