"""``ensure_stripe_defaults``: the six ready-made Stripe schemas of a sandbox, created where missing.

The resources have stable ``$id``s (32 hex digits derived from the tenant and the resource; the record classes use
:func:`~stripeflow.xdm.stripe_layout.record_class_id`), so the call is idempotent: what exists is left as it is
(a user's later changes are kept), what is missing is created, identity descriptors included.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from stripeflow.xdm.descriptors import IDENTITY
from stripeflow.xdm.errors import NotFoundError
from stripeflow.xdm.kinds import Kind, new_tenant_id, stable_name
from stripeflow.xdm.resolve import Doc
from stripeflow.xdm.stripe_fieldgroups import (
    class_id,
    field_group_body,
    record_class_body,
    schema_body,
)
from stripeflow.xdm.stripe_layout import IDENTITIES, RESOURCE_CLASSES, RESOURCES, field_group_key, stripe_kinds

if TYPE_CHECKING:
    from stripeflow.xdm.registry import SchemaRegistry


def field_group_id(registry: SchemaRegistry, resource: str) -> str:
    return new_tenant_id(registry.scope, Kind.FIELD_GROUP, stable_name(registry.scope, f"fieldgroups/{resource}"))


def schema_id(registry: SchemaRegistry, resource: str) -> str:
    return new_tenant_id(registry.scope, Kind.SCHEMA, stable_name(registry.scope, f"schemas/{resource}"))


def ensure_stripe_defaults(registry: SchemaRegistry) -> dict[str, str]:
    """Create what is missing of the ready-made Stripe resources; returns resource → schema ``$id``."""
    tenant = registry.scope.tenant_id
    schemas: dict[str, str] = {}
    for resource in RESOURCES:
        if RESOURCE_CLASSES[resource] == "record":
            _ensure(registry, Kind.CLASS, class_id(resource, tenant), partial(record_class_body, resource))
        group_id = field_group_id(registry, resource)
        _ensure(
            registry, Kind.FIELD_GROUP, group_id, partial(field_group_body, resource, stripe_kinds(resource), tenant)
        )
        schemas[resource] = schema_id(registry, resource)
        _ensure(registry, Kind.SCHEMA, schemas[resource], partial(schema_body, resource, tenant, group_id))
        _ensure_identities(registry, resource, schemas[resource])
    return schemas


def _ensure(registry: SchemaRegistry, kind: Kind, resource_id: str, body: Callable[[], Doc]) -> None:
    try:
        registry.get(resource_id, kind=kind)
    except NotFoundError:
        registry.create(kind, body(), resource_id=resource_id)


def _ensure_identities(registry: SchemaRegistry, resource: str, schema: str) -> None:
    existing = {d["xdm:sourceProperty"] for d in registry.list_descriptors(schema) if d["@type"] == IDENTITY}
    root = f"/{registry.scope.namespace}/{field_group_key(resource)}"
    for path, namespace, primary in IDENTITIES[resource]:
        pointer = f"{root}/{path.replace('.', '/')}"
        if pointer in existing:
            continue
        registry.create_descriptor(
            {
                "@type": IDENTITY,
                "xdm:sourceSchema": schema,
                "xdm:sourceVersion": 1,
                "xdm:sourceProperty": pointer,
                "xdm:namespace": namespace,
                "xdm:property": "xdm:code",
                "xdm:isPrimary": primary,
            }
        )
