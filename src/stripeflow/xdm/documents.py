"""Checking a tenant document (create or replace body) and filling in the keys the registry owns.

The registry owns ``$id``, ``meta:altId``, ``meta:resourceType``, ``meta:containerId``, ``meta:tenantNamespace``,
``meta:extends``, ``meta:class``, ``meta:behaviorType``, ``meta:abstract``, ``version`` and
``meta:registryMetadata``: values sent for them are replaced. Every problem found is reported at once.
"""

from __future__ import annotations

import copy
from typing import Any

from stripeflow.xdm.builtins import BEHAVIORS
from stripeflow.xdm.errors import InvalidSchemaError
from stripeflow.xdm.kinds import Container, Kind, RegistryScope, alt_id
from stripeflow.xdm.resolve import Doc, Lookup, Resolver, direct_refs, ref_closure

OWNED_KEYS = (
    "$id",
    "meta:altId",
    "meta:resourceType",
    "meta:containerId",
    "meta:tenantNamespace",
    "meta:extends",
    "meta:class",
    "meta:behaviorType",
    "meta:abstract",
    "version",
    "meta:registryMetadata",
)
FIELD_TYPES = ("string", "integer", "number", "boolean", "object", "array")
Detail = dict[str, Any]


def kind_of(doc: Doc) -> Kind:
    return Kind.parse(str(doc.get("meta:resourceType", "")))


def prepare(kind: Kind, body: object, scope: RegistryScope, resource_id: str, lookup: Lookup) -> Doc:
    """The document to store for ``body``: checked, with the registry's keys set (``version`` excepted)."""
    if not isinstance(body, dict):
        raise InvalidSchemaError("the body must be a JSON object", [{"reason": "not_an_object"}])
    doc = {key: copy.deepcopy(value) for key, value in body.items() if key not in OWNED_KEYS}
    if kind is Kind.CLASS:
        _add_requested_behavior(doc, body.get("meta:behaviorType"))
    problems = _shape_problems(doc)
    if problems:
        raise _invalid(problems)
    doc.update(
        {
            "$id": resource_id,
            "meta:altId": alt_id(resource_id),
            "meta:resourceType": kind.resource_type,
            "type": "object",
            "meta:abstract": kind is not Kind.SCHEMA,
            "meta:containerId": Container.TENANT.value,
            "meta:tenantNamespace": scope.namespace,
        }
    )
    doc.setdefault("meta:extensible", kind is not Kind.SCHEMA)
    doc.setdefault("description", "")
    problems = _KIND_CHECKS[kind](doc, scope, lookup)
    problems += _field_ref_problems(doc, lookup)
    if problems:
        raise _invalid(problems)
    doc["meta:extends"] = ref_closure(doc, lookup)
    Resolver(lookup).document(doc)  # refuses conflicting paths, cycles and unknown references
    return doc


def _invalid(problems: list[Detail]) -> InvalidSchemaError:
    return InvalidSchemaError("; ".join(p["message"] for p in problems), problems)


def _problem(path: str, reason: str, message: str) -> Detail:
    return {"path": path, "reason": reason, "message": message}


def _shape_problems(doc: Doc) -> list[Detail]:
    problems: list[Detail] = []
    if not isinstance(doc.get("title"), str) or not doc["title"].strip():
        problems.append(_problem("title", "missing_title", "title is required: give the resource a non-empty title"))
    if doc.get("type", "object") != "object":
        problems.append(_problem("type", "not_object", 'type must be "object"'))
    for key, expected in (("definitions", dict), ("allOf", list), ("properties", dict)):
        if key in doc and not isinstance(doc[key], expected):
            problems.append(_problem(key, "bad_shape", f"{key} must be a JSON {expected.__name__}"))
    if problems:
        return problems
    for index, entry in enumerate(doc.get("allOf", [])):
        if not isinstance(entry, dict) or not ("$ref" in entry or "properties" in entry):
            problems.append(
                _problem(
                    f"allOf/{index}", "bad_allof", 'each allOf entry is {"$ref": "<$id>"} or an object with properties'
                )
            )
    for name, definition in doc.get("definitions", {}).items():
        if not isinstance(definition, dict):
            problems.append(_problem(f"definitions/{name}", "bad_shape", f"definition {name} must be an object"))
            continue
        _object_problems(definition, f"definitions/{name}", problems)
    _object_problems(doc, "", problems)
    return problems


def _object_problems(node: Doc, path: str, problems: list[Detail]) -> None:
    properties = node.get("properties", {})
    if not isinstance(properties, dict):
        problems.append(_problem(path, "bad_shape", f"{path or 'properties'}: properties must be an object"))
        return
    for name, child in properties.items():
        _field_problems(child, f"{path}.{name}".lstrip("."), name, problems)
    required = node.get("required", [])
    missing = [name for name in required if name not in properties] if isinstance(required, list) else [required]
    if missing:
        problems.append(
            _problem(path, "bad_required", f"{path or 'required'}: required names unknown fields {missing}")
        )


def _field_problems(node: object, path: str, name: str, problems: list[Detail]) -> None:
    if not name or "." in name or name.startswith("$"):
        problems.append(_problem(path, "bad_name", f"{path}: field names are non-empty, without '.' or a leading '$'"))
    if not isinstance(node, dict):
        problems.append(_problem(path, "bad_shape", f"{path}: a field is a JSON Schema object"))
        return
    if "$ref" in node:
        if not isinstance(node["$ref"], str):
            problems.append(_problem(path, "bad_ref", f"{path}: $ref must be a data type $id"))
        return
    kind = node.get("type")
    if kind not in FIELD_TYPES:
        problems.append(
            _problem(path, "bad_type", f"{path}: type must be one of {', '.join(FIELD_TYPES)}, not {kind!r}")
        )
        return
    if "enum" in node and (not isinstance(node["enum"], list) or not node["enum"]):
        problems.append(_problem(path, "bad_enum", f"{path}: enum must be a non-empty list"))
    if kind == "array":
        if not isinstance(node.get("items"), dict):
            problems.append(_problem(path, "missing_items", f"{path}: an array needs items (the element's schema)"))
        else:
            _field_problems(node["items"], f"{path}[]", "items", problems)
    if kind == "object":
        _object_field_problems(node, path, problems)


def _object_field_problems(node: Doc, path: str, problems: list[Detail]) -> None:
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        _field_problems(extra, f"{path}{{}}", "values", problems)
    elif "properties" not in node:
        problems.append(
            _problem(path, "empty_object", f"{path}: an object needs properties (or additionalProperties for a map)")
        )
    _object_problems(node, path, problems)


def _top_level_fields(doc: Doc) -> dict[str, Doc]:
    fields: dict[str, Doc] = dict(doc.get("properties", {}))
    for definition in doc.get("definitions", {}).values():
        fields.update(definition.get("properties", {}))
    for entry in doc.get("allOf", []):
        if "$ref" not in entry:
            fields.update(entry.get("properties", {}))
    return fields


def _namespace_problems(doc: Doc, scope: RegistryScope) -> list[Detail]:
    problems = []
    for name, node in _top_level_fields(doc).items():
        if name != scope.namespace:
            problems.append(
                _problem(
                    name,
                    "outside_tenant_namespace",
                    f"custom field {name!r} must be nested under the tenant namespace object {scope.namespace!r}: "
                    f"move it to {scope.namespace}.{name}",
                )
            )
        elif node.get("type", "object") != "object" or "$ref" in node:
            problems.append(
                _problem(name, "bad_namespace", f"{scope.namespace} must be an object holding the custom fields")
            )
    return problems


def _add_requested_behavior(doc: Doc, requested: object) -> None:
    """``"meta:behaviorType": "record"`` on a class body stands for the behaviour's ``$ref`` in ``allOf``."""
    by_name = {name: ref for ref, name in BEHAVIORS.items()}
    allof = doc.get("allOf", [])
    if not isinstance(allof, list) or requested not in by_name:
        return
    if not any(isinstance(entry, dict) and entry.get("$ref") in BEHAVIORS for entry in allof):
        doc["allOf"] = [{"$ref": by_name[str(requested)]}, *allof]


def _external_allof(doc: Doc) -> list[str]:
    return [entry["$ref"] for entry in doc.get("allOf", []) if not str(entry.get("$ref", "#")).startswith("#")]


def _class_problems(doc: Doc, scope: RegistryScope, lookup: Lookup) -> list[Detail]:
    refs = _external_allof(doc)
    behaviors = [ref for ref in refs if ref in BEHAVIORS]
    others = [ref for ref in refs if ref not in BEHAVIORS]
    problems = _namespace_problems(doc, scope)
    if len(behaviors) != 1:
        problems.append(
            _problem(
                "allOf",
                "behavior",
                'a class extends exactly one behaviour: add {"$ref": "https://ns.adobe.com/xdm/data/record"} or '
                '{"$ref": "https://ns.adobe.com/xdm/data/time-series"} to allOf',
            )
        )
    else:
        doc["meta:behaviorType"] = BEHAVIORS[behaviors[0]]
    if others:
        problems.append(_problem("allOf", "bad_allof", f"a class's allOf holds its behaviour only, not {others}"))
    return problems


def _field_group_problems(doc: Doc, scope: RegistryScope, lookup: Lookup) -> list[Detail]:
    problems = _namespace_problems(doc, scope)
    if _external_allof(doc):
        problems.append(_problem("allOf", "bad_allof", "a field group's allOf refers to its own #/definitions only"))
    intended = doc.setdefault("meta:intendedToExtend", [])
    if not isinstance(intended, list):
        return [
            *problems,
            _problem("meta:intendedToExtend", "bad_shape", "meta:intendedToExtend is a list of class $ids"),
        ]
    for ref in intended:
        target = lookup(str(ref))
        if target is None or kind_of(target) is not Kind.CLASS:
            problems.append(
                _problem("meta:intendedToExtend", "unknown_class", f"meta:intendedToExtend names {ref!r}, not a class")
            )
    return problems


def _data_type_problems(doc: Doc, scope: RegistryScope, lookup: Lookup) -> list[Detail]:
    if _external_allof(doc):
        return [_problem("allOf", "bad_allof", "a data type's allOf refers to its own #/definitions only")]
    return []


def _schema_problems(doc: Doc, scope: RegistryScope, lookup: Lookup) -> list[Detail]:
    if "properties" in doc or "definitions" in doc or any("$ref" not in entry for entry in doc.get("allOf", [])):
        return [_problem("allOf", "inline_fields", "a schema has no fields of its own: put them in a field group")]
    parts = [(ref, lookup(ref)) for ref in _external_allof(doc)]
    missing = [ref for ref, target in parts if target is None]
    if missing:
        return [
            _problem("allOf", "unknown_reference", f"allOf refers to unknown resources {missing}: create them first")
        ]
    classes = [target for _, target in parts if target is not None and kind_of(target) is Kind.CLASS]
    groups = [target for _, target in parts if target is not None and kind_of(target) is Kind.FIELD_GROUP]
    problems: list[Detail] = []
    if len(classes) != 1:
        problems.append(_problem("allOf", "one_class", f"a schema has exactly one class in allOf, not {len(classes)}"))
    if len(classes) + len(groups) != len(parts):
        problems.append(_problem("allOf", "bad_allof", "a schema's allOf holds one class and field groups only"))
    if len(classes) == 1:
        doc["meta:class"] = classes[0]["$id"]
        doc["meta:behaviorType"] = classes[0].get("meta:behaviorType", "record")
        problems += _compatibility_problems(classes[0], groups)
    return problems


def _compatibility_problems(cls: Doc, groups: list[Doc]) -> list[Detail]:
    problems = []
    for group in groups:
        intended = group.get("meta:intendedToExtend") or []
        if intended and cls["$id"] not in intended:
            problems.append(
                _problem(
                    "allOf",
                    "incompatible_field_group",
                    f"field group {group['title']!r} ({group['$id']}) extends {intended}, not the class "
                    f"{cls['title']!r}: pick a field group made for this class",
                )
            )
    return problems


def _field_ref_problems(doc: Doc, lookup: Lookup) -> list[Detail]:
    allof = set(_external_allof(doc))
    problems = []
    for ref in direct_refs(doc):
        if ref in allof:
            continue
        target = lookup(ref)
        if target is None or kind_of(target) is not Kind.DATA_TYPE:
            problems.append(_problem(ref, "bad_ref", f"a field's $ref must name a data type; {ref} is not one"))
    return problems


_KIND_CHECKS = {
    Kind.CLASS: _class_problems,
    Kind.FIELD_GROUP: _field_group_problems,
    Kind.DATA_TYPE: _data_type_problems,
    Kind.SCHEMA: _schema_problems,
}


def referrers_of(resource_id: str, docs: list[Doc]) -> list[Doc]:
    """The documents among ``docs`` that refer to ``resource_id`` directly (``allOf``, field ``$ref``, intent)."""
    return [
        doc
        for doc in docs
        if doc["$id"] != resource_id
        and (resource_id in direct_refs(doc) or resource_id in doc.get("meta:intendedToExtend", []))
    ]
