"""The run repository: creation, the atomic claim (no overlap), heartbeats, finishing, cancelling, stale runs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from stripeflow.flows.entities import EntityRepository
from stripeflow.flows.run_documents import RunFacts, failed_body, finished_body, run_document
from stripeflow.flows.runs import NewRun, RunNotFoundError, RunRepository, RunStateError
from stripeflow.store.database import Database
from tests.flows.conftest import ORG, START, FakeClock, make_flow

HOURLY = {"startTime": START, "frequency": "hour", "interval": 1}


def new_run(flow_id: str, offset: int = 0) -> NewRun:
    moment = datetime.fromtimestamp(START + offset, UTC)
    return NewRun(flow_id=flow_id, scheduled_for=moment, window_start=moment - timedelta(hours=1), window_end=moment)


def test_a_new_run_is_scheduled_with_an_empty_run_document(entities: EntityRepository, runs: RunRepository) -> None:
    flow = make_flow(entities, HOURLY)
    run = runs.create(new_run(flow.id))
    document = run_document(runs.get(run.id))
    assert document["flowId"] == flow.id
    assert document["imsOrgId"] == ORG
    assert document["metrics"]["statusSummary"]["status"] == "scheduled"
    assert document["activities"] == []
    assert document["etag"].startswith('"')
    assert document["etag"].endswith('"')


def test_runs_of_another_sandbox_are_not_found(entities: EntityRepository, runs: RunRepository, db: Database) -> None:
    run = runs.create(new_run(make_flow(entities, HOURLY).id))
    other = RunRepository(db, runs._clock, ORG, "dev")
    with pytest.raises(RunNotFoundError):
        other.get(run.id)
    assert other.list() == []


def test_claim_moves_a_scheduled_run_in_progress_once(entities: EntityRepository, runs: RunRepository) -> None:
    run = runs.create(new_run(make_flow(entities, HOURLY).id))
    claimed = runs.claim(run.id)
    assert claimed is not None
    assert claimed.status == "inProgress"
    assert claimed.started_at is not None
    assert claimed.etag != run.etag
    assert runs.claim(run.id) is None


def test_a_flow_with_a_run_in_progress_does_not_start_another(entities: EntityRepository, runs: RunRepository) -> None:
    flow = make_flow(entities, HOURLY)
    first, second = runs.create(new_run(flow.id)), runs.create(new_run(flow.id, 3600))
    assert runs.claim(first.id) is not None
    assert runs.claim(second.id) is None
    runs.finish(first.id, "success", {"metrics": {}})
    assert runs.claim(second.id) is not None


def test_concurrent_claims_of_one_flow_have_one_winner(entities: EntityRepository, runs: RunRepository) -> None:
    flow = make_flow(entities, HOURLY)
    created = [runs.create(new_run(flow.id, 60 * index)) for index in range(6)]
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda run: runs.claim(run.id), created))
    assert sum(result is not None for result in results) == 1


def test_runs_of_different_flows_run_side_by_side(entities: EntityRepository, runs: RunRepository) -> None:
    one, two = make_flow(entities, HOURLY), make_flow(entities, HOURLY)
    assert runs.claim(runs.create(new_run(one.id)).id) is not None
    assert runs.claim(runs.create(new_run(two.id)).id) is not None


def test_cancel_a_scheduled_or_running_run_but_not_a_finished_one(
    entities: EntityRepository, runs: RunRepository
) -> None:
    flow = make_flow(entities, HOURLY)
    scheduled = runs.create(new_run(flow.id))
    assert runs.cancel(scheduled.id).status == "cancelled"
    running = runs.create(new_run(flow.id, 60))
    runs.claim(running.id)
    cancelled = runs.cancel(running.id)
    assert cancelled.status == "cancelled"
    assert run_document(cancelled)["metrics"]["statusSummary"]["status"] == "cancelled"
    assert runs.heartbeat(running.id) == "cancelled"
    assert runs.finish(running.id, "success", {}) is None  # a cancelled run stays cancelled
    with pytest.raises(RunStateError):
        runs.cancel(running.id)


def test_stale_in_progress_runs_are_failed(entities: EntityRepository, runs: RunRepository, clock: FakeClock) -> None:
    flow = make_flow(entities, HOURLY)
    stale, fresh = runs.create(new_run(flow.id)), runs.create(new_run(make_flow(entities, HOURLY).id))
    runs.claim(stale.id)
    clock.advance(minutes=10)
    runs.claim(fresh.id)
    runs.heartbeat(fresh.id)
    failed = runs.fail_stale(
        timedelta(minutes=5), lambda record: failed_body(record.body, "died", started_ms=1, completed_ms=2)
    )
    assert [run.id for run in failed] == [stale.id]
    document = run_document(runs.get(stale.id))
    assert document["metrics"]["statusSummary"] == {
        "status": "failed",
        "errors": [{"code": "CONNECTOR-1001-500", "message": "died"}],
    }
    assert document["metrics"]["recordSummary"]["inputRecordCount"] == -1
    assert runs.get(fresh.id).status == "inProgress"


def facts(**values: object) -> RunFacts:
    base: dict[str, object] = {
        "started_ms": 1000, "completed_ms": 5000, "window_start_ms": 0, "window_end_ms": 4000,
        "source_connection_id": "src", "target_connection_id": "tgt", "resource": "charges", "sync_id": "sync-1",
    }  # fmt: skip
    return RunFacts(**{**base, **values})  # type: ignore[arg-type]


MAPPED = {"dataset_id": "d1", "batch_id": "B1", "status": "success", "input": 10, "output": 10, "failed": 0,
          "deleted": 0, "errors": []}  # fmt: skip


def test_a_successful_run_has_both_activities_and_its_metrics() -> None:
    status, body = finished_body({"trigger": "schedule"}, facts(extraction_status="success", records=10, requests=2,
                                 mapped=MAPPED, batch_metrics={"inputByteSize": 123, "inputFileCount": 1}))  # fmt: skip
    assert status == "success"
    metrics = body["metrics"]
    assert metrics["statusSummary"]["status"] == "success"
    assert metrics["statusSummary"]["errors"] == []
    assert metrics["recordSummary"] == {"inputRecordCount": 10, "outputRecordCount": 10, "failedRecordCount": 0}
    assert metrics["sizeSummary"]["inputBytes"] == 123
    copy, promotion = body["activities"]
    assert copy["id"] == "copyActivity"
    assert copy["durationSummary"]["extensions"] == {
        "windowStart": 0,
        "windowEnd": 4000,
    }
    assert copy["targetInfo"][0]["reference"] == {"type": "Batch", "ids": ["B1"]}
    assert promotion["id"] == "promotionActivity"
    assert promotion["statusSummary"]["extensions"]["manifest"]["failedRecords"] == (
        "/data/foundation/export/batches/B1/meta?path=row_errors"
    )


def test_partial_ingestion_is_a_success_with_the_ingest_1212_error() -> None:
    mapped = {**MAPPED, "output": 8, "failed": 2}
    status, body = finished_body({}, facts(extraction_status="success", records=10, mapped=mapped))
    assert status == "success"
    assert body["metrics"]["statusSummary"]["errors"] == [
        {"code": "INGEST-1212-400", "message": "2 errors; ingested 8 rows"}
    ]


def test_a_failed_mapping_batch_fails_the_run_with_mapper_errors() -> None:
    mapped = {**MAPPED, "status": "failed", "output": 0, "failed": 4}
    status, body = finished_body({}, facts(extraction_status="success", records=10, mapped=mapped,
                                           extraction_error="4 of 10 records failed"))  # fmt: skip
    assert status == "failed"
    codes = [error["code"] for error in body["metrics"]["statusSummary"]["errors"]]
    assert codes == ["CONNECTOR-2001-500", "MAPPER-3700-400"]
    assert body["metrics"]["statusSummary"]["errors"][1]["recordCount"] == 4


def test_a_failed_copy_fails_the_run_with_unknown_metrics() -> None:
    status, body = finished_body({}, facts(error="AuthenticationError: invalid key"))
    assert status == "failed"
    assert body["metrics"]["statusSummary"]["errors"][0]["code"] == "CONNECTOR-1001-500"
    assert body["metrics"]["recordSummary"]["outputRecordCount"] == -1
    assert [activity["id"] for activity in body["activities"]] == ["copyActivity"]
