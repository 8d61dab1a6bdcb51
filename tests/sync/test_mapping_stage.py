"""Extract -> map -> validate -> write: syncs against the emulator land mapped rows in catalog datasets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars
import pytest

from stripeflow import api, catalog_api
from stripeflow.emulator.server import RunningEmulator
from stripeflow.errors import ConfigurationError
from stripeflow.prep.defaults import default_mapping_set
from stripeflow.store import open_store
from stripeflow.store.database import Database
from stripeflow.store.models import CatalogBatch
from stripeflow.stripe.resources import RESOURCES
from stripeflow.xdm.stripe_layout import tenant_namespace
from tests.support.emulator import mutate, settings_for, truth

NS = tenant_namespace("stripeflow")


def mapped_ids(rows: list[dict[str, Any]], resource: str) -> list[str]:
    return [row[NS][f"{resource}_data"]["id"] for row in rows]


def test_a_sync_maps_every_resource_into_its_ready_made_dataset(
    shared_emulator: RunningEmulator, tmp_path: Path
) -> None:
    settings = settings_for(shared_emulator.base_url, tmp_path)
    report = api.sync(settings)
    assert report.ok, report.to_json()
    expected = truth(shared_emulator.base_url)
    for name in RESOURCES:
        mapped = report.resources[name].mapped
        assert mapped is not None, name
        assert mapped["status"] == "success", (name, mapped)
        assert mapped["failed"] == 0, (name, mapped["errors"])
        rows = catalog_api.load_dataset(settings, name).to_pylist()
        ids = mapped_ids(rows, name)
        assert len(ids) == len(set(ids)), f"{name}: one row per Stripe object"
        assert set(ids) == expected[name], f"{name}: the catalog dataset holds every object"
        assert {row["_source_id"] for row in rows} == set(ids)

    charges = catalog_api.load_dataset(settings, "charges", output="polars")
    assert isinstance(charges, polars.DataFrame)
    sample = charges.row(0, named=True)
    assert sample["_id"] == sample[NS]["charges_data"]["id"]
    assert sample["timestamp"] is not None  # created (epoch seconds) became the event's date-time
    data = sample[NS]["charges_data"]
    exponent = 0 if data["currency"] in ("jpy", "krw") else 2
    assert data["amount_major"] == pytest.approx(data["amount"] / 10**exponent)

    # The catalog dataset is a Delta table DuckDB reads through Arrow, as any engine would.
    connection = duckdb.connect()
    connection.register("charges", catalog_api.load_dataset(settings, "charges"))
    methods = dict(
        connection.sql(
            'select "_stripeflow".charges_data.payment_method_details.type, count(*) from charges group by 1'
        ).fetchall()
    )
    assert {"klarna", "afterpay_clearpay", "affirm", "zip", "card"} <= set(methods)

    customers = catalog_api.load_dataset(settings, "customers").to_pylist()
    with_email = [row for row in customers if row[NS]["customers_data"].get("email")]
    assert with_email
    assert all(row["personalEmail"]["address"] for row in with_email)

    batches = catalog_api.list_batches(settings, "charges")
    assert [batch["status"] for batch in batches] == ["success"]
    assert batches[0]["metrics"]["outputRecordCount"] == len(expected["charges"])


def test_updates_and_deletions_reach_the_catalog_dataset(emulator: RunningEmulator, tmp_path: Path) -> None:
    settings = settings_for(emulator.base_url, tmp_path)
    assert api.sync(settings, resources="customers").ok
    before = catalog_api.load_dataset(settings, "customers").num_rows
    touched = mutate(
        emulator.base_url, {"create": {"customers": 3}, "update": {"customers": 2}, "delete": {"customers": 2}}
    )
    report = api.sync(settings, resources="customers")
    assert report.ok, report.to_json()
    mapped = report.resources["customers"].mapped
    assert mapped is not None
    assert mapped["status"] == "success"

    rows = catalog_api.load_dataset(settings, "customers", include_deleted=True).to_pylist()
    ids = mapped_ids(rows, "customers")
    assert len(ids) == len(set(ids)), "a re-fetched customer replaces its row"
    deleted = {row["_source_id"] for row in rows if row["_deleted"]}
    assert deleted == set(touched["deleted"]["customers"])  # type: ignore[index]
    assert catalog_api.load_dataset(settings, "customers").num_rows == before + 3 - 2


def test_rows_extracted_without_mapping_are_mapped_by_the_next_sync(
    shared_emulator: RunningEmulator, tmp_path: Path
) -> None:
    """Promotion reads what the raw table gained since the last promotion, so nothing extracted is ever skipped
    (the same path a sync killed between extraction and mapping takes)."""
    settings = settings_for(shared_emulator.base_url, tmp_path)
    assert api.sync(settings, resources="prices", map_records=False).ok
    assert catalog_api.list_catalog_datasets(settings) == {}
    report = api.sync(settings, resources="prices")
    mapped = report.resources["prices"].mapped
    assert mapped is not None
    assert mapped["output"] == len(truth(shared_emulator.base_url)["prices"])


def customer_is_the_event_id(tmp_path: Path, resource: str = "charges") -> Path:
    """A user's mapping set whose required ``_id`` comes from ``data.customer``: charges without one are rejected."""
    mapping_set = default_mapping_set(resource).to_body()
    for mapping in mapping_set["mappings"]:
        if mapping["destination"] == "_id":
            mapping["source"] = mapping["sourceAttribute"] = "data.customer"
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(mapping_set))
    return path


def test_partial_ingestion_below_the_threshold_keeps_the_good_rows_and_records_the_bad(
    shared_emulator: RunningEmulator, tmp_path: Path
) -> None:
    settings = settings_for(shared_emulator.base_url, tmp_path / "data")
    mapping = str(customer_is_the_event_id(tmp_path))
    report = api.sync(settings, resources="charges", mappings={"charges": mapping}, error_threshold=100)
    item = report.resources["charges"]
    assert item.status == "success", item.error
    assert item.mapped is not None
    assert item.mapped["failed"] > 0
    assert item.mapped["output"] > 0
    assert item.mapped["failed"] + item.mapped["output"] == item.mapped["input"]
    assert "rejected by mapping" in (item.note or "")
    assert catalog_api.load_dataset(settings, "charges").num_rows == item.mapped["output"]

    errors = catalog_api.row_errors(settings, item.mapped["batch_id"], limit=1000)
    assert len(errors) == item.mapped["failed"]
    first = errors[0]
    assert json.loads(first["_corrupt_record"])["customer"] is None
    assert [error["code"] for error in first["_errors"]] == ["INGEST-1555-400"]


def test_partial_ingestion_above_the_threshold_fails_the_batch_and_writes_nothing(
    shared_emulator: RunningEmulator, tmp_path: Path
) -> None:
    settings = settings_for(shared_emulator.base_url, tmp_path / "data")
    mapping = str(customer_is_the_event_id(tmp_path))
    report = api.sync(settings, resources="charges", mappings={"charges": mapping}, error_threshold=1)
    item = report.resources["charges"]
    assert item.status == "failed"
    assert item.mapped is not None
    assert item.mapped["status"] == "failed"
    assert "more than the error threshold allows" in (item.error or "")
    assert "stripeflow datasets errors" in (item.error or "")
    assert catalog_api.load_dataset(settings, "charges").num_rows == 0
    # The extraction itself landed: the raw table holds every charge.
    assert api.read_dataset(settings, "charges").num_rows == len(truth(shared_emulator.base_url)["charges"])


def test_bad_mapping_choices_are_refused_before_any_work(shared_emulator: RunningEmulator, tmp_path: Path) -> None:
    settings = settings_for(shared_emulator.base_url, tmp_path)
    with pytest.raises(ConfigurationError, match="not synced"):
        api.sync(settings, resources="charges", mappings={"prices": "x.json"})
    with pytest.raises(ConfigurationError, match="does not exist"):
        api.sync(settings, resources="charges", mappings={"charges": str(tmp_path / "missing.json")})
    with pytest.raises(ConfigurationError, match="percentage"):
        api.sync(settings, resources="charges", error_threshold=120)
    with pytest.raises(ConfigurationError, match="no-map"):
        api.sync(settings, resources="charges", map_records=False, mappings={"charges": "x.json"})


def test_each_sync_purges_row_errors_past_their_retention(shared_emulator: RunningEmulator, tmp_path: Path) -> None:
    settings = settings_for(shared_emulator.base_url, tmp_path / "data")
    mapping = str(customer_is_the_event_id(tmp_path))
    first = api.sync(settings, resources="charges", mappings={"charges": mapping}, error_threshold=100)
    batch = first.resources["charges"].mapped
    assert batch is not None
    assert catalog_api.row_errors(settings, batch["batch_id"])
    # A later sync whose retention is already over for that batch drops its diagnostics, not its figures.
    store = open_store(settings.metadata_url)
    with Database(store.engine).writing() as session:
        row = session.get(CatalogBatch, batch["batch_id"])
        assert row is not None
        row.diagnostics_expire_at = datetime.now(UTC) - timedelta(seconds=1)
    store.close()
    api.sync(settings, resources="charges", mappings={"charges": mapping}, error_threshold=100)
    assert catalog_api.row_errors(settings, batch["batch_id"]) == []
    (kept,) = [item for item in catalog_api.list_batches(settings, "charges") if item["id"] == batch["batch_id"]]
    assert kept["metrics"]["failedRecordCount"] == batch["failed"]


def test_a_failing_transformation_nulls_its_field_and_is_counted(
    shared_emulator: RunningEmulator, tmp_path: Path
) -> None:
    """The row is written without the field; the batch counts it under ``MAPPER-3700-400``."""
    body = default_mapping_set("charges").to_body()
    (mapping,) = [item for item in body["mappings"] if item["destination"] == f"{NS}.charges_data.amount_refunded"]
    expression = "to_integer(data.description)"  # descriptions are words
    mapping.update(sourceType="EXPRESSION", source=expression, sourceAttribute=expression)
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(body))
    settings = settings_for(shared_emulator.base_url, tmp_path / "data")
    report = api.sync(settings, resources="charges", mappings={"charges": str(path)})
    mapped = report.resources["charges"].mapped
    assert mapped is not None
    assert mapped["status"] == "success"
    assert mapped["failed"] == 0
    (nulled,) = [error for error in mapped["errors"] if error["code"] == "MAPPER-3700-400"]
    described = catalog_api.load_dataset(settings, "charges").to_pylist()
    with_text = [row for row in described if row[NS]["charges_data"].get("description")]
    assert with_text
    assert all(row[NS]["charges_data"].get("amount_refunded") is None for row in with_text)
    assert nulled["recordCount"] == len(with_text)
    (batch,) = catalog_api.list_batches(settings, "charges")
    assert batch["metrics"]["nulledRecordCount"] == len(with_text)
    assert batch["metrics"]["failedRecordCount"] == 0
