"""Identity and other descriptors: validation, one primary identity per schema, update and delete."""

from __future__ import annotations

from typing import Any

import pytest

from stripeflow.xdm import PROFILE_CLASS, ConflictError, Identity, InvalidSchemaError, NotFoundError, SchemaRegistry
from tests.xdm.conftest import NS, tenant_fields


@pytest.fixture
def schema(registry: SchemaRegistry) -> dict[str, Any]:
    group = registry.create(
        "fieldgroups",
        tenant_fields(
            {"crm_id": {"type": "string"}, "email": {"type": "string", "format": "email"}, "age": {"type": "integer"}},
            title="CRM",
        ),
    )
    return registry.create("schemas", {"title": "People", "allOf": [{"$ref": PROFILE_CLASS}, {"$ref": group["$id"]}]})


def identity(schema: dict[str, Any], field: str, namespace: str = "CRMID", primary: bool = False) -> dict[str, Any]:
    return {
        "@type": "xdm:descriptorIdentity",
        "xdm:sourceSchema": schema["$id"],
        "xdm:sourceVersion": 1,
        "xdm:sourceProperty": f"/{NS}/{field}",
        "xdm:namespace": namespace,
        "xdm:property": "xdm:code",
        "xdm:isPrimary": primary,
    }


def test_create_echoes_the_descriptor_with_an_id(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    created = registry.create_descriptor(identity(schema, "crm_id", primary=True))
    assert len(created["@id"]) == 32
    assert {key: created[key] for key in identity(schema, "crm_id", primary=True)} == identity(
        schema, "crm_id", primary=True
    )
    assert created["meta:containerId"] == "tenant"
    assert created["imsOrg"] == "org-1"
    assert registry.get_descriptor(created["@id"]) == created
    assert registry.identities(schema["meta:altId"]) == [
        Identity(created["@id"], schema["$id"], f"/{NS}/crm_id", f"{NS}.crm_id", "CRMID", True)
    ]


def test_a_second_primary_identity_is_refused(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    first = registry.create_descriptor(identity(schema, "crm_id", primary=True))
    with pytest.raises(ConflictError, match="already has a primary identity") as refused:
        registry.create_descriptor(identity(schema, "email", "Email", primary=True))
    assert refused.value.details == [
        {"path": "xdm:isPrimary", "reason": "second_primary_identity", "descriptor": first["@id"]}
    ]
    secondary = registry.create_descriptor(identity(schema, "email", "Email"))
    assert [i.namespace for i in registry.identities(schema["$id"])] == ["CRMID", "Email"]
    with pytest.raises(ConflictError, match="already has an identity descriptor"):
        registry.create_descriptor(identity(schema, "email", "Phone"))
    # Swapping the primary: first make the old one non-primary.
    registry.update_descriptor(first["@id"], {"xdm:isPrimary": False})
    updated = registry.update_descriptor(secondary["@id"], {"xdm:isPrimary": True})
    assert updated["xdm:isPrimary"] is True
    assert registry.identities(schema["$id"])[0].namespace == "Email"


@pytest.mark.parametrize(
    ("change", "error", "reason"),
    [
        ({"@type": "xdm:descriptorBogus"}, InvalidSchemaError, "bad_type"),
        ({"xdm:sourceSchema": "https://ns.adobe.com/acme/schemas/nope"}, NotFoundError, "unknown_schema"),
        ({"xdm:sourceSchema": PROFILE_CLASS}, NotFoundError, "unknown_schema"),
        ({"xdm:sourceProperty": f"/{NS}/missing"}, InvalidSchemaError, "unknown_field"),
        ({"xdm:sourceProperty": f"{NS}.crm_id"}, InvalidSchemaError, "unknown_field"),
        ({"xdm:sourceProperty": f"/{NS}/age"}, InvalidSchemaError, "not_a_string"),
        ({"xdm:namespace": ""}, InvalidSchemaError, "missing_namespace"),
    ],
)
def test_invalid_descriptors_are_refused(
    registry: SchemaRegistry, schema: dict[str, Any], change: dict[str, Any], error: type[Exception], reason: str
) -> None:
    with pytest.raises(error) as refused:
        registry.create_descriptor({**identity(schema, "crm_id"), **change})
    assert refused.value.details[0]["reason"] == reason  # type: ignore[attr-defined]


def test_other_descriptor_types(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    display = registry.create_descriptor(
        {
            "@type": "xdm:alternateDisplayInfo",
            "xdm:sourceSchema": schema["$id"],
            "xdm:sourceProperty": f"/{NS}/age",
            "xdm:title": {"en_us": "Age in years"},
        }
    )
    relation = registry.create_descriptor(
        {
            "@type": "xdm:descriptorOneToOne",
            "xdm:sourceSchema": schema["$id"],
            "xdm:sourceProperty": f"/{NS}/crm_id",
            "xdm:destinationSchema": schema["meta:altId"],
            "xdm:destinationProperty": f"/{NS}/email",
        }
    )
    assert relation["xdm:destinationSchema"] == schema["$id"]
    assert relation["xdm:sourceVersion"] == 1
    by_id = {d["@id"]: d for d in registry.list_descriptors(schema["$id"])}
    assert by_id == {display["@id"]: display, relation["@id"]: relation}
    assert sorted(registry.list_descriptors(form="xdm-id")) == sorted([display["@id"], relation["@id"]])
    assert registry.list_descriptors(form="xdm-link") == {
        "xdm:alternateDisplayInfo": [f"/descriptors/{display['@id']}"],
        "xdm:descriptorOneToOne": [f"/descriptors/{relation['@id']}"],
    }
    with pytest.raises(InvalidSchemaError, match="cannot change"):
        registry.update_descriptor(display["@id"], {"@type": "xdm:descriptorIdentity"})
    registry.delete_descriptor(display["@id"])
    with pytest.raises(NotFoundError):
        registry.get_descriptor(display["@id"])


def test_deleting_a_schema_deletes_its_descriptors(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    registry.create_descriptor(identity(schema, "crm_id", primary=True))
    registry.delete(schema["$id"])
    assert registry.list_descriptors() == []
