"""Catalog datasets and batches on SQLite and PostgreSQL: the bodies the Catalog API returns, lists and scoping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stripeflow.lake.catalog import Catalog, CatalogNotFoundError
from stripeflow.store import open_store
from stripeflow.store.database import Database
from tests.lake.catalog_support import ORG, SCHEMA_ID, RawCharges, charge, charge_mapper, charge_schema, open_catalog
from tests.support.clock import FakeClock
from tests.support.postgres import temporary_schema

BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'metadata.db'}"
        return
    with temporary_schema(request.getfixturevalue("postgres_database")) as url:
        yield url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 9, 1, tzinfo=UTC))


@pytest.fixture
def catalog(store_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Catalog]:
    with open_catalog(store_url, tmp_path / "catalog", clock) as (opened, _):
        yield opened


def test_create_and_get_a_dataset(catalog: Catalog, clock: FakeClock) -> None:
    dataset_id = catalog.create_dataset("Charges", SCHEMA_ID, description="Stripe charges", tags={"team": ["pay"]})

    assert re.fullmatch(r"[0-9a-f]{24}", dataset_id)
    body = catalog.get_dataset(dataset_id)[dataset_id]
    assert body["name"] == "Charges"
    assert body["description"] == "Stripe charges"
    assert body["schemaRef"] == {"id": SCHEMA_ID, "contentType": "application/vnd.adobe.xed+json;version=1"}
    assert body["created"] == body["updated"] == int(clock.now.timestamp() * 1000)
    assert body["tags"] == {"team": ["pay"]}
    assert body["imsOrg"] == ORG
    assert body["lastBatchId"] is None


def test_list_update_and_delete_datasets(catalog: Catalog, clock: FakeClock) -> None:
    first = catalog.create_dataset("Charges", SCHEMA_ID)
    clock.advance(1)
    second = catalog.create_dataset("Refunds", "https://ns.adobe.com/stripeflow/schemas/refunds")

    assert list(catalog.list_datasets()) == [second, first]
    assert list(catalog.list_datasets(limit=1, start=1)) == [first]
    assert list(catalog.list_datasets(name="Charges")) == [first]
    assert catalog.list_datasets(schema_id=SCHEMA_ID, properties=["name"]) == {first: {"name": "Charges"}}

    clock.advance(5)
    updated = catalog.update_dataset(first, description="all charges")[first]
    assert (updated["name"], updated["description"]) == ("Charges", "all charges")
    assert updated["updated"] > updated["created"]

    catalog.delete_dataset(first)
    with pytest.raises(CatalogNotFoundError):
        catalog.get_dataset(first)
    assert list(catalog.list_datasets()) == [second]


def test_a_promoted_batch_body(catalog: Catalog, tmp_path: Path) -> None:
    dataset_id = catalog.create_dataset("Charges", SCHEMA_ID, resolved_schema=charge_schema())
    raw = RawCharges(tmp_path / "datasets")
    raw.upsert([charge(0), charge(1, amount="lots"), charge(2)])

    result = catalog.promote(
        dataset_id, raw.path, charge_mapper(), charge_schema(), error_threshold_percent=50, run_id="run-7"
    )

    body = catalog.get_batch(result.batch_id)[result.batch_id]
    assert body["status"] == "success"
    assert body["relatedObjects"] == [{"type": "dataSet", "id": dataset_id}]
    assert body["inputFormat"] == {"format": "json"}
    assert body["flowRunId"] == "run-7"
    metrics = body["metrics"]
    assert (metrics["inputRecordCount"], metrics["outputRecordCount"], metrics["failedRecordCount"]) == (3, 2, 1)
    assert metrics["inputFileCount"] == 1
    assert metrics["inputByteSize"] > 0
    assert metrics["outputByteSize"] > 0
    assert [error["code"] for error in body["errors"]] == ["INGEST-1555-400", "MAPPER-3700-400", "INGEST-1212-400"]
    assert body["completed"] >= body["started"]
    dataset = catalog.get_dataset(dataset_id)[dataset_id]
    assert (dataset["lastBatchId"], dataset["lastBatchStatus"]) == (result.batch_id, "success")
    assert list(catalog.list_batches(dataset_id, status="success")) == [result.batch_id]
    assert catalog.list_batches(dataset_id, status="failed") == {}


def test_datasets_are_scoped_by_organization_and_sandbox(store_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with open_catalog(store_url, tmp_path / "catalog", clock) as (catalog, _):
        dataset_id = catalog.create_dataset("Charges", SCHEMA_ID)
        batch_id = catalog.create_batch(dataset_id)
    store = open_store(store_url, clock=clock)
    try:
        other = Catalog(Database(store.engine), tmp_path / "catalog", clock, ORG, "dev")
        assert other.list_datasets() == {}
        with pytest.raises(CatalogNotFoundError):
            other.get_dataset(dataset_id)
        with pytest.raises(CatalogNotFoundError):
            other.get_batch(batch_id)
    finally:
        store.close()


def test_create_batch_records_the_partial_ingestion_tags(catalog: Catalog) -> None:
    dataset_id = catalog.create_dataset("Charges", SCHEMA_ID)

    batch_id = catalog.create_batch(dataset_id, {"acp_partialIngestionPercent": 5}, source_batch_id="01SOURCE")

    body = catalog.get_batch(batch_id)[batch_id]
    assert body["status"] == "loading"
    assert body["tags"] == {"acp_partialIngestionPercent": 5.0, "acp_enableErrorDiagnostics": True}
    assert body["sourceBatchId"] == "01SOURCE"
    assert body["metrics"]["failedRecordCount"] == 0
    with pytest.raises(ValueError, match="percentage"):
        catalog.create_batch(dataset_id, {"acp_partialIngestionPercent": 150})
