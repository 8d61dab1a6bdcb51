"""Resolved XDM schemas as Arrow schemas, and mapped rows as Arrow tables: the column types of catalog datasets.

A resolved schema (``stripeflow.xdm`` registry ``resolve()``) is a JSON Schema: each top-level property becomes a
column, typed as follows.

====================================================  =================================================
XDM / JSON Schema                                     Arrow (and Delta) type
====================================================  =================================================
``object`` with ``properties``                        ``struct`` of the properties
``object`` with ``additionalProperties`` (a map)      ``map<string, value type>`` (``map<string, string>``
                                                      when the value schema is ``true`` or missing)
``object`` with neither                               ``string``: the value's JSON text
``array``                                             ``list<items>``
``string`` (``format: date-time`` / ``date``)         ``string`` (``timestamp[us, UTC]`` / ``date32``)
``integer`` (or a number with ``meta:xdmType`` long,  ``int64``
int, short, byte)
``number``                                            ``float64``
``boolean``                                           ``bool``
====================================================  =================================================

Every table also has the system columns of :data:`SYSTEM_FIELDS` first (``_source_id`` leads, the key upserts
locate files by). Mapped rows carry date-times as ISO 8601 strings with a zone offset: one ``pyarrow.array`` call
converts a batch to a struct with those as strings, and one cast parses them. A row that does not fit is found by
converting the rows one at a time, only when the batch fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from stripeflow.lake.schema import MICROSECOND, Kind
from stripeflow.lake.values import Convert, compile_rewriter

SYSTEM_FIELDS: tuple[pa.Field, ...] = (
    pa.field("_source_id", pa.string()),
    pa.field("_batch_id", pa.string()),
    pa.field("_ingested_at", MICROSECOND),
    pa.field("_deleted", pa.bool_()),
    pa.field("_deleted_at", MICROSECOND),
)
SYSTEM_COLUMNS = tuple(item.name for item in SYSTEM_FIELDS)
KEY_COLUMN = "_source_id"

_INTEGER_XDM_TYPES = frozenset({"long", "int", "short", "byte"})
#: What ``pyarrow`` raises for a value that does not fit the type.
_REJECTED = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError, ValueError)


class SchemaError(ValueError):
    """A schema that cannot be stored, or a change of a dataset's schema that is not additive."""


@dataclass(frozen=True)
class RowFailure:
    """A row the conversion refused: its index in the batch and why."""

    index: int
    message: str


class XdmColumns:
    """The compiled conversion of one resolved XDM schema: the stored schema and the fast row converter."""

    def __init__(self, resolved: Mapping[str, Any]) -> None:
        properties: Mapping[str, Any] = resolved.get("properties") or {}
        clashes = sorted(set(properties) & set(SYSTEM_COLUMNS))
        if clashes:
            raise SchemaError(f"the schema declares stripeflow's system column(s) {', '.join(clashes)}")
        self.stored = pa.schema([pa.field(name, _type(node, name)) for name, node in properties.items()])
        self.schema = pa.schema([*SYSTEM_FIELDS, *self.stored])
        self.required = frozenset(required_paths(resolved))
        self._parsed = pa.struct([pa.field(name, _type(node, name, parsed=True)) for name, node in properties.items()])
        self._stored_struct = pa.struct(list(self.stored))
        self._rewrite: Convert | None = compile_rewriter({name: _kind(node) for name, node in properties.items()})

    def arrays(self, rows: Sequence[Mapping[str, Any]]) -> tuple[list[pa.Array], list[RowFailure]]:
        """The stored columns of ``rows``, and the rows that do not fit (converted as all-null rows)."""
        prepared = [self._rewrite(row) for row in rows] if self._rewrite else list(rows)
        try:
            return self._convert(prepared).flatten(), []
        except _REJECTED:
            pass
        failures: list[RowFailure] = []
        for index, row in enumerate(prepared):
            try:
                self._convert([row])
            except _REJECTED as exc:
                failures.append(RowFailure(index, _message(exc)))
                prepared[index] = {}
        return self._convert(prepared).flatten(), failures

    def _convert(self, rows: Sequence[Any]) -> pa.StructArray:
        parsed = pa.array(rows, type=self._parsed)
        return parsed if parsed.type == self._stored_struct else _cast(parsed, self._stored_struct)


def field_type(node: Mapping[str, Any], *, parsed: bool = False) -> pa.DataType:
    """The Arrow type of one schema node: as stored, or as mapped values convert (``parsed=True``: date-times and
    dates still strings); one cast (:func:`cast_parsed`) turns the second into the first."""
    return _type(node, "", parsed=parsed)


def cast_parsed(array: pa.Array, target: pa.DataType) -> pa.Array:
    """``array`` (of a ``parsed=True`` type) cast to its stored type ``target``, as mapped rows are."""
    return _cast(array, target)


def _cast(array: pa.Array, target: pa.DataType) -> pa.Array:
    """``array`` cast to ``target`` child by child: Arrow's struct cast also parses the (empty) child values under
    a null struct, which fails for date-times."""
    if array.type == target:
        return array
    if pa.types.is_struct(target):
        children = [_cast(child, target.field(index).type) for index, child in enumerate(array.flatten())]
        return pa.StructArray.from_arrays(children, fields=list(target), mask=array.is_null())
    if pa.types.is_list(target):
        values = _cast(array.values, target.value_type)
        return pa.ListArray.from_arrays(array.offsets, values, type=target, mask=array.is_null())
    return array.cast(target)


def _message(exc: BaseException) -> str:
    return f"a value does not fit the dataset's schema: {str(exc)[:300]}"


def _type(node: Mapping[str, Any], path: str, *, parsed: bool = False) -> pa.DataType:
    """The Arrow type of a schema node: as stored, or as converted from JSON values (``parsed=True``: date-times
    and dates are still strings)."""
    kind = _json_type(node)
    if kind == "object":
        return _object_type(node, path, parsed=parsed)
    if kind == "array":
        items = node.get("items")
        return pa.list_(pa.string() if not isinstance(items, Mapping) else _type(items, f"{path}[]", parsed=parsed))
    if kind == "string":
        moment = {"date-time": MICROSECOND, "date": pa.date32()}.get(str(node.get("format")))
        return pa.string() if parsed or moment is None else moment
    if kind == "integer" or (kind == "number" and node.get("meta:xdmType") in _INTEGER_XDM_TYPES):
        return pa.int64()
    if kind == "number":
        return pa.float64()
    if kind == "boolean":
        return pa.bool_()
    raise SchemaError(f"{path}: unsupported schema type {kind!r}")


def _object_type(node: Mapping[str, Any], path: str, *, parsed: bool) -> pa.DataType:
    properties: Mapping[str, Any] = node.get("properties") or {}
    if properties:
        return pa.struct(
            [pa.field(name, _type(child, f"{path}.{name}", parsed=parsed)) for name, child in properties.items()]
        )
    values = node.get("additionalProperties")
    if isinstance(values, Mapping) and values:
        return pa.map_(pa.string(), _type(values, f"{path}{{}}", parsed=parsed))
    if values is True or isinstance(values, Mapping) or node.get("meta:xdmType") == "map":
        return pa.map_(pa.string(), pa.string())
    return pa.string()  # a free-form object: its JSON text


def _json_type(node: Mapping[str, Any]) -> str:
    kind = node.get("type")
    if isinstance(kind, list):  # e.g. ["string", "null"]
        kind = next((item for item in kind if item != "null"), None)
    if kind is None and "properties" in node:
        return "object"
    return str(kind)


def _kind(node: Mapping[str, Any]) -> Kind:
    """The lake kind a node converts as, for :func:`compile_rewriter` (free-form objects are JSON text)."""
    kind = _json_type(node)
    if kind == "object":
        properties: Mapping[str, Any] = node.get("properties") or {}
        if properties:
            return {name: _kind(child) for name, child in properties.items()}
        is_map = "additionalProperties" in node or node.get("meta:xdmType") == "map"
        return "map" if is_map else "json"
    if kind == "array" and isinstance(node.get("items"), Mapping):
        return [_kind(node["items"])]
    return "string"


def required_paths(node: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted paths of the required properties of ``node`` and of its nested objects."""
    found: list[str] = []
    required = set(node.get("required") or ())
    for name, child in (node.get("properties") or {}).items():
        path = f"{prefix}{name}"
        if name in required:
            found.append(path)
        if isinstance(child, Mapping):
            found.extend(required_paths(child, f"{path}."))
    return found


def to_table(
    columns: XdmColumns, rows: Sequence[Mapping[str, Any]], system: Mapping[str, pa.Array]
) -> tuple[pa.Table, list[RowFailure]]:
    """The rows as a table of ``columns.schema`` (system columns from ``system``, one array per name), and the rows
    that did not fit (left out of the table)."""
    stored, failures = columns.arrays(rows)
    table = pa.Table.from_arrays([*(system[name] for name in SYSTEM_COLUMNS), *stored], schema=columns.schema)
    if failures:
        refused = {item.index for item in failures}
        table = table.filter(pa.array([index not in refused for index in range(table.num_rows)], pa.bool_()))
    return table, failures


# -- schema evolution -------------------------------------------------------------------------------------------


def evolve(current: pa.Schema, wanted: pa.Schema, required: frozenset[str]) -> pa.Schema:
    """The schema a dataset with ``current`` gets for ``wanted``: ``wanted`` when it only adds optional fields
    (top-level or nested); otherwise :class:`SchemaError` names every change refused."""
    problems: list[str] = []
    _compare(_as_struct(current), _as_struct(wanted), "", required, problems)
    if problems:
        raise SchemaError("the schema change is not additive: " + "; ".join(problems))
    return wanted


def _as_struct(schema: pa.Schema) -> pa.StructType:
    return pa.struct(list(schema))


def _compare(old: pa.DataType, new: pa.DataType, path: str, required: frozenset[str], problems: list[str]) -> None:
    if pa.types.is_struct(old) and pa.types.is_struct(new):
        new_fields = {new.field(index).name: new.field(index) for index in range(new.num_fields)}
        for index in range(old.num_fields):
            field = old.field(index)
            if field.name not in new_fields:
                problems.append(f"{path}{field.name} was removed")
            else:
                _compare(field.type, new_fields.pop(field.name).type, f"{path}{field.name}.", required, problems)
        problems.extend(f"{path}{name} is new and required" for name in new_fields if f"{path}{name}" in required)
    elif pa.types.is_list(old) and pa.types.is_list(new):
        _compare(old.value_type, new.value_type, f"{path}", required, problems)
    elif pa.types.is_map(old) and pa.types.is_map(new):
        _compare(old.item_type, new.item_type, f"{path}", required, problems)
    elif old != new:
        problems.append(f"{path.rstrip('.') or 'a value'} changed type from {old} to {new}")


def conform(data: pa.Table, schema: pa.Schema) -> pa.Table:
    """``data`` (a file written before the schema evolved) with ``schema``: missing columns null, structs cast to
    their wider version, ``string_view`` to ``string``."""
    columns = []
    for field in schema:
        index = data.schema.get_field_index(field.name)
        if index < 0:
            columns.append(pa.nulls(data.num_rows, field.type))
        else:
            column = data.column(index)
            columns.append(column if column.type == field.type else column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)
