"""Syncs (one per sync command) and their batches (one per resource per sync): the run history.

Batch ids are ULIDs, so ``ORDER BY id DESC`` lists the newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from stripeflow.store.columns import ensure_json_object
from stripeflow.store.database import Clock, Database
from stripeflow.store.errors import RecordNotFoundError
from stripeflow.store.ids import new_batch_id, new_id
from stripeflow.store.models import Batch, Sync
from stripeflow.store.records import (
    AbortedRuns,
    BatchCounts,
    BatchMode,
    BatchRecord,
    BatchStatus,
    JsonObject,
    SyncRecord,
    SyncStatus,
)

_Row = TypeVar("_Row", Sync, Batch)


class SyncRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def start_sync(
        self, account_id: str, livemode: bool, resources: Sequence[str], options: JsonObject | None = None
    ) -> str:
        """Record a sync as ``running``; returns its id."""
        ensure_json_object(dict(options or {}), "the sync options")
        now = self._clock()
        sync = Sync(
            id=new_id(),
            account_id=account_id,
            livemode=livemode,
            status=SyncStatus.RUNNING.value,
            resources=list(resources),
            options=dict(options or {}),
            started_at=now,
            updated_at=now,
        )
        with self._db.writing() as session:
            session.add(sync)
        return sync.id

    def finish_sync(self, sync_id: str, status: SyncStatus | str, *, note: str | None = None) -> SyncRecord:
        final = SyncStatus(status)
        if final is SyncStatus.RUNNING:
            raise ValueError("finish_sync needs a final status, not 'running'")
        with self._db.writing() as session:
            sync = _locked(session, Sync, sync_id)
            sync.status = final.value
            sync.finished_at = sync.updated_at = self._clock()
            if note is not None:
                sync.note = note
            return _sync_record(sync)

    def get_sync(self, sync_id: str) -> SyncRecord | None:
        with self._db.reading() as session:
            sync = session.get(Sync, sync_id)
            return None if sync is None else _sync_record(sync)

    def start_batch(
        self,
        sync_id: str,
        account_id: str,
        resource: str,
        mode: BatchMode | str,
        *,
        dataset_path: str | None = None,
    ) -> str:
        """Record a resource's batch as ``loading``; returns its id (a ULID)."""
        now = self._clock()
        batch = Batch(
            id=new_batch_id(),
            sync_id=sync_id,
            account_id=account_id,
            resource=resource,
            mode=BatchMode(mode).value,
            status=BatchStatus.LOADING.value,
            **_count_columns(BatchCounts()),
            started_at=now,
            updated_at=now,
            dataset_path=dataset_path,
        )
        with self._db.writing() as session:
            _locked(session, Sync, sync_id).updated_at = now
            session.add(batch)
        return batch.id

    def update_batch_progress(self, batch_id: str, counts: BatchCounts) -> None:
        """Store the batch's running totals (absolute values, so a repeated call is harmless).

        Also the heartbeat that ``mark_stale_running_as_aborted(stale_after=...)`` reads.
        """
        with self._db.writing() as session:
            batch = _locked(session, Batch, batch_id)
            _set_counts(batch, counts)
            batch.updated_at = self._clock()
            _locked(session, Sync, batch.sync_id).updated_at = batch.updated_at

    def finish_batch(
        self,
        batch_id: str,
        status: BatchStatus | str,
        *,
        counts: BatchCounts | None = None,
        mode: BatchMode | str | None = None,
        error: str | None = None,
        dataset_path: str | None = None,
        dataset_version: int | None = None,
    ) -> BatchRecord:
        """Close a batch. ``None`` arguments keep what is stored (``mode`` corrects the one given at start)."""
        final = BatchStatus(status)
        if final is BatchStatus.LOADING:
            raise ValueError("finish_batch needs a final status, not 'loading'")
        with self._db.writing() as session:
            batch = _locked(session, Batch, batch_id)
            batch.status = final.value
            batch.finished_at = batch.updated_at = self._clock()
            if counts is not None:
                _set_counts(batch, counts)
            if mode is not None:
                batch.mode = BatchMode(mode).value
            if error is not None:
                batch.error = error
            if dataset_path is not None:
                batch.dataset_path = dataset_path
            if dataset_version is not None:
                batch.dataset_version = dataset_version
            return _batch_record(batch)

    def list_batches(
        self,
        resource: str | None = None,
        limit: int = 50,
        *,
        account_id: str | None = None,
        sync_id: str | None = None,
    ) -> list[BatchRecord]:
        """The newest batches first, optionally of one resource, account or sync."""
        query = select(Batch).order_by(Batch.id.desc()).limit(limit)
        if resource is not None:
            query = query.where(Batch.resource == resource)
        if account_id is not None:
            query = query.where(Batch.account_id == account_id)
        if sync_id is not None:
            query = query.where(Batch.sync_id == sync_id)
        with self._db.reading() as session:
            return [_batch_record(batch) for batch in session.scalars(query)]

    def last_batch(
        self, resource: str, *, account_id: str | None = None, status: BatchStatus | str | None = None
    ) -> BatchRecord | None:
        """The newest batch of ``resource`` (optionally of one account, or with one status)."""
        query = select(Batch).where(Batch.resource == resource).order_by(Batch.id.desc()).limit(1)
        if account_id is not None:
            query = query.where(Batch.account_id == account_id)
        if status is not None:
            query = query.where(Batch.status == BatchStatus(status).value)
        with self._db.reading() as session:
            batch = session.scalars(query).first()
            return None if batch is None else _batch_record(batch)

    def mark_stale_running_as_aborted(self, *, stale_after: timedelta | None = None) -> AbortedRuns:
        """Close the syncs and batches that a stopped process left ``running``/``loading`` as ``aborted``.

        Without ``stale_after`` every running row counts as stale: call it at start-up, before this process
        starts its own sync, and only when no other process syncs into the same store. With ``stale_after``,
        only rows whose heartbeat (``updated_at``) is older than that are closed.
        """
        now = self._clock()
        note = f"aborted: the process stopped before it finished (found at {now:%Y-%m-%d %H:%M:%S} UTC)"
        with self._db.writing() as session:
            syncs_query = select(Sync).where(Sync.status == SyncStatus.RUNNING.value).with_for_update()
            batches_query = select(Batch).where(Batch.status == BatchStatus.LOADING.value).with_for_update()
            if stale_after is not None:
                syncs_query = syncs_query.where(Sync.updated_at < now - stale_after)
            syncs = list(session.scalars(syncs_query.order_by(Sync.id)))
            if stale_after is not None:
                stale_ids = [sync.id for sync in syncs]
                batches_query = batches_query.where(
                    (Batch.updated_at < now - stale_after) | Batch.sync_id.in_(stale_ids)
                )
            batches = list(session.scalars(batches_query.order_by(Batch.id)))
            for sync in syncs:
                sync.status = SyncStatus.ABORTED.value
                sync.finished_at = sync.updated_at = now
                sync.note = note
            for batch in batches:
                batch.status = BatchStatus.ABORTED.value
                batch.finished_at = batch.updated_at = now
                batch.error = f"{batch.error}; {note}" if batch.error else note
            return AbortedRuns(
                sync_ids=tuple(sync.id for sync in syncs), batch_ids=tuple(batch.id for batch in batches)
            )


def _locked(session: Session, model: type[_Row], row_id: str) -> _Row:
    row = session.get(model, row_id, with_for_update=True)
    if row is None:
        raise RecordNotFoundError(f"no {model.__tablename__[:-1]} with id {row_id!r}")
    return row


def _count_columns(counts: BatchCounts) -> dict[str, int]:
    return {
        "records": counts.records,
        "deleted": counts.deleted,
        "requests": counts.requests,
        "throttled": counts.throttled,
        "retries": counts.retries,
    }


def _set_counts(batch: Batch, counts: BatchCounts) -> None:
    batch.records = counts.records
    batch.deleted = counts.deleted
    batch.requests = counts.requests
    batch.throttled = counts.throttled
    batch.retries = counts.retries


def _sync_record(sync: Sync) -> SyncRecord:
    return SyncRecord(
        id=sync.id,
        account_id=sync.account_id,
        livemode=sync.livemode,
        status=SyncStatus(sync.status),
        resources=tuple(sync.resources),
        options=sync.options,
        started_at=sync.started_at,
        finished_at=sync.finished_at,
        updated_at=sync.updated_at,
        note=sync.note,
    )


def _batch_record(batch: Batch) -> BatchRecord:
    return BatchRecord(
        id=batch.id,
        sync_id=batch.sync_id,
        account_id=batch.account_id,
        resource=batch.resource,
        mode=BatchMode(batch.mode),
        status=BatchStatus(batch.status),
        counts=BatchCounts(
            records=batch.records,
            deleted=batch.deleted,
            requests=batch.requests,
            throttled=batch.throttled,
            retries=batch.retries,
        ),
        started_at=batch.started_at,
        finished_at=batch.finished_at,
        updated_at=batch.updated_at,
        error=batch.error,
        dataset_path=batch.dataset_path,
        dataset_version=batch.dataset_version,
    )
