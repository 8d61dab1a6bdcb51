"""Explore, without the network: decode ``sourceParams``, infer a schema from sample records, shape the answer.

``GET /connections/{id}/explore`` reads one page of a Stripe list (the router does the I/O) and answers with
:func:`explore_response`: ``{"format": "hierarchical", "schema": ...}`` plus, for ``preview=true``, the first
:data:`PREVIEW_ROWS` records in ``data``. Records are wrapped as a flow ingests them, ``{"data": <object>}``, so
mappings read ``data.<field>`` and the preview rows can go straight to ``POST /conversion/mappingSets/preview``.

Inference, per value: ``null`` gives ``{}`` (type unknown); a boolean, string or float its type; an integer
``{"type": "integer", "minimum": -2**53, "maximum": 2**53 - 1}``; an object its properties (an empty one
``{"type": "object", "properties": {}}``); an array ``{"type": "array", "items": <merged item schemas>}``.
Samples merge field by field: ``{}`` yields to any type, integer and number widen to number, objects take the union
of their properties, and on any other conflict the type seen first is kept.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Iterable, Sequence
from typing import Any, Final

import orjson

from stripeflow.flows.specs import RESOURCE_PATHS

#: How many records a Stripe page is asked for (the most Stripe gives) to infer the schema from.
SAMPLE_SIZE: Final = 100
#: How many of them ``preview=true`` returns.
PREVIEW_ROWS: Final = 10
INTEGER_MIN: Final = -(2**53)
INTEGER_MAX: Final = 2**53 - 1
OBJECT_TYPES: Final = ("rest",)
FILE_TYPES: Final = ("json",)


class ExploreRequestError(ValueError):
    """The explore query is not valid; the message names the valid values."""


def decode_source_params(encoded: str | None) -> str:
    """The ``resourcePath`` named by ``sourceParams`` (base64 of ``{"resourcePath": ...}``, URL-decoded already)."""
    valid = ", ".join(RESOURCE_PATHS)
    example = base64.b64encode(b'{"resourcePath":"charges"}').decode()
    if not encoded:
        raise ExploreRequestError(
            f'sourceParams is required: base64 of {{"resourcePath": "<one of {valid}>"}}, e.g. {example}'
        )
    text = encoded.strip()
    try:
        text = text.replace(" ", "+")  # a "+" that query-string decoding turned into a space
        raw = base64.b64decode(
            text + "=" * (-len(text) % 4), altchars=b"-_" if "-" in text or "_" in text else None, validate=True
        )
    except (binascii.Error, ValueError):
        raise ExploreRequestError(
            f'sourceParams is not valid base64; send base64 of {{"resourcePath": "charges"}} ({example})'
        ) from None
    try:
        params = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ExploreRequestError(
            f'sourceParams decodes to something that is not JSON; send base64 of {{"resourcePath": "charges"}} '
            f"({example})"
        ) from None
    if not isinstance(params, dict) or "resourcePath" not in params:
        raise ExploreRequestError(f"sourceParams must be a JSON object with resourcePath, one of: {valid}")
    resource = params["resourcePath"]
    if resource not in RESOURCE_PATHS:
        raise ExploreRequestError(f"resourcePath {resource!r} is not a Stripe resource path; use one of: {valid}")
    return str(resource)


def check_explore_query(object_type: str | None, file_type: str | None) -> None:
    """``objectType`` must be ``rest`` and ``fileType`` (when given) ``json``."""
    if object_type not in OBJECT_TYPES:
        raise ExploreRequestError(f"objectType must be 'rest' for the Stripe source, not {object_type!r}")
    if file_type is not None and file_type not in FILE_TYPES:
        raise ExploreRequestError(f"fileType {file_type!r} is not supported; json is the only file type")


def infer_schema(value: Any) -> dict[str, Any]:
    """The schema of one value (see the module docstring)."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer", "minimum": INTEGER_MIN, "maximum": INTEGER_MAX}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if isinstance(value, dict):
        return {"type": "object", "properties": {str(key): infer_schema(item) for key, item in value.items()}}
    if isinstance(value, list | tuple):
        return {"type": "array", "items": merge_all(infer_schema(item) for item in value)}
    return {"type": "string"}


def merge_schemas(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """One schema that covers values of both (see the module docstring)."""
    if not first:
        return copy.deepcopy(second)
    if not second:
        return first
    kinds = {first.get("type"), second.get("type")}
    if kinds == {"integer", "number"}:
        return {"type": "number"}
    if first.get("type") != second.get("type"):
        return first
    if first.get("type") == "object":
        properties = dict(first.get("properties") or {})
        for key, schema in (second.get("properties") or {}).items():
            properties[key] = merge_schemas(properties[key], schema) if key in properties else copy.deepcopy(schema)
        return {"type": "object", "properties": properties}
    if first.get("type") == "array":
        return {"type": "array", "items": merge_schemas(first.get("items") or {}, second.get("items") or {})}
    return first


def merge_all(schemas: Iterable[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for schema in schemas:
        merged = merge_schemas(merged, schema)
    return merged


def record_schema(objects: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The schema of the records ``{"data": <object>}`` made from ``objects``, merged across all of them."""
    data = merge_all(infer_schema(item) for item in objects) or {"type": "object", "properties": {}}
    return {"type": "object", "properties": {"data": data}}


def explore_response(objects: Sequence[dict[str, Any]], *, preview: bool) -> dict[str, Any]:
    """The body of the explore call for one page of Stripe objects."""
    response: dict[str, Any] = {"format": "hierarchical", "schema": record_schema(objects)}
    if preview:
        response["data"] = [{"data": item} for item in objects[:PREVIEW_ROWS]]
    return response
