"""An API app on a temporary data dir (SQLite, or PostgreSQL for the tests that ask), and a client with the
headers every Platform call needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stripeflow.server.app import create_app
from stripeflow.settings import Settings

TOKEN = "test-bootstrap-token"
ORG = "TESTORG1@AdobeOrg"
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "x-api-key": "stripeflow-tests",
    "x-gw-ims-org-id": ORG,
    "x-sandbox-name": "prod",
}


def api_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"data_dir": data_dir, "bootstrap_token": TOKEN, **overrides}
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A client on a fresh SQLite-backed app, sending the standard headers."""
    with TestClient(create_app(api_settings(tmp_path)), headers=HEADERS) as test_client:
        yield test_client
