"""Versioning and evolution: additive changes are stored as new revisions, breaking ones are refused."""

from __future__ import annotations

from typing import Any

import pytest

from stripeflow.xdm import EXPERIENCE_EVENT_CLASS, PROFILE_CLASS, BreakingChangeError, SchemaRegistry
from tests.xdm.conftest import NS, tenant_fields

FIELDS: dict[str, Any] = {
    "points": {"type": "integer", "minimum": 0, "maximum": 1000},
    "tier": {"type": "string", "enum": ["gold", "silver"]},
    "joined": {"type": "string", "format": "date-time"},
    "code": {"type": "string", "pattern": "^[A-Z]+$", "maxLength": 8},
    "note": {"type": "string"},
}


@pytest.fixture
def group(registry: SchemaRegistry) -> dict[str, Any]:
    body = tenant_fields({"loyalty": {"type": "object", "properties": FIELDS}}, title="Loyalty")
    return registry.create("fieldgroups", body)


@pytest.fixture
def schema(registry: SchemaRegistry, group: dict[str, Any]) -> dict[str, Any]:
    return registry.create("schemas", {"title": "Members", "allOf": [{"$ref": PROFILE_CLASS}, {"$ref": group["$id"]}]})


def field_op(op: str, name: str, value: Any = None) -> list[dict[str, Any]]:
    path = f"/definitions/custom/properties/{NS}/properties/loyalty/properties/{name}"
    return [{"op": op, "path": path, **({} if op == "remove" else {"value": value})}]


def test_additive_changes_are_accepted(registry: SchemaRegistry, group: dict[str, Any], schema: dict[str, Any]) -> None:
    changed = registry.patch(group["$id"], field_op("add", "nickname", {"type": "string", "title": "Nickname"}))
    assert changed["version"] == "1.1"
    changed = registry.patch(
        group["$id"], field_op("replace", "tier", {"type": "string", "enum": ["gold", "silver", "bronze"]})
    )
    changed = registry.patch(
        group["$id"], field_op("replace", "points", {"type": "integer", "minimum": -5, "title": "P"})
    )
    changed = registry.patch(group["$id"], field_op("replace", "note", {"type": "string", "meta:status": "deprecated"}))
    assert changed["version"] == "1.4"
    loyalty = registry.resolve(schema["$id"])["properties"][NS]["properties"]["loyalty"]["properties"]
    assert "nickname" in loyalty
    assert "note" not in loyalty
    assert len(registry.revisions(group["$id"])) == 5
    assert registry.get(schema["$id"])["version"] == "1.0"  # the schema document itself did not change


@pytest.mark.parametrize(
    ("ops", "path", "rule"),
    [
        (field_op("remove", "note"), "_acme.loyalty.note", "field_removed"),
        (field_op("replace", "points", {"type": "string"}), "_acme.loyalty.points", "type_changed"),
        (field_op("replace", "points", {"type": "number"}), "_acme.loyalty.points", "type_changed"),
        (field_op("replace", "joined", {"type": "string", "format": "date"}), "_acme.loyalty.joined", "format_changed"),
        (field_op("replace", "tier", {"type": "string", "enum": ["gold"]}), "_acme.loyalty.tier", "enum_narrowed"),
        (field_op("replace", "note", {"type": "string", "enum": ["a"]}), "_acme.loyalty.note", "enum_narrowed"),
        (field_op("replace", "points", {"type": "integer", "minimum": 1}), "_acme.loyalty.points", "range_narrowed"),
        (
            field_op("replace", "code", {"type": "string", "pattern": "^[A-Z]+$", "maxLength": 4}),
            "_acme.loyalty.code",
            "range_narrowed",
        ),
        (
            field_op("replace", "code", {"type": "string", "pattern": "^[a-z]+$"}),
            "_acme.loyalty.code",
            "pattern_changed",
        ),
        (
            [
                {
                    "op": "add",
                    "path": f"/definitions/custom/properties/{NS}/properties/loyalty/required",
                    "value": ["note"],
                }
            ],
            "_acme.loyalty.note",
            "made_required",
        ),
    ],
)
def test_breaking_field_group_changes_are_refused(
    registry: SchemaRegistry,
    group: dict[str, Any],
    schema: dict[str, Any],
    ops: list[dict[str, Any]],
    path: str,
    rule: str,
) -> None:
    with pytest.raises(BreakingChangeError, match="schema 'Members'") as refused:
        registry.patch(group["$id"], ops)
    assert [(d["path"], d["rule"]) for d in refused.value.details] == [(path, rule)]
    assert refused.value.details[0]["schema"] == schema["$id"]
    assert "add a new optional field" in str(refused.value)
    assert registry.get(group["$id"])["version"] == "1.0"


def test_new_required_field_is_refused(registry: SchemaRegistry, group: dict[str, Any], schema: dict[str, Any]) -> None:
    ops = [
        *field_op("add", "must", {"type": "string"}),
        {"op": "add", "path": f"/definitions/custom/properties/{NS}/properties/loyalty/required", "value": ["must"]},
    ]
    with pytest.raises(BreakingChangeError, match="made required"):
        registry.patch(group["$id"], ops)


def test_unused_field_groups_change_freely(registry: SchemaRegistry, group: dict[str, Any]) -> None:
    assert registry.patch(group["$id"], field_op("remove", "note"))["version"] == "1.1"


def test_removing_a_field_group_from_a_schema_is_refused(
    registry: SchemaRegistry, group: dict[str, Any], schema: dict[str, Any]
) -> None:
    with pytest.raises(BreakingChangeError) as refused:
        registry.patch(schema["$id"], [{"op": "remove", "path": "/allOf/1"}])
    assert {d["path"] for d in refused.value.details} == {"_acme"}


def test_changing_the_class_is_refused(registry: SchemaRegistry) -> None:
    schema = registry.create("schemas", {"title": "Events", "allOf": [{"$ref": PROFILE_CLASS}]})
    with pytest.raises(BreakingChangeError, match="create a new schema") as refused:
        registry.replace(schema["$id"], {"title": "Events", "allOf": [{"$ref": EXPERIENCE_EVENT_CLASS}]})
    assert refused.value.details[0]["rule"] == "class_changed"
    assert "made_required" in {d["rule"] for d in refused.value.details}  # _id and timestamp of time-series


def test_a_data_type_change_is_checked_against_schemas_using_it(registry: SchemaRegistry) -> None:
    money = registry.create("datatypes", {"title": "Money", "properties": {"amount": {"type": "number"}}})
    group = registry.create("fieldgroups", tenant_fields({"total": {"$ref": money["$id"]}}, title="Totals"))
    registry.create("schemas", {"title": "Orders", "allOf": [{"$ref": PROFILE_CLASS}, {"$ref": group["$id"]}]})
    with pytest.raises(BreakingChangeError, match=r"_acme.total.amount: type changed"):
        registry.replace(money["$id"], {"title": "Money", "properties": {"amount": {"type": "string"}}})
    added = registry.replace(
        money["$id"], {"title": "Money", "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}}}
    )
    assert added["version"] == "1.1"


def test_a_field_group_change_must_keep_schemas_composable(registry: SchemaRegistry, group: dict[str, Any]) -> None:
    other = registry.create("fieldgroups", tenant_fields({"extra": {"type": "string"}}, title="Extra"))
    registry.create(
        "schemas", {"title": "Both", "allOf": [{"$ref": PROFILE_CLASS}, {"$ref": group["$id"]}, {"$ref": other["$id"]}]}
    )
    clash = tenant_fields({"extra": {"type": "string"}, "loyalty": {"type": "integer"}}, title="Extra")
    with pytest.raises(Exception, match="different types"):
        registry.replace(other["$id"], clash)
