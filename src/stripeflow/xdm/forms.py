"""The Accept forms of a lookup, and the standalone JSON Schema export, made from stored or resolved documents."""

from __future__ import annotations

import copy
from typing import Any, Final

from stripeflow.xdm.kinds import Form
from stripeflow.xdm.resolve import Doc, Resolver, schema_nodes

DEPRECATED: Final = "deprecated"
JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
#: The JSON Schema keywords the export keeps (``meta:*`` and registry keys are dropped).
_JSON_SCHEMA_KEYS = frozenset(
    [
        "type",
        "format",
        "title",
        "description",
        "properties",
        "required",
        "items",
        "additionalProperties",
        "enum",
        "const",
        "default",
        "examples",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
    ]
)


def render(doc: Doc, form: Form, resolver: Resolver, descriptors: list[Doc] | None = None) -> Doc:
    """``doc`` as ``form`` shows it: stored or resolved, deprecated fields dropped or kept, text dropped or kept."""
    if form.resolved:
        out = resolver.document(doc)
        if form is not Form.XED_DEPRECATEFIELD:
            drop_deprecated(out)
    else:
        out = copy.deepcopy(doc)
    if not form.text:
        for node in list(schema_nodes(out))[1:]:  # the resource keeps its own title and description
            node.pop("title", None)
            node.pop("description", None)
    if form is Form.XED_FULL_DESC:
        out["meta:descriptors"] = list(descriptors or [])
    return out


def drop_deprecated(node: Doc) -> None:
    """Remove the fields marked ``"meta:status": "deprecated"`` (and their ``required`` entries), recursively."""
    properties: dict[str, Doc] = node.get("properties", {})
    for name in [name for name, child in properties.items() if child.get("meta:status") == DEPRECATED]:
        del properties[name]
        if name in node.get("required", []):
            node["required"].remove(name)
    for child in properties.values():
        drop_deprecated(child)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            drop_deprecated(node[key])


def to_json_schema(resolved: Doc) -> Doc:
    """A resolved document as a standalone JSON Schema (draft 2020-12): no ``meta:`` keys, ``deprecated`` kept
    as the standard annotation."""
    body = _strip(resolved)
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": resolved["$id"], **body}


def _strip(node: Doc) -> Doc:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key not in _JSON_SCHEMA_KEYS:
            continue
        if key == "properties":
            out[key] = {name: _strip(child) for name, child in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _strip(value)
        else:
            out[key] = copy.deepcopy(value)
    if node.get("meta:status") == DEPRECATED:
        out["deprecated"] = True
    return out
