"""``stripeflow schemas|mappings|datasets show|errors``, run as a user runs them, against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

from stripeflow.emulator.server import RunningEmulator
from stripeflow.prep.defaults import default_mapping_set
from tests.cli.test_cli import run_cli, sync_env

FIXTURES = Path(__file__).parents[2].parent / "shared" / "stripe-openapi" / "fixtures3.json"


def test_schemas_list_show_and_export(tmp_path: Path) -> None:
    env = {"STRIPEFLOW_DATA_DIR": str(tmp_path)}
    listed = run_cli("schemas", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    titles = {item["title"] for item in json.loads(listed.stdout)}
    assert {"Stripe Charges", "Stripe Customers", "Stripe Prices"} <= titles

    shown = run_cli("schemas", "show", "Stripe Charges", env=env)
    assert shown.returncode == 0, shown.stderr
    resolved = json.loads(shown.stdout)
    assert "allOf" not in resolved
    charges = resolved["properties"]["_stripeflow"]["properties"]["charges_data"]["properties"]
    assert charges["created"]["format"] == "date-time"
    assert charges["amount_major"]["type"] == "number"

    target = tmp_path / "charges.schema.json"
    exported = run_cli("schemas", "export", "charges", "-o", str(target), env=env)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(target.read_text())
    assert document["$schema"].startswith("https://json-schema.org/")
    assert not [key for key in document if key.startswith("meta:")]

    missing = run_cli("schemas", "show", "no-such-schema", env=env)
    assert missing.returncode == 2
    assert "no-such-schema" in missing.stderr


def test_mappings_validate_reports_each_bad_mapping_with_its_position(tmp_path: Path) -> None:
    env = {"STRIPEFLOW_DATA_DIR": str(tmp_path)}
    assert run_cli("mappings", "validate", "charges", env=env).returncode == 0
    body = default_mapping_set("charges").to_body()
    body["mappings"] = [
        {"sourceType": "EXPRESSION", "source": "concat(data.id, ", "destination": "_id"},
        {"sourceType": "ATTRIBUTE", "source": "data.id", "destination": "_stripeflow.charges_data.no_such_field"},
        {"sourceType": "ATTRIBUTE", "source": "data.amount", "destination": "_stripeflow.charges_data.amount"},
    ]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(body))
    done = run_cli("mappings", "validate", str(path), "--schema", "charges", "--json", env=env)
    assert done.returncode == 1
    statuses = [item["status"] for item in json.loads(done.stdout)["validationResponse"]]
    assert statuses == ["ERROR", "ERROR", "SUCCESS"]
    table = run_cli("mappings", "validate", str(path), "--schema", "charges", env=env)
    assert "position" in table.stdout
    assert "no_such_field" in table.stdout


def test_mappings_preview_maps_supplied_records_without_ingesting(tmp_path: Path) -> None:
    env = {"STRIPEFLOW_DATA_DIR": str(tmp_path)}
    charge = json.loads(FIXTURES.read_text())["resources"]["charge"]
    records = tmp_path / "charges.json"
    records.write_text(json.dumps([charge, {**charge, "billing_details": "not an object"}]))
    done = run_cli("mappings", "preview", "charges", "--records", str(records), env=env)
    assert done.returncode == 0, done.stderr
    good, bad = json.loads(done.stdout)
    assert good["errors"] is None
    assert good["data"]["_stripeflow"]["charges_data"]["id"] == charge["id"]
    assert good["data"]["timestamp"].endswith("Z")
    assert bad["data"] is None
    assert bad["errors"]


def test_datasets_show_and_errors_after_a_sync_with_partial_ingestion(
    shared_emulator: RunningEmulator, tmp_path: Path
) -> None:
    env = sync_env(shared_emulator, tmp_path / "data")
    body = default_mapping_set("refunds").to_body()
    for mapping in body["mappings"]:
        if mapping["destination"] == "_id":
            mapping["source"] = mapping["sourceAttribute"] = "data.customer"  # refunds without a customer fail
    mapping_file = tmp_path / "refunds.json"
    mapping_file.write_text(json.dumps(body))
    done = run_cli(
        "sync", "--resources", "refunds", "--mapping", f"refunds={mapping_file}", "--error-threshold", "100",
        "--json", env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    mapped = json.loads(done.stdout)["resources"]["refunds"]["mapped"]
    assert mapped["failed"] > 0

    shown = run_cli("datasets", "show", "refunds", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    dataset = json.loads(shown.stdout)
    assert dataset["name"] == "Stripe Refunds"
    assert dataset["rows"] == mapped["output"]
    (batch,) = dataset["batches"]
    assert batch["id"] == mapped["batch_id"]
    assert batch["metrics"]["failedRecordCount"] == mapped["failed"]

    errors = run_cli("datasets", "errors", mapped["batch_id"], "--json", env=env)
    assert errors.returncode == 0, errors.stderr
    rows = json.loads(errors.stdout)
    assert len(rows) == mapped["failed"]
    assert rows[0]["_errors"][0]["code"] == "INGEST-1555-400"

    bad_pair = run_cli("sync", "--mapping", "refunds", env=env)
    assert bad_pair.returncode == 2
    assert "RESOURCE=VALUE" in bad_pair.stderr
