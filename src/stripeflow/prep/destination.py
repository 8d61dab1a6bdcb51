"""Writing into the output: converting values to their field's type, and the tree of destinations a set writes.

Conversions (a failure is ``MAPPER-3700-400``: that destination is left out, the row goes on):

* **string** ← string as is; integer/number as text (``12``, ``1.5``); boolean as ``true``/``false``; a datetime
  (from the expression language) as ISO-8601 UTC with ``Z`` (milliseconds when it has a fraction), or as
  ``YYYY-MM-DD`` (UTC) when the field's format is ``date``; objects and arrays as their JSON text (sorted keys),
  the dataset convention for free-form Stripe fields (``json`` kind).
* **integer** ← integer; a number without fraction; a string of an integer (``"12"``). Booleans never.
* **number** ← integer or number; a string of a number (``"1.5"``, ``"12"``). Booleans never.
* **boolean** ← boolean; the strings ``true``/``false`` (any case). Numbers never.
* objects, maps and arrays are never converted: a scalar there is ``XDM-1001-400`` (the row is rejected).

The destination tree (:func:`place`) has one :class:`Slot` per destination object, array and field; a
mapping writes one slot, and every ``[*]`` slot knows the source array it follows (:attr:`Slot.follows`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

import orjson

from stripeflow.prep.errors import (
    DESTINATION_CONFLICT,
    INGEST_CORRUPT,
    INVALID_DESTINATION_PATH,
    MAPPER_TRANSFORM,
    NON_REJECTING,
    TYPE_INCOMPATIBLE,
    UNKNOWN_DESTINATION,
    WILDCARD_MISMATCH,
    RowError,
)
from stripeflow.prep.paths import Segment, Wildcard, format_path
from stripeflow.prep.validation import FieldSchema, Walker, build_walker

_INTEGER_TEXT: Final = re.compile(r"\s*[+-]?\d+\s*")


def compile_writer(node: FieldSchema) -> Walker:
    """The walker a mapper writes a value into ``node`` with (conversions, object copy, nulls left out)."""
    return build_walker(node, converting_scalar, write=True)


def converting_scalar(node: FieldSchema) -> Walker:
    """The conversion of a value to a scalar node's type (see the module docstring)."""
    convert = _CONVERSIONS[node.kind]
    as_date = node.kind == "string" and node.raw.get("format") == "date"

    def walk(value: Any, errors: list[RowError], path: str) -> Any:
        try:
            if as_date and isinstance(value, datetime):
                return _utc(value).date().isoformat()
            return convert(value)
        except (ValueError, TypeError, OverflowError) as exc:
            errors.append(
                RowError(MAPPER_TRANSFORM, f"cannot write {_shown(value)} into a {node.kind} field: {exc}", path)
            )
            return None

    return walk


def iso_datetime(value: datetime) -> str:
    """ISO-8601 in UTC with ``Z``: seconds, or milliseconds when the datetime has a fraction."""
    value = _utc(value)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def plain_value(value: Any) -> Any:
    """A value written without a schema: datetimes become ISO strings, the rest is written as is."""
    return iso_datetime(value) if isinstance(value, datetime) else value


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _to_string(value: Any) -> str:
    cls = value.__class__
    if cls is str:
        return str(value)
    if cls is bool:
        return "true" if value else "false"
    if cls is int or cls is float or isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=plain_value).decode()
    raise TypeError(f"{type(value).__name__} has no text form")


def _to_integer(value: Any) -> int:
    cls = value.__class__
    if cls is int:
        return int(value)
    if cls is float or isinstance(value, Decimal):
        if value != int(value):
            raise ValueError("it has a fraction")
        return int(value)
    if cls is str and _INTEGER_TEXT.fullmatch(value):
        return int(value)
    raise TypeError("not an integer")


def _to_number(value: Any) -> int | float:
    cls = value.__class__
    if cls is int or cls is float:
        return value  # type: ignore[no-any-return]
    if isinstance(value, Decimal):
        return float(value)
    if cls is str:
        return int(value) if _INTEGER_TEXT.fullmatch(value) else float(value)
    raise TypeError("not a number")


def _to_boolean(value: Any) -> bool:
    if value.__class__ is bool:
        return bool(value)
    if value.__class__ is str and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise TypeError("not a boolean")


_CONVERSIONS: Final[Mapping[str, Any]] = {
    "string": _to_string,
    "integer": _to_integer,
    "number": _to_number,
    "boolean": _to_boolean,
}


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


@dataclass(frozen=True, slots=True)
class MappedRow:
    """The result for one record: ``data`` is ``None`` when the row is rejected; ``errors`` lists every problem,
    also the ``MAPPER-3700-400`` ones of a row that is kept."""

    data: dict[str, Any] | None
    errors: list[RowError]
    rejected: bool

    def to_json(self) -> dict[str, Any]:
        """The preview shape: ``{"data": ..., "errors": [...] | None}``."""
        return {"data": self.data, "errors": [error.to_json() for error in self.errors] or None}


_new = object.__new__
_set_data, _set_errors, _set_rejected = (MappedRow.__dict__[name].__set__ for name in ("data", "errors", "rejected"))


def mapped_row(data: dict[str, Any] | None, errors: list[RowError], rejected: bool) -> MappedRow:
    """``MappedRow(data, errors, rejected)``, without the cost of a frozen dataclass's ``__init__``."""
    row: MappedRow = _new(MappedRow)
    _set_data(row, data)
    _set_errors(row, errors)
    _set_rejected(row, rejected)
    return row


class Mapper:
    """A compiled mapping set (:func:`stripeflow.prep.compiler.compile_mapping`). ``source`` is the generated
    Python (for debugging and profiles)."""

    def __init__(self, function: Callable[[dict[str, Any], list[RowError]], dict[str, Any]], source: str) -> None:
        self._map = function
        self.source = source

    def map_record(self, record: Any) -> MappedRow:
        """Map one record: a dict, or raw JSON (``bytes``/``str``; unparseable JSON is ``INGEST-1401-400``)."""
        if record.__class__ is not dict:
            parsed = parse_record(record)
            if isinstance(parsed, RowError):
                return mapped_row(None, [parsed], True)
            record = parsed
        errors: list[RowError] = []
        data = self._map(record, errors)
        return mapped_row(data, errors, False) if not errors else map_errors(data, errors)

    def map_batch(self, records: Iterable[Any]) -> list[MappedRow]:
        """``[map_record(record) for record in records]``, with the common case (a dict, no error) inline."""
        map_record, function, rows = self.map_record, self._map, []
        for record in records:
            errors: list[RowError] = []
            if record.__class__ is not dict:
                rows.append(map_record(record))
                continue
            data = function(record, errors)
            rows.append(mapped_row(data, errors, False) if not errors else map_errors(data, errors))
        return rows


def map_errors(data: dict[str, Any], errors: list[RowError]) -> MappedRow:
    rejected = any(error.code not in NON_REJECTING for error in errors)
    return mapped_row(None if rejected else data, errors, rejected)


def parse_record(raw: Any) -> dict[str, Any] | RowError:
    """A raw record (JSON ``bytes``/``str``, or an already parsed value) as a dict, or the ``INGEST-1401-400``."""
    try:
        parsed = orjson.loads(raw) if isinstance(raw, bytes | bytearray | memoryview | str) else raw
    except orjson.JSONDecodeError as exc:
        return RowError(INGEST_CORRUPT, f"the record is not valid JSON: {exc}")
    if not isinstance(parsed, dict):
        return RowError(INGEST_CORRUPT, f"the record must be a JSON object, got {type(parsed).__name__}")
    return parsed


# --- the destination tree -------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Slot:
    """One destination: an object (``children``), an array iterated with ``[*]`` (``element``) or a field written by
    ``mapping`` (the mapping's index). ``schema`` is ``None`` when the set is compiled without a schema."""

    path: tuple[Segment, ...]
    schema: FieldSchema | None
    children: dict[str, Slot] = field(default_factory=dict)
    element: Slot | None = None
    mapping: int | None = None
    #: for a ``[*]`` slot: the absolute source path (up to its wildcard) of the array it follows
    follows: tuple[Segment, ...] | None = None
    parent: Slot | None = None
    #: how many ``[*]`` lie on the way from the root to this slot (included)
    depth: int = 0

    @property
    def text(self) -> str:
        return format_path(self.path)


class DestinationError(ValueError):
    """A destination that cannot be written; ``code`` classifies it (see :mod:`stripeflow.prep.errors`)."""

    def __init__(self, message: str, code: str = DESTINATION_CONFLICT) -> None:
        super().__init__(message)
        self.code = code


def place(root: Slot, segments: tuple[Segment, ...], index: int) -> Slot:
    """Add the destination of mapping ``index`` to the tree under ``root``; its leaf slot.

    Raises :class:`DestinationError`: a field the schema lacks, an ``[n]`` index, ``[*]`` on a non-array, a
    destination written twice or inside another one.
    """
    return _place(root, segments, index)


def _place(root: Slot, segments: tuple[Segment, ...], index: int) -> Slot:
    slot = root
    for depth, segment in enumerate(segments):
        if slot.mapping is not None:
            raise DestinationError(f"it is inside {slot.text}, which mappings[{slot.mapping}] writes whole")
        slot = _step(slot, segment, segments[: depth + 1])
    if slot.mapping is not None:
        raise DestinationError(f"mappings[{slot.mapping}] already writes it; keep one of the two")
    if slot.children or slot.element is not None:
        raise DestinationError("other mappings write fields inside it; map the whole object or its fields, not both")
    slot.mapping = index
    return slot


def _step(slot: Slot, segment: Segment, path: tuple[Segment, ...]) -> Slot:
    schema = slot.schema
    if isinstance(segment, Wildcard):
        if schema is not None and schema.kind != "array":
            raise DestinationError(f"{slot.text} is {_kind(schema)}, not an array: remove the [*]", TYPE_INCOMPATIBLE)
        if slot.children:
            raise DestinationError(f"{slot.text} is used both as an object and as an array")
        if slot.element is None:
            slot.element = Slot(path, schema.items if schema is not None else None, parent=slot, depth=slot.depth + 1)
        return slot.element
    if isinstance(segment, int):
        raise DestinationError(
            "a destination cannot pick one array element ([n]): use [*] or map the whole array",
            INVALID_DESTINATION_PATH,
        )
    if schema is not None and schema.kind not in ("object", "map"):
        raise DestinationError(
            f"{format_path(slot.path) if slot.path else 'the row'} is {_kind(schema)}, not an object",
            TYPE_INCOMPATIBLE,
        )
    if slot.element is not None:
        raise DestinationError(f"{slot.text} is used both as an array and as an object")
    child = slot.children.get(segment)
    if child is None:
        child_schema = schema.values if schema is not None and schema.kind == "map" else None
        child_schema = child_schema or (schema.child(segment) if schema is not None else None)
        if schema is not None and child_schema is None:
            known = ", ".join(sorted(schema.properties)[:12])
            raise DestinationError(
                f"the schema has no field {format_path(path)!r} (fields there: {known or 'none'})", UNKNOWN_DESTINATION
            )
        child = slot.children[segment] = Slot(path, child_schema, parent=slot, depth=slot.depth)
    return child


def _kind(schema: FieldSchema) -> str:
    return {"object": "an object", "array": "an array", "map": "a map", "integer": "an integer"}.get(
        schema.kind, f"a {schema.kind}"
    )


# --- which source array each destination array follows --------------------------------------------------------------


def element_slots(leaf: Slot) -> list[Slot]:
    """The ``[*]`` slots from the root down to ``leaf`` (outermost first)."""
    found = []
    slot: Slot | None = leaf
    while slot is not None:
        if slot.path and isinstance(slot.path[-1], Wildcard):
            found.append(slot)
        slot = slot.parent
    return found[::-1]


def wildcard_positions(segments: tuple[Segment, ...]) -> list[int]:
    return [index for index, segment in enumerate(segments) if isinstance(segment, Wildcard)]


def follow(leaf: Slot, source_paths: list[tuple[Segment, ...]]) -> None:
    """Record on each ``[*]`` slot above ``leaf`` the source array it follows, from the mapping's source paths.

    The k-th ``[*]`` of the destination follows the k-th ``[*]`` of the sources; sources with fewer ``[*]`` leave
    it to the other mappings under that array. Raises :class:`DestinationError` on a conflict.
    """
    for level, slot in enumerate(element_slots(leaf)):
        arrays = {
            path[: wildcard_positions(path)[level]] for path in source_paths if len(wildcard_positions(path)) > level
        }
        if len(arrays) > 1:
            shown = " and ".join(sorted(format_path(array) for array in arrays))
            raise DestinationError(
                f"its source reads two arrays ({shown}) for {slot.text}; read one of them", WILDCARD_MISMATCH
            )
        if not arrays:
            continue
        (array,) = arrays
        if slot.follows is not None and slot.follows != array:
            raise DestinationError(
                f"{slot.text} already follows {format_path(slot.follows)}, but this mapping reads "
                f"{format_path(array)}; one destination array follows one source array",
                WILDCARD_MISMATCH,
            )
        slot.follows = array


def read_level(leaf: Slot, source: tuple[Segment, ...]) -> tuple[int, tuple[Segment, ...]]:
    """Where an attribute source is read: the loop level (0 = the record) and the path relative to its element."""
    positions = wildcard_positions(source)
    level = min(leaf.depth, len(positions))
    return level, source[positions[level - 1] + 1 :] if level else source


def unfollowed(root: Slot) -> Slot | None:
    """A ``[*]`` slot that no mapping gives a source array to (the set cannot be compiled), if any."""
    pending = [root]
    while pending:
        slot = pending.pop()
        if slot.path and isinstance(slot.path[-1], Wildcard) and slot.follows is None:
            return slot
        pending.extend(slot.children.values())
        if slot.element is not None:
            pending.append(slot.element)
    return None
