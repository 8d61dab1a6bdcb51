"""Fixtures shared by every test folder: the emulator over loopback, and PostgreSQL (one database per session,
a fresh schema per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stripeflow.emulator.server import RunningEmulator, start_emulator
from tests.support.emulator import emulator_config
from tests.support.postgres import PostgresUnavailableError, ensure_server, temporary_database, temporary_schema


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


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database created for this test session (dropped at its end); its SQLAlchemy URL. A PostgreSQL that is down
    is started; one that cannot be is a failure, never a skip."""
    try:
        ensure_server()
    except PostgresUnavailableError as exc:
        pytest.fail(f"the PostgreSQL tests need a server: {exc}", pytrace=False)
    with temporary_database() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_database: str) -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema of the session database."""
    with temporary_schema(postgres_database) as url:
        yield url
