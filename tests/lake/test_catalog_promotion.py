"""Promotion of raw Stripe rows into a catalog dataset: upserts, deletions, watermarks, partial ingestion."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from stripeflow.lake.catalog import Catalog
from stripeflow.lake.catalog_repository import BatchStatus
from stripeflow.lake.xdm_arrow import SchemaError
from stripeflow.prep.validation import compile_validator
from tests.lake.catalog_support import SCHEMA_ID, RawCharges, charge, charge_mapper, charge_schema, open_catalog
from tests.support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 9, 1, tzinfo=UTC))


@pytest.fixture
def catalog(tmp_path: Path, clock: FakeClock) -> Iterator[Catalog]:
    with open_catalog(f"sqlite:///{tmp_path / 'metadata.db'}", tmp_path / "catalog", clock) as (opened, _):
        yield opened


@pytest.fixture
def raw(tmp_path: Path) -> RawCharges:
    return RawCharges(tmp_path / "datasets")


@pytest.fixture
def dataset_id(catalog: Catalog) -> str:
    return catalog.create_dataset("Charges", SCHEMA_ID)


def promote(catalog: Catalog, dataset_id: str, raw: RawCharges, **options: Any) -> Any:
    options.setdefault("error_threshold_percent", None)
    return catalog.promote(dataset_id, raw.path, charge_mapper(), charge_schema(), **options)


def rows(catalog: Catalog, dataset_id: str, *, include_deleted: bool = False) -> dict[str, dict[str, Any]]:
    table = catalog.read_dataset(dataset_id, include_deleted=include_deleted)
    return {row["_source_id"]: row for row in table.to_pylist()}


def test_promotion_maps_the_raw_rows_in_one_commit(catalog: Catalog, dataset_id: str, raw: RawCharges) -> None:
    raw.upsert([charge(number) for number in range(5)])

    result = promote(catalog, dataset_id, raw)

    assert (result.status, result.input_records, result.output_records, result.failed_records) == ("success", 5, 5, 0)
    found = rows(catalog, dataset_id)
    assert sorted(found) == [f"ch_{number:05d}" for number in range(5)]
    first = found["ch_00000"]
    assert first["_id"] == "ch_00000"
    assert first["timestamp"] == datetime.fromtimestamp(1_700_000_000, UTC)
    assert first["_stripeflow"]["charge"]["amount"] == 1000
    assert first["_stripeflow"]["charge"]["metadata"] == [("order", "0")]
    assert first["_batch_id"] == result.batch_id
    assert first["_deleted"] is False
    history = catalog.get_batch(result.batch_id)[result.batch_id]
    assert history["dataSetVersion"] == result.dataset_version


def test_a_second_promotion_takes_only_rows_written_since(catalog: Catalog, dataset_id: str, raw: RawCharges) -> None:
    raw.upsert([charge(number) for number in range(3)])
    promote(catalog, dataset_id, raw)

    nothing = promote(catalog, dataset_id, raw)
    raw.upsert([charge(7)])
    later = promote(catalog, dataset_id, raw)

    raw.upsert([charge(8)])
    third = promote(catalog, dataset_id, raw)

    assert (nothing.status, nothing.input_records) == ("success", 0)
    assert (later.input_records, third.input_records) == (1, 1)
    # The log's _ingested_at statistics (milliseconds) rule out the first write's file; the second one's latest
    # time equals the watermark, so it is read (and its rows filtered out).
    assert catalog.get_batch(third.batch_id)[third.batch_id]["metrics"]["inputFileCount"] == 2
    assert len(rows(catalog, dataset_id)) == 5


def test_a_refetched_object_replaces_its_row(catalog: Catalog, dataset_id: str, raw: RawCharges) -> None:
    raw.upsert([charge(number) for number in range(4)])
    first = promote(catalog, dataset_id, raw)
    raw.upsert([charge(1, amount=555), charge(9)])

    second = promote(catalog, dataset_id, raw)

    table = catalog.read_dataset(dataset_id)
    assert table.num_rows == 5  # one row per object
    found = rows(catalog, dataset_id)
    assert found["ch_00001"]["_stripeflow"]["charge"]["amount"] == 555
    assert found["ch_00001"]["_batch_id"] == second.batch_id
    assert found["ch_00002"]["_batch_id"] == first.batch_id


def test_a_raw_deletion_marks_the_row_deleted(catalog: Catalog, dataset_id: str, raw: RawCharges) -> None:
    raw.upsert([charge(number) for number in range(3)])
    promote(catalog, dataset_id, raw)
    raw.delete("ch_00002")

    result = promote(catalog, dataset_id, raw)

    assert (result.status, result.deleted_records, result.failed_records) == ("success", 1, 0)
    assert sorted(rows(catalog, dataset_id)) == ["ch_00000", "ch_00001"]
    gone = rows(catalog, dataset_id, include_deleted=True)["ch_00002"]
    assert gone["_deleted"] is True
    assert gone["_deleted_at"] == datetime(2026, 8, 2, tzinfo=UTC)
    assert gone["_stripeflow"]["charge"]["amount"] == 1000  # the last mapped values are kept
    assert gone["_batch_id"] == result.batch_id


def test_without_partial_ingestion_one_bad_row_fails_the_batch(
    catalog: Catalog, dataset_id: str, raw: RawCharges
) -> None:
    raw.upsert([charge(0), charge(1, amount="lots"), charge(2)])

    result = promote(catalog, dataset_id, raw, diagnostics=False)

    assert (result.status, result.failed_records, result.output_records) == ("failed", 1, 0)
    assert catalog.read_dataset(dataset_id).num_rows == 0
    assert [error["code"] for error in result.errors] == ["INGEST-1211-400"]
    assert catalog.row_errors(result.batch_id) == []
    assert not list((catalog.table_path(dataset_id)).glob(f"{result.batch_id}/*"))  # staged files deleted


def test_partial_ingestion_below_the_threshold_keeps_the_good_rows(
    catalog: Catalog, dataset_id: str, raw: RawCharges
) -> None:
    raw.upsert([charge(number, amount="lots" if number == 3 else 10) for number in range(20)])

    result = promote(catalog, dataset_id, raw, error_threshold_percent=5, diagnostics=False)

    assert (result.status, result.output_records, result.failed_records) == ("success", 19, 1)
    assert "ch_00003" not in rows(catalog, dataset_id)
    body = catalog.get_batch(result.batch_id)[result.batch_id]
    assert body["tags"] == {"acp_partialIngestionPercent": 5, "acp_enableErrorDiagnostics": True}  # forced on
    codes = {error["code"]: error for error in body["errors"]}
    assert codes["MAPPER-3700-400"]["recordCount"] == 1
    assert "ingested 19 rows" in codes["INGEST-1212-400"]["description"]
    assert body["metrics"]["failedRecordCount"] == 1
    assert body["metrics"]["outputRecordCount"] == 19


def test_partial_ingestion_above_the_threshold_fails_the_batch(
    catalog: Catalog, dataset_id: str, raw: RawCharges
) -> None:
    raw.upsert([charge(number, amount="lots" if number < 2 else 10) for number in range(20)])

    result = promote(catalog, dataset_id, raw, error_threshold_percent=5)

    assert (result.status, result.failed_records) == ("failed", 2)
    assert catalog.read_dataset(dataset_id).num_rows == 0
    summary = [error for error in result.errors if error["code"] == "INGEST-1212-400"]
    assert "exceed the error threshold of 5%" in summary[0]["description"]
    # Not promoted: the next promotion reads the same rows again.
    raw.upsert([charge(0), charge(1)])
    again = promote(catalog, dataset_id, raw, error_threshold_percent=5)
    assert (again.status, again.input_records, again.output_records) == ("success", 20, 20)


def test_row_error_diagnostics(catalog: Catalog, dataset_id: str, raw: RawCharges) -> None:
    raw.upsert([charge(number, amount="lots" if number == 1 else 10) for number in range(3)])

    result = promote(catalog, dataset_id, raw, error_threshold_percent=50)

    errors = catalog.row_errors(result.batch_id)
    assert len(errors) == 1
    assert json.loads(errors[0]["_corrupt_record"])["id"] == "ch_00001"
    assert errors[0]["_errors"][0]["code"] == "MAPPER-3700-400"
    assert errors[0]["_filename"].startswith("charges/part-")
    listing = catalog.batch_files(result.batch_id, "row_errors")
    assert [item["name"] for item in listing["data"]] == ["conversion_errors_0.json"]
    assert listing["_page"] == {"limit": 100, "count": 1}
    href = listing["data"][0]["_links"]["self"]["href"]
    assert href.endswith(f"/batches/{result.batch_id}/meta?path=row_errors/conversion_errors_0.json")
    content = catalog.batch_file(result.batch_id, "row_errors/conversion_errors_0.json")
    assert content is not None
    assert json.loads(content.splitlines()[0]) == errors[0]
    samples = catalog.batch_file(result.batch_id, "row_error_samples.json")
    assert samples is not None
    assert json.loads(samples) == errors
    inputs = catalog.batch_files(result.batch_id, "input_files")["data"]
    assert [item["name"] for item in inputs] == [errors[0]["_filename"].removeprefix("charges/")]
    with pytest.raises(ValueError, match="not a diagnostics path"):
        catalog.batch_files(result.batch_id, "../../etc")


def test_unparseable_raw_json_goes_to_parsing_errors(catalog: Catalog, dataset_id: str, tmp_path: Path) -> None:
    at = pa.array([datetime(2026, 8, 1, tzinfo=UTC)] * 2, pa.timestamp("us", tz="UTC"))
    source = tmp_path / "raw" / "charges"
    raw_rows = {"id": ["ch_00001", "ch_00002"], "_raw": [json.dumps(charge(1)), "{not json"]}
    flags = {"_deleted": [False, False], "_deleted_at": pa.nulls(2, pa.timestamp("us", tz="UTC")), "_ingested_at": at}
    write_deltalake(str(source), pa.table({**raw_rows, **flags}))

    result = catalog.promote(dataset_id, source, charge_mapper(), charge_schema(), error_threshold_percent=50)

    assert (result.status, result.output_records, result.failed_records) == ("success", 1, 1)
    listing = catalog.batch_files(result.batch_id, "row_errors")["data"]
    assert [item["name"] for item in listing] == ["parsing_errors_0.json"]
    error = catalog.row_errors(result.batch_id)[0]
    assert (error["_corrupt_record"], error["_errors"][0]["code"]) == ("{not json", "INGEST-1401-400")


def test_ingest_validates_rows_without_a_mapper(catalog: Catalog, dataset_id: str) -> None:
    records = [{"_id": "a", "timestamp": "2026-01-01T00:00:00Z"}, {"_id": "b"}]
    validator = compile_validator(charge_schema())

    result = catalog.ingest(dataset_id, records, None, charge_schema(), validator=validator, error_threshold_percent=50)

    assert (result.status, result.output_records, result.failed_records) == ("success", 1, 1)
    assert sorted(rows(catalog, dataset_id)) == ["a"]
    assert catalog.row_errors(result.batch_id)[0]["_filename"] == "records.json"


def test_ingest_upserts_by_key_and_the_last_duplicate_wins(catalog: Catalog, dataset_id: str) -> None:
    records = [
        {"_id": "a", "timestamp": "2026-01-01T00:00:00Z", "_stripeflow": {"charge": {"amount": 1}}},
        {"_id": "a", "timestamp": "2026-01-02T00:00:00+02:00", "_stripeflow": {"charge": {"amount": 2}}},
    ]

    result = catalog.ingest(dataset_id, records, None, charge_schema())

    assert result.status == "success"
    found = rows(catalog, dataset_id)
    assert list(found) == ["a"]
    assert found["a"]["_stripeflow"]["charge"]["amount"] == 2
    assert found["a"]["timestamp"] == datetime(2026, 1, 1, 22, tzinfo=UTC)


def test_a_value_that_does_not_fit_the_column_is_a_row_error(catalog: Catalog, dataset_id: str) -> None:
    records = [
        {"_id": "a", "timestamp": "2026-01-01T00:00:00Z"},
        {"_id": "b", "timestamp": "not a time"},
    ]

    result = catalog.ingest(dataset_id, records, None, charge_schema(), error_threshold_percent=50)

    assert (result.status, result.failed_records) == ("success", 1)
    assert catalog.row_errors(result.batch_id)[0]["_errors"][0]["code"] == "INGEST-1401-400"


def test_schema_evolution_adds_optional_fields(catalog: Catalog, dataset_id: str, raw: RawCharges) -> None:
    raw.upsert([charge(0)])
    promote(catalog, dataset_id, raw)
    wider = charge_schema(extra={"status": {"type": "string"}})
    raw.upsert([charge(1, status="succeeded")])

    result = catalog.promote(
        dataset_id, raw.path, charge_mapper(wider, extra=("status",)), wider, error_threshold_percent=None
    )

    assert result.status == "success"
    found = rows(catalog, dataset_id)
    assert found["ch_00001"]["_stripeflow"]["charge"]["status"] == "succeeded"
    assert found["ch_00000"]["_stripeflow"]["charge"]["status"] is None


def test_schema_evolution_refuses_required_or_changed_fields(
    catalog: Catalog, dataset_id: str, raw: RawCharges
) -> None:
    raw.upsert([charge(0)])
    promote(catalog, dataset_id, raw)
    required = charge_schema(extra={"status": {"type": "string"}}, required_extra=True)
    changed = charge_schema(extra={"amount": {"type": "string"}})

    with pytest.raises(SchemaError, match=r"_stripeflow\.charge\.status is new and required"):
        catalog.promote(dataset_id, raw.path, charge_mapper(), required, error_threshold_percent=None)
    with pytest.raises(SchemaError, match="changed type from int64 to string"):
        catalog.promote(dataset_id, raw.path, charge_mapper(), changed, error_threshold_percent=None)
    assert catalog.list_batches(dataset_id, status=BatchStatus.LOADING) == {}
