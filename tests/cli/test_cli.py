"""The command line, run as a user runs it (a subprocess), against the emulator over loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stripeflow.emulator.server import RunningEmulator
from tests.support.emulator import KEY


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "stripeflow", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )


def sync_env(emulator: RunningEmulator, data_dir: Path, key: str = KEY) -> dict[str, str]:
    return {
        "STRIPEFLOW_DATA_DIR": str(data_dir),
        "STRIPEFLOW_STRIPE_API_BASE": emulator.base_url,
        "STRIPEFLOW_ACCESS_TOKEN": key,
        "STRIPEFLOW_MAX_RPS": "0",
        "STRIPEFLOW_MAX_ENDPOINT_RPS": "0",
    }


def test_sync_json_prints_the_documented_document(shared_emulator: RunningEmulator, tmp_path: Path) -> None:
    done = run_cli("sync", "--json", "--resources", "charges,prices", env=sync_env(shared_emulator, tmp_path))
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert set(document) >= {"resources", "seconds"}
    assert set(document["resources"]) == {"charges", "prices"}
    for item in document["resources"].values():
        assert {"records", "deleted", "requests", "dataset", "status", "error"} <= set(item)
        assert item["status"] == "success"
        assert item["records"] > 0
        assert Path(item["dataset"], "_delta_log").is_dir()


def test_sync_table_output_and_datasets_list(shared_emulator: RunningEmulator, tmp_path: Path) -> None:
    env = sync_env(shared_emulator, tmp_path)
    done = run_cli("sync", "--resources", "customers", env=env)
    assert done.returncode == 0, done.stderr
    assert "customers" in done.stdout
    assert "success" in done.stdout
    listed = run_cli("datasets", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout)
    (dataset,) = document["raw"]
    assert dataset["name"] == "customers"
    assert dataset["rows"] > 0
    assert dataset["last_batch_id"]
    (mapped,) = document["catalog"]
    assert mapped["name"] == "Stripe Customers"
    assert mapped["last_batch_status"] == "success"


def test_invalid_key_exits_2_with_a_clear_masked_message(shared_emulator: RunningEmulator, tmp_path: Path) -> None:
    done = run_cli("sync", env=sync_env(shared_emulator, tmp_path, key="sk_test_wrong_key_987654321"))
    assert done.returncode == 2
    assert "refused the access token" in done.stderr
    assert "sk_test_wrong_key_987654321" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sync", "--resources", "charges,invoices"), "unknown resource(s) invoices"),
        (("sync", "--since", "last tuesday"), "is not a date"),
        (("sync", "--concurrency", "0"), "concurrency must be at least 1"),
    ],
)
def test_bad_input_is_refused_with_what_to_do(
    shared_emulator: RunningEmulator, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    done = run_cli(*args, env=sync_env(shared_emulator, tmp_path))
    assert done.returncode == 2
    assert message in done.stderr


def test_missing_token_says_how_to_give_one(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "STRIPEFLOW_ACCESS_TOKEN"}
    env["STRIPEFLOW_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "stripeflow", "sync"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "STRIPEFLOW_ACCESS_TOKEN" in done.stderr


def test_demo_runs_end_to_end_without_a_key(tmp_path: Path) -> None:
    done = run_cli("demo", "--objects", "200", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    for name in ("charges", "subscriptions", "refunds", "balance_transactions", "customers", "prices"):
        assert name in done.stdout
    assert "klarna" in done.stdout  # the buy-now-pay-later query ran on the synced charges
    assert (tmp_path / "datasets" / "charges" / "_delta_log").is_dir()


def test_the_cli_and_the_sync_engine_load_without_arrow_or_delta() -> None:
    """The extraction runs in the CLI's process; Arrow and Delta belong to the dataset writer process (their
    imports alone cost ~90 MB of RSS)."""
    probe = (
        "import sys, stripeflow.cli.app, stripeflow.api, stripeflow.sync.engine; "
        "print(sorted(name for name in ('pyarrow', 'deltalake', 'duckdb') if name in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
