"""What a typed column should hold for a Stripe value, for comparing rows read back with the records written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from stripeflow.lake.schema import Kind


def expected(kind: Kind, value: Any) -> Any:
    """The column value (as ``to_pylist`` gives it, JSON text decoded) for a well-typed Stripe ``value``."""
    if value is None:
        return None
    if isinstance(kind, dict):
        return {name: expected(child, value.get(name)) for name, child in kind.items()}
    if isinstance(kind, list):
        return [expected(kind[0], item) for item in value]
    if kind == "ts":
        return datetime.fromtimestamp(value, UTC)
    if kind == "id" and isinstance(value, dict):
        return value["id"]
    if kind == "map":
        return sorted(value.items())
    if kind == "float":
        return float(value)
    return value


def decoded(kind: Kind, value: Any) -> Any:
    """A column value read back, with JSON text decoded and maps as sorted pairs, to compare with ``expected``."""
    if value is None:
        return None
    if isinstance(kind, dict):
        return {name: decoded(child, value.get(name)) for name, child in kind.items()}
    if isinstance(kind, list):
        return [decoded(kind[0], item) for item in value]
    if kind == "json":
        return orjson.loads(value)
    if kind == "map":
        return sorted(value)
    return value
