"""The run executor end to end over the emulator: a flow's run syncs its resource into its dataset."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stripeflow.access.secrets import SecretBox
from stripeflow.catalog_api import load_dataset
from stripeflow.emulator.server import RunningEmulator
from stripeflow.flows.entities import EntityRepository
from stripeflow.flows.executor import RunExecutor
from stripeflow.flows.flow_body import REST_FLOW_SPEC_ID
from stripeflow.flows.runs import NewRun, RunRepository
from stripeflow.platform import Platform
from stripeflow.prep.defaults import default_mapping_set
from stripeflow.settings import Settings
from stripeflow.store import MetadataStore, open_store
from stripeflow.store.database import Database
from tests.flows.conftest import ORG, SANDBOX, START, FakeClock
from tests.support.emulator import COUNTS, KEY, settings_for


def build_flow(settings: Settings, store: MetadataStore, clock: FakeClock, *, key: str = KEY) -> tuple[str, str]:
    """A base connection, a charges source connection, a dataset, its target connection, a mapping set and a
    ``once`` flow; returns the flow id and the dataset id."""
    db = Database(store.engine)
    entities = EntityRepository(db, clock, ORG, SANDBOX, user="tester", client="tests")
    secret = SecretBox.from_settings(settings).seal({"accessToken": key})
    base = entities.create("connection", {"auth": {"specName": "OAuth2 Refresh Code"}}, name="stripe", secret=secret)
    source = entities.create(
        "sourceConnection", {"baseConnectionId": base.id, "params": {"resourcePath": "charges"}}, name="charges",
        parent_id=base.id,
    )  # fmt: skip
    platform = Platform(settings, store, org_id=ORG, sandbox_name=SANDBOX)
    dataset_id = platform.default_dataset("charges")
    schema_id = platform.catalog.get_dataset(dataset_id)[dataset_id]["schemaRef"]["id"]
    target = entities.create(
        "targetConnection", {"params": {"dataSetId": dataset_id}, "data": {"schema": {"id": schema_id}}}, name="t"
    )
    mapping = platform.mapping_sets.create(
        default_mapping_set("charges", settings.tenant_id, schema_id=schema_id).to_body(), "tester"
    )
    body: dict[str, Any] = {
        "flowSpec": {"id": REST_FLOW_SPEC_ID, "version": "1.0"},
        "sourceConnectionIds": [source.id],
        "targetConnectionIds": [target.id],
        "transformations": [{"name": "Mapping", "params": {"mappingId": mapping["id"], "mappingVersion": 0}}],
        "scheduleParams": {"startTime": str(START), "frequency": "once"},
        "options": {"errorDiagnosticsEnabled": True},
    }
    return entities.create("flow", body, name="charges flow").id, dataset_id


@pytest.mark.slow
def test_a_run_syncs_the_resource_into_the_flows_dataset(shared_emulator: RunningEmulator, tmp_path: Path) -> None:
    settings = settings_for(shared_emulator.base_url, tmp_path, access_token=None)
    clock = FakeClock(datetime.now(UTC))
    with open_store(settings.metadata_url) as store:
        flow_id, dataset_id = build_flow(settings, store, clock)
        runs = RunRepository(Database(store.engine), clock, ORG, SANDBOX)
        run = runs.create(NewRun(flow_id, clock(), datetime.fromtimestamp(0, UTC), clock()))
        finished = asyncio.run(RunExecutor(settings, store, clock=clock).execute(run.id))
    assert finished is not None
    assert finished.status == "success", finished.body
    metrics = finished.body["metrics"]
    assert metrics["recordSummary"]["inputRecordCount"] >= COUNTS["charges"]
    copy, promotion = finished.body["activities"]
    assert metrics["recordSummary"]["outputRecordCount"] == promotion["recordSummary"]["inputRecordCount"] >= 300
    assert metrics["recordSummary"]["failedRecordCount"] == 0
    assert metrics["sizeSummary"]["inputBytes"] > 0
    batch_id = promotion["targetInfo"][0]["reference"]["ids"][0]
    assert copy["targetInfo"][0]["reference"]["ids"] == [batch_id]
    assert (tmp_path / "raw").is_dir()
    assert any((tmp_path / "raw").iterdir())
    with open_store(settings.metadata_url) as store:
        batch = Platform(settings, store, org_id=ORG, sandbox_name=SANDBOX).catalog.get_batch(batch_id)[batch_id]
    assert batch["status"] == "success"
    rows = load_dataset(settings, dataset_id, output="arrow", org_id=ORG, sandbox_name=SANDBOX)
    assert rows.num_rows == metrics["recordSummary"]["outputRecordCount"]


@pytest.mark.slow
def test_a_refused_key_fails_the_run_with_the_copy_error(shared_emulator: RunningEmulator, tmp_path: Path) -> None:
    settings = settings_for(shared_emulator.base_url, tmp_path, access_token=None)
    clock = FakeClock(datetime.now(UTC))
    with open_store(settings.metadata_url) as store:
        flow_id, _ = build_flow(settings, store, clock, key="sk_test_not_a_key")
        runs = RunRepository(Database(store.engine), clock, ORG, SANDBOX)
        run = runs.create(NewRun(flow_id, clock(), None, None))
        finished = asyncio.run(RunExecutor(settings, store, clock=clock).execute(run.id))
    assert finished is not None
    assert finished.status == "failed"
    [error] = finished.body["metrics"]["statusSummary"]["errors"]
    assert error["code"] == "CONNECTOR-1001-500"
    assert "AuthenticationError" in error["message"]
    assert finished.body["metrics"]["recordSummary"]["inputRecordCount"] == -1
