"""Create, get, list, patch, replace and delete of each kind, and the composition rules."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from stripeflow.xdm import (
    EXPERIENCE_EVENT_CLASS,
    PROFILE_CLASS,
    ConflictError,
    InvalidSchemaError,
    NotFoundError,
    RegistryError,
    SchemaRegistry,
)
from stripeflow.xdm.builtins import IDENTITY_MAP, PERSONAL_CONTACT_DETAILS, RECORD_BEHAVIOR
from tests.xdm.conftest import NS, tenant_fields


def loyalty_group(registry: SchemaRegistry, title: str = "Loyalty", cls: str = PROFILE_CLASS) -> dict[str, Any]:
    body = tenant_fields(
        {"loyalty": {"type": "object", "properties": {"points": {"type": "integer"}, "tier": {"type": "string"}}}},
        title=title,
        **{"meta:intendedToExtend": [cls]},
    )
    return registry.create("fieldgroups", body)


def profile_schema(registry: SchemaRegistry, *groups: str, title: str = "Members") -> dict[str, Any]:
    refs = [PROFILE_CLASS, *groups]
    return registry.create("schemas", {"title": title, "type": "object", "allOf": [{"$ref": ref} for ref in refs]})


def test_create_schema_returns_the_201_body(registry: SchemaRegistry) -> None:
    group = loyalty_group(registry)
    schema = profile_schema(registry, group["$id"], PERSONAL_CONTACT_DETAILS)

    hex_id = schema["$id"].rsplit("/", 1)[1]
    assert schema["$id"] == f"https://ns.adobe.com/acme/schemas/{hex_id}"
    assert len(hex_id) == 32
    assert schema["meta:altId"] == f"_acme.schemas.{hex_id}"
    assert schema["version"] == "1.0"
    assert schema["meta:resourceType"] == "schemas"
    assert schema["meta:class"] == PROFILE_CLASS
    assert schema["meta:containerId"] == "tenant"
    assert schema["meta:tenantNamespace"] == NS
    assert schema["meta:extends"][:2] == [PROFILE_CLASS, RECORD_BEHAVIOR]
    assert group["$id"] in schema["meta:extends"]
    assert group["meta:resourceType"] == "mixins"
    assert "/acme/mixins/" in group["$id"]


def test_get_by_id_encoded_id_and_alt_id(registry: SchemaRegistry) -> None:
    group = loyalty_group(registry)
    for ref in (group["$id"], quote(group["$id"], safe=""), group["meta:altId"]):
        assert registry.get(ref) == group
    assert registry.get(group["$id"], kind="fieldgroups", container="tenant") == group
    with pytest.raises(NotFoundError):
        registry.get(group["$id"], kind="schemas")
    with pytest.raises(NotFoundError):
        registry.get(group["$id"], container="global")
    with pytest.raises(NotFoundError):
        registry.get("https://ns.adobe.com/acme/schemas/" + "0" * 32)


def test_global_resources_are_listed_and_read_only(registry: SchemaRegistry) -> None:
    classes = registry.list("classes", "global")
    assert {item["$id"] for item in classes["results"]} == {PROFILE_CLASS, EXPERIENCE_EVENT_CLASS}
    assert registry.get("_xdm.context.profile")["title"] == "XDM Individual Profile"
    assert registry.get(RECORD_BEHAVIOR, kind="behaviors")["meta:resourceType"] == "behaviors"
    with pytest.raises(InvalidSchemaError, match="read-only"):
        registry.delete(PROFILE_CLASS)
    with pytest.raises(InvalidSchemaError, match="read-only"):
        registry.patch(IDENTITY_MAP, [{"op": "replace", "path": "/title", "value": "x"}])


def test_create_each_kind(registry: SchemaRegistry) -> None:
    datatype = registry.create(
        "datatypes",
        {
            "title": "Money",
            "type": "object",
            "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}},
        },
    )
    cls = registry.create(
        "classes",
        {"title": "Ledger entry", "type": "object", "meta:behaviorType": "time-series"},
    )
    group = registry.create(
        "fieldgroups",
        tenant_fields({"total": {"$ref": datatype["$id"]}}, title="Totals", **{"meta:intendedToExtend": [cls["$id"]]}),
    )
    schema = registry.create("schemas", {"title": "Ledger", "allOf": [{"$ref": cls["$id"]}, {"$ref": group["$id"]}]})
    assert cls["meta:behaviorType"] == "time-series"
    assert cls["allOf"] == [{"$ref": "https://ns.adobe.com/xdm/data/time-series"}]
    assert schema["meta:behaviorType"] == "time-series"
    resolved = registry.resolve(schema["$id"])
    assert resolved["required"] == ["_id", "timestamp"]
    assert resolved["properties"][NS]["properties"]["total"]["properties"]["amount"]["type"] == "number"
    for kind in ("datatypes", "classes", "fieldgroups", "schemas"):
        assert registry.list(kind)["_page"]["count"] == 1


def test_list_pages_orders_and_filters(registry: SchemaRegistry) -> None:
    for title in ("Bravo", "Alpha", "Delta", "Charlie"):
        loyalty_group(registry, title)
    first = registry.list("fieldgroups", limit=2)
    assert [item["title"] for item in first["results"]] == ["Alpha", "Bravo"]
    assert set(first["results"][0]) == {"title", "$id", "meta:altId", "version"}
    assert first["_page"] == {"orderby": "title", "next": "Charlie", "count": 2}
    assert first["_links"]["next"]["href"] == "/tenant/fieldgroups?orderby=title&start=Charlie&limit=2"
    second = registry.list("fieldgroups", limit=2, start="Charlie")
    assert [item["title"] for item in second["results"]] == ["Charlie", "Delta"]
    assert second["_page"]["next"] is None
    assert second["_links"] == {}
    desc = registry.list("fieldgroups", orderby="-title")
    assert [item["title"] for item in desc["results"]] == ["Delta", "Charlie", "Bravo", "Alpha"]
    filtered = registry.list("fieldgroups", property_filter="title~^[AB]")
    assert [item["title"] for item in filtered["results"]] == ["Alpha", "Bravo"]
    extending = registry.list("fieldgroups", "global", property_filter=f"meta:intendedToExtend=={PROFILE_CLASS}")
    assert {item["title"] for item in extending["results"]} == {"Personal Contact Details", "Demographic Details"}
    assert registry.list("fieldgroups", full=True)["results"][0]["definitions"]
    with pytest.raises(InvalidSchemaError, match="limit"):
        registry.list("fieldgroups", limit=301)


def test_patch_adds_a_field_group_and_bumps_the_version(registry: SchemaRegistry) -> None:
    schema = profile_schema(registry)
    group = loyalty_group(registry)
    patched = registry.patch(
        schema["meta:altId"],
        [
            {"op": "add", "path": "/meta:extends/-", "value": group["$id"]},
            {"op": "add", "path": "/allOf/-", "value": {"$ref": group["$id"]}},
        ],
    )
    assert patched["version"] == "1.1"
    assert {"$ref": group["$id"]} in patched["allOf"]
    assert "loyalty" in registry.resolve(schema["$id"])["properties"][NS]["properties"]
    assert registry.get(schema["$id"]) == patched
    with pytest.raises(InvalidSchemaError, match="patch operation 0"):
        registry.patch(schema["$id"], [{"op": "replace", "path": "/nope", "value": 1}])


def test_replace_keeps_the_registry_keys(registry: SchemaRegistry) -> None:
    group = loyalty_group(registry)
    body = {key: value for key, value in group.items() if not key.startswith("$") and key != "version"}
    body["description"] = "Points and tier"
    body["$id"] = "https://ns.adobe.com/acme/mixins/other"  # ignored: the registry owns it
    replaced = registry.replace(group["$id"], body)
    assert replaced["$id"] == group["$id"]
    assert replaced["description"] == "Points and tier"
    assert replaced["version"] == "1.1"


def test_delete_refuses_resources_in_use(registry: SchemaRegistry) -> None:
    group = loyalty_group(registry)
    schema = profile_schema(registry, group["$id"])
    with pytest.raises(ConflictError, match="used by 'Members'") as refused:
        registry.delete(group["$id"])
    assert refused.value.details == [{"$id": schema["$id"], "reason": "in_use"}]
    registry.delete(schema["$id"])
    registry.delete(group["$id"])
    with pytest.raises(NotFoundError):
        registry.get(group["$id"])
    assert registry.list("schemas")["results"] == []


def test_custom_fields_must_sit_under_the_tenant_namespace(registry: SchemaRegistry) -> None:
    body = {
        "title": "Loose",
        "definitions": {"custom": {"properties": {"points": {"type": "integer"}}}},
        "allOf": [{"$ref": "#/definitions/custom"}],
    }
    with pytest.raises(InvalidSchemaError, match=r"tenant namespace object '_acme': move it to _acme.points") as bad:
        registry.create("fieldgroups", body)
    assert bad.value.details[0]["reason"] == "outside_tenant_namespace"
    with pytest.raises(InvalidSchemaError, match="tenant namespace"):
        registry.create(
            "classes", {"title": "C", "allOf": [{"$ref": RECORD_BEHAVIOR}], "properties": {"x": {"type": "string"}}}
        )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"title": "No class", "allOf": []}, "one_class"),
        ({"title": "Two classes", "allOf": [{"$ref": PROFILE_CLASS}, {"$ref": EXPERIENCE_EVENT_CLASS}]}, "one_class"),
        (
            {"title": "Wrong group", "allOf": [{"$ref": EXPERIENCE_EVENT_CLASS}, {"$ref": PERSONAL_CONTACT_DETAILS}]},
            "incompatible_field_group",
        ),
        (
            {"title": "Inline", "allOf": [{"$ref": PROFILE_CLASS}], "properties": {"x": {"type": "string"}}},
            "inline_fields",
        ),
        ({"allOf": [{"$ref": PROFILE_CLASS}]}, "missing_title"),
    ],
)
def test_schema_composition_rules(registry: SchemaRegistry, body: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidSchemaError) as refused:
        registry.create("schemas", body)
    assert refused.value.details[0]["reason"] == reason
    assert isinstance(refused.value, ValueError)


def test_two_field_groups_with_one_path_of_different_types_are_refused(registry: SchemaRegistry) -> None:
    first = loyalty_group(registry)
    clash = registry.create(
        "fieldgroups",
        tenant_fields({"loyalty": {"type": "object", "properties": {"points": {"type": "string"}}}}, title="Clash"),
    )
    same = registry.create(
        "fieldgroups",
        tenant_fields({"loyalty": {"type": "object", "properties": {"points": {"type": "integer"}}}}, title="Same"),
    )
    assert profile_schema(registry, first["$id"], same["$id"], title="Fine")["version"] == "1.0"
    with pytest.raises(InvalidSchemaError, match=r"_acme.loyalty.points with different types") as refused:
        profile_schema(registry, first["$id"], clash["$id"])
    assert refused.value.details[0]["types"] == ["long", "string"]


def test_duplicate_titles_and_bad_fields_are_refused(registry: SchemaRegistry) -> None:
    loyalty_group(registry)
    with pytest.raises(ConflictError, match="already exists"):
        loyalty_group(registry)
    bad = tenant_fields(
        {"a": {"type": "strng"}, "b": {"type": "array"}, "c.d": {"type": "string"}, "e": {"type": "object"}}, title="B"
    )
    with pytest.raises(InvalidSchemaError) as refused:
        registry.create("fieldgroups", bad)
    assert [d["reason"] for d in refused.value.details] == ["bad_type", "missing_items", "bad_name", "empty_object"]
    with pytest.raises(InvalidSchemaError, match="must name a data type"):
        registry.create("fieldgroups", tenant_fields({"x": {"$ref": PROFILE_CLASS}}, title="Ref"))
    with pytest.raises(RegistryError, match="unknown resource kind"):
        registry.create("unions", {"title": "U"})
