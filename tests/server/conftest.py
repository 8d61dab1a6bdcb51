"""An API app on a temporary data dir and a client with the headers every Platform call needs.

Every test here runs twice: with the metadata store on SQLite (the embedded default) and on PostgreSQL (a fresh
schema of a session database): :func:`api_settings` points the app at the backend of the running test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stripeflow.server.app import create_app
from stripeflow.settings import Settings
from tests.support.postgres import temporary_schema

TOKEN = "test-bootstrap-token"
ORG = "TESTORG1@AdobeOrg"
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "x-api-key": "stripeflow-tests",
    "x-gw-ims-org-id": ORG,
    "x-sandbox-name": "prod",
}


#: The metadata store URL of the running test's backend (``None``: SQLite in the data dir).
_backend: dict[str, str | None] = {"url": None}


def api_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"data_dir": data_dir, "bootstrap_token": TOKEN, "database_url": _backend["url"]}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(
    params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)],
    autouse=True,
)
def metadata_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test on SQLite, then on PostgreSQL."""
    if request.param == "sqlite":
        yield "sqlite"
        return
    with temporary_schema(request.getfixturevalue("postgres_database")) as url:
        _backend["url"] = url
        try:
            yield "postgres"
        finally:
            _backend["url"] = None


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A client on a fresh SQLite-backed app, sending the standard headers."""
    with TestClient(create_app(api_settings(tmp_path)), headers=HEADERS) as test_client:
        yield test_client
