"""Contract tests of the Flow Service's specs, connections and explore, over the emulator.

The bodies are the Stripe API tutorial's (its trailing commas removed). The real access token must never appear in
a response body or a log record.
"""

from __future__ import annotations

import logging
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import text

from stripeflow.emulator.server import RunningEmulator
from stripeflow.flows.entities import EntityRepository
from stripeflow.flows.specs import RESOURCE_PATHS
from stripeflow.platform import Platform
from stripeflow.server.app import create_app
from stripeflow.store.database import Database
from tests.server.conftest import HEADERS, ORG, api_settings

FS = "/data/foundation/flowservice"
STRIPE_SPEC = "cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3"
LAKE_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
FLOW_SPEC = "6499120c-0b15-42dc-936e-847ea3c24d72"
KEY = "sk_test_emulator"
EXPIRED = "sk_test_emulator_expired"
RESTRICTED = "rk_test_emulator_readonly"
TUTORIAL_EXPLORE = (
    "objectType=rest&object=json&fileType=json&preview={preview}&sourceParams=eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0%3D"
)


class Recorder:
    """Every response body the tests saw, to prove the token never leaves the server."""

    def __init__(self) -> None:
        self.bodies: list[str] = []


@pytest.fixture
def seen() -> Recorder:
    return Recorder()


def make_client(settings_dir: Path, base_url: str, seen: Recorder, **overrides: Any) -> TestClient:
    app = create_app(api_settings(settings_dir, stripe_api_base=base_url, **overrides))
    client = TestClient(app, headers=HEADERS, raise_server_exceptions=False)
    original = client.request

    def recording(*args: Any, **kwargs: Any) -> Any:
        response = original(*args, **kwargs)
        seen.bodies.append(response.text)
        return response

    client.request = recording  # type: ignore[method-assign]
    return client


@pytest.fixture
def client(
    tmp_path: Path, shared_emulator: RunningEmulator, seen: Recorder, caplog: pytest.LogCaptureFixture
) -> Iterator[TestClient]:
    caplog.set_level(logging.DEBUG)
    with make_client(tmp_path, shared_emulator.base_url, seen) as test_client:
        yield test_client
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    for secret in (KEY, EXPIRED, RESTRICTED):
        assert secret not in logged, "a token reached the logs"
        for body in seen.bodies:
            assert secret not in body, f"a token reached a response body: {body[:300]}"


def base_body(token: str = KEY, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Stripe base connection",
        "description": "Authenticated base connection for Stripe",
        "connectionSpec": {"id": STRIPE_SPEC, "version": "1.0"},
        "auth": {"specName": "OAuth2 Refresh Code", "params": {"accessToken": token}},
        **extra,
    }


def create_base(client: TestClient, token: str = KEY) -> dict[str, str]:
    response = client.post(f"{FS}/connections", json=base_body(token))
    assert response.status_code == 201, response.text
    created: dict[str, str] = response.json()
    return created


def source_body(base_id: str, resource: str = "charges") -> dict[str, Any]:
    return {
        "name": "Stripe Source Connection For Charges Data",
        "description": "Source connection for Stripe charges",
        "baseConnectionId": base_id,
        "connectionSpec": {"id": STRIPE_SPEC, "version": "1.0"},
        "data": {"format": "json"},
        "params": {"resourcePath": resource},
    }


def create_source(client: TestClient, base_id: str, resource: str = "charges") -> dict[str, str]:
    response = client.post(f"{FS}/sourceConnections", json=source_body(base_id, resource))
    assert response.status_code == 201, response.text
    created: dict[str, str] = response.json()
    return created


def platform_of(client: TestClient, sandbox: str = "prod") -> Platform:
    app: Any = client.app
    return Platform(app.state.settings, app.state.store, org_id=ORG, sandbox_name=sandbox)


def dataset_with_schema(client: TestClient, resource: str = "charges") -> tuple[str, str]:
    platform = platform_of(client)
    schema_id = platform.registry.ensure_stripe_defaults()[resource]
    dataset_id = platform.catalog.create_dataset(f"Stripe {resource}", schema_id)
    return schema_id, dataset_id


def target_body(schema_id: str, dataset_id: str) -> dict[str, Any]:
    return {
        "name": "Stripe Target Connection",
        "description": "Target connection for Stripe charges",
        "connectionSpec": {"id": LAKE_SPEC, "version": "1.0"},
        "data": {
            "format": "parquet_xdm",
            "schema": {"id": schema_id, "version": "application/vnd.adobe.xed-full+json;version=1"},
        },
        "params": {"dataSetId": dataset_id},
    }


def item(client: TestClient, path: str) -> dict[str, Any]:
    response = client.get(f"{FS}/{path}")
    assert response.status_code == 200, response.text
    (found,) = response.json()["items"]
    return dict(found)


def problem(response: Any, status: int, *fragments: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    for fragment in fragments:
        assert fragment in body["detail"], body["detail"]
    return body


# -- specs -----------------------------------------------------------------------------------------------------------


def test_connection_specs(client: TestClient) -> None:
    listed = client.get(f"{FS}/connectionSpecs").json()["items"]
    assert {spec["id"] for spec in listed} == {STRIPE_SPEC, LAKE_SPEC}
    stripe = item(client, f"connectionSpecs/{STRIPE_SPEC}")
    assert stripe["version"] == "1.0"
    (auth,) = stripe["authSpec"]
    assert auth["name"] == "OAuth2 Refresh Code"
    assert auth["spec"]["properties"]["accessToken"]["format"] == "password"
    assert auth["spec"]["required"] == ["accessToken"]
    assert stripe["sourceSpec"]["spec"]["properties"]["resourcePath"]["enum"] == list(RESOURCE_PATHS)
    assert stripe["exploreSpec"]["requestSpec"]["required"] == ["resourcePath"]
    assert (stripe["sandboxName"], stripe["imsOrgId"]) == ("prod", ORG)
    lake = item(client, f"connectionSpecs/{LAKE_SPEC}")
    assert lake["targetSpec"]["attributes"]["formats"] == ["parquet_xdm"]
    only = client.get(f"{FS}/connectionSpecs", params={"property": f"id=={LAKE_SPEC}"}).json()["items"]
    assert [spec["id"] for spec in only] == [LAKE_SPEC]
    problem(client.get(f"{FS}/connectionSpecs/nope"), 404, "connection spec 'nope'")


def test_flow_specs_and_the_documented_filter(client: TestClient) -> None:
    found = client.get(f"{FS}/flowSpecs", params={"property": 'name=="RestStorageToAEP"'}).json()["items"]
    assert [spec["id"] for spec in found] == [FLOW_SPEC]
    assert client.get(f"{FS}/flowSpecs", params={"property": 'name=="CRMToAEP"'}).json() == {"items": []}
    spec = item(client, f"flowSpecs/{FLOW_SPEC}")
    assert spec["sourceConnectionSpecIds"] == [STRIPE_SPEC]
    assert spec["targetConnectionSpecIds"] == [LAKE_SPEC]
    assert spec["transformationSpecs"][0]["name"] == "Mapping"
    assert set(spec["transformationSpecs"][0]["spec"]["properties"]) == {"mappingId", "mappingVersion"}
    schedule = spec["scheduleSpec"]
    assert (schedule["name"], schedule["type"]) == ("PeriodicSchedule", "Periodic")
    assert schedule["spec"]["required"] == ["startTime", "frequency"]
    assert schedule["spec"]["properties"]["frequency"]["enum"] == ["once", "minute", "hour", "day", "week"]
    assert schedule["spec"]["else"]["then"]["properties"]["interval"]["minimum"] == 15
    assert set(spec["optionSpec"]["spec"]["properties"]) == {"errorDiagnosticsEnabled", "partialIngestionPercent"}
    assert spec["attributes"]["notification"] == {"category": "sources", "flowRun": {"enabled": True}}
    assert spec["permissionsInfo"]["view"][0]["permissions"] == ["read"]
    assert "runSpec" in spec
    problem(client.get(f"{FS}/flowSpecs", params={"property": "a b==c"}), 400, "property filter")
    problem(client.get(f"{FS}/flowSpecs/nope"), 404)


# -- base connections -------------------------------------------------------------------------------------------------


def test_the_tutorial_base_connection_is_validated_stored_encrypted_and_masked(client: TestClient) -> None:
    created = create_base(client)
    assert set(created) == {"id", "etag"}
    assert created["etag"].startswith('"')
    assert created["etag"].endswith('"')
    connection = item(client, f"connections/{created['id']}")
    assert connection["auth"] == {"specName": "OAuth2 Refresh Code", "params": {"accessToken": "sk_test_****"}}
    assert connection["params"]["accountId"].startswith("acct_")
    assert connection["params"]["livemode"] is False
    assert connection["params"]["keyType"] == "secret"
    assert connection["etag"] == connection["version"] == created["etag"]
    assert connection["state"] == "enabled"
    assert connection["name"] == "Stripe base connection"
    for field in ("createdAt", "updatedAt", "createdBy", "updatedBy", "createdClient", "updatedClient", "sandboxId"):
        assert connection[field], field
    assert (connection["sandboxName"], connection["imsOrgId"]) == ("prod", ORG)
    settings: Any = client.app.state.settings  # type: ignore[attr-defined]
    key_file = settings.data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # What the metadata store holds (on either backend) never contains the token in clear.
    store: Any = client.app.state.store  # type: ignore[attr-defined]
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT body, secret FROM flow_entities")).all()
    assert rows
    for body, secret in rows:
        assert KEY not in str(body)
        assert KEY.encode() not in bytes(secret or b"")
    if settings.database_url is None:
        assert KEY.encode() not in (settings.data_dir / "metadata.db").read_bytes()
    listed = client.get(f"{FS}/connections", params={"property": f"connectionSpec.id=={STRIPE_SPEC}"})
    assert [entry["id"] for entry in listed.json()["items"]] == [created["id"]]


def test_a_restricted_key_is_accepted(client: TestClient) -> None:
    connection = item(client, f"connections/{create_base(client, RESTRICTED)['id']}")
    assert connection["params"]["keyType"] == "restricted"
    assert connection["auth"]["params"]["accessToken"] == "rk_test_****only"


def test_a_key_stripe_refuses_is_400_naming_the_masked_key_the_error_and_the_request(client: TestClient) -> None:
    body = problem(
        client.post(f"{FS}/connections", json=base_body(EXPIRED)),
        400,
        "sk_test_****ired",
        "Expired API Key provided",
        "api_key_expired",
        "request id req_",
    )
    assert body["title"] == "BadRequestError"
    assert client.get(f"{FS}/connections").json() == {"items": []}
    problem(client.post(f"{FS}/connections", json=base_body("sk_test_unknownkey1234")), 400, "Invalid API Key")
    problem(client.post(f"{FS}/connections", json=base_body("pk_test_abc")), 400, "not sent to Stripe", "publishable")


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_stripe_is_502(tmp_path: Path, seen: Recorder) -> None:
    url = f"http://127.0.0.1:{unused_port()}"
    with make_client(tmp_path, url, seen) as unreachable:
        body = problem(unreachable.post(f"{FS}/connections", json=base_body()), 502, url, "did not answer")
        assert body["title"] == "BadGatewayError"
        assert unreachable.get(f"{FS}/connections").json() == {"items": []}
    assert all(KEY not in text for text in seen.bodies)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": None}, "name is required"),
        ({"name": "  "}, "name is required"),
        ({"connectionSpec": {"id": LAKE_SPEC, "version": "1.0"}}, f"connectionSpec.id must be {STRIPE_SPEC}"),
        ({"connectionSpec": {"id": STRIPE_SPEC, "version": "2.0"}}, "connectionSpec.version must be '1.0'"),
        ({"auth": None}, "auth is required"),
        ({"auth": {"specName": "Basic Authentication", "params": {}}}, "auth.specName must be 'OAuth2 Refresh Code'"),
        ({"auth": {"specName": "OAuth2 Refresh Code", "params": {}}}, "auth.params.accessToken is required"),
        ({"auth": {"specName": "OAuth2 Refresh Code"}}, "auth.params is required"),
        ({"colour": "blue"}, "unknown field(s) colour"),
    ],
)
def test_base_connection_bodies_are_validated(client: TestClient, change: dict[str, Any], message: str) -> None:
    body = {key: value for key, value in {**base_body(), **change}.items() if value is not None}
    problem(client.post(f"{FS}/connections", json=body), 400, message)


def test_a_body_that_is_not_json_or_not_an_object_is_400(client: TestClient) -> None:
    problem(client.post(f"{FS}/connections", json=["x"]), 400)
    response = client.post(f"{FS}/connections", content=b"name=x", headers={"Content-Type": "text/plain"})
    problem(response, 400, "content-type")


def test_patch_needs_if_match_refuses_a_stale_one_and_changes_the_etag(client: TestClient) -> None:
    created = create_base(client)
    path = f"{FS}/connections/{created['id']}"
    ops = [
        {"op": "replace", "path": "/name", "value": "Renamed"},
        {"op": "add", "path": "/description", "value": "new description"},
    ]
    problem(client.patch(path, json=ops), 428, "If-Match is required")
    updated = client.patch(path, json=ops, headers={"If-Match": created["etag"]})
    assert updated.status_code == 200, updated.text
    assert updated.json()["id"] == created["id"]
    assert updated.json()["etag"] != created["etag"]
    stale = problem(client.patch(path, json=ops, headers={"If-Match": created["etag"]}), 412)
    assert stale["errorMessage"] == (
        f"Supplied version=[{created['etag']}] does not match the current version on entity=[{created['id']}]"
    )
    bare = updated.json()["etag"].strip('"')
    again = client.patch(path, json=[{"op": "remove", "path": "/description"}], headers={"If-Match": bare})
    assert again.status_code == 200, again.text
    connection = item(client, f"connections/{created['id']}")
    assert connection["name"] == "Renamed"
    assert "description" not in connection
    assert connection["etag"] == again.json()["etag"]
    assert connection["auth"]["params"]["accessToken"] == "sk_test_****", "the stored token is kept"
    explored = client.get(f"{path}/explore?{TUTORIAL_EXPLORE.format(preview='false')}")
    assert explored.status_code == 200, "the kept token still works"


def test_replacing_auth_params_validates_the_new_token(client: TestClient) -> None:
    created = create_base(client)
    path = f"{FS}/connections/{created['id']}"

    def replace_token(token: str, etag: str) -> Any:
        ops = [{"op": "replace", "path": "/auth/params", "value": {"accessToken": token}}]
        return client.patch(path, json=ops, headers={"If-Match": etag})

    problem(replace_token(EXPIRED, created["etag"]), 400, "sk_test_****ired", "api_key_expired")
    assert item(client, f"connections/{created['id']}")["etag"] == created["etag"], "nothing changed"
    rotated = replace_token(RESTRICTED, created["etag"])
    assert rotated.status_code == 200, rotated.text
    connection = item(client, f"connections/{created['id']}")
    assert connection["auth"]["params"]["accessToken"] == "rk_test_****only"
    assert connection["params"]["keyType"] == "restricted"


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ([{"op": "replace", "path": "/params/accountId", "value": "acct_x"}], "params cannot be changed"),
        ([{"op": "replace", "path": "/connectionSpec/id", "value": LAKE_SPEC}], "connectionSpec cannot be changed"),
        ([{"op": "replace", "path": "/id", "value": "x"}], "id cannot be changed"),
        ([{"op": "add", "path": "/colour", "value": "blue"}], "unknown field(s) colour"),
        ([{"op": "replace", "path": "/name", "value": ""}], "name is required"),
        ([{"op": "replace", "path": "/auth/specName", "value": "Basic"}], "auth.specName"),
        ([{"op": "replace", "path": "/state", "value": "paused"}], "state must be one of"),
        ([{"op": "move", "path": "/name", "from": "/description"}], "not supported"),
        ([{"op": "replace", "path": "/missing", "value": 1}], "does not exist"),
    ],
)
def test_bad_patches_are_400(client: TestClient, ops: list[dict[str, Any]], message: str) -> None:
    created = create_base(client)
    response = client.patch(f"{FS}/connections/{created['id']}", json=ops, headers={"If-Match": created["etag"]})
    problem(response, 400, message)


def test_missing_connections_are_404(client: TestClient) -> None:
    problem(client.get(f"{FS}/connections/nope"), 404, "connection 'nope'")
    problem(client.delete(f"{FS}/connections/nope"), 404)
    problem(client.patch(f"{FS}/connections/nope", json=[], headers={"If-Match": '"x"'}), 404)
    problem(client.get(f"{FS}/connections/nope/explore?{TUTORIAL_EXPLORE.format(preview='true')}"), 404)


# -- explore ----------------------------------------------------------------------------------------------------------


def test_explore_with_the_tutorial_call(client: TestClient) -> None:
    created = create_base(client)
    path = f"{FS}/connections/{created['id']}/explore"
    response = client.get(f"{path}?{TUTORIAL_EXPLORE.format(preview='false')}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"format", "schema"}
    assert body["format"] == "hierarchical"
    data = body["schema"]["properties"]["data"]
    assert data["type"] == "object"
    fields = data["properties"]
    assert fields["id"] == {"type": "string"}
    assert fields["amount"] == {"type": "integer", "minimum": -9007199254740992, "maximum": 9007199254740991}
    assert fields["captured"] == {"type": "boolean"}
    assert fields["billing_details"]["properties"]["address"]["type"] == "object"
    previewed = client.get(f"{path}?{TUTORIAL_EXPLORE.format(preview='true')}").json()
    assert len(previewed["data"]) == 10
    assert all(record["data"]["object"] == "charge" for record in previewed["data"])


@pytest.mark.parametrize("resource", RESOURCE_PATHS)
def test_explore_every_resource(client: TestClient, resource: str) -> None:
    import base64

    created = create_base(client)
    encoded = base64.b64encode(f'{{"resourcePath":"{resource}"}}'.encode()).decode()
    response = client.get(
        f"{FS}/connections/{created['id']}/explore",
        params={"objectType": "rest", "fileType": "json", "preview": "true", "sourceParams": encoded},
    )
    assert response.status_code == 200, response.text
    assert response.json()["schema"]["properties"]["data"]["properties"]["id"] == {"type": "string"}
    assert response.json()["data"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("objectType=rest&sourceParams=!!!", "not valid base64"),
        ("objectType=rest&sourceParams=bm90IGpzb24%3D", "not JSON"),
        (
            "objectType=rest&sourceParams=eyJyZXNvdXJjZVBhdGgiOiJpbnZvaWNlcyJ9",
            "use one of: charges, subscriptions, refunds, balance_transactions, customers, prices",
        ),
        ("objectType=rest", "sourceParams is required"),
        ("objectType=file&sourceParams=eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0%3D", "objectType must be 'rest'"),
        ("objectType=rest&fileType=csv&sourceParams=eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0%3D", "json is the only"),
    ],
)
def test_bad_explore_queries_are_400(client: TestClient, query: str, message: str) -> None:
    created = create_base(client)
    problem(client.get(f"{FS}/connections/{created['id']}/explore?{query}"), 400, message)


# -- source and target connections -------------------------------------------------------------------------------------


def test_source_connections(client: TestClient) -> None:
    base = create_base(client)
    created = create_source(client, base["id"])
    assert set(created) == {"id", "etag"}
    source = item(client, f"sourceConnections/{created['id']}")
    assert source["baseConnectionId"] == base["id"]
    assert source["params"] == {"resourcePath": "charges"}
    assert source["data"] == {"format": "json"}
    assert source["connectionSpec"] == {"id": STRIPE_SPEC, "version": "1.0"}
    other = create_source(client, base["id"], "prices")
    listed = client.get(f"{FS}/sourceConnections", params={"property": "params.resourcePath==prices"}).json()
    assert [entry["id"] for entry in listed["items"]] == [other["id"]]
    path = f"{FS}/sourceConnections/{created['id']}"
    ops = [{"op": "replace", "path": "/params/resourcePath", "value": "refunds"}]
    updated = client.patch(path, json=ops, headers={"If-Match": created["etag"]})
    assert updated.status_code == 200, updated.text
    assert item(client, f"sourceConnections/{created['id']}")["params"] == {"resourcePath": "refunds"}
    etag = updated.json()["etag"]
    bad = [{"op": "replace", "path": "/params/resourcePath", "value": "invoices"}]
    problem(client.patch(path, json=bad, headers={"If-Match": etag}), 400, "params.resourcePath must be one of")
    moved = [{"op": "replace", "path": "/baseConnectionId", "value": create_base(client)["id"]}]
    problem(client.patch(path, json=moved, headers={"If-Match": etag}), 400, "baseConnectionId cannot be changed")
    problem(client.patch(path, json=ops), 428)
    assert client.delete(path).status_code == 204
    problem(client.get(path), 404)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"baseConnectionId": "nope"}, "baseConnectionId 'nope' is not a base connection"),
        ({"baseConnectionId": None}, "baseConnectionId is required"),
        ({"params": {"resourcePath": "invoices"}}, "params.resourcePath must be one of charges"),
        ({"params": None}, "params.resourcePath must be one of"),
        ({"data": {"format": "csv"}}, "data.format must be 'json'"),
        ({"connectionSpec": {"id": LAKE_SPEC}}, "connectionSpec.id must be"),
        ({"name": None}, "name is required"),
    ],
)
def test_source_connection_bodies_are_validated(client: TestClient, change: dict[str, Any], message: str) -> None:
    base = create_base(client)
    body = {key: value for key, value in {**source_body(base["id"]), **change}.items() if value is not None}
    problem(client.post(f"{FS}/sourceConnections", json=body), 400, message)


def test_target_connections(client: TestClient) -> None:
    schema_id, dataset_id = dataset_with_schema(client)
    response = client.post(f"{FS}/targetConnections", json=target_body(schema_id, dataset_id))
    assert response.status_code == 201, response.text
    created = response.json()
    target = item(client, f"targetConnections/{created['id']}")
    assert target["data"]["format"] == "parquet_xdm"
    assert target["data"]["schema"]["id"] == schema_id
    assert target["params"] == {"dataSetId": dataset_id}
    listed = client.get(f"{FS}/targetConnections", params={"property": f"params.dataSetId=={dataset_id}"}).json()
    assert [entry["id"] for entry in listed["items"]] == [created["id"]]
    path = f"{FS}/targetConnections/{created['id']}"
    renamed = client.patch(
        path, json=[{"op": "replace", "path": "/name", "value": "T"}], headers={"If-Match": created["etag"]}
    )
    assert renamed.status_code == 200, renamed.text
    _, other_dataset = dataset_with_schema(client, "prices")
    moved = [{"op": "replace", "path": "/params/dataSetId", "value": other_dataset}]
    problem(client.patch(path, json=moved, headers={"If-Match": renamed.json()["etag"]}), 400, "holds schema")
    assert client.delete(path).status_code == 204
    problem(client.get(path), 404)


def test_target_connection_bodies_are_validated(client: TestClient) -> None:
    schema_id, dataset_id = dataset_with_schema(client)
    _, prices_dataset = dataset_with_schema(client, "prices")
    cases = [
        (target_body("https://ns.adobe.com/stripeflow/schemas/none", dataset_id), "is not a schema"),
        (target_body(schema_id, "65e622315f78042c9e8166e8"), "is not a dataset"),
        (target_body(schema_id, prices_dataset), "holds schema"),
        ({**target_body(schema_id, dataset_id), "data": {"format": "parquet_xdm"}}, "data.schema.id is required"),
        ({**target_body(schema_id, dataset_id), "data": {"format": "json"}}, "data.format must be 'parquet_xdm'"),
        ({**target_body(schema_id, dataset_id), "params": {}}, "params.dataSetId is required"),
        ({**target_body(schema_id, dataset_id), "connectionSpec": {"id": STRIPE_SPEC}}, f"must be {LAKE_SPEC}"),
    ]
    for body, message in cases:
        problem(client.post(f"{FS}/targetConnections", json=body), 400, message)


# -- deletion while flows use them -------------------------------------------------------------------------------------


def flow_repository(client: TestClient) -> EntityRepository:
    app: Any = client.app
    return EntityRepository(Database(app.state.store.engine), app.state.clock, ORG, "prod", user="t", client="t")


def test_deletes_are_refused_while_a_flow_uses_the_connection(client: TestClient) -> None:
    base = create_base(client)
    source = create_source(client, base["id"])
    unused = create_source(client, base["id"], "prices")
    schema_id, dataset_id = dataset_with_schema(client)
    target = client.post(f"{FS}/targetConnections", json=target_body(schema_id, dataset_id)).json()
    flows = flow_repository(client)
    flow = flows.create(
        "flow",
        {"sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]]},
        name="Stripe Connector Flow Generic Rest",
    )
    refused = problem(client.delete(f"{FS}/connections/{base['id']}"), 409, flow.id, "delete those flows first")
    assert refused["report"]["flows"] == [{"id": flow.id, "name": "Stripe Connector Flow Generic Rest"}]
    problem(client.delete(f"{FS}/sourceConnections/{source['id']}"), 409, flow.id)
    problem(client.delete(f"{FS}/targetConnections/{target['id']}"), 409, flow.id)
    item(client, f"connections/{base['id']}")
    flows.delete("flow", flow.id)
    assert client.delete(f"{FS}/connections/{base['id']}").status_code == 204
    problem(client.get(f"{FS}/connections/{base['id']}"), 404)
    for gone in (source, unused):
        problem(client.get(f"{FS}/sourceConnections/{gone['id']}"), 404)
    assert client.delete(f"{FS}/targetConnections/{target['id']}").status_code == 204


# -- sandboxes and keys -----------------------------------------------------------------------------------------------


def test_sandboxes_do_not_see_each_others_connections(client: TestClient) -> None:
    base = create_base(client)
    source = create_source(client, base["id"])
    dev = {"x-sandbox-name": "dev"}
    problem(client.get(f"{FS}/connections/{base['id']}", headers=dev), 404)
    problem(client.get(f"{FS}/sourceConnections/{source['id']}", headers=dev), 404)
    assert client.get(f"{FS}/connections", headers=dev).json() == {"items": []}
    assert client.get(f"{FS}/sourceConnections", headers=dev).json() == {"items": []}
    explore = f"{FS}/connections/{base['id']}/explore?{TUTORIAL_EXPLORE.format(preview='false')}"
    problem(client.get(explore, headers=dev), 404)
    problem(client.delete(f"{FS}/connections/{base['id']}", headers=dev), 404)
    problem(client.post(f"{FS}/sourceConnections", json=source_body(base["id"]), headers=dev), 400, "'dev'")
    other_org = {"x-gw-ims-org-id": "OTHER@AdobeOrg"}
    problem(client.get(f"{FS}/connections/{base['id']}", headers=other_org), 404)
    item(client, f"connections/{base['id']}")


def test_a_configured_secret_key_is_used_and_no_key_file_is_made(
    tmp_path: Path, shared_emulator: RunningEmulator, seen: Recorder
) -> None:
    key = Fernet.generate_key().decode()
    with make_client(tmp_path, shared_emulator.base_url, seen, secret_key=key) as keyed:
        created = create_base(keyed)
        explored = keyed.get(f"{FS}/connections/{created['id']}/explore?{TUTORIAL_EXPLORE.format(preview='false')}")
        assert explored.status_code == 200
    assert not (tmp_path / "secret.key").exists()
    with make_client(tmp_path, shared_emulator.base_url, seen, secret_key=Fernet.generate_key().decode()) as rekeyed:
        explore = f"{FS}/connections/{created['id']}/explore?{TUTORIAL_EXPLORE.format(preview='false')}"
        problem(rekeyed.get(explore), 500, "cannot be decrypted", "STRIPEFLOW_SECRET_KEY")
