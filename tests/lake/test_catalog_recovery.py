"""Crashes at each step of a batch, aborts, and the retention of diagnostics."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from stripeflow.lake import delta
from stripeflow.lake.catalog import Catalog
from stripeflow.lake.catalog_repository import BatchCommittingError
from stripeflow.prep.compiler import Mapper
from stripeflow.prep.destination import MappedRow
from tests.lake.catalog_support import (
    SCHEMA_ID,
    Crash,
    FlakyDatabase,
    RawCharges,
    charge,
    charge_mapper,
    charge_schema,
    open_catalog,
)
from tests.support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 9, 1, tzinfo=UTC))


@pytest.fixture
def opened(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[Catalog, FlakyDatabase]]:
    with open_catalog(f"sqlite:///{tmp_path / 'metadata.db'}", tmp_path / "catalog", clock) as pair:
        yield pair


@pytest.fixture
def catalog(opened: tuple[Catalog, FlakyDatabase]) -> Catalog:
    return opened[0]


@pytest.fixture
def raw(tmp_path: Path) -> RawCharges:
    records = RawCharges(tmp_path / "datasets")
    records.upsert([charge(number) for number in range(4)])
    return records


class CrashingMapper:
    """The real mapper, with the process stopping after it mapped ``after`` batches of records."""

    def __init__(self, mapper: Mapper, after: int) -> None:
        self.mapper = mapper
        self.after = after

    def map_batch(self, records: Sequence[Mapping[str, Any]]) -> list[MappedRow]:
        if self.after == 0:
            raise Crash("the process stopped while mapping")
        self.after -= 1
        return self.mapper.map_batch(records)


def promote(catalog: Catalog, dataset_id: str, raw: RawCharges, mapper: Any = None, **options: Any) -> Any:
    options.setdefault("error_threshold_percent", None)
    return catalog.promote(dataset_id, raw.path, mapper or charge_mapper(), charge_schema(), **options)


def status(catalog: Catalog, batch_id: str) -> str:
    return str(catalog.get_batch(batch_id)[batch_id]["status"])


def only_batch(catalog: Catalog, dataset_id: str) -> str:
    (batch_id,) = catalog.list_batches(dataset_id)
    return batch_id


def test_a_crash_before_the_commit_aborts_the_batch_at_the_next_promotion(catalog: Catalog, raw: RawCharges) -> None:
    dataset_id = catalog.create_dataset("Charges", SCHEMA_ID)
    with pytest.raises(Crash):
        promote(catalog, dataset_id, raw, CrashingMapper(charge_mapper(), after=0))
    crashed = only_batch(catalog, dataset_id)
    assert status(catalog, crashed) == "loading"
    raw.upsert([charge(9)])

    result = promote(catalog, dataset_id, raw)

    assert status(catalog, crashed) == "aborted"
    assert result.input_records == 5  # the crashed batch promoted nothing: its rows come again
    assert catalog.read_dataset(dataset_id).num_rows == 5
    assert not (catalog.table_path(dataset_id) / crashed).exists()


def test_a_crash_after_staging_leaves_no_visible_rows(
    catalog: Catalog, raw: RawCharges, opened: tuple[Catalog, FlakyDatabase]
) -> None:
    dataset_id = catalog.create_dataset("Charges", SCHEMA_ID)
    db = opened[1]
    db.writes_left = 1  # the batch starts; the process stops before the pending commit is saved

    with pytest.raises(Crash):
        promote(catalog, dataset_id, raw)

    crashed = only_batch(catalog, dataset_id)
    assert list((catalog.table_path(dataset_id) / crashed).glob("*.parquet"))  # staged
    assert catalog.read_dataset(dataset_id).num_rows == 0
    assert catalog.recover(dataset_id) == [crashed]
    assert status(catalog, crashed) == "aborted"
    assert not (catalog.table_path(dataset_id) / crashed).exists()


def test_a_crash_between_the_commit_and_its_record_is_found_not_written_twice(
    catalog: Catalog, raw: RawCharges, opened: tuple[Catalog, FlakyDatabase]
) -> None:
    dataset_id = catalog.create_dataset("Charges", SCHEMA_ID)
    db = opened[1]
    db.writes_left = 2  # start, pending commit saved; Delta commit; then the process stops
    with pytest.raises(Crash):
        promote(catalog, dataset_id, raw)
    crashed = only_batch(catalog, dataset_id)
    table = delta.load(catalog.table_path(dataset_id))
    assert table is not None
    committed_version = delta.version(table)
    assert status(catalog, crashed) == "loading"

    result = promote(catalog, dataset_id, raw)

    body = catalog.get_batch(crashed)[crashed]
    assert (body["status"], body["metrics"]["outputRecordCount"]) == ("success", 4)
    assert body["dataSetVersion"] == committed_version
    assert result.input_records == 0  # the watermark of the recovered batch holds
    rows = catalog.read_dataset(dataset_id)
    assert rows.num_rows == 4
    assert set(rows.column("_batch_id").to_pylist()) == {crashed}


def test_abort_batch_deletes_staged_rows_and_keeps_finished_batches(catalog: Catalog, raw: RawCharges) -> None:
    dataset_id = catalog.create_dataset("Charges", SCHEMA_ID)
    opened = catalog.create_batch(dataset_id, {"acp_partialIngestionPercent": 10})
    done = promote(catalog, dataset_id, raw)

    assert catalog.abort_batch(opened)[opened]["status"] == "aborted"
    assert catalog.abort_batch(done.batch_id)[done.batch_id]["status"] == "success"
    assert catalog.read_dataset(dataset_id).num_rows == 4


def test_a_batch_being_committed_cannot_be_aborted(
    catalog: Catalog, raw: RawCharges, opened: tuple[Catalog, FlakyDatabase]
) -> None:
    dataset_id = catalog.create_dataset("Charges", SCHEMA_ID)
    opened[1].writes_left = 2
    with pytest.raises(Crash):
        promote(catalog, dataset_id, raw)

    with pytest.raises(BatchCommittingError):
        catalog.abort_batch(only_batch(catalog, dataset_id))


def test_ingest_fills_a_batch_created_beforehand(catalog: Catalog) -> None:
    dataset_id = catalog.create_dataset("Charges", SCHEMA_ID)
    batch_id = catalog.create_batch(dataset_id, {"acp_partialIngestionPercent": 50}, run_id="run-1")
    records = [{"_id": "a", "timestamp": "2026-01-01T00:00:00Z"}, {"_id": "b", "timestamp": "soon"}]

    result = catalog.ingest(dataset_id, records, None, charge_schema(), batch_id=batch_id)

    assert (result.batch_id, result.status, result.failed_records) == (batch_id, "success", 1)
    assert catalog.get_batch(batch_id)[batch_id]["flowRunId"] == "run-1"


def test_diagnostics_expire_after_the_retention(tmp_path: Path, clock: FakeClock, raw: RawCharges) -> None:
    raw.upsert([charge(5, amount="lots")])
    url = f"sqlite:///{tmp_path / 'other.db'}"
    with open_catalog(url, tmp_path / "catalog", clock, retention_days=7) as (catalog, _):
        dataset_id = catalog.create_dataset("Charges", SCHEMA_ID)
        result = promote(catalog, dataset_id, raw, error_threshold_percent=50)
        folder = tmp_path / "catalog" / dataset_id / "diagnostics" / result.batch_id
        assert (folder / "row_errors" / "conversion_errors_0.json").is_file()

        assert catalog.purge_expired_diagnostics(clock.now + timedelta(days=6)) == []
        assert catalog.purge_expired_diagnostics(clock.now + timedelta(days=7)) == [result.batch_id]

        assert not folder.exists()
        assert catalog.row_errors(result.batch_id) == []
        assert catalog.batch_files(result.batch_id, "row_errors")["data"] == []
        body = catalog.get_batch(result.batch_id)[result.batch_id]
        assert body["metrics"]["failedRecordCount"] == 1
        assert body["errors"][0]["recordCount"] == 1
