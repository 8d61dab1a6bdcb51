"""The Accept forms, nested $ref resolution, revisions and the JSON Schema export."""

from __future__ import annotations

from typing import Any

import pytest

from stripeflow.xdm import PROFILE_CLASS, InvalidSchemaError, NotFoundError, SchemaRegistry
from stripeflow.xdm.builtins import PERSONAL_CONTACT_DETAILS
from tests.support.clock import FakeClock
from tests.xdm.conftest import NS, tenant_fields


@pytest.fixture
def schema(registry: SchemaRegistry) -> dict[str, Any]:
    """A profile schema whose field group nests a tenant data type inside another one, plus a deprecated field."""
    geo = registry.create(
        "datatypes",
        {
            "title": "Geo",
            "type": "object",
            "definitions": {"geo": {"properties": {"lat": {"type": "number", "title": "Latitude"}}}},
            "allOf": [{"$ref": "#/definitions/geo"}],
        },
    )
    store = registry.create(
        "datatypes",
        {
            "title": "Store",
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "Name", "description": "The store's name"},
                "where": {"$ref": geo["$id"], "title": "Where"},
                "old": {"type": "string", "meta:status": "deprecated"},
            },
            "required": ["name"],
        },
    )
    group = registry.create(
        "fieldgroups",
        tenant_fields(
            {
                "home_store": {"$ref": store["$id"], "title": "Home store", "description": "Where they shop"},
                "visits": {"type": "array", "items": {"$ref": store["$id"]}},
                "tags": {"type": "object", "additionalProperties": {"type": "string"}, "meta:xdmType": "map"},
                "level": {"type": "integer", "minimum": 0, "maximum": 10, "enum": [1, 2, 3]},
            },
            title="Stores",
        ),
    )
    return registry.create(
        "schemas",
        {
            "title": "Shoppers",
            "allOf": [{"$ref": PROFILE_CLASS}, {"$ref": group["$id"]}, {"$ref": PERSONAL_CONTACT_DETAILS}],
        },
    )


def tenant_part(doc: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = doc["properties"][NS]["properties"]
    return node


def test_xed_keeps_refs(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    stored = registry.get(schema["$id"], form="application/vnd.adobe.xed+json; version=1")
    assert stored == schema
    assert "properties" not in stored
    assert stored["allOf"][0] == {"$ref": PROFILE_CLASS}


def test_xed_full_resolves_nested_refs(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    full = registry.get(schema["$id"], form="xed-full")
    assert "allOf" not in full
    assert "definitions" not in full
    home = tenant_part(full)["home_store"]
    assert home["title"] == "Home store"
    assert home["description"] == "Where they shop"
    assert home["type"] == "object"
    assert home["required"] == ["name"]
    assert home["properties"]["where"]["properties"]["lat"] == {
        "type": "number",
        "title": "Latitude",
        "meta:xdmType": "number",
    }
    assert "old" not in home["properties"]  # deprecated fields are left out of xed-full
    assert tenant_part(full)["visits"]["items"]["properties"]["where"]["properties"]["lat"]["type"] == "number"
    assert tenant_part(full)["tags"]["meta:xdmType"] == "map"
    assert tenant_part(full)["level"]["meta:xdmType"] == "int"
    email = full["properties"]["personalEmail"]["properties"]["address"]
    assert email["format"] == "email"
    assert full["properties"]["homeAddress"]["properties"]["city"]["type"] == "string"
    assert full == registry.resolve(schema["meta:altId"])


def test_notext_forms_drop_field_text(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    full = registry.get(schema["$id"], form="xed-full-notext")
    assert full["title"] == "Shoppers"
    assert tenant_part(full)["home_store"] == {
        "type": "object",
        "meta:xdmType": "object",
        "properties": {
            "name": {"type": "string", "meta:xdmType": "string"},
            "where": {
                "type": "object",
                "meta:xdmType": "object",
                "properties": {"lat": {"type": "number", "meta:xdmType": "number"}},
            },
        },
        "required": ["name"],
    }
    raw = registry.get(schema["allOf"][1]["$ref"], form="xed-notext")
    assert "title" not in raw["definitions"]["custom"]["properties"][NS]["properties"]["home_store"]
    assert raw["title"] == "Stores"


def test_deprecatefield_form_keeps_deprecated_fields(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    kept = registry.get(schema["$id"], form="xed-deprecatefield")
    assert tenant_part(kept)["home_store"]["properties"]["old"]["meta:status"] == "deprecated"
    assert registry.resolve(schema["$id"], deprecated=True) == kept


def test_full_desc_form_carries_descriptors(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    assert registry.get(schema["$id"], form="xed-full-desc")["meta:descriptors"] == []
    descriptor = registry.create_descriptor(
        {
            "@type": "xdm:descriptorIdentity",
            "xdm:sourceSchema": schema["$id"],
            "xdm:sourceProperty": f"/{NS}/home_store/name",
            "xdm:namespace": "Email",
            "xdm:isPrimary": True,
        }
    )
    assert registry.get(schema["$id"], form="xed-full-desc")["meta:descriptors"] == [descriptor]


def test_unknown_form_is_refused(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    with pytest.raises(InvalidSchemaError, match="unsupported Accept form"):
        registry.get(schema["$id"], form="xed-bogus")


def test_revisions_and_versions(registry: SchemaRegistry, schema: dict[str, Any], clock: FakeClock) -> None:
    clock.advance(60)
    registry.patch(schema["$id"], [{"op": "replace", "path": "/description", "value": "v2"}])
    revisions = registry.revisions(schema["$id"])
    assert [(rev["revision"], rev["version"]) for rev in revisions] == [(1, "1.0"), (2, "1.1")]
    assert revisions[1]["body"]["description"] == "v2"
    assert registry.get(schema["$id"], version="1.0")["description"] == ""
    assert registry.get(schema["$id"], version="1")["version"] == "1.1"
    meta = registry.get(schema["$id"])["meta:registryMetadata"]
    assert meta["repo:lastModifiedDate"] - meta["repo:createdDate"] == 60_000
    with pytest.raises(NotFoundError, match=r"no version 1.7"):
        registry.get(schema["$id"], version="1.7")


def test_json_schema_export(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    exported = registry.export_json_schema(schema["$id"])
    assert exported["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert exported["$id"] == schema["$id"]
    assert exported["title"] == "Shoppers"
    text = repr(exported)
    assert "meta:" not in text
    assert "version" not in exported
    home = exported["properties"][NS]["properties"]["home_store"]
    assert home["properties"]["old"] == {"type": "string", "deprecated": True}
    assert exported["properties"][NS]["properties"]["level"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 10,
        "enum": [1, 2, 3],
    }
    assert exported["properties"][NS]["properties"]["tags"] == {
        "type": "object",
        "additionalProperties": {"type": "string"},
    }


def test_stats(registry: SchemaRegistry, schema: dict[str, Any]) -> None:
    stats = registry.stats()
    assert stats["imsOrg"] == "org-1"
    assert stats["tenantId"] == "acme"
    assert stats["counts"] == {"classes": 0, "mixins": 1, "datatypes": 2, "schemas": 1, "unions": 0}
    assert stats["countsByContainer"]["global"]["classes"] == 2
    recent = {item["$id"]: item for item in stats["recentlyCreatedResources"]}
    assert recent[schema["$id"]]["meta:created"] == "Jan 01, 2026"
    assert recent[schema["$id"]]["meta:resourceType"] == "schemas"
    assert stats["classUsage"] == {PROFILE_CLASS: [{"$id": schema["$id"], "title": "Shoppers", "description": ""}]}
