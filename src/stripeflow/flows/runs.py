"""Flow runs in the metadata store (table ``flow_runs``): create, claim, heartbeat, finish, cancel.

A run goes ``scheduled`` -> ``inProgress`` -> ``success`` | ``failed``; a ``scheduled`` or ``inProgress`` run can
be ``cancelled``. :meth:`RunRepository.claim` is the one way into ``inProgress``: in one transaction that locks the
flow's row, it refuses when another run of the flow is in progress, so the runs of a flow never overlap. Every
later transition is conditional on the status it leaves, so a cancelled run stays cancelled.

The repository is scoped to an organization and sandbox for the API; the scheduler uses an unscoped one.
"""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session

from stripeflow.store.database import Clock, Database
from stripeflow.store.models import FlowEntity, FlowRun

SCHEDULED: Final = "scheduled"
IN_PROGRESS: Final = "inProgress"
SUCCESS: Final = "success"
FAILED: Final = "failed"
CANCELLED: Final = "cancelled"
STATUSES: Final = (SCHEDULED, IN_PROGRESS, SUCCESS, FAILED, CANCELLED)
FINISHED: Final = (SUCCESS, FAILED, CANCELLED)


class RunNotFoundError(LookupError):
    """No run with this id in the organization and sandbox."""


class RunStateError(Exception):
    """The run is not in a status that allows the change (e.g. cancelling a finished run)."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One row of ``flow_runs``; ``body`` holds the run document's parts that are not columns."""

    id: str
    flow_id: str
    org_id: str
    sandbox_name: str
    status: str
    etag: str
    scheduled_for: datetime
    window_start: datetime | None
    window_end: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    heartbeat_at: datetime | None
    body: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @property
    def trigger(self) -> str:
        """``schedule`` (made by the scheduler) or ``onDemand`` (``POST /runs``)."""
        return str(self.body.get("trigger", "schedule"))


@dataclass(frozen=True, slots=True)
class NewRun:
    """What creating a run needs besides the flow's scope."""

    flow_id: str
    scheduled_for: datetime
    window_start: datetime | None
    window_end: datetime | None
    trigger: str = "schedule"
    params: dict[str, Any] | None = None
    user: str = "scheduler"
    client: str = "stripeflow"


def _etag() -> str:
    return f'"{uuid.uuid4().hex}"'


def _record(row: FlowRun) -> RunRecord:
    return RunRecord(
        id=row.id, flow_id=row.flow_id, org_id=row.org_id, sandbox_name=row.sandbox_name, status=row.status,
        etag=row.etag, scheduled_for=row.scheduled_for, window_start=row.window_start, window_end=row.window_end,
        started_at=row.started_at, completed_at=row.completed_at, heartbeat_at=row.heartbeat_at,
        body=dict(row.body), created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


class RunRepository:
    """The runs of one organization and sandbox (both ``None``: every scope, for the scheduler)."""

    def __init__(self, db: Database, clock: Clock, org_id: str | None = None, sandbox_name: str | None = None) -> None:
        self._db = db
        self._clock = clock
        self._org_id = org_id
        self._sandbox = sandbox_name

    def _scope(self) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = [FlowRun.id.is_not(None)]
        if self._org_id is not None:
            conditions.append(FlowRun.org_id == self._org_id)
        if self._sandbox is not None:
            conditions.append(FlowRun.sandbox_name == self._sandbox)
        return and_(*conditions)

    def create(self, new: NewRun, *, org_id: str | None = None, sandbox_name: str | None = None) -> RunRecord:
        """A ``scheduled`` run of ``new.flow_id`` (in this repository's scope unless given)."""
        now = self._clock()
        org, sandbox = org_id or self._org_id, sandbox_name or self._sandbox
        if org is None or sandbox is None:
            raise ValueError("an unscoped run repository needs org_id and sandbox_name to create a run")
        body: dict[str, Any] = {
            "trigger": new.trigger,
            "createdBy": new.user, "updatedBy": new.user, "createdClient": new.client, "updatedClient": new.client,
            "metrics": {"statusSummary": {"status": SCHEDULED, "errors": []}},
            "activities": [],
        }  # fmt: skip
        if new.params is not None:
            body["params"] = new.params
        row = FlowRun(
            id=str(uuid.uuid4()), flow_id=new.flow_id, org_id=org, sandbox_name=sandbox, status=SCHEDULED,
            etag=_etag(), scheduled_for=new.scheduled_for, window_start=new.window_start, window_end=new.window_end,
            body=body, created_at=now, updated_at=now,
        )  # fmt: skip
        with self._db.writing() as session:
            session.add(row)
        return _record(row)

    def get(self, run_id: str) -> RunRecord:
        with self._db.reading() as session:
            row = session.scalars(select(FlowRun).where(self._scope(), FlowRun.id == run_id)).one_or_none()
            if row is None:
                raise RunNotFoundError(f"run {run_id!r} was not found in this organization and sandbox")
            return _record(row)

    def list(
        self, *, flow_id: str | None = None, statuses: tuple[str, ...] = (), limit: int = 100, start: int = 0
    ) -> builtins.list[RunRecord]:
        """Runs, newest first (by creation time)."""
        query = select(FlowRun).where(self._scope())
        if flow_id is not None:
            query = query.where(FlowRun.flow_id == flow_id)
        if statuses:
            query = query.where(FlowRun.status.in_(statuses))
        query = query.order_by(FlowRun.created_at.desc(), FlowRun.id).offset(start).limit(limit)
        with self._db.reading() as session:
            return [_record(row) for row in session.scalars(query)]

    def due(self, now: datetime, limit: int = 100) -> builtins.list[RunRecord]:
        """``scheduled`` runs whose time has come, oldest first."""
        query = (
            select(FlowRun)
            .where(self._scope(), FlowRun.status == SCHEDULED, FlowRun.scheduled_for <= now)
            .order_by(FlowRun.scheduled_for, FlowRun.created_at)
            .limit(limit)
        )
        with self._db.reading() as session:
            return [_record(row) for row in session.scalars(query)]

    def last_scheduled(self, flow_id: str) -> RunRecord | None:
        """The scheduler's newest run of the flow (on-demand runs are not schedule ticks)."""
        query = select(FlowRun).where(FlowRun.flow_id == flow_id).order_by(FlowRun.scheduled_for.desc())
        with self._db.reading() as session:
            for row in session.scalars(query):
                if row.body.get("trigger", "schedule") == "schedule":
                    return _record(row)
        return None

    def has_finished_run(self, flow_id: str, *, excluding: str) -> bool:
        """Whether the flow ran before (a run other than ``excluding`` left ``scheduled``)."""
        query = select(func.count()).where(
            FlowRun.flow_id == flow_id, FlowRun.id != excluding, FlowRun.status.in_((SUCCESS, FAILED, IN_PROGRESS))
        )
        with self._db.reading() as session:
            return bool(session.scalar(query))

    def claim(self, run_id: str) -> RunRecord | None:
        """Move a ``scheduled`` run to ``inProgress``; ``None`` if it is not scheduled any more or another run of
        its flow is in progress. The flow's row is locked for the check, so two claims cannot both win."""
        now = self._clock()
        with self._db.writing() as session:
            row = session.get(FlowRun, run_id)
            if row is None or row.status != SCHEDULED:
                return None
            session.scalars(select(FlowEntity.id).where(FlowEntity.id == row.flow_id).with_for_update()).all()
            busy = session.scalar(
                select(func.count()).where(FlowRun.flow_id == row.flow_id, FlowRun.status == IN_PROGRESS)
            )
            if busy:
                return None
            body = dict(row.body)
            body["metrics"] = {"statusSummary": {"status": IN_PROGRESS, "errors": []}}
            changed = self._transition(session, run_id, (SCHEDULED,), status=IN_PROGRESS, started_at=now,
                                       heartbeat_at=now, body=body)  # fmt: skip
            return changed

    def heartbeat(self, run_id: str) -> str | None:
        """Touch an ``inProgress`` run; returns its status (``cancelled`` tells the executor to stop)."""
        now = self._clock()
        with self._db.writing() as session:
            session.execute(
                update(FlowRun)
                .where(FlowRun.id == run_id, FlowRun.status == IN_PROGRESS)
                .values(heartbeat_at=now, updated_at=now)
            )
            return session.scalar(select(FlowRun.status).where(FlowRun.id == run_id))

    def finish(self, run_id: str, status: str, body: dict[str, Any]) -> RunRecord | None:
        """Record the outcome of an ``inProgress`` run; ``None`` if it was cancelled meanwhile."""
        if status not in (SUCCESS, FAILED):
            raise ValueError(f"a run finishes as success or failed, not {status!r}")
        with self._db.writing() as session:
            return self._transition(session, run_id, (IN_PROGRESS,), status=status, body=body,
                                    completed_at=self._clock())  # fmt: skip

    def cancel(self, run_id: str, *, user: str = "scheduler", client: str = "stripeflow") -> RunRecord:
        """Cancel a ``scheduled`` or ``inProgress`` run (the executor stops an in-progress one at its next
        heartbeat); :class:`RunStateError` for a finished run."""
        current = self.get(run_id)
        if current.status in FINISHED:
            raise RunStateError(f"run {run_id} is {current.status}; only scheduled or inProgress runs can be cancelled")
        body = dict(current.body)
        body["metrics"] = {**body.get("metrics", {}), "statusSummary": {"status": CANCELLED, "errors": []}}
        body["updatedBy"], body["updatedClient"] = user, client
        with self._db.writing() as session:
            changed = self._transition(session, run_id, (SCHEDULED, IN_PROGRESS), status=CANCELLED, body=body,
                                       completed_at=self._clock())  # fmt: skip
        if changed is None:  # it finished in between
            raise RunStateError(f"run {run_id} finished before it could be cancelled")
        return changed

    def fail_stale(self, stale_after: timedelta, body_for: Any) -> builtins.list[RunRecord]:
        """Mark ``inProgress`` runs without a heartbeat for ``stale_after`` failed (a process died running them);
        ``body_for(record)`` gives each one's failed run body."""
        limit = self._clock() - stale_after
        query = select(FlowRun).where(self._scope(), FlowRun.status == IN_PROGRESS, FlowRun.heartbeat_at < limit)
        with self._db.reading() as session:
            stale = [_record(row) for row in session.scalars(query)]
        failed = []
        for record in stale:
            with self._db.writing() as session:
                changed = self._transition(session, record.id, (IN_PROGRESS,), status=FAILED,
                                           body=body_for(record), completed_at=self._clock())  # fmt: skip
            if changed is not None:
                failed.append(changed)
        return failed

    def _transition(self, session: Session, run_id: str, sources: tuple[str, ...], **values: Any) -> RunRecord | None:
        """One conditional update: applied only while the run is in one of ``sources``."""
        values = {**values, "etag": _etag(), "updated_at": self._clock()}
        result = session.execute(
            update(FlowRun).where(FlowRun.id == run_id, FlowRun.status.in_(sources)).values(**values)
        )
        if not getattr(result, "rowcount", 0):
            return None
        row = session.get(FlowRun, run_id, populate_existing=True)
        return _record(row) if row is not None else None
