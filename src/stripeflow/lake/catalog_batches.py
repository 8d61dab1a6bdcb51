"""One catalog batch from start to end: ``loading``, then ``success`` (rows visible), ``failed`` or ``aborted``.

The order of the writes makes every crash recoverable:

1. the batch is recorded ``loading``; its rows are staged in ``<table>/<batch_id>/`` and its row errors written;
2. when the failed share is within the threshold, the batch's figures and a *pending* entry (batch id, app
   transaction version, watermark) are saved in the metadata store, then the staged files are committed in ONE
   Delta commit carrying the app transaction ``(stripeflow.catalog.<dataset id>, version)``;
3. the batch is recorded ``success`` and the dataset's watermark and transaction version move forward, in one
   metadata transaction.

A batch left ``loading`` by a crash is settled by the next batch of its dataset (:meth:`BatchLoader.recover`): if
the table's app transaction reached the pending version, step 2 landed and the batch becomes ``success``;
otherwise its staged files are deleted and it becomes ``aborted``. Either way nothing is written twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from stripeflow.lake import catalog_tables, delta
from stripeflow.lake.catalog_repository import (
    BatchOutcome,
    BatchRecord,
    BatchStatus,
    CatalogRepository,
    DatasetRecord,
)
from stripeflow.lake.catalog_summary import Policy, figures, summarize
from stripeflow.lake.diagnostics import DiagnosticsWriter, batch_folder
from stripeflow.lake.promotion import BatchRun, Chunk, ColumnarMapper, RawBatch, RecordMapper, Validator
from stripeflow.lake.xdm_arrow import XdmColumns, evolve
from stripeflow.store.database import Clock
from stripeflow.store.records import JsonObject

#: Error of a batch that failed on an unexpected error while processing (``CONNECTOR-2001-500`` in the docs).
PROCESSING_ERROR = "CONNECTOR-2001-500"


@dataclass(frozen=True)
class BatchResult:
    """What a batch did."""

    batch_id: str
    status: BatchStatus
    input_records: int
    output_records: int
    failed_records: int
    deleted_records: int  # deletion marks read (applied to the rows the dataset holds)
    dataset_version: int | None
    errors: list[JsonObject]


@dataclass(frozen=True)
class LoadPlan:
    """How to run one batch."""

    columns: XdmColumns
    policy: Policy
    mapper: RecordMapper | None
    validator: Validator | None
    wrap: bool  # records reach the mapper as ``{"data": record}``
    operation: str  # "promote" | "ingest"
    source_key: str | None = None  # the watermark's key in the dataset state (promotion only)
    input_format: str = "json"
    source_batch_id: str | None = None
    run_id: str | None = None
    batch_id: str | None = None  # an existing ``loading`` batch to fill (else a new one)
    columnar: ColumnarMapper | None = None  # maps the raw record batches the reader yields (promotion only)


Reader = Callable[[DiagnosticsWriter, datetime | None], Iterable[Chunk | RawBatch]]


class BatchLoader:
    def __init__(self, repo: CatalogRepository, root: Path, clock: Clock, retention: timedelta) -> None:
        self._repo = repo
        self._root = root
        self._clock = clock
        self._retention = retention

    def table_path(self, dataset: DatasetRecord) -> Path:
        return Path(dataset.path)

    def diagnostics_folder(self, dataset_id: str, batch_id: str) -> Path:
        return batch_folder(self._root / dataset_id, batch_id)

    def load(self, dataset: DatasetRecord, read: Reader, plan: LoadPlan) -> BatchResult:
        """Run a batch over the chunks ``read`` yields (given the diagnostics writer and the watermark)."""
        self.recover(dataset.id, keep=plan.batch_id)
        dataset = self._repo.dataset(dataset.id)
        schema = self.prepare_table(dataset, plan.columns)
        batch = self._start(dataset, plan)
        policy = Policy.from_tags(batch.tags)
        path = self.table_path(dataset)
        staged = catalog_tables.StagedBatch(path, batch.id)
        writer = DiagnosticsWriter(self.diagnostics_folder(dataset.id, batch.id), enabled=policy.diagnostics)
        run = BatchRun(batch.id, plan.columns, staged, writer, self._clock(), plan.mapper, plan.validator, plan.wrap)
        run.columnar = plan.columnar
        try:
            for chunk in read(writer, _watermark(dataset.state, plan.source_key)):
                run.process(chunk)
            run.tally.input_files = len(writer.inputs)
            writer.close()
        except Exception as exc:
            writer.close()
            staged.discard()
            errors = [{"code": PROCESSING_ERROR, "description": f"{type(exc).__name__}: {str(exc)[:500]}"}]
            self._finish(batch, BatchOutcome(BatchStatus.FAILED, figures(run.tally, 0, 0), errors), None)
            raise
        return self._complete(dataset, batch, run, policy, schema, plan)

    def _start(self, dataset: DatasetRecord, plan: LoadPlan) -> BatchRecord:
        if plan.batch_id is None:
            return self._repo.add_batch(
                dataset.id, plan.policy.tags(), plan.input_format, plan.source_batch_id, plan.run_id
            )
        batch = self._repo.batch(plan.batch_id)
        if batch.dataset_id != dataset.id or batch.status is not BatchStatus.LOADING:
            raise ValueError(f"batch {batch.id} is not a loading batch of dataset {dataset.id}")
        return batch

    def prepare_table(self, dataset: DatasetRecord, columns: XdmColumns) -> pa.Schema:
        """The schema the dataset's table gets for ``columns`` (creating the table if there is none); a change
        that is not additive raises :class:`~stripeflow.lake.xdm_arrow.SchemaError` before any batch starts."""
        table = catalog_tables.load(self.table_path(dataset))
        if table is None:
            catalog_tables.create(self.table_path(dataset), columns.schema, "create")
            return columns.schema
        return evolve(delta.schema(table), columns.schema, columns.required)

    def _complete(
        self,
        dataset: DatasetRecord,
        batch: BatchRecord,
        run: BatchRun,
        policy: Policy,
        schema: pa.Schema,
        plan: LoadPlan,
    ) -> BatchResult:
        tally, staged = run.tally, run.staged
        if not policy.accepts(tally):
            staged.discard()
            outcome = BatchOutcome(BatchStatus.FAILED, figures(tally, 0, 0), summarize(tally, policy, failed=True))
            return self._finish(batch, outcome, None)
        output = tally.input_records - tally.failed
        outcome = BatchOutcome(BatchStatus.SUCCESS, figures(tally, output, staged.size), summarize(tally, policy))
        state = dict(dataset.state)
        sequence = int(state.get("sequence", 0)) + 1
        watermark = None if tally.watermark is None else tally.watermark.isoformat()
        pending = {"batch_id": batch.id, "sequence": sequence, "source": plan.source_key, "watermark": watermark}
        if not self._repo.save_pending(batch.id, outcome.metrics, outcome.errors, {**state, "pending": pending}):
            staged.discard()  # aborted meanwhile
            return _result(self._repo.batch(batch.id))
        table = catalog_tables.load(self.table_path(dataset))
        assert table is not None  # made by prepare_table
        commit = delta.Commit(batch.id, plan.operation, (catalog_tables.app_id(dataset.id), sequence))
        committed = catalog_tables.commit_batch(table, staged, schema, commit, run.ingested_at, {})
        done = BatchOutcome(outcome.status, outcome.metrics, outcome.errors, committed.version)
        return self._finish(batch, done, _committed(state, pending))

    def _finish(self, batch: BatchRecord, outcome: BatchOutcome, state: JsonObject | None) -> BatchResult:
        folder = self.diagnostics_folder(batch.dataset_id, batch.id)
        expire = batch.created_at + self._retention
        outcome = BatchOutcome(outcome.status, outcome.metrics, outcome.errors, outcome.dataset_version, expire)
        record = self._repo.finish_batch(
            batch.id, outcome, diagnostics_path=str(folder) if folder.exists() else None, state=state
        )
        return _result(record or self._repo.batch(batch.id))

    def recover(self, dataset_id: str, *, keep: str | None = None) -> list[str]:
        """Settle the batches of the dataset a stopped process left ``loading`` (see the module docstring), except
        ``keep``; their ids. Call it only when no other process writes batches into the dataset."""
        dataset = self._repo.dataset(dataset_id)
        loading = self._repo.batches(dataset_id=dataset_id, status="loading", limit=10_000, start=0, newest_first=False)
        stale = [batch for batch in loading if batch.id != keep]
        table = catalog_tables.load(self.table_path(dataset))
        landed = None if table is None else delta.transaction_version(table, catalog_tables.app_id(dataset_id))
        pending = dataset.state.get("pending") if isinstance(dataset.state.get("pending"), dict) else None
        for batch in stale:
            if pending and pending["batch_id"] == batch.id and landed is not None and landed >= pending["sequence"]:
                version = None if table is None else delta.version(table)
                outcome = BatchOutcome(BatchStatus.SUCCESS, batch.metrics, batch.errors, version)
                self._finish(batch, outcome, _committed(dict(dataset.state), pending))
                continue
            self.abort(batch.id, "the process stopped before the batch was committed", clear_pending=pending)
        return [batch.id for batch in stale]

    def abort(self, batch_id: str, reason: str, *, clear_pending: dict[str, Any] | None = None) -> BatchRecord | None:
        """Abort a ``loading`` batch and delete its staged files; ``None`` if it was not loading."""
        batch = self._repo.batch(batch_id)
        if clear_pending is not None and clear_pending.get("batch_id") == batch_id:
            dataset = self._repo.dataset(batch.dataset_id)
            state = {key: value for key, value in dataset.state.items() if key != "pending"}
            self._repo.update_dataset(batch.dataset_id, {"state": state})
        record = self._repo.abort_batch(batch_id, [{"code": "aborted", "description": reason}])
        if record is not None:  # never touch the folder of a committed batch: its files are the dataset's
            catalog_tables.discard(self.table_path(self._repo.dataset(batch.dataset_id)), batch_id)
        return record


def _watermark(state: JsonObject, source_key: str | None) -> datetime | None:
    if source_key is None:
        return None
    value = (state.get("watermarks") or {}).get(source_key)
    return None if value is None else datetime.fromisoformat(value)


def _committed(state: JsonObject, pending: JsonObject) -> JsonObject:
    """The dataset state once the pending batch is committed: its sequence and watermark, no pending entry."""
    result = {key: value for key, value in state.items() if key != "pending"}
    result["sequence"] = pending["sequence"]
    if pending.get("source") is not None and pending.get("watermark") is not None:
        result["watermarks"] = {**(state.get("watermarks") or {}), pending["source"]: pending["watermark"]}
    return result


def _result(record: BatchRecord) -> BatchResult:
    metrics = record.metrics
    return BatchResult(
        batch_id=record.id,
        status=record.status,
        input_records=int(metrics.get("inputRecordCount", 0)),
        output_records=int(metrics.get("outputRecordCount", 0)),
        failed_records=int(metrics.get("failedRecordCount", 0)),
        deleted_records=int(metrics.get("deletedRecordCount", 0)),
        dataset_version=record.dataset_version,
        errors=record.errors,
    )
