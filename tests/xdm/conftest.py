"""Every registry test runs twice: on a SQLite file and on a fresh PostgreSQL schema (as tests/store does)."""

from __future__ import annotations

from typing import Any

import pytest

from stripeflow.store import MetadataStore
from stripeflow.store.database import Database
from stripeflow.xdm import RegistryScope, SchemaRegistry
from tests.store.conftest import clock, sqlite_url, store, store_url
from tests.support.clock import FakeClock

__all__ = ["clock", "sqlite_url", "store", "store_url"]

TENANT = "acme"
NS = f"_{TENANT}"


@pytest.fixture
def registry(store: MetadataStore, clock: FakeClock) -> SchemaRegistry:
    return SchemaRegistry(Database(store.engine), RegistryScope("org-1", "prod", TENANT), clock=clock)


def tenant_fields(properties: dict[str, Any], **meta: Any) -> dict[str, Any]:
    """A field group body whose fields sit under the tenant namespace."""
    return {
        "type": "object",
        "definitions": {"custom": {"properties": {NS: {"type": "object", "properties": properties}}}},
        "allOf": [{"$ref": "#/definitions/custom"}],
        **meta,
    }
