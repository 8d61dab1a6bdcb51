"""Schemas and helpers shared by the Data Prep tests (hand-built JSON Schemas, the ready-made Stripe schemas)."""

from __future__ import annotations

import tempfile
from functools import cache
from typing import Any

from stripeflow.prep.compiler import Mapper, compile_mapping
from stripeflow.prep.mapping import parse_mapping_set
from stripeflow.store import open_store
from stripeflow.store.database import Database
from stripeflow.xdm.kinds import RegistryScope
from stripeflow.xdm.registry import SchemaRegistry
from stripeflow.xdm.stripe_defaults import ensure_stripe_defaults


def obj(properties: dict[str, Any], *required: str) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        node["required"] = list(required)
    return node


def string(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def integer(**extra: Any) -> dict[str, Any]:
    return {"type": "integer", "meta:xdmType": "long", **extra}


def number(**extra: Any) -> dict[str, Any]:
    return {"type": "number", **extra}


def boolean() -> dict[str, Any]:
    return {"type": "boolean"}


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def string_map() -> dict[str, Any]:
    return {"type": "object", "meta:xdmType": "map", "additionalProperties": {"type": "string"}}


def mapper(schema: dict[str, Any] | None, *mappings: dict[str, Any] | tuple[str, str]) -> Mapper:
    """A mapper from mappings given as bodies or as ``(source, destination)`` attribute pairs."""
    bodies = [m if isinstance(m, dict) else {"source": m[0], "destination": m[1]} for m in mappings]
    return compile_mapping(parse_mapping_set({"mappings": bodies}), schema)


def expr(source: str, destination: str) -> dict[str, Any]:
    return {"sourceType": "EXPRESSION", "source": source, "destination": destination}


def static(source: Any, destination: str) -> dict[str, Any]:
    return {"sourceType": "STATIC", "source": source, "destination": destination}


@cache
def ready_made_schemas() -> dict[str, dict[str, Any]]:
    """The six resolved ready-made schemas of a throwaway registry (tenant ``stripeflow``)."""
    with tempfile.TemporaryDirectory() as folder, open_store(f"sqlite:///{folder}/metadata.db") as store:
        registry = SchemaRegistry(Database(store.engine), RegistryScope("test-org"))
        return {resource: registry.resolve(ref) for resource, ref in ensure_stripe_defaults(registry).items()}


def codes(errors: Any) -> list[str]:
    return [error.code for error in errors]
