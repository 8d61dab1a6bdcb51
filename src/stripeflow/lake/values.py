"""Pure functions over decoded JSON values that prepare them for Arrow conversion, compiled once per kind.

* A *rewriter* replaces the ``json`` parts of a value with their JSON text and leaves everything else untouched
  (no copy unless something changes). It runs on every record.
* A *coercer* turns any value into one that converts to the kind's Arrow type without error. It runs only for a
  column whose batch failed to convert, so a value of an unexpected type never fails a write:

  ====================  ===========================================================================
  declared kind         value of another type
  ====================  ===========================================================================
  ``id``                an (expanded) object: its ``id``; anything else: JSON text
  ``string``            JSON text of the value (``12`` becomes ``"12"``, an object its JSON)
  ``int``/``ts``        null (a string, float, bool, or an integer beyond int64)
  ``float``             null (a string or bool); integers become floats
  ``bool``              null
  ``map``               null if not an object; non-string values become JSON text
  struct / list         null if not an object / a list; their fields are coerced recursively
  ====================  ===========================================================================

  Nothing is lost: the record as received is always in ``_raw``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

from stripeflow.lake.schema import Kind

Convert = Callable[[Any], Any]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def dumps(value: Any) -> bytes:
    """Compact JSON bytes; falls back to the standard library for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value, default=_plain)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_plain).encode()


def _plain(value: Any) -> Any:
    if hasattr(value, "keys"):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_text(value: Any) -> str | None:
    return None if value is None else dumps(value).decode()


def compile_rewriter(kind: Kind) -> Convert | None:
    """A function that swaps the ``json`` parts of a value for their text; ``None`` if ``kind`` has none."""
    if kind == "json":
        return json_text
    if isinstance(kind, list):
        inner = compile_rewriter(kind[0])
        return None if inner is None else _list_rewriter(inner)
    if isinstance(kind, dict):
        parts = [(name, sub) for name, child in kind.items() if (sub := compile_rewriter(child)) is not None]
        return _struct_rewriter(parts) if parts else None
    return None


def _list_rewriter(inner: Convert) -> Convert:
    def rewrite(value: Any) -> Any:
        return [inner(item) for item in value] if isinstance(value, list) else value

    return rewrite


def _struct_rewriter(parts: list[tuple[str, Convert]]) -> Convert:
    def rewrite(value: Any) -> Any:
        if not isinstance(value, dict):
            return value  # a type mismatch: left for the converter to reject and the coercer to fix
        out: dict[str, Any] | None = None
        for name, sub in parts:
            item = value.get(name)
            if item is None:
                continue
            new = sub(item)
            if new is not item:
                if out is None:
                    out = dict(value)
                out[name] = new
        return value if out is None else out

    return rewrite


def compile_coercer(kind: Kind) -> Convert:
    """A function that makes any value convertible to ``kind`` (see the module docstring for the rules)."""
    if isinstance(kind, dict):
        return _struct_coercer([(name, compile_coercer(child)) for name, child in kind.items()])
    if isinstance(kind, list):
        return _list_coercer(compile_coercer(kind[0]))
    return _SCALAR_COERCERS[kind]


def _struct_coercer(parts: list[tuple[str, Convert]]) -> Convert:
    def coerce(value: Any) -> Any:
        if not isinstance(value, dict):
            return None
        return {name: sub(value.get(name)) for name, sub in parts}

    return coerce


def _list_coercer(inner: Convert) -> Convert:
    def coerce(value: Any) -> Any:
        return [inner(item) for item in value] if isinstance(value, list) else None

    return coerce


def _string(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else json_text(value)


def _id(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return _string(value)


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and _INT64_MIN <= value <= _INT64_MAX:
        return value
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, float):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**1023:
        return float(value)
    return None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _map(value: Any) -> dict[str, str | None] | None:
    if not isinstance(value, dict):
        return None
    return {str(key): _string(item) for key, item in value.items()}


_SCALAR_COERCERS: dict[str, Convert] = {
    "string": _string,
    "id": _id,
    "json": json_text,
    "int": _int,
    "ts": _int,
    "float": _float,
    "bool": _bool,
    "map": _map,
}


def infer_kind(values: list[Any]) -> Kind | None:
    """The kind of a new top-level field, from one batch's values; ``None`` when every value is null.

    Only scalars are typed (``bool``, ``int``, ``float``, ``string``); objects, lists and mixed values make a
    ``string`` column holding JSON text (the string coercer writes non-strings as JSON).
    """
    seen = {type(value) for value in values if value is not None}
    if not seen:
        return None
    if seen == {bool}:
        return "bool"
    if seen == {int}:
        return "int" if all(_int(value) is not None for value in values if value is not None) else "float"
    if seen <= {int, float}:
        return "float"
    return "string"
