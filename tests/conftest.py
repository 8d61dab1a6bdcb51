"""Fixtures shared by every test folder: the emulator over loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stripeflow.emulator.server import RunningEmulator, start_emulator
from tests.support.emulator import emulator_config


@pytest.fixture(scope="session")
def shared_emulator() -> Iterator[RunningEmulator]:
    """An emulator that tests only read from (no mutations, no clock changes)."""
    with start_emulator(emulator_config()) as running:
        yield running


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """An emulator of the test's own, free to mutate."""
    with start_emulator(emulator_config()) as running:
        yield running
