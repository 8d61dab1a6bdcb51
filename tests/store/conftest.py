"""Every repository test runs twice: on a SQLite file and on a fresh PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stripeflow.store import MetadataStore, open_store
from tests.support.clock import FakeClock
from tests.support.postgres import PostgresUnavailableError, ensure_server, temporary_database, temporary_schema

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database created for this test session (dropped at its end); its SQLAlchemy URL."""
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


@pytest.fixture
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    # The folder does not exist yet: open_store must create it.
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'data' / 'metadata.db'}"


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database on each backend."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(store_url: str, clock: FakeClock) -> Iterator[MetadataStore]:
    with open_store(store_url, clock=clock) as opened:
        yield opened
