"""Contract tests of the Catalog service: datasets, batches, batch ingestion of XDM rows, sandboxes, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from stripeflow.platform import Platform
from stripeflow.server.app import create_app
from tests.server.conftest import HEADERS, ORG, api_settings

CATALOG = "/data/foundation/catalog"
XED = "application/vnd.adobe.xed+json;version=1"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """The standard client, except that server errors become responses: the app answers domain errors (a missing
    dataset ...) from its catch-all handler, which Starlette re-raises after responding."""
    with TestClient(create_app(api_settings(tmp_path)), headers=HEADERS, raise_server_exceptions=False) as test_client:
        yield test_client


def platform_of(client: TestClient, sandbox: str = "prod") -> Platform:
    app: Any = client.app
    return Platform(app.state.settings, app.state.store, org_id=ORG, sandbox_name=sandbox)


def charges_schema(client: TestClient, sandbox: str = "prod") -> str:
    """The ready-made Stripe charges schema's ``$id`` in ``sandbox``."""
    return platform_of(client, sandbox).registry.ensure_stripe_defaults()["charges"]


def create_dataset(client: TestClient, schema_id: str, name: str = "Charges", **extra: Any) -> str:
    response = client.post(
        f"{CATALOG}/dataSets", json={"name": name, "schemaRef": {"id": schema_id, "contentType": XED}, **extra}
    )
    assert response.status_code == 201, response.text
    (reference,) = response.json()
    assert reference.startswith("@/dataSets/")
    return str(reference.removeprefix("@/dataSets/"))


def charge_row(number: int, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "_id": f"ch_{number}",
        "timestamp": "2026-03-01T12:00:00Z",
        "eventType": "stripe.charge",
        "_stripeflow": {"charges_data": {"id": f"ch_{number}", "amount": 100 * number, "currency": "usd"}},
    }
    return row | overrides


def bad_row(number: int) -> dict[str, Any]:
    """A row the charges schema refuses: its timestamp is not a date-time."""
    return charge_row(number, timestamp="yesterday")


def open_batch(client: TestClient, dataset_id: str, **body: Any) -> str:
    response = client.post(
        f"{CATALOG}/batches", json={"datasetId": dataset_id, "inputFormat": {"format": "json"}, **body}
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "loading"
    return str(response.json()["id"])


def ingest(client: TestClient, dataset_id: str, rows: list[dict[str, Any]], **body: Any) -> dict[str, Any]:
    """Open a batch, upload ``rows`` (as JSON Lines), complete it; the batch's body."""
    batch_id = open_batch(client, dataset_id, **body)
    lines = b"".join(orjson.dumps(row) + b"\n" for row in rows)
    uploaded = client.post(
        f"{CATALOG}/batches/{batch_id}/rows", content=lines, headers={"Content-Type": "application/json"}
    )
    assert uploaded.status_code == 200, uploaded.text
    completed = client.post(f"{CATALOG}/batches/{batch_id}", params={"action": "COMPLETE"})
    assert completed.status_code == 200, completed.text
    body_out: dict[str, Any] = completed.json()[batch_id]
    return body_out


# -- datasets -------------------------------------------------------------------------------------------------------


def test_a_dataset_is_created_read_listed_updated_and_deleted(client: TestClient) -> None:
    schema_id = charges_schema(client)
    response = client.post(
        f"{CATALOG}/dataSets",
        params={"requestDataSource": "true"},
        json={"name": "Charges", "description": "Stripe charges", "schemaRef": {"id": schema_id, "contentType": XED},
              "tags": {"team": ["payments"]}},
    )  # fmt: skip
    assert response.status_code == 201
    (reference,) = response.json()
    dataset_id = reference.removeprefix("@/dataSets/")
    assert len(dataset_id) == 24
    assert int(dataset_id, 16) >= 0

    got = client.get(f"{CATALOG}/dataSets/{dataset_id}")
    assert got.status_code == 200
    body = got.json()[dataset_id]
    assert body["name"] == "Charges"
    assert body["description"] == "Stripe charges"
    assert body["schemaRef"] == {"id": schema_id, "contentType": XED}
    assert body["tags"] == {"team": ["payments"]}
    assert platform_of(client).catalog.table_path(dataset_id).joinpath("_delta_log").is_dir(), "table made at once"

    other = create_dataset(client, schema_id, name="Other")
    listed = client.get(f"{CATALOG}/dataSets").json()
    assert set(listed) == {other, dataset_id}
    assert list(client.get(f"{CATALOG}/dataSets", params={"name": "Other"}).json()) == [other]
    assert list(client.get(f"{CATALOG}/dataSets", params={"property": "name==Charges"}).json()) == [dataset_id]
    by_schema = client.get(f"{CATALOG}/dataSets", params={"property": f"schemaRef.id=={schema_id}", "limit": 1})
    assert len(by_schema.json()) == 1
    trimmed = client.get(f"{CATALOG}/dataSets", params={"properties": "name,schemaRef"}).json()
    assert set(trimmed[dataset_id]) == {"name", "schemaRef"}

    patched = client.patch(f"{CATALOG}/dataSets/{dataset_id}", json={"name": "Renamed", "tags": {"team": ["risk"]}})
    assert patched.status_code == 200
    assert patched.json() == [f"@/dataSets/{dataset_id}"]
    after = client.get(f"{CATALOG}/dataSets/{dataset_id}").json()[dataset_id]
    assert (after["name"], after["description"], after["tags"]) == ("Renamed", "Stripe charges", {"team": ["risk"]})

    deleted = client.delete(f"{CATALOG}/dataSets/{dataset_id}")
    assert deleted.status_code == 200
    assert deleted.json() == [f"@/dataSets/{dataset_id}"]
    assert client.get(f"{CATALOG}/dataSets/{dataset_id}").status_code == 404
    assert client.delete(f"{CATALOG}/dataSets/{dataset_id}").status_code == 404


def test_dataset_errors_are_400_or_404_with_problem_bodies(client: TestClient) -> None:
    missing = client.post(
        f"{CATALOG}/dataSets", json={"name": "x", "schemaRef": {"id": "https://ns.adobe.com/stripeflow/schemas/nope"}}
    )
    assert missing.status_code == 400
    assert missing.json()["title"] == "BadRequestError"
    assert "is not a schema of the Schema Registry" in missing.json()["detail"]

    no_name = client.post(f"{CATALOG}/dataSets", json={"schemaRef": {"id": "x"}})
    assert no_name.status_code == 400
    assert "name" in no_name.json()["detail"]

    unknown = client.get(f"{CATALOG}/dataSets/0123456789abcdef01234567")
    assert unknown.status_code == 404
    assert unknown.json()["status"] == 404
    assert client.patch(f"{CATALOG}/dataSets/0123456789abcdef01234567", json={"name": "y"}).status_code == 404

    dataset_id = create_dataset(client, charges_schema(client))
    empty = client.patch(f"{CATALOG}/dataSets/{dataset_id}", json={})
    assert empty.status_code == 400
    assert "at least one of" in empty.json()["detail"]
    extra = client.patch(f"{CATALOG}/dataSets/{dataset_id}", json={"schemaRef": {"id": "x"}})
    assert extra.status_code == 400

    bad_filter = client.get(f"{CATALOG}/dataSets", params={"property": "created>0"})
    assert bad_filter.status_code == 400
    assert "property=name==<value>" in bad_filter.json()["detail"]
    assert client.get(f"{CATALOG}/dataSets", params={"limit": 0}).status_code == 400


# -- batches --------------------------------------------------------------------------------------------------------


def test_a_clean_batch_succeeds_and_has_the_documented_body(client: TestClient) -> None:
    dataset_id = create_dataset(client, charges_schema(client))
    batch = ingest(client, dataset_id, [charge_row(1), charge_row(2)], enableErrorDiagnostics=True)
    assert batch["status"] == "success"
    assert set(batch) >= {"status", "tags", "relatedObjects", "inputFormat", "started", "completed", "created",
                          "updated", "metrics", "errors"}  # fmt: skip
    assert batch["relatedObjects"] == [{"type": "dataSet", "id": dataset_id}]
    assert batch["inputFormat"] == {"format": "json"}
    assert batch["tags"]["acp_enableErrorDiagnostics"] is True
    metrics = batch["metrics"]
    assert (metrics["inputRecordCount"], metrics["outputRecordCount"], metrics["failedRecordCount"]) == (2, 2, 0)
    assert metrics["inputFileCount"] == 1
    assert batch["errors"] == []
    table = platform_of(client).catalog.read_dataset(dataset_id)
    assert sorted(table.column("_id").to_pylist()) == ["ch_1", "ch_2"]
    dataset = client.get(f"{CATALOG}/dataSets/{dataset_id}").json()[dataset_id]
    assert dataset["lastBatchStatus"] == "success"


def test_partial_ingestion_keeps_good_rows_below_the_threshold_and_fails_the_batch_above(client: TestClient) -> None:
    dataset_id = create_dataset(client, charges_schema(client))
    rows = [charge_row(number) for number in range(1, 20)] + [bad_row(20)]  # 5% bad

    within = ingest(client, dataset_id, rows, partialIngestionPercent=5)
    assert within["status"] == "success"
    assert within["tags"] == {"acp_partialIngestionPercent": 5.0, "acp_enableErrorDiagnostics": True}
    assert within["metrics"]["outputRecordCount"] == 19
    assert within["metrics"]["failedRecordCount"] == 1
    codes = [error["code"] for error in within["errors"]]
    assert codes[-1] == "INGEST-1212-400"
    assert "XDM-1003-400" in codes
    assert "ingested 19 rows" in within["errors"][-1]["description"]

    above = ingest(
        client, dataset_id, [charge_row(30), bad_row(31), bad_row(32)], tags={"acp_partialIngestionPercent": 10}
    )
    assert above["status"] == "failed"
    assert above["metrics"]["outputRecordCount"] == 0
    assert above["metrics"]["failedRecordCount"] == 2
    assert "exceed the error threshold of 10%" in above["errors"][-1]["description"]
    ids = platform_of(client).catalog.read_dataset(dataset_id).column("_id").to_pylist()
    assert len(ids) == 19
    assert "ch_30" not in ids

    strict = ingest(client, dataset_id, [charge_row(40), bad_row(41)])
    assert strict["status"] == "failed"
    assert strict["errors"] == [{"code": "INGEST-1211-400", "description": strict["errors"][0]["description"]}]


def test_batches_are_listed_filtered_and_read(client: TestClient) -> None:
    schema_id = charges_schema(client)
    first, second = create_dataset(client, schema_id, "A"), create_dataset(client, schema_id, "B")
    good = ingest(client, first, [charge_row(1)])
    bad = ingest(client, second, [bad_row(2)])
    listed = client.get(f"{CATALOG}/batches").json()
    assert set(listed) == {good["id"], bad["id"]}
    assert list(client.get(f"{CATALOG}/batches", params={"dataSet": first}).json()) == [good["id"]]
    assert list(client.get(f"{CATALOG}/batches", params={"status": "failed"}).json()) == [bad["id"]]
    assert len(client.get(f"{CATALOG}/batches", params={"limit": 1}).json()) == 1
    assert len(client.get(f"{CATALOG}/batches", params={"limit": 1, "start": 1}).json()) == 1
    got = client.get(f"{CATALOG}/batches/{good['id']}")
    assert got.status_code == 200
    assert got.json()[good["id"]]["status"] == "success"
    wrong_status = client.get(f"{CATALOG}/batches", params={"status": "done"})
    assert wrong_status.status_code == 400
    assert "loading, success, failed, aborted" in wrong_status.json()["detail"]
    assert client.get(f"{CATALOG}/batches/01J0000000000000000000000").status_code == 404


def test_uploads_accept_a_json_array_and_several_posts_and_refuse_what_is_not_rows(client: TestClient) -> None:
    dataset_id = create_dataset(client, charges_schema(client))
    batch_id = open_batch(client, dataset_id)
    rows_url = f"{CATALOG}/batches/{batch_id}/rows"
    first = client.post(rows_url, json=[charge_row(1), charge_row(2)])
    assert first.status_code == 200
    assert first.json() == {"id": batch_id, "status": "loading", "rows": 2, "file": "rows.json"}
    assert (
        client.post(
            rows_url, content=orjson.dumps(charge_row(3)), headers={"Content-Type": "application/json"}
        ).status_code
        == 200
    )

    not_json = client.post(rows_url, content=b'{"_id": "a"}\n{oops\n', headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400
    assert "line 2: not valid JSON" in not_json.json()["detail"]
    scalars = client.post(rows_url, json=[charge_row(4), 5])
    assert scalars.status_code == 400
    assert "item 1: a row must be a JSON object, got int" in scalars.json()["detail"]
    empty = client.post(rows_url, content=b"  ", headers={"Content-Type": "application/json"})
    assert empty.status_code == 400
    wrong_type = client.post(rows_url, content=b"{}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 400

    done = client.post(f"{CATALOG}/batches/{batch_id}", params={"action": "COMPLETE"}).json()[batch_id]
    assert done["metrics"]["inputRecordCount"] == 3, "the refused uploads staged nothing"
    again = client.post(rows_url, json=[charge_row(5)])
    assert again.status_code == 409
    assert "is success: uploading rows needs a loading batch" in again.json()["detail"]


def test_batch_creation_and_actions_refuse_what_they_cannot_do(client: TestClient) -> None:
    dataset_id = create_dataset(client, charges_schema(client))
    unknown = client.post(f"{CATALOG}/batches", json={"datasetId": "0123456789abcdef01234567"})
    assert unknown.status_code == 400
    assert "is not a dataset" in unknown.json()["detail"]
    csv = client.post(f"{CATALOG}/batches", json={"datasetId": dataset_id, "inputFormat": {"format": "csv"}})
    assert csv.status_code == 400
    over = client.post(f"{CATALOG}/batches", json={"datasetId": dataset_id, "partialIngestionPercent": 150})
    assert over.status_code == 400
    bad_tag = client.post(
        f"{CATALOG}/batches", json={"datasetId": dataset_id, "tags": {"acp_partialIngestionPercent": 101}}
    )
    assert bad_tag.status_code == 400

    batch_id = open_batch(client, dataset_id)
    second = client.post(f"{CATALOG}/batches", json={"datasetId": dataset_id})
    assert second.status_code == 409
    assert batch_id in second.json()["detail"]
    assert client.post(f"{CATALOG}/batches/{batch_id}").status_code == 400
    assert client.post(f"{CATALOG}/batches/{batch_id}", params={"action": "PUBLISH"}).status_code == 400
    nothing = client.post(f"{CATALOG}/batches/{batch_id}", params={"action": "COMPLETE"})
    assert nothing.status_code == 400
    assert nothing.json()["error_code"] == "133"

    client.post(f"{CATALOG}/batches/{batch_id}/rows", json=[charge_row(1)])
    aborted = client.post(f"{CATALOG}/batches/{batch_id}", params={"action": "ABORT"})
    assert aborted.status_code == 200
    assert aborted.json()[batch_id]["status"] == "aborted"
    assert aborted.json()[batch_id]["errors"][0]["code"] == "aborted"
    assert not (platform_of(client).catalog.root / dataset_id / "uploads" / batch_id).exists()
    late = client.post(f"{CATALOG}/batches/{batch_id}", params={"action": "COMPLETE"})
    assert late.status_code == 409
    assert client.post(f"{CATALOG}/batches/nope", params={"action": "ABORT"}).status_code == 404
    assert open_batch(client, dataset_id), "a new batch once the other is closed"


def test_sandboxes_do_not_see_each_others_datasets_and_batches(client: TestClient) -> None:
    dataset_id = create_dataset(client, charges_schema(client))
    batch = ingest(client, dataset_id, [charge_row(1)])
    dev = {"x-sandbox-name": "dev"}
    assert client.get(f"{CATALOG}/dataSets/{dataset_id}", headers=dev).status_code == 404
    assert client.get(f"{CATALOG}/dataSets", headers=dev).json() == {}
    assert client.get(f"{CATALOG}/batches/{batch['id']}", headers=dev).status_code == 404
    assert client.post(f"{CATALOG}/batches", json={"datasetId": dataset_id}, headers=dev).status_code == 400
    assert client.delete(f"{CATALOG}/dataSets/{dataset_id}", headers=dev).status_code == 404
    prod_schema = charges_schema(client)
    refused = client.post(
        f"{CATALOG}/dataSets", json={"name": "x", "schemaRef": {"id": prod_schema}}, headers={"x-sandbox-name": "empty"}
    )
    assert refused.status_code == 400, "the schema is prod's; the empty sandbox's registry has none"
    assert client.get(f"{CATALOG}/dataSets/{dataset_id}").status_code == 200
