"""A metadata store on SQLite, a clock the test moves, and flows stored without their connections."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from stripeflow.flows.entities import EntityRecord, EntityRepository
from stripeflow.flows.flow_body import REST_FLOW_SPEC_ID
from stripeflow.flows.runs import RunRepository
from stripeflow.store import MetadataStore, open_store
from stripeflow.store.database import Database

ORG = "TESTORG1@AdobeOrg"
SANDBOX = "prod"
START = 1_760_000_400  # a whole hour


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def at(self, seconds: int) -> None:
        self.now = datetime.fromtimestamp(seconds, UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MetadataStore]:
    with open_store(f"sqlite:///{tmp_path / 'metadata.db'}") as opened:
        yield opened


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.fromtimestamp(START, UTC))


@pytest.fixture
def db(store: MetadataStore) -> Database:
    return Database(store.engine)


@pytest.fixture
def entities(db: Database, clock: FakeClock) -> EntityRepository:
    return EntityRepository(db, clock, ORG, SANDBOX, user="tester", client="tests")


@pytest.fixture
def runs(db: Database, clock: FakeClock) -> RunRepository:
    return RunRepository(db, clock, ORG, SANDBOX)


def flow_body(schedule: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "flowSpec": {"id": REST_FLOW_SPEC_ID, "version": "1.0"},
        "sourceConnectionIds": ["source-1"],
        "targetConnectionIds": ["target-1"],
        "transformations": [{"name": "Mapping", "params": {"mappingId": "m1", "mappingVersion": 0}}],
        "scheduleParams": schedule,
        **extra,
    }


def make_flow(entities: EntityRepository, schedule: dict[str, Any], *, state: str = "enabled") -> EntityRecord:
    return entities.create("flow", flow_body(schedule), name="test flow", state=state)
