"""Kill the sync process with SIGKILL mid-way, more than once, and check that the next run loses nothing and
writes nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from stripeflow import api
from stripeflow.emulator.server import start_emulator
from stripeflow.stripe.resources import RESOURCES
from tests.support.emulator import KEY, emulator_config, settings_for, truth


def sync_command(base_url: str, data_dir: Path) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "STRIPEFLOW_DATA_DIR": str(data_dir),
        "STRIPEFLOW_STRIPE_API_BASE": base_url,
        "STRIPEFLOW_ACCESS_TOKEN": KEY,
        "STRIPEFLOW_MAX_RPS": "0",
        "STRIPEFLOW_MAX_ENDPOINT_RPS": "0",
    }
    command = [sys.executable, "-m", "stripeflow.cli", "sync", "--json", "--batch-size", "150", "--concurrency", "3"]
    return command, env


def test_kill_9_at_several_points_then_resume(tmp_path: Path) -> None:
    with start_emulator(emulator_config(latency_ms=15)) as running:
        command, env = sync_command(running.base_url, tmp_path)
        for delay in (1.5, 2.5, 3.5):
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, check=False)
        assert finished.returncode == 0, finished.stderr[-3000:]

        expected = truth(running.base_url)
        settings = settings_for(running.base_url, tmp_path)
        for name in RESOURCES:
            ids = [
                str(value) for value in api.read_dataset(settings, name, include_deleted=True).column("id").to_pylist()
            ]
            assert len(ids) == len(set(ids)), f"{name}: rows written twice after a kill"
            assert expected[name] <= set(ids), f"{name}: rows lost after a kill"
