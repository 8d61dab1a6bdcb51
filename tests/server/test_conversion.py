"""Contract tests of Data Prep: mapping sets in both shapes, validate, preview, and the expression language."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from stripeflow.server.app import create_app
from tests.server.conftest import HEADERS, api_settings
from tests.server.test_catalog import charges_schema

CONVERSION = "/data/foundation/conversion"
FIXTURES = Path("/work/shared/stripe-openapi/fixtures3.json")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """Domain errors are answered by the app's catch-all handler, which Starlette re-raises after responding."""
    with TestClient(create_app(api_settings(tmp_path)), headers=HEADERS, raise_server_exceptions=False) as test_client:
        yield test_client


def stripe_charge() -> dict[str, Any]:
    charge: dict[str, Any] = orjson.loads(FIXTURES.read_bytes())["resources"]["charge"]
    return charge


def legacy_body(schema_id: str) -> dict[str, Any]:
    """The Stripe tutorial's body (without its stray ``},``)."""
    return {
        "version": 0,
        "xdmSchema": schema_id,
        "xdmVersion": "1.0",
        "mappings": [
            {"destinationXdmPath": "_id", "sourceAttribute": "data.id", "identity": False, "version": 0},
            {"destinationXdmPath": "_stripeflow.charges_data.id", "sourceAttribute": "data.id", "identity": False,
             "version": 0},
            {"destinationXdmPath": "_stripeflow.charges_data.amount", "sourceAttribute": "data.amount",
             "identity": False, "version": 0},
        ],
    }  # fmt: skip


XED_FULL = "application/vnd.adobe.xed-full+json;version=1"


def current_body(schema_id: str) -> dict[str, Any]:
    return {
        "outputSchema": {"schemaRef": {"id": schema_id, "contentType": XED_FULL}},
        "mappings": [
            {"sourceType": "ATTRIBUTE", "source": "data.id", "destination": "_id", "name": "id"},
            {"sourceType": "EXPRESSION", "source": "dformat(data.created * 1000, \"yyyy-MM-dd'T'HH:mm:ssXXX\")",
             "destination": "timestamp", "name": "created"},
            {"sourceType": "STATIC", "source": "stripe.charge", "destination": "eventType"},
            {"sourceType": "ATTRIBUTE", "source": "data.currency", "destination": "_stripeflow.charges_data.currency"},
        ],
    }  # fmt: skip


def test_mapping_sets_in_both_shapes_are_created_read_and_listed(client: TestClient) -> None:
    schema_id = charges_schema(client)
    legacy = client.post(f"{CONVERSION}/mappingSets", json=legacy_body(schema_id))
    assert legacy.status_code == 200, legacy.text
    summary = legacy.json()
    assert set(summary) == {"id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy"}
    assert len(summary["id"]) == 32
    assert summary["version"] == 0
    assert summary["createdBy"] == summary["modifiedBy"] == "bootstrap"
    current = client.post(f"{CONVERSION}/mappingSets", json=current_body(schema_id))
    assert current.status_code == 200, current.text

    got = client.get(f"{CONVERSION}/mappingSets/{summary['id']}").json()
    assert got["xdmSchema"] == schema_id
    assert got["schemaRef"]["id"] == schema_id
    assert (got["supportVersion"], got["status"], got["strictMapping"], got["allowNullValues"]) == (
        "1.1", "PUBLISHED", False, False,
    )  # fmt: skip
    assert got["outputSchema"]["jsonSchema"] is None
    first = got["mappings"][0]
    assert (first["source"], first["sourceAttribute"], first["destination"], first["destinationXdmPath"]) == (
        "data.id", "data.id", "_id", "_id",
    )  # fmt: skip
    expanded = client.get(f"{CONVERSION}/mappingSets/{summary['id']}", params={"expandSchema": "true"}).json()
    assert expanded["outputSchema"]["jsonSchema"]["$id"] == schema_id
    assert "_stripeflow" in expanded["outputSchema"]["jsonSchema"]["properties"]

    page = client.get(f"{CONVERSION}/mappingSets", params={"limit": 1, "start": 0}).json()
    assert page["_page"] == {"count": 2, "limit": 1}
    assert [item["id"] for item in page["data"]] == [summary["id"]]
    newest = client.get(f"{CONVERSION}/mappingSets", params={"limit": 5, "start": 0, "orderBy": "-createdDate"})
    assert [item["id"] for item in newest.json()["data"]][-1] in {summary["id"], current.json()["id"]}
    with_schema = client.get(f"{CONVERSION}/mappingSets", params={"limit": 5, "start": 0, "expandSchema": "true"})
    assert all(item["outputSchema"]["jsonSchema"]["$id"] == schema_id for item in with_schema.json()["data"])


def test_listing_needs_limit_and_start_and_a_valid_order(client: TestClient) -> None:
    missing = client.get(f"{CONVERSION}/mappingSets")
    assert missing.status_code == 400
    assert "limit and start missing" in missing.json()["detail"]
    only_limit = client.get(f"{CONVERSION}/mappingSets", params={"limit": 10})
    assert only_limit.status_code == 400
    assert only_limit.json()["detail"].startswith("start missing")
    order = client.get(f"{CONVERSION}/mappingSets", params={"limit": 10, "start": 0, "orderBy": "name"})
    assert order.status_code == 400
    assert "createdDate or updatedDate" in order.json()["detail"]


def test_a_set_is_replaced_its_mappings_read_and_deleted(client: TestClient) -> None:
    schema_id = charges_schema(client)
    set_id = client.post(f"{CONVERSION}/mappingSets", json=legacy_body(schema_id)).json()["id"]
    old_ids = [item["id"] for item in client.get(f"{CONVERSION}/mappingSets/{set_id}/mappings").json()]
    replaced = client.put(f"{CONVERSION}/mappingSets/{set_id}", json=current_body(schema_id))
    assert replaced.status_code == 200
    assert replaced.json()["version"] == 1
    mappings = client.get(f"{CONVERSION}/mappingSets/{set_id}/mappings").json()
    assert len(mappings) == 4
    assert not {item["id"] for item in mappings} & set(old_ids)
    assert mappings[0]["sourceAttribute"] == "data.id"
    assert mappings[0]["identity"] is False
    one = client.get(f"{CONVERSION}/mappingSets/{set_id}/mappings/{mappings[1]['id']}")
    assert one.status_code == 200
    assert one.json()["destinationXdmPath"] == "timestamp"
    assert client.get(f"{CONVERSION}/mappingSets/{set_id}/mappings/{old_ids[0]}").status_code == 404
    version_0 = client.get(f"{CONVERSION}/mappingSets/{set_id}", params={"version": 0}).json()
    assert version_0["version"] == 0
    assert len(version_0["mappings"]) == 3
    assert client.get(f"{CONVERSION}/mappingSets/{set_id}", params={"version": 7}).status_code == 404

    deleted = client.delete(f"{CONVERSION}/mappingSets/{set_id}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(f"{CONVERSION}/mappingSets/{set_id}").status_code == 404
    assert client.delete(f"{CONVERSION}/mappingSets/{set_id}").status_code == 404
    assert client.put(f"{CONVERSION}/mappingSets/{set_id}", json=current_body(schema_id)).status_code == 404


def test_creation_refuses_a_missing_schema_and_lists_every_bad_mapping(client: TestClient) -> None:
    schema_id = charges_schema(client)
    no_schema = client.post(f"{CONVERSION}/mappingSets", json=legacy_body("https://ns.adobe.com/stripeflow/schemas/x"))
    assert no_schema.status_code == 400
    assert "is not a schema of the Schema Registry" in no_schema.json()["detail"]
    unnamed = client.post(f"{CONVERSION}/mappingSets", json={"mappings": [{"source": "data.id", "destination": "_id"}]})
    assert unnamed.status_code == 400
    assert "names no output schema" in unnamed.json()["detail"]

    body = current_body(schema_id)
    body["mappings"] += [
        {"sourceType": "ATTRIBUTE", "source": "data.id", "destination": "_stripeflow.charges_data.nope"},
        {"sourceType": "EXPRESSION", "source": "concatt(data.id)", "destination": "_stripeflow.charges_data.id"},
    ]
    invalid = client.post(f"{CONVERSION}/mappingSets", json=body)
    assert invalid.status_code == 400
    problem = invalid.json()
    assert problem["detail"].startswith(
        "2 mappings are not valid: mappings[4] (destination '_stripeflow.charges_data.nope')"
    )
    assert [item["index"] for item in problem["report"]["mappings"]] == [4, 5]
    assert "concat" in problem["detail"]

    wrong_type = current_body(schema_id)
    wrong_type["mappings"][0]["sourceType"] = "ATTR"
    refused = client.post(f"{CONVERSION}/mappingSets", json=wrong_type)
    assert refused.status_code == 400
    assert "use one of ATTRIBUTE, STATIC, EXPRESSION" in refused.json()["detail"]
    assert refused.json()["report"]["problems"]
    assert client.get(f"{CONVERSION}/mappingSets", params={"limit": 10, "start": 0}).json()["_page"]["count"] == 0


def test_validate_and_preview_a_stripe_charge(client: TestClient) -> None:
    schema_id = charges_schema(client)
    checked = client.post(f"{CONVERSION}/mappingSets/validate", json=current_body(schema_id))
    assert checked.status_code == 200
    assert checked.json() == {"validationResponse": [{"status": "SUCCESS", "errors": None}] * 4}
    body = legacy_body(schema_id)
    body["mappings"].append({"sourceAttribute": "data.id", "destinationXdmPath": "_stripeflow.charges_data.nope"})
    flagged = client.post(f"{CONVERSION}/mappingSets/validate", json=body).json()["validationResponse"]
    assert [item["status"] for item in flagged] == ["SUCCESS"] * 3 + ["ERROR"]
    assert flagged[3]["errors"][0]["code"] == "UNKNOWN_DESTINATION"

    charge = stripe_charge()
    previewed = client.post(
        f"{CONVERSION}/mappingSets/preview", json={"data": [{"data": charge}], "mappingSet": current_body(schema_id)}
    )
    assert previewed.status_code == 200, previewed.text
    (row,) = previewed.json()
    assert row["errors"] is None
    assert row["data"]["_id"] == charge["id"]
    assert row["data"]["eventType"] == "stripe.charge"
    assert row["data"]["_stripeflow"]["charges_data"]["currency"] == charge["currency"]
    assert row["data"]["timestamp"].endswith("Z")

    legacy = client.post(
        f"{CONVERSION}/mappingSets/preview",
        json={"data": [{"data": charge}, {"data": {}}], "mappingSet": legacy_body(schema_id)},
    )
    first, empty = legacy.json()
    assert first["data"] is None, "the tutorial's mappings leave the required timestamp unset: the row is rejected"
    assert [(error["code"], error["path"]) for error in first["errors"]] == [("INGEST-1555-400", "timestamp")]
    assert empty["errors"], "a record without an id misses the required _id"

    assert (
        client.post(f"{CONVERSION}/mappingSets/preview", json={"mappingSet": current_body(schema_id)}).status_code
        == 400
    )
    too_many = client.post(
        f"{CONVERSION}/mappingSets/preview", json={"data": [{}] * 1001, "mappingSet": current_body(schema_id)}
    )
    assert too_many.status_code == 400
    assert client.post(f"{CONVERSION}/mappingSets/validate", json={"mappings": []}).status_code == 400


def test_expressions_are_validated_with_the_position_of_an_error(client: TestClient) -> None:
    ok = client.post(
        f"{CONVERSION}/languages/el/validate", json={"expression": 'concat(data.id, "-", upper(data.currency))'}
    )
    assert ok.status_code == 200
    assert ok.json() == {"validationStatus": "succeeded", "error": "none"}
    bad = client.post(f"{CONVERSION}/languages/el/validate", json={"expression": "concatt(data.id)"})
    assert bad.status_code == 200
    failure = bad.json()
    assert failure["validationStatus"] == "failed"
    assert failure["position"] == 0
    assert "unknown function 'concatt'" in failure["error"]
    assert "concat" in failure["hint"]
    unclosed = client.post(f"{CONVERSION}/languages/el/validate", json={"expression": 'upper("abc"'}).json()
    assert unclosed["validationStatus"] == "failed"
    assert unclosed["position"] > 0
    assert client.post(f"{CONVERSION}/languages/el/validate", json={}).status_code == 400


def test_the_function_and_operator_catalogues_are_machine_readable(client: TestClient) -> None:
    functions = client.get(f"{CONVERSION}/languages/el/functions").json()["functions"]
    by_name = {item["name"]: item for item in functions}
    assert {"concat", "dformat", "sha256", "iif", "decode", "to_decimal"} <= set(by_name)
    substr = by_name["substr"]
    assert (substr["minArgs"], substr["maxArgs"], substr["aliasOf"]) == (2, 3, None)
    assert by_name["now"]["exampleResult"].startswith("2026-11-30")
    assert by_name["lcase"]["aliasOf"] == "lower"
    operators = client.get(f"{CONVERSION}/languages/el/operators").json()
    symbols = {item["symbol"]: item for item in operators["operators"]}
    assert "or" in symbols["||"]["aliases"]
    assert "_errors" in operators["reservedWords"]


def test_mapping_sets_are_scoped_to_their_sandbox(client: TestClient) -> None:
    schema_id = charges_schema(client)
    set_id = client.post(f"{CONVERSION}/mappingSets", json=legacy_body(schema_id)).json()["id"]
    dev = {"x-sandbox-name": "dev"}
    assert client.get(f"{CONVERSION}/mappingSets/{set_id}", headers=dev).status_code == 404
    assert (
        client.get(f"{CONVERSION}/mappingSets", params={"limit": 5, "start": 0}, headers=dev).json()["_page"]["count"]
        == 0
    )
    assert client.post(f"{CONVERSION}/mappingSets", json=legacy_body(schema_id), headers=dev).status_code == 400
    assert client.delete(f"{CONVERSION}/mappingSets/{set_id}", headers=dev).status_code == 404
    assert client.get(f"{CONVERSION}/mappingSets/{set_id}").status_code == 200
