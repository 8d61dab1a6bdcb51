"""Resource sync states, with the write-ahead ``pending`` slot the extraction engine commits through.

The protocol (see :mod:`stripeflow.sync.writer`): ``stage_pending`` records the state that the next dataset write
will commit, under a sequence number that the write also carries; ``promote_pending`` makes it current once the
write landed, ``discard_pending`` drops it when it did not. Each call is one transaction, so a crash leaves either
the old row or the new one, never a mix.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stripeflow.store.columns import ensure_json_object
from stripeflow.store.database import Clock, Database
from stripeflow.store.errors import NoPendingStateError, RecordNotFoundError
from stripeflow.store.models import ResourceState, SeenEvent
from stripeflow.store.records import NEW_PHASE, JsonObject, StoredState


class StateRepository:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def get(self, account_id: str, resource: str) -> StoredState | None:
        with self._db.reading() as session:
            row = session.get(ResourceState, (account_id, resource))
            return None if row is None else _to_record(row)

    def save(
        self,
        account_id: str,
        resource: str,
        state: JsonObject,
        *,
        seq: int | None = None,
        phase: str | None = None,
        livemode: bool | None = None,
    ) -> StoredState:
        """Make ``state`` current. ``None`` arguments keep the stored value; a pending state is left alone."""
        ensure_json_object(state, f"the state of {account_id}/{resource}")
        with self._db.writing() as session:
            row = self._lock_or_create(session, account_id, resource)
            row.state = state
            if seq is not None:
                row.checkpoint_seq = seq
            if phase is not None:
                row.phase = phase
            if livemode is not None:
                row.livemode = livemode
            row.updated_at = self._clock()
            return _to_record(row)

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
        """Record what the next dataset write will commit (replacing any earlier pending state)."""
        ensure_json_object(state, f"the pending state of {account_id}/{resource}")
        with self._db.writing() as session:
            row = self._lock_or_create(session, account_id, resource)
            row.pending_seq = seq
            row.pending_state = state
            row.pending_phase = phase
            if livemode is not None:
                row.livemode = livemode
            row.updated_at = self._clock()
            return _to_record(row)

    def promote_pending(self, account_id: str, resource: str) -> StoredState:
        """Pending becomes current (state, seq and phase); raises :class:`NoPendingStateError` if none."""
        with self._db.writing() as session:
            row = _lock(session, account_id, resource)
            if row is None or row.pending_seq is None:
                raise NoPendingStateError(f"no pending state to promote for {account_id}/{resource}")
            row.state = row.pending_state
            row.checkpoint_seq = row.pending_seq
            row.phase = row.pending_phase or row.phase
            _clear_pending(row)
            row.updated_at = self._clock()
            return _to_record(row)

    def discard_pending(self, account_id: str, resource: str) -> StoredState:
        """Drop the pending state (a no-op when there is none); the current state stays."""
        with self._db.writing() as session:
            row = _lock(session, account_id, resource)
            if row is None:
                raise RecordNotFoundError(f"no sync state for {account_id}/{resource}")
            if row.pending_seq is not None:
                _clear_pending(row)
                row.updated_at = self._clock()
            return _to_record(row)

    def reset(self, account_id: str, resource: str) -> None:
        """Forget the resource's state and seen events (full refresh), in one transaction.

        The row stays with ``state=None`` and its ``checkpoint_seq``, so sequence numbers never repeat: a dataset
        write from before the reset can not be mistaken for one staged after it.
        """
        with self._db.writing() as session:
            row = _lock(session, account_id, resource)
            if row is not None:
                row.state = None
                row.phase = NEW_PHASE
                _clear_pending(row)
                row.updated_at = self._clock()
            session.execute(delete(SeenEvent).where(SeenEvent.account_id == account_id, SeenEvent.resource == resource))

    def _lock_or_create(self, session: Session, account_id: str, resource: str) -> ResourceState:
        blank = self._db.insert(ResourceState).values(
            account_id=account_id,
            resource=resource,
            phase=NEW_PHASE,
            checkpoint_seq=0,
            updated_at=self._clock(),
        )
        session.execute(blank.on_conflict_do_nothing(index_elements=["account_id", "resource"]))
        row = _lock(session, account_id, resource)
        assert row is not None
        return row


def _lock(session: Session, account_id: str, resource: str) -> ResourceState | None:
    """The row, locked until commit (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite holds the write lock)."""
    query = (
        select(ResourceState)
        .where(ResourceState.account_id == account_id, ResourceState.resource == resource)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalar_one_or_none()


def _clear_pending(row: ResourceState) -> None:
    row.pending_seq = None
    row.pending_state = None
    row.pending_phase = None


def _to_record(row: ResourceState) -> StoredState:
    return StoredState(
        account_id=row.account_id,
        resource=row.resource,
        livemode=row.livemode,
        phase=row.phase,
        state=row.state,
        checkpoint_seq=row.checkpoint_seq,
        pending_seq=row.pending_seq,
        pending_state=row.pending_state,
        pending_phase=row.pending_phase,
        updated_at=row.updated_at,
    )
