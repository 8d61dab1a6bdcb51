"""Rows against resolved XDM schemas (plain JSON Schema dicts): the validator, and the walkers mappers write with.

A schema is compiled once into nested closures, one per schema node (no per-value dispatch on the schema's
keywords). A *walker* takes ``(value, errors, path)``, appends :class:`~stripeflow.prep.errors.RowError` s and
returns the value to write (or ``None`` to write nothing). Two modes share one algorithm:

* **check** (:func:`compile_validator`, used by the Catalog for rows written without a mapping): types are
  strict, unknown fields are ``XDM-1005-400``, nothing is built;
* **write** (:func:`stripeflow.prep.destination.compile_writer`, used by compiled mappers): scalars are
  converted to the field's type, unknown children of copied objects are dropped (the *object copy* rule), nulls
  and empty objects are left out, and a new object is returned; unconverted scalar lists are returned as is.

Rules, with codes from :mod:`stripeflow.prep.errors`: a ``null`` value counts as absent; a required property that
is absent is ``INGEST-1555-400``; a wrong type ``XDM-1001-400``; a value outside ``enum`` ``XDM-1002-400``; a string
not matching ``format`` (date-time, date, email, uri, uuid; other formats are not checked) ``XDM-1003-400``; a
number outside ``minimum``/``maximum`` (integers also outside ±2^53, the safe range of XDM ``long``), a string
outside ``minLength``/``maxLength`` or not matching ``pattern`` ``XDM-1004-400``. Booleans are never numbers.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from stripeflow.prep.errors import (
    INGEST_CORRUPT,
    INGEST_REQUIRED,
    XDM_ENUM,
    XDM_FORMAT,
    XDM_RANGE,
    XDM_TYPE,
    XDM_UNKNOWN_FIELD,
    RowError,
)

#: ``(value, errors, path) -> value to write or None``.
Walker = Callable[[Any, list[RowError], str], Any]
#: Makes the walker of a scalar kind (string, integer, number, boolean): strict here, converting in mappers.
ScalarFactory = Callable[["FieldSchema"], Walker]
#: ``(value, errors, path) -> True when it appended an error``.
Check = Callable[[Any, list[RowError], str], bool]

_SCALARS: Final = frozenset({"string", "integer", "number", "boolean"})


@dataclass(frozen=True, eq=False)
class FieldSchema:
    """One node of a resolved schema, normalized: ``kind`` is object, map, array, string, integer, number,
    boolean or any (no ``type``: anything is accepted)."""

    kind: str
    raw: Mapping[str, Any]
    properties: Mapping[str, FieldSchema] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    items: FieldSchema | None = None
    values: FieldSchema | None = None

    def child(self, name: str) -> FieldSchema | None:
        return self.properties.get(name)


def field_schema(schema: Mapping[str, Any]) -> FieldSchema:
    """Normalize a JSON Schema node (``type`` lists such as ``["string", "null"]`` keep their first non-null)."""
    kind = _kind(schema)
    if kind == "object":
        properties = {name: field_schema(child) for name, child in (schema.get("properties") or {}).items()}
        required = tuple(name for name in schema.get("required") or () if isinstance(name, str))
        return FieldSchema(kind, schema, properties, required)
    if kind == "map":
        extra = schema.get("additionalProperties")
        return FieldSchema(kind, schema, values=field_schema(extra if isinstance(extra, dict) else {}))
    if kind == "array":
        items = schema.get("items")
        return FieldSchema(kind, schema, items=field_schema(items if isinstance(items, dict) else {}))
    return FieldSchema(kind, schema)


def _kind(schema: Mapping[str, Any]) -> str:
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((item for item in declared if item != "null"), None)
    if declared == "object" or (declared is None and "properties" in schema):
        if schema.get("meta:xdmType") == "map" or ("properties" not in schema and schema.get("additionalProperties")):
            return "map"
        return "object"
    if declared in _SCALARS or declared == "array":
        return str(declared)
    return "any"


def compile_validator(schema: Mapping[str, Any]) -> Callable[[Any], list[RowError]]:
    """A function that returns the errors of one row (empty when the row is valid XDM for ``schema``)."""
    walk = build_walker(field_schema(schema), strict_scalar, write=False)

    def validate(row: Any) -> list[RowError]:
        errors: list[RowError] = []
        if row.__class__ is not dict:
            errors.append(RowError(INGEST_CORRUPT, f"a row must be a JSON object, got {type_name(row)}"))
            return errors
        walk(row, errors, "")
        return errors

    return validate


def build_walker(node: FieldSchema, scalar: ScalarFactory, *, write: bool) -> Walker:
    """The walker of ``node``: ``scalar`` makes the type check (or conversion) of scalar kinds."""
    if node.kind == "object":
        return _object_walker(node, scalar, write)
    if node.kind == "map":
        return _map_walker(node, scalar, write)
    if node.kind == "array":
        return _array_walker(node, scalar, write)
    return scalar_walker(node, scalar)


def scalar_walker(node: FieldSchema, scalar: ScalarFactory) -> Walker:
    """Type check (or conversion) then the constraints of one scalar node; ``any`` accepts every value."""
    if node.kind == "any":
        return lambda value, errors, path: value
    convert = scalar(node)
    check = constraint_check(node.kind, node.raw)
    if check is None:
        return convert

    def walk(value: Any, errors: list[RowError], path: str) -> Any:
        value = convert(value, errors, path)
        if value is not None and check(value, errors, path):
            return None
        return value

    return walk


#: Keywords that add no check to a scalar: a field with only these is checked by its class alone.
PLAIN_KEYWORDS: Final = frozenset(
    {"type", "title", "description", "meta:xdmType", "meta:xdmField", "meta:titleId", "$id", "examples", "default"}
)


def is_plain(node: FieldSchema) -> bool:
    """A string, integer (within ±2^53) or boolean field without enum, format or range: a class check suffices."""
    return node.kind in _SIMPLE and PLAIN_KEYWORDS.issuperset(node.raw)


def join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _object_walker(node: FieldSchema, scalar: ScalarFactory, write: bool) -> Walker:
    """Objects: children of a fast kind (unconstrained string/integer/boolean) are checked inline by class."""
    fast: dict[str, Any] = {}
    slow: dict[str, Walker] = {}
    for name, child in node.properties.items():
        if is_plain(child):
            fast[name] = _SIMPLE[child.kind]
        slow[name] = build_walker(child, scalar, write=write)
    required = node.required

    def walk(value: Any, errors: list[RowError], path: str) -> Any:
        if value.__class__ is not dict:
            errors.append(RowError(XDM_TYPE, f"expected an object, got {type_name(value)}", path or None))
            return None
        out: dict[str, Any] = {}
        item: Any
        for key, item in value.items():
            if item is None:
                continue
            expected = fast.get(key)
            if expected is item.__class__ and (expected is not int or -_SAFE <= item <= _SAFE):
                out[key] = item
                continue
            child = slow.get(key)
            if child is None:
                if not write:
                    errors.append(RowError(XDM_UNKNOWN_FIELD, "the schema has no such field", join(path, key)))
                continue
            item = child(item, errors, join(path, key))
            if item is not None:
                out[key] = item
        for name in required:
            if name not in out:
                errors.append(RowError(INGEST_REQUIRED, "required field is missing or null", join(path, name)))
        return (out or None) if write else value

    return walk


def _map_walker(node: FieldSchema, scalar: ScalarFactory, write: bool) -> Walker:
    assert node.values is not None
    values = build_walker(node.values, scalar, write=write)

    def walk(value: Any, errors: list[RowError], path: str) -> Any:
        if value.__class__ is not dict:
            errors.append(RowError(XDM_TYPE, f"expected a map (object), got {type_name(value)}", path or None))
            return None
        out = {key: values(item, errors, join(path, key)) for key, item in value.items() if item is not None}
        if not write:
            return value
        return {key: item for key, item in out.items() if item is not None} or None

    return walk


def _array_walker(node: FieldSchema, scalar: ScalarFactory, write: bool) -> Walker:
    assert node.items is not None
    items = build_walker(node.items, scalar, write=write)
    expected = _SIMPLE[node.items.kind] if is_plain(node.items) else None

    def walk(value: Any, errors: list[RowError], path: str) -> Any:
        if value.__class__ is not list:
            errors.append(RowError(XDM_TYPE, f"expected an array, got {type_name(value)}", path or None))
            return None
        if expected is not None and expected is not int and all(item.__class__ is expected for item in value):
            return value  # nothing to convert or drop: written as is, no copy
        out = []
        for index, item in enumerate(value):
            if item is None:
                if not write:
                    errors.append(RowError(XDM_TYPE, "array items cannot be null", f"{path}[{index}]"))
                continue
            converted = items(item, errors, f"{path}[{index}]")
            if converted is not None:
                out.append(converted)
        return out if write else value

    return walk


_SAFE: Final = 2**53 - 1
_SIMPLE: Final[Mapping[str, type]] = {"string": str, "integer": int, "boolean": bool}


def type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


# --- scalars: strict type checks and constraints --------------------------------------------------------------------


def strict_scalar(node: FieldSchema) -> Walker:
    """The strict type check of a scalar node: the value is returned when it has the type, else an error."""
    kind = node.kind
    accepted: tuple[type, ...] = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,)}[kind]

    def walk(value: Any, errors: list[RowError], path: str) -> Any:
        if value.__class__ in accepted and (kind == "boolean" or value.__class__ is not bool):
            return value
        errors.append(RowError(XDM_TYPE, f"expected {kind}, got {type_name(value)}", path or None))
        return None

    return walk


def constraint_check(kind: str, raw: Mapping[str, Any]) -> Check | None:
    """The enum/format/range/length/pattern check of a scalar node, or ``None`` when it has none."""
    checks: list[Check] = []
    if isinstance(raw.get("enum"), list):
        checks.append(_enum_check(raw["enum"]))
    if kind == "string":
        checks.extend(_string_checks(raw))
    elif kind in ("integer", "number"):
        checks.extend(_number_checks(kind, raw))
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    return lambda value, errors, path: any(check(value, errors, path) for check in checks)


def _enum_check(values: list[Any]) -> Check:
    allowed = {(type(item), item) for item in values if item is None or isinstance(item, str | int | float | bool)}
    shown = ", ".join(repr(item) for item in values[:10]) + (", …" if len(values) > 10 else "")

    def check(value: Any, errors: list[RowError], path: str) -> bool:
        if (type(value), value) in allowed or (type(value) is int and (float, value) in allowed):
            return False
        errors.append(RowError(XDM_ENUM, f"{value!r} is not one of {shown}", path or None))
        return True

    return check


def _string_checks(raw: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    valid = _FORMATS.get(str(raw.get("format")))
    if valid is not None:
        name = raw["format"]
        checks.append(_error_unless(valid, XDM_FORMAT, lambda value: f"{value!r:.80} is not a valid {name}"))
    low, high = raw.get("minLength"), raw.get("maxLength")
    if isinstance(low, int) or isinstance(high, int):
        least, most = low if isinstance(low, int) else 0, high if isinstance(high, int) else math.inf
        checks.append(
            _error_unless(
                lambda value: least <= len(value) <= most,
                XDM_RANGE,
                lambda value: f"length {len(value)} is outside [{least}, {most}]",
            )
        )
    if isinstance(raw.get("pattern"), str):
        pattern = re.compile(raw["pattern"])
        checks.append(
            _error_unless(
                lambda value: pattern.search(value) is not None,
                XDM_RANGE,
                lambda value: f"{value!r:.80} does not match the pattern {pattern.pattern!r}",
            )
        )
    return checks


def _number_checks(kind: str, raw: Mapping[str, Any]) -> list[Check]:
    low = raw.get("minimum", -_SAFE if kind == "integer" else -math.inf)
    high = raw.get("maximum", _SAFE if kind == "integer" else math.inf)
    if kind == "number" and low == -math.inf and high == math.inf:
        return [_error_unless(math.isfinite, XDM_RANGE, lambda value: f"{value!r} is not a finite number")]
    return [
        _error_unless(
            lambda value: low <= value <= high, XDM_RANGE, lambda value: f"{value!r} is outside [{low}, {high}]"
        )
    ]


def _error_unless(valid: Callable[[Any], bool], code: str, message: Callable[[Any], str]) -> Check:
    def check(value: Any, errors: list[RowError], path: str) -> bool:
        if valid(value):
            return False
        errors.append(RowError(code, message(value), path or None))
        return True

    return check


_DATE_TIME: Final = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)", re.IGNORECASE)
_DATE: Final = re.compile(r"\d{4}-\d\d-\d\d")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _is_date_time(value: str) -> bool:
    if _DATE_TIME.fullmatch(value) is None:
        return False
    try:  # the calendar: no 31 February (fromisoformat cuts fractions beyond microseconds)
        datetime.fromisoformat(value if value[-1] != "z" else value[:-1] + "Z")
    except ValueError:
        return False
    return True


def _is_date(value: str) -> bool:
    try:
        return _DATE.fullmatch(value) is not None and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _is_uri(value: str) -> bool:
    try:
        return bool(urlsplit(value).scheme)
    except ValueError:
        return False


def _is_uuid(value: str) -> bool:
    try:
        return len(value) == 36 and bool(uuid.UUID(value))
    except ValueError:
        return False


_FORMATS: Final[Mapping[str, Callable[[str], bool]]] = {
    "date-time": _is_date_time,
    "date": _is_date,
    "email": lambda value: _EMAIL.fullmatch(value) is not None,
    "uri": _is_uri,
    "uuid": _is_uuid,
}
