"""Resolved XDM schemas as Arrow schemas; mapped rows as Arrow tables; additive schema evolution."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pytest

from stripeflow.lake.xdm_arrow import SYSTEM_COLUMNS, SchemaError, XdmColumns, conform, evolve, to_table

UTC_US = pa.timestamp("us", tz="UTC")

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "_id": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
        "birthDate": {"type": "string", "format": "date"},
        "count": {"type": "integer"},
        "total": {"type": "number"},
        "big": {"type": "number", "meta:xdmType": "long"},
        "active": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "labels": {"type": "object", "meta:xdmType": "map", "additionalProperties": {"type": "string"}},
        "identityMap": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {"type": "object", "properties": {"id": {"type": "string"}, "primary": {"type": "boolean"}}},
            },
        },
        "free": {"type": "object"},
        "person": {
            "type": "object",
            "properties": {
                "name": {"type": ["string", "null"]},
                "seen": {"type": "array", "items": {"type": "string", "format": "date-time"}},
            },
            "required": ["name"],
        },
    },
    "required": ["_id"],
}


def system(count: int) -> dict[str, pa.Array]:
    return {
        "_source_id": pa.array([f"id{index}" for index in range(count)]),
        "_batch_id": pa.repeat(pa.scalar("B1"), count),
        "_ingested_at": pa.nulls(count, UTC_US),
        "_deleted": pa.repeat(pa.scalar(False), count),
        "_deleted_at": pa.nulls(count, UTC_US),
    }


def test_xdm_types_map_onto_arrow_types() -> None:
    columns = XdmColumns(SCHEMA)

    assert columns.schema.names[:5] == list(SYSTEM_COLUMNS)
    types = {field.name: field.type for field in columns.stored}
    assert types["_id"] == pa.string()
    assert types["timestamp"] == UTC_US
    assert types["birthDate"] == pa.date32()
    assert (types["count"], types["total"], types["big"], types["active"]) == (
        pa.int64(),
        pa.float64(),
        pa.int64(),
        pa.bool_(),
    )
    assert types["tags"] == pa.list_(pa.string())
    assert types["labels"] == pa.map_(pa.string(), pa.string())
    identity = pa.struct([("id", pa.string()), ("primary", pa.bool_())])
    assert types["identityMap"] == pa.map_(pa.string(), pa.list_(identity))
    assert types["free"] == pa.string()
    assert types["person"] == pa.struct([("name", pa.string()), ("seen", pa.list_(UTC_US))])
    assert columns.required == {"_id", "person.name"}


def test_rows_convert_in_one_pass() -> None:
    columns = XdmColumns(SCHEMA)
    rows = [
        {
            "_id": "a",
            "timestamp": "2026-01-01T10:00:00+02:00",
            "birthDate": "1990-05-17",
            "labels": {"k": "v"},
            "identityMap": {"Email": [{"id": "a@example.com", "primary": True}]},
            "free": {"nested": [1, 2]},
            "person": {"name": "Ada", "seen": ["2026-01-02T00:00:00Z"]},
        },
        {"_id": "b", "person": None},
    ]

    table, failures = to_table(columns, rows, system(2))

    assert failures == []
    first, second = table.to_pylist()
    assert first["timestamp"] == datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert first["birthDate"] == date(1990, 5, 17)
    assert first["free"] == '{"nested":[1,2]}'
    assert first["identityMap"] == [("Email", [{"id": "a@example.com", "primary": True}])]
    assert first["person"]["seen"] == [datetime(2026, 1, 2, tzinfo=UTC)]
    assert second["person"] is None
    assert second["timestamp"] is None


def test_rows_that_do_not_fit_are_left_out_and_named() -> None:
    columns = XdmColumns(SCHEMA)
    rows = [{"_id": "a"}, {"_id": "b", "count": "many"}, {"_id": "c", "timestamp": "2026-01-01T00:00:00"}]

    table, failures = to_table(columns, rows, system(3))

    assert table.column("_id").to_pylist() == ["a"]
    assert table.column("_source_id").to_pylist() == ["id0"]
    assert [failure.index for failure in failures] == [1, 2]
    assert "does not fit" in failures[0].message


def test_a_schema_naming_a_system_column_is_refused() -> None:
    with pytest.raises(SchemaError, match="_deleted"):
        XdmColumns({"type": "object", "properties": {"_deleted": {"type": "boolean"}}})
    with pytest.raises(SchemaError, match="unsupported"):
        XdmColumns({"type": "object", "properties": {"x": {"type": "null"}}})


def test_evolution_accepts_new_optional_fields() -> None:
    old = XdmColumns(SCHEMA)
    wider = {**SCHEMA, "properties": {**SCHEMA["properties"], "extra": {"type": "string"}}}
    person = dict(SCHEMA["properties"]["person"])
    person["properties"] = {**person["properties"], "age": {"type": "integer"}}
    wider["properties"]["person"] = person
    new = XdmColumns(wider)

    assert evolve(old.schema, new.schema, new.required) == new.schema


def test_evolution_refuses_removed_retyped_and_new_required_fields() -> None:
    old = XdmColumns(SCHEMA)
    properties = {name: node for name, node in SCHEMA["properties"].items() if name != "tags"}
    properties["count"] = {"type": "string"}
    properties["must"] = {"type": "string"}
    new = XdmColumns({"type": "object", "properties": properties, "required": ["_id", "must"]})

    with pytest.raises(SchemaError) as raised:
        evolve(old.schema, new.schema, new.required)

    message = str(raised.value)
    assert "tags was removed" in message
    assert "count changed type from int64 to string" in message
    assert "must is new and required" in message


def test_conform_widens_an_old_file() -> None:
    old = pa.table({"a": pa.array([{"x": 1}], pa.struct([("x", pa.int64())]))})
    schema = pa.schema([("a", pa.struct([("x", pa.int64()), ("y", pa.string())])), ("b", pa.float64())])

    assert conform(old, schema).to_pylist() == [{"a": {"x": 1, "y": None}, "b": None}]
