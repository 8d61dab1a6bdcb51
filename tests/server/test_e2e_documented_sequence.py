"""The whole documented sequence over HTTP, against the emulator, with the scheduler running in the app:

base connection -> explore -> source connection -> ready-made schema -> dataset -> target connection -> mapping set
(the Stripe tutorial's legacy body) -> flow (``once``, with alerts) -> ``POST /runs`` -> the run's metrics -> the
dataset, read over HTTP and with :func:`stripeflow.catalog_api.load_dataset`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from stripeflow.catalog_api import load_dataset
from stripeflow.emulator.server import RunningEmulator
from stripeflow.flows.alerts import RUN_START, RUN_SUCCESS, SIGNATURE_HEADER, signing_secret, verify
from stripeflow.platform import Platform
from stripeflow.server.app import create_app
from stripeflow.settings import Settings
from tests.server.conftest import HEADERS, ORG, api_settings
from tests.support.emulator import KEY
from tests.support.webhooks import Receiver, receiver

__all__ = ["receiver"]  # the fixture

BASE = "/data/foundation"
FS = f"{BASE}/flowservice"
STRIPE_SPEC = {"id": "cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3", "version": "1.0"}
LAKE_SPEC = {"id": "c604ff05-7f1a-43c0-8e18-33bf874cb11c", "version": "1.0"}
FLOW_SPEC = {"id": "6499120c-0b15-42dc-936e-847ea3c24d72", "version": "1.0"}
XED = "application/vnd.adobe.xed+json;version=1"
FULL = "application/vnd.adobe.xed-full+json;version=1.3"
EXPLORE = "objectType=rest&object=json&fileType=json&preview=false&sourceParams=eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0%3D"


@pytest.fixture
def settings(shared_emulator: RunningEmulator, tmp_path: Path) -> Settings:
    return api_settings(tmp_path, stripe_api_base=shared_emulator.base_url, max_rps=0.0, max_endpoint_rps=0.0)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, scheduler=True, scheduler_tick=0.2)
    with TestClient(app, headers=HEADERS) as test_client:
        yield test_client


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json() if answer.content else None


def ready_made_charges_schema(client: TestClient, settings: Settings) -> str:
    """The ready-made "Stripe Charges" schema (installed as the CLI does), looked up over HTTP."""
    app: Any = client.app
    schema_id = Platform(settings, app.state.store, org_id=ORG, sandbox_name="prod").registry.ensure_stripe_defaults()
    found = ok(client.get(f"{BASE}/schemaregistry/tenant/schemas/{schema_id['charges']}", headers={"Accept": XED}))
    assert found["$id"] == schema_id["charges"]
    return str(found["$id"])


def wait_for_run(client: TestClient, run_id: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [run] = ok(client.get(f"{FS}/runs/{run_id}"))["items"]
        if run["metrics"]["statusSummary"]["status"] in ("success", "failed", "cancelled"):
            return dict(run)
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s")


@pytest.mark.slow
def test_the_documented_sequence(client: TestClient, settings: Settings, receiver: Receiver) -> None:
    auth = {"specName": "OAuth2 Refresh Code", "params": {"accessToken": KEY}}
    connection = {"name": "Stripe base connection", "connectionSpec": STRIPE_SPEC, "auth": auth}
    base = ok(client.post(f"{FS}/connections", json=connection), 201)
    explored = ok(client.get(f"{FS}/connections/{base['id']}/explore?{EXPLORE}"))
    assert "amount" in explored["schema"]["properties"]["data"]["properties"]
    source = ok(client.post(f"{FS}/sourceConnections", json={
        "name": "Stripe Source Connection For Charges Data", "baseConnectionId": base["id"],
        "connectionSpec": STRIPE_SPEC, "data": {"format": "json"}, "params": {"resourcePath": "charges"},
    }), 201)  # fmt: skip
    schema_id = ready_made_charges_schema(client, settings)
    dataset_body = {"name": "Stripe charges (flow)", "schemaRef": {"id": schema_id, "contentType": XED}}
    [dataset_ref] = ok(client.post(f"{BASE}/catalog/dataSets?requestDataSource=true", json=dataset_body), 201)
    dataset_id = dataset_ref.removeprefix("@/dataSets/")
    target = ok(client.post(f"{FS}/targetConnections", json={
        "name": "Stripe charges target", "connectionSpec": LAKE_SPEC,
        "data": {"format": "parquet_xdm", "schema": {"id": schema_id, "version": FULL}},
        "params": {"dataSetId": dataset_id},
    }), 201)  # fmt: skip
    tenant = f"_{settings.tenant_id}.charges_data"
    # The tutorial's legacy shape; an ExperienceEvent also needs _id and timestamp (the tutorial leaves them out).
    pairs = [(f"{tenant}.{field}", f"data.{field}", None) for field in ("id", "amount", "currency", "status")] + [
        ("_id", "data.id", None),
        ("timestamp", "dformat(data.created * 1000, \"yyyy-MM-dd'T'HH:mm:ssXXX\")", "EXPRESSION"),
    ]
    legacy = {"version": 0, "xdmSchema": schema_id, "xdmVersion": "1.0", "mappings": [
        {"destinationXdmPath": path, "sourceAttribute": source, "identity": False, "version": 0,
         **({"sourceType": kind} if kind else {})}
        for path, source, kind in pairs
    ]}  # fmt: skip
    mapping = ok(client.post(f"{BASE}/conversion/mappingSets", json=legacy))
    now = int(time.time())
    created = ok(client.post(f"{FS}/flows", json={
        "name": "Stripe Connector Flow Generic Rest", "flowSpec": FLOW_SPEC,
        "sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]],
        "transformations": [{"name": "Mapping", "params": {"mappingId": mapping["id"], "mappingVersion": 0}}],
        "scheduleParams": {"startTime": str(now + 86400), "frequency": "once"},
        "options": {"errorDiagnosticsEnabled": True, "partialIngestionPercent": 5},
        "alerts": {"url": receiver.url, "events": ["sources_flow_run_start", "sources_flow_run_success"]},
    }), 201)  # fmt: skip
    params = {"startTime": str(now), "windowStartTime": "0", "windowEndTime": str(now)}
    [run_ref] = ok(client.post(f"{FS}/runs", json={"flowId": created["id"], "params": params}), 201)["items"]

    run = wait_for_run(client, run_ref["id"])
    assert run["metrics"]["statusSummary"]["status"] == "success"
    assert run["metrics"]["statusSummary"]["errors"] == []
    records = run["metrics"]["recordSummary"]
    assert records["outputRecordCount"] >= 300
    assert records["failedRecordCount"] == 0
    copy, promotion = run["activities"]
    assert copy["durationSummary"]["extensions"] == {"windowStart": 0, "windowEnd": now * 1000}
    [batch_id] = promotion["targetInfo"][0]["reference"]["ids"]
    assert promotion["_links"]["rowErrors"]["href"] == f"{BASE}/export/batches/{batch_id}/meta?path=row_errors"
    listed = ok(client.get(f"{FS}/runs", params={"property": f"flowId=={created['id']}"}))
    assert [item["id"] for item in listed["items"]] == [run_ref["id"]]
    [flow] = ok(client.get(f"{FS}/flows/{created['id']}"))["items"]
    assert flow["lastRunDetails"]["id"] == run_ref["id"]
    assert flow["lastRunDetails"]["state"] == "success"

    dataset = ok(client.get(f"{BASE}/catalog/dataSets/{dataset_id}"))
    assert dataset[dataset_id]["schemaRef"]["id"] == schema_id
    rows = load_dataset(settings, dataset_id, output="arrow", org_id=ORG, sandbox_name="prod")
    assert rows.num_rows == records["outputRecordCount"]

    deliveries = ok(client.get(f"{FS}/flows/{created['id']}/alerts"))["items"]
    assert sorted(item["eventCode"] for item in deliveries) == [RUN_START, RUN_SUCCESS]
    assert all(item["status"] == "delivered" for item in deliveries)
    secret = signing_secret(settings)
    for headers, body in receiver.received:
        assert verify(secret, headers[SIGNATURE_HEADER], body, now=int(time.time()))
        assert orjson.loads(body)["_adobeio"]["imsOrgId"] == ORG
