"""Descriptors: identity (``xdm:descriptorIdentity``), one-to-one relationship and alternate display info.

A descriptor points at a field of a tenant schema by JSON pointer (``/_tenant/customers_data/id``). A schema has
at most one primary identity, and one identity descriptor per field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from stripeflow.xdm.errors import ConflictError, InvalidSchemaError, NotFoundError
from stripeflow.xdm.resolve import Doc, find_field

IDENTITY: Final = "xdm:descriptorIdentity"
ONE_TO_ONE: Final = "xdm:descriptorOneToOne"
DISPLAY_INFO: Final = "xdm:alternateDisplayInfo"
DESCRIPTOR_TYPES: Final = (IDENTITY, ONE_TO_ONE, DISPLAY_INFO)
#: The keys the registry sets; values sent for them are replaced.
_OWNED = ("@id", "meta:containerId", "imsOrg")

#: Finds the resolved tree (deprecated fields kept) of a tenant schema by ``$id`` or ``meta:altId``.
SchemaTrees = Callable[[str], Doc | None]


@dataclass(frozen=True, slots=True)
class Identity:
    """An identity field of a schema, as its descriptor declares it."""

    descriptor_id: str
    schema_id: str
    pointer: str  # JSON pointer, as in the descriptor: /_tenant/customers_data/id
    path: str  # the same as a dotted XDM path: _tenant.customers_data.id
    namespace: str  # the identity namespace code: StripeCustomerId, Email ...
    primary: bool


def prepare_descriptor(
    body: object, *, descriptor_id: str, org_id: str, trees: SchemaTrees, existing: list[Doc]
) -> Doc:
    """The descriptor to store: checked against its schema and the schema's other descriptors."""
    if not isinstance(body, dict):
        raise InvalidSchemaError("a descriptor is a JSON object", [{"reason": "not_an_object"}])
    kind = body.get("@type")
    if kind not in DESCRIPTOR_TYPES:
        raise InvalidSchemaError(
            f"unsupported descriptor @type {kind!r}: use one of {', '.join(DESCRIPTOR_TYPES)}",
            [{"path": "@type", "reason": "bad_type", "value": kind}],
        )
    doc = {key: value for key, value in body.items() if key not in _OWNED}
    tree = _schema(doc, "xdm:sourceSchema", trees)
    doc["xdm:sourceSchema"] = tree["$id"]
    doc.setdefault("xdm:sourceVersion", 1)
    field = _field(doc, "xdm:sourceProperty", tree, required=True)
    others = [other for other in existing if other["@id"] != descriptor_id and other["xdm:sourceSchema"] == tree["$id"]]
    if kind == IDENTITY:
        _check_identity(doc, field, others)
    elif kind == ONE_TO_ONE:
        target = _schema(doc, "xdm:destinationSchema", trees)
        doc["xdm:destinationSchema"] = target["$id"]
        doc.setdefault("xdm:destinationVersion", 1)
        _field(doc, "xdm:destinationProperty", target, required=False)
    return {"@id": descriptor_id, **doc, "meta:containerId": "tenant", "imsOrg": org_id}


def _schema(doc: Doc, key: str, trees: SchemaTrees) -> Doc:
    ref = doc.get(key)
    tree = trees(ref) if isinstance(ref, str) else None
    if tree is None:
        raise NotFoundError(
            f"{key} {ref!r} is not a schema of this sandbox: give the $id of an existing tenant schema",
            [{"path": key, "reason": "unknown_schema", "value": ref}],
        )
    return tree


def _field(doc: Doc, key: str, tree: Doc, *, required: bool) -> Doc | None:
    pointer = doc.get(key)
    if pointer is None and not required:
        return None
    node = find_field(tree, pointer) if isinstance(pointer, str) and pointer.startswith("/") else None
    if node is None:
        raise InvalidSchemaError(
            f"{key} {pointer!r} does not name a field of {tree['$id']}: give a JSON pointer such as "
            f"/{tree.get('meta:tenantNamespace', '_tenant')}/field",
            [{"path": key, "reason": "unknown_field", "value": pointer}],
        )
    return node


def _check_identity(doc: Doc, field: Doc | None, others: list[Doc]) -> None:
    pointer = doc["xdm:sourceProperty"]
    if not isinstance(doc.get("xdm:namespace"), str) or not doc["xdm:namespace"]:
        raise InvalidSchemaError(
            "an identity descriptor needs xdm:namespace, the identity namespace code (e.g. Email)",
            [{"path": "xdm:namespace", "reason": "missing_namespace"}],
        )
    if field is None or field.get("type") != "string":
        raise InvalidSchemaError(
            f"identity field {pointer} must be a string field",
            [{"path": "xdm:sourceProperty", "reason": "not_a_string", "value": pointer}],
        )
    doc.setdefault("xdm:property", "xdm:code")
    doc["xdm:isPrimary"] = bool(doc.get("xdm:isPrimary", False))
    identities = [other for other in others if other["@type"] == IDENTITY]
    same_field = [other["@id"] for other in identities if other["xdm:sourceProperty"] == pointer]
    if same_field:
        raise ConflictError(
            f"{pointer} already has an identity descriptor ({same_field[0]}): update that one instead",
            [{"path": "xdm:sourceProperty", "reason": "duplicate_identity", "descriptor": same_field[0]}],
        )
    primary = [other for other in identities if other.get("xdm:isPrimary")]
    if doc["xdm:isPrimary"] and primary:
        raise ConflictError(
            f"schema {doc['xdm:sourceSchema']} already has a primary identity ({primary[0]['xdm:sourceProperty']}, "
            f"descriptor {primary[0]['@id']}): set xdm:isPrimary to false, or make that one non-primary first",
            [{"path": "xdm:isPrimary", "reason": "second_primary_identity", "descriptor": primary[0]["@id"]}],
        )


def identity_of(descriptor: Doc) -> Identity:
    pointer = str(descriptor["xdm:sourceProperty"])
    return Identity(
        descriptor_id=str(descriptor["@id"]),
        schema_id=str(descriptor["xdm:sourceSchema"]),
        pointer=pointer,
        path=".".join(token.replace("~1", "/").replace("~0", "~") for token in pointer.strip("/").split("/")),
        namespace=str(descriptor["xdm:namespace"]),
        primary=bool(descriptor.get("xdm:isPrimary")),
    )


def merged_update(current: Doc, body: Any) -> Any:
    """A PUT body for a descriptor: keys left out keep their stored value (the ``@type`` cannot change)."""
    if isinstance(body, dict) and body.get("@type", current["@type"]) != current["@type"]:
        raise InvalidSchemaError(
            "a descriptor's @type cannot change: delete it and create a new one",
            [{"path": "@type", "reason": "type_changed"}],
        )
    return {**current, **body} if isinstance(body, dict) else body
