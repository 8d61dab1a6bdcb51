"""The bodies of the ready-made Stripe resources, built from :mod:`stripeflow.xdm.stripe_layout`.

Field group ``{R}_data`` puts every field of the Stripe object under ``_T.{R}_data``, typed from
:func:`~stripeflow.xdm.stripe_layout.stripe_kinds`; each field has a title (from its name) and a description (the
first sentence of Stripe's OpenAPI description, from ``stripe_descriptions.json``, written by
``tools/gen_xdm_fieldgroups.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from stripeflow.xdm.builtins import DEMOGRAPHIC_DETAILS, PERSONAL_CONTACT_DETAILS, RECORD_BEHAVIOR
from stripeflow.xdm.resolve import Doc
from stripeflow.xdm.stripe_layout import (
    EXPERIENCE_EVENT_CLASS,
    MONEY_FIELDS,
    PROFILE_CLASS,
    RESOURCE_CLASSES,
    SINGULAR,
    field_group_key,
    major_field,
    record_class_id,
    tenant_namespace,
)

_SCALARS: Mapping[str, Doc] = {
    "string": {"type": "string"},
    "id": {"type": "string"},
    "json": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "ts": {"type": "string", "format": "date-time"},
    "map": {"type": "object", "additionalProperties": {"type": "string"}, "meta:xdmType": "map"},
}
_KIND_NOTES = {
    "id": " The id of the related Stripe object.",
    "json": " Kept as JSON text (its shape varies).",
    "ts": " Stripe sends Unix seconds; the schema holds the instant.",
}
#: Extra field groups of a ready-made schema, besides ``{R}_data``.
EXTRA_FIELD_GROUPS: Mapping[str, tuple[str, ...]] = {"customers": (PERSONAL_CONTACT_DETAILS, DEMOGRAPHIC_DETAILS)}


def label(resource: str) -> str:
    """``balance_transactions`` → ``Balance Transactions``."""
    return resource.replace("_", " ").title()


def title_of(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


@cache
def _descriptions() -> Mapping[str, Mapping[str, str]]:
    text = resources.files("stripeflow.xdm").joinpath("stripe_descriptions.json").read_text("utf-8")
    loaded: Mapping[str, Mapping[str, str]] = json.loads(text)["resources"]
    return loaded


def class_id(resource: str, tenant_id: str) -> str:
    """The ``$id`` of the class of a resource's ready-made schema."""
    kind = RESOURCE_CLASSES[resource]
    if kind == "profile":
        return PROFILE_CLASS
    if kind == "experienceevent":
        return EXPERIENCE_EVENT_CLASS
    return record_class_id(resource, tenant_id)


def record_class_body(resource: str) -> Doc:
    singular = SINGULAR[resource]
    return {
        "title": f"Stripe {label(singular)}",
        "description": f"A Stripe {singular.replace('_', ' ')}: one record per object, updated in place.",
        "type": "object",
        "allOf": [{"$ref": RECORD_BEHAVIOR}],
    }


def field_group_body(resource: str, fields: Mapping[str, Any], tenant_id: str) -> Doc:
    """The ``{resource}_data`` field group for the Stripe object described by ``fields``."""
    key = field_group_key(resource)
    singular = SINGULAR[resource].replace("_", " ")
    data = {
        "title": f"Stripe {singular} data",
        "description": f"Every field of the Stripe {singular} object, named as Stripe names it.",
        "type": "object",
        "properties": _properties(resource, fields, ""),
    }
    namespace = tenant_namespace(tenant_id)
    return {
        "title": f"Stripe {label(resource)} Data",
        "description": f"The fields of a Stripe {singular}, under {namespace}.{key}.",
        "type": "object",
        "meta:intendedToExtend": [class_id(resource, tenant_id)],
        "definitions": {key: {"properties": {namespace: {"type": "object", "properties": {key: data}}}}},
        "allOf": [{"$ref": f"#/definitions/{key}"}],
    }


def schema_body(resource: str, tenant_id: str, field_group_id: str) -> Doc:
    refs = [class_id(resource, tenant_id), field_group_id, *EXTRA_FIELD_GROUPS.get(resource, ())]
    return {
        "title": f"Stripe {label(resource)}",
        "description": f"Stripe {resource.replace('_', ' ')} as copied by stripeflow (the {resource} resource).",
        "type": "object",
        "allOf": [{"$ref": ref} for ref in refs],
    }


def _properties(resource: str, fields: Mapping[str, Any], prefix: str) -> Doc:
    properties: Doc = {}
    for name, kind in fields.items():
        path = f"{prefix}{name}"
        properties[name] = _field(resource, name, kind, path)
        if not prefix and name in MONEY_FIELDS[resource]:
            properties[major_field(name)] = {
                "title": f"{title_of(name)} (major unit)",
                "description": f"{name} in the currency's major unit (e.g. 12.34 for 1234 cents).",
                "type": "number",
            }
    return properties


def _field(resource: str, name: str, kind: Any, path: str) -> Doc:
    text = _descriptions().get(resource, {}).get(path) or f"The {path} field of the Stripe object."
    if isinstance(kind, list):
        items = _field(resource, name, kind[0], path)
        items.pop("title", None)
        items.pop("description", None)
        return {"title": title_of(name), "description": text, "type": "array", "items": items}
    if isinstance(kind, dict):
        nested = _properties(resource, kind, f"{path}.")
        return {"title": title_of(name), "description": text, "type": "object", "properties": nested}
    note = _KIND_NOTES.get(kind, "")
    return {"title": title_of(name), "description": text + note, **_SCALARS[kind]}
