"""The plain values the repositories return: frozen dataclasses and status enums, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

#: A JSON object as stored in a JSON column (the engine's own document; the store does not look inside).
JsonObject = dict[str, Any]


class SyncStatus(StrEnum):
    RUNNING = "running"
    SUCCESS = "success"
    PARTIAL = "partial"  # some resources succeeded, some failed
    FAILED = "failed"
    ABORTED = "aborted"  # the process stopped mid-sync; set at the next start


class BatchMode(StrEnum):
    BACKFILL = "backfill"
    INCREMENTAL = "incremental"
    REBACKFILL = "rebackfill"


class BatchStatus(StrEnum):
    LOADING = "loading"
    SUCCESS = "success"
    FAILED = "failed"
    ABORTED = "aborted"


#: The phase of a state row that ``stage_pending`` created or ``reset`` cleared: nothing committed yet.
NEW_PHASE = "new"


@dataclass(frozen=True, slots=True)
class StoredState:
    """One resource's sync state: the engine's JSON document plus the columns the store indexes.

    ``state`` is ``None`` until a first state is committed (and again after ``reset``); ``checkpoint_seq`` never
    goes backwards, not even across ``reset``. ``pending_*`` are set together by ``stage_pending`` and cleared
    together by ``promote_pending``/``discard_pending``.
    """

    account_id: str
    resource: str
    livemode: bool | None
    phase: str
    state: JsonObject | None
    checkpoint_seq: int
    pending_seq: int | None
    pending_state: JsonObject | None
    pending_phase: str | None
    updated_at: datetime

    @property
    def has_pending(self) -> bool:
        return self.pending_seq is not None


@dataclass(frozen=True, slots=True)
class BatchCounts:
    """Running totals of one batch. ``throttled`` counts HTTP 429 answers; ``retries`` every retried request."""

    records: int = 0
    deleted: int = 0
    requests: int = 0
    throttled: int = 0
    retries: int = 0


@dataclass(frozen=True, slots=True)
class SyncRecord:
    id: str
    account_id: str
    livemode: bool
    status: SyncStatus
    resources: tuple[str, ...]
    options: JsonObject
    started_at: datetime
    finished_at: datetime | None
    updated_at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class BatchRecord:
    id: str
    sync_id: str
    account_id: str
    resource: str
    mode: BatchMode
    status: BatchStatus
    counts: BatchCounts
    started_at: datetime
    finished_at: datetime | None
    updated_at: datetime
    error: str | None
    dataset_path: str | None
    dataset_version: int | None


@dataclass(frozen=True, slots=True)
class AbortedRuns:
    """What ``mark_stale_running_as_aborted`` changed."""

    sync_ids: tuple[str, ...]
    batch_ids: tuple[str, ...]
