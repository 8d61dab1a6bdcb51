"""Resolution: ``$ref``s and ``allOf`` of a resource flattened into one ``properties`` tree (the ``xed-full`` form).

A resource's fields are its own ``properties`` plus, for each ``allOf`` entry, the fields of a local definition
(``#/definitions/name``), of an inline object, or of the referenced resource (a behaviour, class or field group).
A field whose subschema is ``{"$ref": <data type>}`` becomes an object holding the data type's fields; local
``title``/``description``/``meta:status`` win over the data type's. Properties that several parts define are
merged when their types agree and refused (:class:`InvalidSchemaError`) when they do not.

Every resolved node carries ``meta:xdmType``: ``string``, ``date-time``, ``date``, ``int`` (an integer bounded to
32 bits), ``long`` (any other integer), ``number``, ``boolean``, ``object``, ``array`` or ``map``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from stripeflow.xdm.errors import InvalidSchemaError, NotFoundError

Doc = dict[str, Any]
#: Finds a resource document by ``$id`` (``None`` when there is none).
Lookup = Callable[[str], Doc | None]

#: The keys that only the stored (``xed``) form has; the resolved forms drop them.
COMPOSITION_KEYS = ("definitions", "allOf")
_INT32 = 2**31
_TYPE_KEYS = ("type", "format", "meta:xdmType")


class Resolver:
    """Resolves documents against ``lookup``; refuses cycles and unknown references."""

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup

    def document(self, doc: Doc) -> Doc:
        """The resolved form of ``doc``: its meta keys plus ``properties`` (and ``required``)."""
        resolved = {key: copy.deepcopy(value) for key, value in doc.items() if key not in COMPOSITION_KEYS}
        resolved.pop("properties", None)
        resolved.pop("required", None)
        properties, required = self.fields(doc)
        resolved["properties"] = properties
        if required:
            resolved["required"] = required
        return resolved

    def fields(self, doc: Doc, stack: tuple[str, ...] = ()) -> tuple[Doc, list[str]]:
        """The merged ``properties`` and ``required`` of a whole resource."""
        resource_id = str(doc.get("$id", "<new>"))
        if resource_id in stack:
            raise InvalidSchemaError(
                f"{resource_id} refers to itself through {' → '.join(stack)}: remove the cycle",
                [{"$id": resource_id, "reason": "reference_cycle"}],
            )
        stack = (*stack, resource_id)
        merged: Doc = {"properties": {}, "required": []}
        parts = [doc] if "properties" in doc else []
        for entry in doc.get("allOf", []):
            parts.append(self._part(doc, entry, stack))
        for part in parts:
            resolved = self._node({"type": "object", **part}, stack, "")
            merge_nodes(merged, resolved, "")
        return merged["properties"], merged.get("required", [])

    def _part(self, doc: Doc, entry: Doc, stack: tuple[str, ...]) -> Doc:
        ref = entry.get("$ref")
        if ref is None:
            return entry
        if ref.startswith("#/definitions/"):
            name = ref.removeprefix("#/definitions/")
            try:
                part: Doc = doc["definitions"][name]
            except (KeyError, TypeError):
                raise InvalidSchemaError(
                    f"allOf refers to {ref} but {doc.get('$id', 'the document')} has no such definition: "
                    "add it under definitions or remove the reference",
                    [{"$ref": ref, "reason": "unknown_definition"}],
                ) from None
            return part
        properties, required = self.fields(self._target(ref), stack)
        return {"properties": properties, "required": required}

    def _target(self, ref: str) -> Doc:
        target = self._lookup(ref)
        if target is None:
            raise NotFoundError(
                f"the reference {ref} does not name a class, field group or data type in this sandbox: "
                "create it first or fix the $ref",
                [{"$ref": ref, "reason": "unknown_reference"}],
            )
        return target

    def _node(self, node: Doc, stack: tuple[str, ...], path: str) -> Doc:
        out = {key: copy.deepcopy(value) for key, value in node.items() if key not in ("$ref", "properties")}
        if "$ref" in node:
            properties, required = self.fields(self._target(node["$ref"]), stack)
            out.setdefault("type", "object")
            out["properties"] = properties
            if required:
                out["required"] = required
        elif "properties" in node:
            out["properties"] = {
                name: self._node(child, stack, f"{path}.{name}".lstrip("."))
                for name, child in node["properties"].items()
            }
        if isinstance(node.get("items"), dict):
            out["items"] = self._node(node["items"], stack, f"{path}[]")
        if isinstance(node.get("additionalProperties"), dict):
            out["additionalProperties"] = self._node(node["additionalProperties"], stack, f"{path}{{}}")
        if "type" not in out and "properties" in out:
            out["type"] = "object"
        out.setdefault("meta:xdmType", xdm_type(out))
        return out


def xdm_type(node: Doc) -> str:
    """The XDM type a JSON Schema node stands for (see the module docstring)."""
    kind = node.get("type")
    if kind == "string":
        fmt = node.get("format")
        return str(fmt) if fmt in ("date-time", "date") else "string"
    if kind == "integer":
        low, high = node.get("minimum"), node.get("maximum")
        bounded = low is not None and high is not None and low >= -_INT32 and high < _INT32
        return "int" if bounded else "long"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict) and "properties" not in node:
        return "map"
    return str(kind) if kind else "object"


def merge_nodes(into: Doc, other: Doc, path: str) -> None:
    """Merge ``other``'s properties into ``into`` (both object nodes), refusing fields with different types."""
    properties: Doc = into.setdefault("properties", {})
    for name, node in other.get("properties", {}).items():
        child_path = f"{path}.{name}".lstrip(".")
        if name not in properties:
            properties[name] = node
            continue
        existing = properties[name]
        clash = [key for key in _TYPE_KEYS if existing.get(key) != node.get(key)]
        if clash:
            raise InvalidSchemaError(
                f"two parts of the schema define {child_path} with different types "
                f"({_describe(existing)} and {_describe(node)}): rename one of the fields or drop one field group",
                [{"path": child_path, "reason": "conflicting_types", "types": [_describe(existing), _describe(node)]}],
            )
        if "properties" in node:
            merge_nodes(existing, node, child_path)
    required = into.setdefault("required", [])
    required.extend(name for name in other.get("required", []) if name not in required)
    if not required:
        into.pop("required")


def _describe(node: Doc) -> str:
    fmt = f" ({node['format']})" if node.get("format") else ""
    return f"{node.get('meta:xdmType') or node.get('type')}{fmt}"


def schema_nodes(node: Doc) -> Iterator[Doc]:
    """Every schema node under ``node`` (itself included): properties, items, additionalProperties, definitions,
    allOf entries. Property *names* are never visited as nodes."""
    yield node
    for child in node.get("properties", {}).values():
        yield from schema_nodes(child)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from schema_nodes(node[key])
    for child in node.get("definitions", {}).values():
        yield from schema_nodes(child)
    for child in node.get("allOf", []):
        if isinstance(child, dict):
            yield from schema_nodes(child)


def direct_refs(doc: Doc) -> list[str]:
    """The ``$id``s ``doc`` refers to itself (``allOf`` and field ``$ref``s), in order, without duplicates."""
    refs: list[str] = []
    for node in schema_nodes(doc):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#") and ref not in refs:
            refs.append(ref)
    return refs


def ref_closure(doc: Doc, lookup: Lookup) -> list[str]:
    """Every ``$id`` ``doc`` depends on, directly or through the resources it refers to (depth first)."""
    seen: list[str] = []
    pending = list(reversed(direct_refs(doc)))
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.append(ref)
        target = lookup(ref)
        if target is not None:
            pending.extend(reversed(direct_refs(target)))
    return seen


def find_field(tree: Doc, pointer: str) -> Doc | None:
    """The resolved node a JSON pointer (``/_tenant/charges_data/customer``) names, or ``None``."""
    node: Doc | None = tree
    for token in pointer.strip("/").split("/"):
        name = token.replace("~1", "/").replace("~0", "~")
        if node is None or not name:
            return None
        node = node.get("properties", {}).get(name)
    return node
