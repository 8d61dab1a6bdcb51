"""Column types that behave the same on SQLite and PostgreSQL, and the JSON codec the engines use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both backends.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the value is stored as naive UTC and read back
    as aware UTC. Naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the metadata store keeps aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_type() -> TypeEngine[Any]:
    """JSON on SQLite, JSONB on PostgreSQL; Python ``None`` is SQL ``NULL`` (not the JSON ``null``)."""
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def dumps_json(value: object) -> str:
    """Serialize for a JSON column. Datetimes are refused (they would come back as strings)."""
    return orjson.dumps(value, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()


def loads_json(data: str | bytes) -> Any:
    return orjson.loads(data)


def ensure_json_object(value: object, what: str) -> None:
    """Refuse, before any SQL runs, what a JSON column would reject or silently change."""
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be a JSON object (a dict), got {type(value).__name__}")
    try:
        dumps_json(value)
    except TypeError as exc:
        raise TypeError(f"{what} is not JSON-serializable: {exc}") from exc
