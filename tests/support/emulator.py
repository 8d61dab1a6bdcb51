"""Helpers for tests that run against the emulator over loopback: its config, settings, and ground truth."""

from __future__ import annotations

from pathlib import Path

import httpx

from stripeflow.emulator.config import EmulatorConfig
from stripeflow.settings import Settings
from stripeflow.stripe.resources import RESOURCES

KEY = "sk_test_emulator"
COUNTS = {
    "charges": 300,
    "subscriptions": 400,
    "refunds": 120,
    "balance_transactions": 300,
    "customers": 250,
    "prices": 150,
}


def emulator_config(**overrides: object) -> EmulatorConfig:
    base: dict[str, object] = {"seed": 11, "objects": COUNTS, "rate_limit": 0.0, "endpoint_rate_limit": 0.0}
    return EmulatorConfig(**{**base, **overrides})  # type: ignore[arg-type]


def settings_for(base_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "stripe_api_base": base_url,
        "access_token": KEY,
        "max_rps": 0.0,
        "max_endpoint_rps": 0.0,
    }
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]


def truth(base_url: str, key: str = KEY) -> dict[str, set[str]]:
    """Every object id of the six resources, listed directly with plain httpx (not stripeflow's code)."""
    ids: dict[str, set[str]] = {}
    # Ground truth is read with the emulator's injected faults and limits off.
    httpx.post(
        f"{base_url}/_emulator/faults",
        json={
            "fail_rate": 0,
            "malformed_rate": 0,
            "lock_timeout_rate": 0,
            "rate_limit": 0,
            "endpoint_rate_limit": 0,
        },
    ).raise_for_status()
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as client:
        clocks = [
            item["id"] for item in client.get("/v1/test_helpers/test_clocks", params={"limit": 100}).json()["data"]
        ]
        for name, spec in RESOURCES.items():
            found: set[str] = set()
            passes = [dict(params) for params in spec.passes]
            if spec.test_clock_scoped:
                passes += [{**params, "test_clock": clock} for params in spec.passes for clock in clocks]
            for params in passes:
                after = None
                while True:
                    query = {"limit": 100, **params, **({"starting_after": after} if after else {})}
                    page = client.get(spec.path, params=query).json()
                    found.update(item["id"] for item in page["data"])
                    if not page["has_more"]:
                        break
                    after = page["data"][-1]["id"]
            ids[name] = found
    return ids


def mutate(base_url: str, body: dict[str, object]) -> dict[str, object]:
    response = httpx.post(f"{base_url}/_emulator/mutate", json=body)
    response.raise_for_status()
    return dict(response.json())


def advance_clock(base_url: str, seconds: int) -> None:
    httpx.post(f"{base_url}/_emulator/clock", json={"advance_seconds": seconds}).raise_for_status()
