"""The scheduler: on each tick, create the due runs of the enabled flows and execute the scheduled runs.

Catch-up without a stampede: a flow gets at most one pending scheduled run. When ticks were missed (the server was
down, the flow disabled, or its previous run outlasted the interval), they are coalesced into one run at the newest
due tick whose window covers the whole missed span (:func:`stripeflow.flows.schedule.due_window`). A ``once`` flow
gets one run at ``startTime``. Runs are executed as background tasks, at most ``max_parallel`` at a time; the
executor's claim keeps the runs of one flow from overlapping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select

from stripeflow.flows.flow_body import FlowValidationError, parse_flow
from stripeflow.flows.runs import IN_PROGRESS, SCHEDULED, NewRun, RunRecord, RunRepository
from stripeflow.flows.schedule import due_window
from stripeflow.store.database import Clock, Database, utc_now
from stripeflow.store.models import FlowEntity

log = logging.getLogger(__name__)


class Executes(Protocol):
    """What the scheduler needs of an executor (:class:`~stripeflow.flows.executor.RunExecutor`)."""

    db: Database
    runs: RunRepository

    async def execute(self, run_id: str) -> RunRecord | None: ...

    def recover_stale(self) -> list[RunRecord]: ...


class Scheduler:
    """Creates and executes flow runs; :meth:`serve` runs it as an asyncio task until cancelled."""

    def __init__(
        self,
        executor: Executes,
        *,
        clock: Clock = utc_now,
        tick_every: float = 15.0,
        max_parallel: int = 4,
    ) -> None:
        self.executor = executor
        self.db: Database = executor.db
        self.runs: RunRepository = executor.runs
        self.clock = clock
        self.tick_every = tick_every
        self._slots = asyncio.Semaphore(max_parallel)
        self._tasks: dict[str, asyncio.Task[RunRecord | None]] = {}
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Tick now (e.g. after ``POST /runs``); callable from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    def plan(self) -> list[RunRecord]:
        """Create the due scheduled run of every enabled flow that has no pending one; returns the new runs."""
        now = self.clock()
        created = []
        for flow in self._enabled_flows():
            run = self._plan_flow(flow, now)
            if run is not None:
                created.append(run)
        return created

    def _enabled_flows(self) -> list[FlowEntity]:
        query = select(FlowEntity).where(FlowEntity.kind == "flow", FlowEntity.state == "enabled")
        with self.db.reading() as session:
            return list(session.scalars(query.order_by(FlowEntity.created_at)))

    def _plan_flow(self, flow: FlowEntity, now: datetime) -> RunRecord | None:
        try:
            schedule = parse_flow({"name": flow.name, **flow.body}).schedule
        except FlowValidationError as exc:
            log.warning("flow skipped: its stored body is not valid", extra={"flow_id": flow.id, "error": str(exc)})
            return None
        last = self.runs.last_scheduled(flow.id)
        if last is not None and last.status in (SCHEDULED, IN_PROGRESS):
            return None  # one pending run at a time: later ticks are coalesced into the next one
        after = int(last.scheduled_for.timestamp()) if last is not None else None
        window = due_window(schedule, after, int(now.timestamp()))
        if window is None:
            return None
        if window.missed:
            log.info("missed ticks coalesced into one run", extra={"flow_id": flow.id, "missed": window.missed})
        new = NewRun(
            flow_id=flow.id,
            scheduled_for=_moment(window.tick),
            window_start=_moment(window.window_start),
            window_end=_moment(window.window_end),
        )
        return self.runs.create(new, org_id=flow.org_id, sandbox_name=flow.sandbox_name)

    async def tick(self) -> list[RunRecord]:
        """One pass: create the due runs, then start every scheduled run whose time has come (scheduled and
        on-demand alike) that is not already running here. Returns the runs started."""
        for stale in await asyncio.to_thread(self.executor.recover_stale):
            log.warning("stale run marked failed", extra={"run_id": stale.id, "flow_id": stale.flow_id})
        await asyncio.to_thread(self.plan)
        due = await asyncio.to_thread(self.runs.due, self.clock())
        started = []
        for run in due:
            if run.id in self._tasks:
                continue
            self._tasks[run.id] = asyncio.ensure_future(self._execute(run.id))
            started.append(run)
        return started

    async def drain(self) -> list[RunRecord | None]:
        """Wait for the runs started so far to end."""
        return list(await asyncio.gather(*self._tasks.values()))

    async def _execute(self, run_id: str) -> RunRecord | None:
        try:
            async with self._slots:
                return await self.executor.execute(run_id)
        except Exception:
            log.exception("flow run crashed", extra={"run_id": run_id})
            return None
        finally:
            self._tasks.pop(run_id, None)

    async def serve(self) -> None:
        """Tick every ``tick_every`` seconds (or at once when woken) until cancelled; then stop the runs in flight.
        Each tick first marks stale ``inProgress`` runs failed (so a restart recovers what a dead process left)."""
        self._loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    await self.tick()
                except Exception:  # a bad tick (database hiccup) must not end the scheduler
                    log.exception("scheduler tick failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.tick_every)
                self._wake.clear()
        finally:
            for task in list(self._tasks.values()):
                task.cancel()
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
