"""Two sets of raw tables for one Stripe account (two flows' base connections) each get a complete copy."""

from __future__ import annotations

from pathlib import Path

from stripeflow import api
from stripeflow.emulator.server import RunningEmulator
from tests.support.emulator import settings_for, truth


def test_each_raw_folder_keeps_its_own_sync_state(shared_emulator: RunningEmulator, tmp_path: Path) -> None:
    expected = truth(shared_emulator.base_url)["prices"]
    for name in ("first", "second"):
        settings = settings_for(shared_emulator.base_url, tmp_path, raw_datasets_dir=tmp_path / "raw" / name)
        report = api.sync(settings, resources="prices", map_records=False)
        assert report.resources["prices"].mode == "backfill", name
        ids = set(api.read_dataset(settings, "prices").column("id").to_pylist())
        assert ids == expected, name
    again = api.sync(
        settings_for(shared_emulator.base_url, tmp_path, raw_datasets_dir=tmp_path / "raw" / "first"),
        resources="prices",
        map_records=False,
    )
    assert again.resources["prices"].mode == "incremental"
