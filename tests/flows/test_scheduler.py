"""The scheduler with an injected clock: due ticks, catch-up coalescing, disabled and once flows, no overlap."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stripeflow.flows.entities import EntityRepository
from stripeflow.flows.executor import RunExecutor
from stripeflow.flows.runs import NewRun, RunRecord, RunRepository
from stripeflow.flows.scheduler import Scheduler
from stripeflow.settings import Settings
from stripeflow.store import MetadataStore
from stripeflow.store.database import Database
from tests.flows.conftest import START, FakeClock, make_flow

HOURLY = {"startTime": str(START), "frequency": "hour", "interval": "1"}
HOUR = 3600


class FakeExecutor:
    """Claims runs like the real executor and ends them ``success`` (or holds them while ``gate`` is closed)."""

    def __init__(self, db: Database, clock: FakeClock) -> None:
        self.db = db
        self.runs = RunRepository(db, clock)
        self.executed: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def execute(self, run_id: str) -> RunRecord | None:
        run = self.runs.claim(run_id)
        if run is None:
            return None
        self.executed.append(run_id)
        await self.gate.wait()
        return self.runs.finish(run_id, "success", {**run.body, "metrics": {"statusSummary": {"status": "success"}}})

    def recover_stale(self) -> list[RunRecord]:
        return []


def seconds(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def windows(runs: RunRepository, flow_id: str) -> list[tuple[int | None, int | None, int | None]]:
    found = sorted(runs.list(flow_id=flow_id), key=lambda run: run.scheduled_for)
    return [(seconds(run.scheduled_for), seconds(run.window_start), seconds(run.window_end)) for run in found]


async def tick(scheduler: Scheduler) -> list[RunRecord]:
    started = await scheduler.tick()
    await scheduler.drain()
    return started


def test_due_ticks_become_runs_with_contiguous_windows(
    entities: EntityRepository, runs: RunRepository, db: Database, clock: FakeClock
) -> None:
    flow = make_flow(entities, HOURLY)
    executor = FakeExecutor(db, clock)
    scheduler = Scheduler(executor, clock=clock)

    async def scenario() -> None:
        clock.at(START - 1)
        assert await tick(scheduler) == []
        clock.at(START)
        assert len(await tick(scheduler)) == 1
        clock.at(START + 10)
        assert await tick(scheduler) == []  # the next tick is an hour later
        clock.at(START + HOUR)
        assert len(await tick(scheduler)) == 1

    asyncio.run(scenario())
    assert windows(runs, flow.id) == [(START, 0, START), (START + HOUR, START, START + HOUR)]
    assert all(run.status == "success" for run in runs.list(flow_id=flow.id))


def test_without_backfill_the_first_window_starts_at_start_time(
    entities: EntityRepository, runs: RunRepository, db: Database, clock: FakeClock
) -> None:
    flow = make_flow(entities, {**HOURLY, "backfill": "false"})
    asyncio.run(tick(Scheduler(FakeExecutor(db, clock), clock=clock)))
    assert windows(runs, flow.id) == [(START, START, START)]


def test_missed_ticks_are_coalesced_into_one_run(
    entities: EntityRepository, runs: RunRepository, db: Database, clock: FakeClock
) -> None:
    flow = make_flow(entities, HOURLY)
    scheduler = Scheduler(FakeExecutor(db, clock), clock=clock)

    async def scenario() -> None:
        await tick(scheduler)
        clock.at(START + 6 * HOUR + 120)  # the server was down for six ticks
        assert len(await tick(scheduler)) == 1
        assert await tick(scheduler) == []

    asyncio.run(scenario())
    assert windows(runs, flow.id) == [(START, 0, START), (START + 6 * HOUR, START, START + 6 * HOUR)]


def test_disabled_flows_do_not_run_and_catch_up_in_one_run_when_enabled(
    entities: EntityRepository, runs: RunRepository, db: Database, clock: FakeClock
) -> None:
    flow = make_flow(entities, HOURLY)
    scheduler = Scheduler(FakeExecutor(db, clock), clock=clock)
    asyncio.run(tick(scheduler))
    flow = entities.update("flow", flow.id, if_match=flow.etag, state="disabled")
    clock.at(START + 3 * HOUR)
    asyncio.run(tick(scheduler))
    assert len(runs.list(flow_id=flow.id)) == 1
    entities.update("flow", flow.id, if_match=flow.etag, state="enabled")
    asyncio.run(tick(scheduler))
    assert windows(runs, flow.id)[-1] == (START + 3 * HOUR, START, START + 3 * HOUR)


def test_a_once_flow_runs_once_at_its_start_time(
    entities: EntityRepository, runs: RunRepository, db: Database, clock: FakeClock
) -> None:
    flow = make_flow(entities, {"startTime": START + 600, "frequency": "once"})
    executor = FakeExecutor(db, clock)
    scheduler = Scheduler(executor, clock=clock)

    async def scenario() -> None:
        assert await tick(scheduler) == []
        clock.at(START + 600)
        assert len(await tick(scheduler)) == 1
        clock.advance(days=30)
        assert await tick(scheduler) == []

    asyncio.run(scenario())
    assert windows(runs, flow.id) == [(START + 600, 0, START + 600)]


def test_runs_of_a_flow_never_overlap(
    entities: EntityRepository, runs: RunRepository, db: Database, clock: FakeClock
) -> None:
    flow = make_flow(entities, HOURLY)
    executor = FakeExecutor(db, clock)
    scheduler = Scheduler(executor, clock=clock)

    async def scenario() -> None:
        executor.gate.clear()  # the first run takes longer than the interval
        await scheduler.tick()
        await asyncio.sleep(0.05)
        for hour in (1, 2, 3):
            clock.at(START + hour * HOUR)
            assert await scheduler.tick() == []
        assert [run.status for run in runs.list(flow_id=flow.id)] == ["inProgress"]
        executor.gate.set()
        await scheduler.drain()
        await tick(scheduler)

    asyncio.run(scenario())
    assert windows(runs, flow.id) == [(START, 0, START), (START + 3 * HOUR, START, START + 3 * HOUR)]


def test_an_on_demand_run_is_executed_by_the_next_tick(
    entities: EntityRepository, runs: RunRepository, db: Database, clock: FakeClock
) -> None:
    flow = make_flow(entities, {"startTime": START + 10 * HOUR, "frequency": "once"})
    moment = datetime.fromtimestamp(START, UTC)
    run = runs.create(NewRun(flow.id, moment, moment - timedelta(days=1), moment, trigger="onDemand"))
    executor = FakeExecutor(db, clock)
    asyncio.run(tick(Scheduler(executor, clock=clock)))
    assert executor.executed == [run.id]
    assert runs.get(run.id).status == "success"


def test_stale_runs_are_failed_when_the_scheduler_starts(
    tmp_path: Path, store: MetadataStore, entities: EntityRepository, runs: RunRepository, clock: FakeClock
) -> None:
    flow = make_flow(entities, {"startTime": START + 10 * HOUR, "frequency": "once"})
    moment = datetime.fromtimestamp(START, UTC)
    run = runs.create(NewRun(flow.id, moment, None, None))
    runs.claim(run.id)
    clock.advance(hours=1)
    executor = RunExecutor(Settings(data_dir=tmp_path), store, clock=clock)
    asyncio.run(Scheduler(executor, clock=clock).tick())
    failed = runs.get(run.id)
    assert failed.status == "failed"
    assert "no heartbeat" in failed.body["metrics"]["statusSummary"]["errors"][0]["message"]
