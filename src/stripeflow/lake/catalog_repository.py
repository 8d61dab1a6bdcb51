"""The metadata of catalog datasets and batches (tables ``catalog_datasets``, ``catalog_batches``), scoped by
organization and sandbox. Every call is one short transaction and returns frozen records.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stripeflow.store.database import Clock, Database
from stripeflow.store.ids import new_batch_id
from stripeflow.store.models import CatalogBatch, CatalogDataset
from stripeflow.store.records import JsonObject


class CatalogNotFoundError(LookupError):
    """No dataset or batch with that id in this organization and sandbox."""


class BatchStatus(StrEnum):
    LOADING = "loading"
    SUCCESS = "success"
    FAILED = "failed"
    ABORTED = "aborted"


@dataclass(frozen=True)
class DatasetRecord:
    id: str
    name: str
    description: str | None
    schema_id: str
    schema_content_type: str
    path: str
    tags: JsonObject
    state: JsonObject
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class BatchRecord:
    id: str
    dataset_id: str
    status: BatchStatus
    tags: JsonObject
    input_format: str
    metrics: JsonObject
    errors: list[JsonObject]
    source_batch_id: str | None
    run_id: str | None
    dataset_version: int | None
    diagnostics_path: str | None
    diagnostics_expire_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class BatchOutcome:
    """What a finished batch records."""

    status: BatchStatus
    metrics: JsonObject
    errors: list[JsonObject]
    dataset_version: int | None = None
    diagnostics_expire_at: datetime | None = None


def new_dataset_id(now: datetime) -> str:
    """24 hex digits like the Catalog's (a MongoDB ObjectId): 4 bytes of Unix seconds, then 8 random bytes."""
    return f"{int(now.timestamp()) & 0xFFFFFFFF:08x}{secrets.token_hex(8)}"


class CatalogRepository:
    def __init__(self, db: Database, clock: Clock, org_id: str, sandbox_name: str) -> None:
        self._db = db
        self._clock = clock
        self.org_id = org_id
        self.sandbox_name = sandbox_name

    # -- datasets -------------------------------------------------------------------------------------------------

    def add_dataset(self, dataset_id: str, fields: Mapping[str, Any]) -> DatasetRecord:
        now = self._clock()
        row = CatalogDataset(
            id=dataset_id,
            org_id=self.org_id,
            sandbox_name=self.sandbox_name,
            state={},
            created_at=now,
            updated_at=now,
            **fields,
        )
        with self._db.writing() as session:
            session.add(row)
        return _dataset(row)

    def dataset(self, dataset_id: str) -> DatasetRecord:
        with self._db.reading() as session:
            return _dataset(self._dataset_row(session, dataset_id))

    def datasets(
        self, *, limit: int, start: int, name: str | None = None, schema_id: str | None = None
    ) -> list[DatasetRecord]:
        """The newest first (ids begin with their creation second)."""
        query = self._scoped(select(CatalogDataset), CatalogDataset).order_by(
            CatalogDataset.created_at.desc(), CatalogDataset.id.desc()
        )
        if name is not None:
            query = query.where(CatalogDataset.name == name)
        if schema_id is not None:
            query = query.where(CatalogDataset.schema_id == schema_id)
        with self._db.reading() as session:
            return [_dataset(row) for row in session.scalars(query.offset(start).limit(limit))]

    def update_dataset(self, dataset_id: str, changes: Mapping[str, Any]) -> DatasetRecord:
        with self._db.writing() as session:
            row = self._dataset_row(session, dataset_id, lock=True)
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = self._clock()
            return _dataset(row)

    def delete_dataset(self, dataset_id: str) -> DatasetRecord:
        with self._db.writing() as session:
            row = self._dataset_row(session, dataset_id, lock=True)
            for batch in session.scalars(select(CatalogBatch).where(CatalogBatch.dataset_id == dataset_id)):
                session.delete(batch)
            session.delete(row)
            return _dataset(row)

    # -- batches --------------------------------------------------------------------------------------------------

    def add_batch(
        self, dataset_id: str, tags: JsonObject, input_format: str, source_batch_id: str | None, run_id: str | None
    ) -> BatchRecord:
        now = self._clock()
        row = CatalogBatch(
            id=new_batch_id(),
            dataset_id=dataset_id,
            org_id=self.org_id,
            sandbox_name=self.sandbox_name,
            status=BatchStatus.LOADING.value,
            tags=dict(tags),
            input_format=input_format,
            metrics=dict.fromkeys(METRIC_NAMES, 0),
            errors=[],
            source_batch_id=source_batch_id,
            run_id=run_id,
            created_at=now,
            started_at=now,
            updated_at=now,
        )
        with self._db.writing() as session:
            self._dataset_row(session, dataset_id, lock=True)
            session.add(row)
        return _batch(row)

    def batch(self, batch_id: str) -> BatchRecord:
        with self._db.reading() as session:
            return _batch(self._batch_row(session, batch_id))

    def batches(
        self, *, dataset_id: str | None, status: str | None, limit: int, start: int, newest_first: bool = True
    ) -> list[BatchRecord]:
        query = self._scoped(select(CatalogBatch), CatalogBatch)
        query = query.order_by(CatalogBatch.id.desc() if newest_first else CatalogBatch.id)
        if dataset_id is not None:
            query = query.where(CatalogBatch.dataset_id == dataset_id)
        if status is not None:
            query = query.where(CatalogBatch.status == BatchStatus(status).value)
        with self._db.reading() as session:
            return [_batch(row) for row in session.scalars(query.offset(start).limit(limit))]

    def finish_batch(
        self,
        batch_id: str,
        outcome: BatchOutcome,
        *,
        diagnostics_path: str | None = None,
        state: JsonObject | None = None,
    ) -> BatchRecord | None:
        """Close a ``loading`` batch (and save its dataset's ``state`` in the same transaction); ``None`` if the
        batch is not ``loading`` any more (aborted meanwhile)."""
        with self._db.writing() as session:
            row = self._batch_row(session, batch_id, lock=True)
            if row.status != BatchStatus.LOADING.value:
                return None
            now = self._clock()
            row.status = outcome.status.value
            row.metrics = dict(outcome.metrics)
            row.errors = list(outcome.errors)
            row.dataset_version = outcome.dataset_version
            row.diagnostics_path = diagnostics_path
            row.diagnostics_expire_at = outcome.diagnostics_expire_at
            row.completed_at = row.updated_at = now
            if state is not None:
                dataset = self._dataset_row(session, row.dataset_id, lock=True)
                dataset.state = dict(state)
                dataset.updated_at = now
            return _batch(row)

    def save_pending(self, batch_id: str, metrics: JsonObject, errors: list[JsonObject], state: JsonObject) -> bool:
        """Before a batch's Delta commit: store its figures and its dataset's ``state`` (which names the pending
        commit); ``False`` if the batch is not ``loading`` any more."""
        with self._db.writing() as session:
            row = self._batch_row(session, batch_id, lock=True)
            if row.status != BatchStatus.LOADING.value:
                return False
            dataset = self._dataset_row(session, row.dataset_id, lock=True)
            row.metrics, row.errors, dataset.state = dict(metrics), list(errors), dict(state)
            row.updated_at = dataset.updated_at = self._clock()
            return True

    def abort_batch(self, batch_id: str, errors: list[JsonObject]) -> BatchRecord | None:
        """Mark a ``loading`` batch ``aborted``; ``None`` if it is not loading. Refused (:class:`BatchCommittingError`)
        once its commit is pending."""
        with self._db.writing() as session:
            row = self._batch_row(session, batch_id, lock=True)
            if row.status != BatchStatus.LOADING.value:
                return None
            if _pending_batch(self._dataset_row(session, row.dataset_id, lock=True)) == batch_id:
                raise BatchCommittingError(f"batch {batch_id} is being committed to its dataset")
            row.status = BatchStatus.ABORTED.value
            row.errors = list(errors)
            row.completed_at = row.updated_at = self._clock()
            return _batch(row)

    def expired_diagnostics(self, now: datetime) -> list[BatchRecord]:
        query = self._scoped(select(CatalogBatch), CatalogBatch).where(
            CatalogBatch.diagnostics_expire_at <= now, CatalogBatch.diagnostics_path.is_not(None)
        )
        with self._db.reading() as session:
            return [_batch(row) for row in session.scalars(query.order_by(CatalogBatch.id))]

    def forget_diagnostics(self, batch_id: str) -> None:
        with self._db.writing() as session:
            row = self._batch_row(session, batch_id, lock=True)
            row.diagnostics_path = None
            row.updated_at = self._clock()

    # -- internals ------------------------------------------------------------------------------------------------

    def _scoped(self, query: Any, model: type[CatalogDataset] | type[CatalogBatch]) -> Any:
        return query.where(model.org_id == self.org_id, model.sandbox_name == self.sandbox_name)

    def _dataset_row(self, session: Session, dataset_id: str, *, lock: bool = False) -> CatalogDataset:
        row = session.get(CatalogDataset, dataset_id, with_for_update=lock)
        if row is None or (row.org_id, row.sandbox_name) != (self.org_id, self.sandbox_name):
            raise CatalogNotFoundError(f"no dataset with id {dataset_id!r}")
        return row

    def _batch_row(self, session: Session, batch_id: str, *, lock: bool = False) -> CatalogBatch:
        row = session.get(CatalogBatch, batch_id, with_for_update=lock)
        if row is None or (row.org_id, row.sandbox_name) != (self.org_id, self.sandbox_name):
            raise CatalogNotFoundError(f"no batch with id {batch_id!r}")
        return row


#: The batch metrics, as ``GET /batches/{id}`` names them.
METRIC_NAMES = (
    "inputByteSize",
    "inputFileCount",
    "inputRecordCount",
    "outputRecordCount",
    "failedRecordCount",
    "outputByteSize",
)


def _dataset(row: CatalogDataset) -> DatasetRecord:
    return DatasetRecord(
        id=row.id,
        name=row.name,
        description=row.description,
        schema_id=row.schema_id,
        schema_content_type=row.schema_content_type,
        path=row.path,
        tags=dict(row.tags),
        state=dict(row.state),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _batch(row: CatalogBatch) -> BatchRecord:
    return BatchRecord(
        id=row.id,
        dataset_id=row.dataset_id,
        status=BatchStatus(row.status),
        tags=dict(row.tags),
        input_format=row.input_format,
        metrics=dict(row.metrics),
        errors=[dict(item) for item in row.errors],
        source_batch_id=row.source_batch_id,
        run_id=row.run_id,
        dataset_version=row.dataset_version,
        diagnostics_path=row.diagnostics_path,
        diagnostics_expire_at=row.diagnostics_expire_at,
        created_at=row.created_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
        updated_at=row.updated_at,
    )


def millis(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def dataset_body(record: DatasetRecord, org_id: str, last: BatchRecord | None) -> dict[str, Any]:
    """``GET /dataSets/{id}``'s entity (without the outer ``{id: ...}``)."""
    return {
        "name": record.name,
        "description": record.description,
        "imsOrg": org_id,
        "tags": record.tags,
        "schemaRef": {"id": record.schema_id, "contentType": record.schema_content_type},
        "created": millis(record.created_at),
        "updated": millis(record.updated_at),
        "version": "1.0.0",
        "files": f"@/dataSetFiles?dataSetId={record.id}",
        "lastBatchId": None if last is None else last.id,
        "lastBatchStatus": None if last is None else last.status.value,
    }


def batch_body(record: BatchRecord, org_id: str) -> dict[str, Any]:
    """``GET /batches/{id}``'s entity (without the outer ``{id: ...}``)."""
    body: dict[str, Any] = {
        "id": record.id,
        "imsOrg": org_id,
        "status": record.status.value,
        "tags": record.tags,
        "relatedObjects": [{"type": "dataSet", "id": record.dataset_id}],
        "inputFormat": {"format": record.input_format},
        "created": millis(record.created_at),
        "updated": millis(record.updated_at),
        "started": millis(record.started_at),
        "completed": millis(record.completed_at),
        "metrics": record.metrics,
        "errors": record.errors,
    }
    if record.source_batch_id is not None:
        body["sourceBatchId"] = record.source_batch_id
    if record.run_id is not None:
        body["flowRunId"] = record.run_id
    if record.dataset_version is not None:
        body["dataSetVersion"] = record.dataset_version
    return body


class BatchCommittingError(RuntimeError):
    """The batch is being committed to its dataset and can no longer be aborted."""


def _pending_batch(dataset: CatalogDataset) -> str | None:
    pending = dataset.state.get("pending")
    return pending.get("batch_id") if isinstance(pending, dict) else None
