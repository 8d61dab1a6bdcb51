"""A catalog dataset read directly by DuckDB, Polars and pandas, also after its schema evolved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from stripeflow.lake import frames
from stripeflow.lake.catalog import Catalog
from tests.lake.catalog_support import SCHEMA_ID, RawCharges, charge, charge_mapper, charge_schema, open_catalog
from tests.support.clock import FakeClock


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    clock = FakeClock(datetime(2026, 9, 1, tzinfo=UTC))
    with open_catalog(f"sqlite:///{tmp_path / 'metadata.db'}", tmp_path / "catalog", clock) as (opened, _):
        yield opened


@pytest.fixture
def dataset_id(catalog: Catalog, tmp_path: Path) -> str:
    """Charges 0-4 promoted, then 5 with a new optional field (status) and 0 deleted."""
    dataset_id = catalog.create_dataset("Charges", SCHEMA_ID)
    raw = RawCharges(tmp_path / "datasets")
    raw.upsert([charge(number, amount=100 * number) for number in range(5)])
    catalog.promote(dataset_id, raw.path, charge_mapper(), charge_schema(), error_threshold_percent=None)
    wider = charge_schema(extra={"status": {"type": "string"}})
    raw.upsert([charge(5, amount=500, status="succeeded")])
    raw.delete("ch_00000")
    mapper = charge_mapper(wider, extra=("status",))
    catalog.promote(dataset_id, raw.path, mapper, wider, error_threshold_percent=None)
    return dataset_id


def test_duckdb_reads_the_current_version(catalog: Catalog, dataset_id: str) -> None:
    connection = duckdb.connect()
    try:
        frames.duckdb_relation(connection, catalog.table_path(dataset_id)).create_view("charges")
        rows = connection.sql(
            'select _source_id, "_stripeflow".charge.amount as amount, "_stripeflow".charge.status as status '
            "from charges order by 1"
        ).fetchall()
        every = frames.duckdb_relation(connection, catalog.table_path(dataset_id), include_deleted=True)
        assert len(every.fetchall()) == 6
    finally:
        connection.close()

    assert rows[0] == ("ch_00001", 100, None)
    assert rows[-1] == ("ch_00005", 500, "succeeded")
    assert len(rows) == 5


def test_polars_reads_the_delta_table(catalog: Catalog, dataset_id: str) -> None:
    frame = pl.read_delta(str(catalog.table_path(dataset_id))).filter(~pl.col("_deleted"))

    assert sorted(frame["_source_id"].to_list()) == [f"ch_{number:05d}" for number in range(1, 6)]
    assert frame.schema["timestamp"] == pl.Datetime("us", "UTC")
    statuses = frame.select(pl.col("_stripeflow").struct.field("charge").struct.field("status")).to_series()
    assert statuses.to_list().count("succeeded") == 1
    assert frames.to_polars(catalog.table_path(dataset_id)).height == 5


def test_pandas_and_arrow(catalog: Catalog, dataset_id: str) -> None:
    frame = frames.to_pandas(catalog.table_path(dataset_id), include_deleted=True)

    assert len(frame) == 6
    assert frame["_deleted"].sum() == 1
    assert catalog.read_dataset(dataset_id).num_rows == 5


def test_an_empty_dataset_reads_as_its_columns(catalog: Catalog) -> None:
    dataset_id = catalog.create_dataset("Charges", SCHEMA_ID, resolved_schema=charge_schema())
    connection = duckdb.connect()
    try:
        count = frames.duckdb_relation(connection, catalog.table_path(dataset_id)).aggregate("count(*)").fetchall()
    finally:
        connection.close()

    assert count == [(0,)]
    assert "_stripeflow" in pl.read_delta(str(catalog.table_path(dataset_id))).columns
    assert catalog.read_dataset(catalog.create_dataset("Later", SCHEMA_ID)).column_names[0] == "_source_id"
