"""``/flows`` and ``/runs`` over HTTP (no Stripe: the connections are stored directly; runs are not executed)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from stripeflow.flows.entities import EntityRepository
from stripeflow.flows.flow_body import REST_FLOW_SPEC_ID
from stripeflow.platform import Platform
from stripeflow.prep.defaults import default_mapping_set
from stripeflow.store.database import Database, utc_now
from tests.server.conftest import ORG

FS = "/data/foundation/flowservice"
START = "1760000400"


@pytest.fixture
def refs(client: TestClient) -> dict[str, str]:
    """A source and a target connection and a mapping set with versions 0 and 1, in the caller's sandbox."""
    app: Any = client.app
    store = app.state.store
    entities = EntityRepository(Database(store.engine), utc_now, ORG, "prod", user="t", client="t")
    base = entities.create("connection", {}, name="stripe")
    source = entities.create(
        "sourceConnection", {"baseConnectionId": base.id, "params": {"resourcePath": "charges"}}, name="s"
    )
    platform = Platform(app.state.settings, store, org_id=ORG, sandbox_name="prod")
    schema_id = platform.registry.ensure_stripe_defaults()["charges"]
    target = entities.create(
        "targetConnection", {"params": {"dataSetId": "d" * 24}, "data": {"schema": {"id": schema_id}}}, name="t"
    )
    body = default_mapping_set("charges", schema_id=schema_id).to_body()
    mapping = platform.mapping_sets.create(body, "t")
    platform.mapping_sets.replace(mapping["id"], body)
    return {"source": source.id, "target": target.id, "mapping": mapping["id"]}


def flow(refs: dict[str, str], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Stripe Connector Flow Generic Rest",
        "description": "charges every 15 minutes",
        "flowSpec": {"id": REST_FLOW_SPEC_ID, "version": "1.0"},
        "sourceConnectionIds": [refs["source"]],
        "targetConnectionIds": [refs["target"]],
        "transformations": [{"name": "Mapping", "params": {"mappingId": refs["mapping"], "mappingVersion": 0}}],
        "scheduleParams": {"startTime": START, "frequency": "minute", "interval": 15},
    }
    body.update(changes)
    return body


def create(client: TestClient, body: dict[str, Any]) -> dict[str, str]:
    answer = client.post(f"{FS}/flows", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, str] = answer.json()
    return created


def get_flow(client: TestClient, flow_id: str) -> dict[str, Any]:
    answer = client.get(f"{FS}/flows/{flow_id}")
    assert answer.status_code == 200, answer.text
    [item] = answer.json()["items"]
    return dict(item)


def test_create_and_get_a_flow(client: TestClient, refs: dict[str, str]) -> None:
    options = {"errorDiagnosticsEnabled": False, "partialIngestionPercent": 5}
    created = create(client, flow(refs, options=options))
    assert set(created) == {"id", "etag"}
    assert created["etag"].startswith('"')
    item = get_flow(client, created["id"])
    assert item["scheduleParams"] == {"startTime": START, "frequency": "minute", "interval": "15", "backfill": "true"}
    assert item["transformations"][0]["params"] == {"mappingId": refs["mapping"], "mappingVersion": 0}
    assert item["options"] == {"errorDiagnosticsEnabled": True, "partialIngestionPercent": 5.0}
    assert item["runs"] == f"/flows/{created['id']}/runs"
    assert item["state"] == "enabled"
    assert item["etag"] == item["version"] == created["etag"]
    assert item["inheritedAttributes"]["sourceConnections"][0]["id"] == refs["source"]
    assert item["inheritedAttributes"]["targetConnections"][0]["id"] == refs["target"]
    assert item["lastOperation"]["operation"] == "create"
    assert item["lastOperation"]["status"]["value"] == "completed"
    assert "lastRunDetails" not in item


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scheduleParams": {"startTime": START, "frequency": "minute", "interval": 5}}, "scheduleParams.interval"),
        ({"scheduleParams": {"startTime": START, "frequency": "once", "interval": 15}}, "scheduleParams.interval"),
        ({"scheduleParams": {"startTime": START, "frequency": "once", "backfill": True}}, "scheduleParams.backfill"),
        ({"scheduleParams": {"frequency": "day", "interval": 1}}, "scheduleParams.startTime"),
        ({"scheduleParams": {"startTime": START, "frequency": "month", "interval": 1}}, "scheduleParams.frequency"),
        ({"scheduleParams": {"startTime": START, "frequency": "day", "interval": 0}}, "non-zero"),
        ({"flowSpec": {"id": "not-the-rest-spec"}}, "flowSpec"),
        ({"sourceConnectionIds": []}, "sourceConnectionIds"),
        ({"sourceConnectionIds": ["missing"]}, "sourceConnectionIds"),
        ({"targetConnectionIds": ["missing"]}, "targetConnectionIds"),
        ({"transformations": []}, "transformations"),
        ({"transformations": [{"name": "Mapping", "params": {"mappingId": "nope"}}]}, "transformations[0]"),
        ({"options": {"partialIngestionPercent": 0}}, "partialIngestionPercent"),
        ({"options": {"errorDiagnosticsEnabled": "yes"}}, "errorDiagnosticsEnabled"),
        ({"alerts": {"url": "not a url"}}, "alerts.url"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_flows_are_refused_naming_the_field(
    client: TestClient, refs: dict[str, str], changes: dict[str, Any], field: str
) -> None:
    answer = client.post(f"{FS}/flows", json=flow(refs, **changes))
    assert answer.status_code == 400, answer.text
    assert field in answer.json()["detail"]


def test_a_missing_mapping_version_is_refused(client: TestClient, refs: dict[str, str]) -> None:
    mapping = [{"name": "Mapping", "params": {"mappingId": refs["mapping"], "mappingVersion": "7"}}]
    answer = client.post(f"{FS}/flows", json=flow(refs, transformations=mapping))
    assert answer.status_code == 400
    assert "version 7" in answer.json()["detail"]


def test_list_flows_with_property_filters(client: TestClient, refs: dict[str, str]) -> None:
    one = create(client, flow(refs, name="one"))
    create(client, flow(refs, name="two"))
    answer = client.get(f"{FS}/flows", params={"property": 'name=="one"'})
    assert [item["id"] for item in answer.json()["items"]] == [one["id"]]
    assert (
        len(client.get(f"{FS}/flows", params={"property": f"sourceConnectionIds=={refs['source']}"}).json()["items"])
        == 2
    )


def test_patch_schedule_name_and_mapping_with_if_match(client: TestClient, refs: dict[str, str]) -> None:
    created = create(client, flow(refs))
    mapping = {"name": "Mapping", "params": {"mappingId": refs["mapping"], "mappingVersion": "1"}}
    ops = [
        {"op": "replace", "path": "/scheduleParams/frequency", "value": "day"},
        {"op": "replace", "path": "/scheduleParams/interval", "value": "2"},
        {"op": "replace", "path": "/name", "value": "daily"},
        {"op": "replace", "path": "/transformations/0", "value": mapping},
    ]  # fmt: skip
    assert client.patch(f"{FS}/flows/{created['id']}", json=ops).status_code == 428
    stale = client.patch(f"{FS}/flows/{created['id']}", json=ops, headers={"If-Match": '"stale"'})
    assert stale.status_code == 412
    assert "does not match the current version" in stale.json()["errorMessage"]
    answer = client.patch(f"{FS}/flows/{created['id']}", json=ops, headers={"If-Match": created["etag"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["etag"] != created["etag"]
    item = get_flow(client, created["id"])
    assert item["name"] == "daily"
    assert item["scheduleParams"] == {"startTime": START, "frequency": "day", "interval": "2", "backfill": "true"}
    assert item["transformations"][0]["params"]["mappingVersion"] == 1
    assert item["lastOperation"]["operation"] == "update"
    assert item["lastOperation"]["ops"] == ops


def test_patch_is_validated(client: TestClient, refs: dict[str, str]) -> None:
    created = create(client, flow(refs))
    headers = {"If-Match": created["etag"]}
    bad_interval = [{"op": "replace", "path": "/scheduleParams/interval", "value": 1}]
    answer = client.patch(f"{FS}/flows/{created['id']}", json=bad_interval, headers=headers)
    assert answer.status_code == 400
    assert "at least 15" in answer.json()["detail"]
    answer = client.patch(
        f"{FS}/flows/{created['id']}", json=[{"op": "replace", "path": "/flowSpec/id", "value": "x"}], headers=headers
    )
    assert answer.status_code == 400
    assert "/flowSpec cannot be changed" in answer.json()["detail"]


def test_a_once_flow_can_be_neither_rescheduled_nor_remapped(client: TestClient, refs: dict[str, str]) -> None:
    created = create(client, flow(refs, scheduleParams={"startTime": START, "frequency": "once"}))
    headers = {"If-Match": created["etag"]}
    for ops in (
        [{"op": "replace", "path": "/scheduleParams/frequency", "value": "day"}],
        [{"op": "replace", "path": "/transformations/0/params/mappingVersion", "value": 1}],
    ):
        answer = client.patch(f"{FS}/flows/{created['id']}", json=ops, headers=headers)
        assert answer.status_code == 400
        assert "neither rescheduled nor remapped" in answer.json()["detail"]
    renamed = client.patch(
        f"{FS}/flows/{created['id']}", json=[{"op": "replace", "path": "/name", "value": "x"}], headers=headers
    )
    assert renamed.status_code == 200


def test_disable_enable_and_delete(client: TestClient, refs: dict[str, str]) -> None:
    created = create(client, flow(refs))
    disabled = client.post(f"{FS}/flows/{created['id']}/action", params={"op": "disable"})
    assert disabled.status_code == 200
    assert disabled.json()["etag"] != created["etag"]
    assert get_flow(client, created["id"])["state"] == "disabled"
    client.post(f"{FS}/flows/{created['id']}/action", params={"op": "enable"})
    assert get_flow(client, created["id"])["state"] == "enabled"
    assert client.post(f"{FS}/flows/{created['id']}/action", params={"op": "pause"}).status_code == 400
    deleted = client.delete(f"{FS}/flows/{created['id']}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(f"{FS}/flows/{created['id']}").status_code == 404


def test_on_demand_runs_of_once_flows(client: TestClient, refs: dict[str, str]) -> None:
    created = create(client, flow(refs, scheduleParams={"startTime": START, "frequency": "once"}))
    params = {"startTime": START, "windowStartTime": "1759000000", "windowEndTime": START}
    answer = client.post(f"{FS}/runs", json={"flowId": created["id"], "params": params})
    assert answer.status_code == 201, answer.text
    [run_ref] = answer.json()["items"]
    [run] = client.get(f"{FS}/runs/{run_ref['id']}").json()["items"]
    assert run["metrics"]["statusSummary"]["status"] == "scheduled"
    assert run["activities"] == []
    assert run["flowId"] == created["id"]
    assert run["params"] == params
    assert run["etag"] == run_ref["etag"]
    listed = client.get(f"{FS}/runs", params={"property": f"flowId=={created['id']}"}).json()
    assert [item["id"] for item in listed["items"]] == [run_ref["id"]]
    assert listed["_links"] == {}
    assert [item["id"] for item in client.get(f"{FS}/flows/{created['id']}/runs").json()["items"]] == [run_ref["id"]]
    assert get_flow(client, created["id"])["activeRun"] == {"id": run_ref["id"], "state": "scheduled"}


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        (None, "params is required"),
        ({"startTime": START, "windowStartTime": "x", "windowEndTime": START}, "params.windowStartTime"),
        ({"startTime": START, "windowStartTime": START, "windowEndTime": "1"}, "must not be after"),
        ({"startTime": START, "windowStartTime": "1", "windowEndTime": START, "deltaColumn": {}}, "unknown"),
    ],
)
def test_on_demand_run_requests_are_validated(
    client: TestClient, refs: dict[str, str], params: Any, problem: str
) -> None:
    created = create(client, flow(refs, scheduleParams={"startTime": START, "frequency": "once"}))
    answer = client.post(f"{FS}/runs", json={"flowId": created["id"], "params": params})
    assert answer.status_code == 400
    assert problem in answer.json()["detail"]


def test_on_demand_runs_are_only_for_once_flows(client: TestClient, refs: dict[str, str]) -> None:
    created = create(client, flow(refs))
    params = {"startTime": START, "windowStartTime": "1", "windowEndTime": START}
    answer = client.post(f"{FS}/runs", json={"flowId": created["id"], "params": params})
    assert answer.status_code == 400
    assert "only for flows whose frequency is 'once'" in answer.json()["detail"]
    assert client.post(f"{FS}/runs", json={"flowId": "missing", "params": params}).status_code == 404


def test_cancel_a_run(client: TestClient, refs: dict[str, str]) -> None:
    created = create(client, flow(refs, scheduleParams={"startTime": START, "frequency": "once"}))
    params = {"startTime": START, "windowStartTime": "1", "windowEndTime": START}
    run_id = client.post(f"{FS}/runs", json={"flowId": created["id"], "params": params}).json()["items"][0]["id"]
    cancelled = client.post(f"{FS}/runs/{run_id}/action", params={"op": "cancel"})
    assert cancelled.status_code == 200
    [run] = client.get(f"{FS}/runs/{run_id}").json()["items"]
    assert run["metrics"]["statusSummary"]["status"] == "cancelled"
    assert client.post(f"{FS}/runs/{run_id}/action", params={"op": "cancel"}).status_code == 409
    assert client.post(f"{FS}/runs/{run_id}/action", params={"op": "retry"}).status_code == 400
    assert client.get(f"{FS}/runs/not-a-run").status_code == 404


def test_alert_deliveries_of_a_flow(client: TestClient, refs: dict[str, str]) -> None:
    alerts = {"url": "https://hooks.example.com/stripeflow", "events": ["sources_flow_run_failure"]}
    created = create(client, flow(refs, alerts=alerts))
    assert get_flow(client, created["id"])["alerts"] == alerts
    assert client.get(f"{FS}/flows/{created['id']}/alerts").json() == {"items": []}
