"""Column types of the datasets: the generated Stripe descriptions turned into Arrow schemas.

A *kind* is the compact type language of ``schemas/stripe_resources.json`` (written by ``tools/gen_lake_schemas.py``):
``"string" | "int" | "float" | "bool" | "ts" | "id" | "map" | "json"``, a dict (a struct of named kinds) or a
one-element list (a list of that kind).

Storage decisions, in one place:

* ``ts`` (Stripe's ``format: unix-time``, top-level and nested) is stored as ``timestamp[us, tz=UTC]``: Delta
  Lake's ``timestamp`` type is microseconds, and analysts get real timestamps. The mapping layer maps from the raw
  records (epoch seconds), never from these columns, and ``_raw`` keeps the integer exactly as Stripe sent it.
* ``id`` (an expandable field) is the id string; an expanded object is stored as its ``id``.
* ``map`` (``metadata`` and other free-form string maps) is ``map<string, string>``.
* ``json`` (polymorphic, free-form, empty or deeply nested objects) is the value's JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, TypeAlias

import pyarrow as pa

Kind: TypeAlias = str | dict[str, Any] | list[Any]

SECOND = pa.timestamp("s", tz="UTC")
MICROSECOND = pa.timestamp("us", tz="UTC")
STRING_MAP = pa.map_(pa.string(), pa.string())

_SCALARS: Mapping[str, pa.DataType] = {
    "string": pa.string(),
    "id": pa.string(),
    "json": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "map": STRING_MAP,
}

#: Columns stripeflow adds to every row, in table order.
SYSTEM_FIELDS: tuple[pa.Field, ...] = (
    pa.field("_batch_id", pa.string()),
    pa.field("_ingested_at", MICROSECOND),
    pa.field("_api_version", pa.string()),
    pa.field("_livemode", pa.bool_()),
    pa.field("_account", pa.string()),
    pa.field("_deleted", pa.bool_()),
    pa.field("_deleted_at", MICROSECOND),
    pa.field("_raw", pa.string()),
)
SYSTEM_COLUMNS = frozenset(item.name for item in SYSTEM_FIELDS)


def arrow_type(kind: Kind, *, stored: bool = True) -> pa.DataType:
    """The Arrow type of ``kind``: as stored (``stored=True``), or as converted from Python values, where unix
    times are still seconds (``stored=False``; one cast turns them into the stored microseconds)."""
    if isinstance(kind, dict):
        return pa.struct([pa.field(name, arrow_type(child, stored=stored)) for name, child in kind.items()])
    if isinstance(kind, list):
        return pa.list_(arrow_type(kind[0], stored=stored))
    if kind == "ts":
        return MICROSECOND if stored else SECOND
    try:
        return _SCALARS[kind]
    except KeyError:
        raise ValueError(f"unknown column kind {kind!r}") from None


def kind_of(data_type: pa.DataType) -> Kind:
    """The kind a column added by schema evolution is converted as (only scalar kinds are ever inferred)."""
    if pa.types.is_boolean(data_type):
        return "bool"
    if pa.types.is_integer(data_type):
        return "int"
    if pa.types.is_floating(data_type):
        return "float"
    if pa.types.is_timestamp(data_type):
        return "ts"
    return "string"


@dataclass(frozen=True)
class ResourceSchema:
    """The declared columns of one resource's dataset."""

    resource: str  # dataset name, e.g. "charges"
    object: str  # Stripe's object name, e.g. "charge"
    kinds: Mapping[str, Kind]  # column -> kind, in table order

    @property
    def arrow(self) -> pa.Schema:
        """The full table schema: declared columns, then the system columns."""
        fields = [pa.field(name, arrow_type(kind)) for name, kind in self.kinds.items()]
        return pa.schema([*fields, *SYSTEM_FIELDS])


@cache
def _descriptions() -> Mapping[str, Any]:
    text = resources.files("stripeflow.lake").joinpath("schemas/stripe_resources.json").read_text("utf-8")
    loaded: Mapping[str, Any] = json.loads(text)["resources"]
    return loaded


def resource_names() -> tuple[str, ...]:
    return tuple(_descriptions())


@cache
def resource_schema(resource: str) -> ResourceSchema:
    """The declared columns of ``resource``; a name without a description gets only ``id`` (and ``_raw``)."""
    description = _descriptions().get(resource)
    if description is None:
        return ResourceSchema(resource=resource, object=resource, kinds={"id": "string"})
    return ResourceSchema(resource=resource, object=description["object"], kinds=description["fields"])
