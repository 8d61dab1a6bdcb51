"""Contract tests of the export service, and the documented sequence end to end: schema, dataset, mapping sets,
validate, preview, batches with partial ingestion, the batch's body and its row errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from stripeflow.server.app import create_app
from tests.server.conftest import HEADERS, api_settings
from tests.server.test_catalog import CATALOG, bad_row, charge_row, charges_schema, create_dataset, ingest, open_batch
from tests.server.test_conversion import CONVERSION, current_body, legacy_body, stripe_charge

EXPORT = "/data/foundation/export"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """Domain errors are answered by the app's catch-all handler, which Starlette re-raises after responding."""
    with TestClient(create_app(api_settings(tmp_path)), headers=HEADERS, raise_server_exceptions=False) as test_client:
        yield test_client


def test_the_documented_sequence_from_schema_to_row_errors(client: TestClient) -> None:
    schema_id = charges_schema(client)
    dataset_id = create_dataset(client, schema_id, "Stripe charges")
    assert client.post(f"{CONVERSION}/mappingSets", json=legacy_body(schema_id)).status_code == 200
    created = client.post(f"{CONVERSION}/mappingSets", json=current_body(schema_id))
    assert created.status_code == 200
    validated = client.post(f"{CONVERSION}/mappingSets/validate", json=current_body(schema_id)).json()
    assert {item["status"] for item in validated["validationResponse"]} == {"SUCCESS"}
    charge = stripe_charge()
    (previewed,) = client.post(
        f"{CONVERSION}/mappingSets/preview", json={"data": [{"data": charge}], "mappingSet": current_body(schema_id)}
    ).json()
    assert previewed["errors"] is None

    rows = [previewed["data"]] + [charge_row(number) for number in range(2, 20)] + [bad_row(20)]
    within = ingest(client, dataset_id, rows, partialIngestionPercent=5)
    above = ingest(client, dataset_id, [charge_row(30), bad_row(31)], partialIngestionPercent=5)
    assert (within["status"], above["status"]) == ("success", "failed")

    batch = client.get(f"{CATALOG}/batches/{within['id']}").json()[within["id"]]
    assert batch["metrics"]["failedRecordCount"] == 1
    assert batch["metrics"]["outputRecordCount"] == 19

    listing = client.get(f"{EXPORT}/batches/{within['id']}/meta", params={"path": "row_errors"})
    assert listing.status_code == 200
    body = listing.json()
    assert body["_page"] == {"limit": 100, "count": 1}
    (entry,) = body["data"]
    assert entry["name"] == "conversion_errors_0.json"
    assert entry["length"] > 0
    href = entry["_links"]["self"]["href"]
    assert href == f"{EXPORT}/batches/{within['id']}/meta?path=row_errors/conversion_errors_0.json"

    content = client.get(href)
    assert content.status_code == 200
    assert content.headers["content-type"].startswith("application/x-ndjson")
    (line,) = [orjson.loads(item) for item in content.content.splitlines()]
    assert set(line) == {"_corrupt_record", "_errors", "_filename"}
    assert orjson.loads(line["_corrupt_record"])["_id"] == "ch_20"
    assert line["_errors"][0]["code"] == "XDM-1003-400"
    assert line["_filename"] == "rows.json"

    failed_rows = client.get(f"{EXPORT}/batches/{above['id']}/failed").json()
    assert [item["name"] for item in failed_rows["data"]] == ["conversion_errors_0.json"]
    samples = client.get(f"{EXPORT}/batches/{above['id']}/failed", params={"path": "row_error_samples.json"})
    assert samples.headers["content-type"].startswith("application/json")
    assert [orjson.loads(row["_corrupt_record"])["_id"] for row in samples.json()] == ["ch_31"]


def test_input_files_and_samples_are_listed_and_read(client: TestClient) -> None:
    dataset_id = create_dataset(client, charges_schema(client))
    batch = ingest(client, dataset_id, [charge_row(1), bad_row(2)], partialIngestionPercent=50)
    meta = f"{EXPORT}/batches/{batch['id']}/meta"
    inputs = client.get(meta, params={"path": "input_files"}).json()
    (entry,) = inputs["data"]
    assert entry["name"] == "rows.json"
    assert entry["length"] > 0
    assert entry["_links"]["self"]["href"].endswith("?path=input_files/rows.json")
    assert orjson.loads(client.get(meta, params={"path": "input_files/rows.json"}).content) == {"path": "rows.json"}
    samples = client.get(meta, params={"path": "row_error_samples.json"}).json()
    assert samples["_page"]["count"] == 1
    assert samples["data"][0]["name"] == "row_error_samples.json"
    assert (
        client.get(f"{EXPORT}/batches/{batch['id']}/failed", params={"path": "row_errors"}).json()["_page"]["count"]
        == 1
    )


def test_export_refuses_unknown_batches_and_paths(client: TestClient) -> None:
    dataset_id = create_dataset(client, charges_schema(client))
    clean = ingest(client, dataset_id, [charge_row(1)])
    meta = f"{EXPORT}/batches/{clean['id']}/meta"
    assert client.get(meta, params={"path": "row_errors"}).json() == {"data": [], "_page": {"limit": 100, "count": 0}}
    for path in ("logs", "row_errors/../../secrets", "a/b/c"):
        refused = client.get(meta, params={"path": path})
        assert refused.status_code == 400, path
        assert "input_files, row_errors, row_error_samples.json" in refused.json()["detail"]
    assert client.get(meta).status_code == 400
    absent = client.get(meta, params={"path": "row_errors/conversion_errors_0.json"})
    assert absent.status_code == 404
    assert "?path=row_errors" in absent.json()["detail"]
    unknown = client.get(f"{EXPORT}/batches/01J0000000000000000000000/meta", params={"path": "row_errors"})
    assert unknown.status_code == 404
    assert unknown.json()["title"] == "NotFoundError"
    dev = client.get(meta, params={"path": "row_errors"}, headers={"x-sandbox-name": "dev"})
    assert dev.status_code == 404, "another sandbox's batch is not found"
    loading = open_batch(client, dataset_id)
    assert client.get(f"{EXPORT}/batches/{loading}/meta", params={"path": "input_files"}).json()["data"] == []
