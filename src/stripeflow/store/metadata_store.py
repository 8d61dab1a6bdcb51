"""The metadata store: :func:`open_store` and the :class:`MetadataStore` the rest of stripeflow talks to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from stripeflow.store.database import Clock, Database, utc_now
from stripeflow.store.engine import create_store_engine, parse_store_url, redact_url
from stripeflow.store.errors import StoreUnavailableError
from stripeflow.store.migrate import upgrade_to_head
from stripeflow.store.records import (
    AbortedRuns,
    BatchCounts,
    BatchMode,
    BatchRecord,
    BatchStatus,
    JsonObject,
    StoredState,
    SyncRecord,
    SyncStatus,
)
from stripeflow.store.seen import SeenEventRepository
from stripeflow.store.states import StateRepository
from stripeflow.store.syncs import SyncRepository


def open_store(url: str, *, clock: Clock = utc_now) -> MetadataStore:
    """Open the store at ``url`` (``Settings.metadata_url``), migrating it to the newest schema first.

    A SQLite file's folder is created if needed. Safe to call from several processes at once.
    """
    parsed = parse_store_url(url)
    try:
        engine = create_store_engine(parsed)
    except OSError as exc:  # the SQLite file's folder could not be created
        raise StoreUnavailableError(f"cannot create the metadata store at {redact_url(parsed)}: {exc}") from exc
    try:
        upgrade_to_head(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise StoreUnavailableError(f"cannot open the metadata store at {redact_url(parsed)}: {exc.orig}") from exc
    except BaseException:
        engine.dispose()
        raise
    return MetadataStore(engine, clock=clock)


class MetadataStore:
    """Sync states, seen events, syncs and batches. Every method is one short transaction, durable on return.

    Thread-safe (each call checks a connection out of the engine's pool); the methods block, so async code
    calls them through ``asyncio.to_thread``. The per-aggregate repositories are also reachable as
    ``states``, ``seen_events`` and ``syncs``.
    """

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        db = Database(engine)
        self.states = StateRepository(db, clock)
        self.seen_events = SeenEventRepository(db)
        self.syncs = SyncRepository(db, clock)

    @property
    def url(self) -> str:
        """The database URL with the password hidden, for messages."""
        return redact_url(self.engine.url)

    def close(self) -> None:
        """Close every pooled connection. The store must not be used afterwards."""
        self.engine.dispose()

    def __enter__(self) -> MetadataStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # Resource sync states ------------------------------------------------------------------------------------

    def get_state(self, account_id: str, resource: str) -> StoredState | None:
        return self.states.get(account_id, resource)

    def save_state(
        self,
        account_id: str,
        resource: str,
        state: JsonObject,
        *,
        seq: int | None = None,
        phase: str | None = None,
        livemode: bool | None = None,
    ) -> StoredState:
        """Make ``state`` current (with ``seq`` as ``checkpoint_seq``); ``None`` keeps the stored value."""
        return self.states.save(account_id, resource, state, seq=seq, phase=phase, livemode=livemode)

    def stage_pending(
        self,
        account_id: str,
        resource: str,
        seq: int,
        state: JsonObject,
        *,
        phase: str | None = None,
        livemode: bool | None = None,
    ) -> StoredState:
        """Write-ahead: record the state that the dataset write tagged with ``seq`` will commit."""
        return self.states.stage_pending(account_id, resource, seq, state, phase=phase, livemode=livemode)

    def promote_pending(self, account_id: str, resource: str) -> StoredState:
        """The pending state becomes current; raises :class:`~stripeflow.store.errors.NoPendingStateError`."""
        return self.states.promote_pending(account_id, resource)

    def discard_pending(self, account_id: str, resource: str) -> StoredState:
        """Drop the pending state, keeping the current one."""
        return self.states.discard_pending(account_id, resource)

    def reset(self, account_id: str, resource: str) -> None:
        """Full refresh: clear the state (``checkpoint_seq`` is kept) and the seen events of the resource."""
        self.states.reset(account_id, resource)

    # Seen events ---------------------------------------------------------------------------------------------

    def filter_unseen(self, account_id: str, resource: str, event_ids: Iterable[str]) -> set[str]:
        return self.seen_events.filter_unseen(account_id, resource, event_ids)

    def record_seen(self, account_id: str, resource: str, events: Iterable[tuple[str, int]]) -> None:
        """Remember ``(event_id, created)`` pairs (idempotent)."""
        self.seen_events.record_seen(account_id, resource, events)

    def prune_seen(self, account_id: str, resource: str, older_than: int) -> int:
        """Forget events created before ``older_than`` (Unix time); returns how many."""
        return self.seen_events.prune_seen(account_id, resource, older_than)

    # Syncs and batches ---------------------------------------------------------------------------------------

    def start_sync(
        self, account_id: str, livemode: bool, resources: Sequence[str], options: JsonObject | None = None
    ) -> str:
        """Record a ``running`` sync; returns its id."""
        return self.syncs.start_sync(account_id, livemode, resources, options)

    def finish_sync(self, sync_id: str, status: SyncStatus | str, *, note: str | None = None) -> SyncRecord:
        return self.syncs.finish_sync(sync_id, status, note=note)

    def get_sync(self, sync_id: str) -> SyncRecord | None:
        return self.syncs.get_sync(sync_id)

    def start_batch(
        self,
        sync_id: str,
        account_id: str,
        resource: str,
        mode: BatchMode | str,
        *,
        dataset_path: str | None = None,
    ) -> str:
        """Record a ``loading`` batch; returns its id (a ULID)."""
        return self.syncs.start_batch(sync_id, account_id, resource, mode, dataset_path=dataset_path)

    def update_batch_progress(self, batch_id: str, counts: BatchCounts) -> None:
        """Store the running totals (absolute, not increments); also the sync's heartbeat."""
        self.syncs.update_batch_progress(batch_id, counts)

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
        return self.syncs.finish_batch(
            batch_id,
            status,
            counts=counts,
            mode=mode,
            error=error,
            dataset_path=dataset_path,
            dataset_version=dataset_version,
        )

    def list_batches(
        self,
        resource: str | None = None,
        limit: int = 50,
        *,
        account_id: str | None = None,
        sync_id: str | None = None,
    ) -> list[BatchRecord]:
        """Newest first."""
        return self.syncs.list_batches(resource, limit, account_id=account_id, sync_id=sync_id)

    def last_batch(
        self, resource: str, *, account_id: str | None = None, status: BatchStatus | str | None = None
    ) -> BatchRecord | None:
        return self.syncs.last_batch(resource, account_id=account_id, status=status)

    def mark_stale_running_as_aborted(self, *, stale_after: timedelta | None = None) -> AbortedRuns:
        """Close syncs/batches a killed process left running as ``aborted`` (see the repository for caveats)."""
        return self.syncs.mark_stale_running_as_aborted(stale_after=stale_after)
