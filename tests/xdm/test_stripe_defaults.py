"""The six ready-made Stripe schemas: idempotent creation, and agreement with real Stripe objects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stripeflow.xdm import EXPERIENCE_EVENT_CLASS, PROFILE_CLASS, SchemaRegistry
from stripeflow.xdm.builtins import DEMOGRAPHIC_DETAILS, PERSONAL_CONTACT_DETAILS
from stripeflow.xdm.stripe_layout import (
    IDENTITIES,
    MONEY_FIELDS,
    RESOURCES,
    SINGULAR,
    field_group_key,
    major_field,
    record_class_id,
)
from tests.xdm.conftest import NS

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path("/work/shared/stripe-openapi/fixtures3.json")


@pytest.fixture
def defaults(registry: SchemaRegistry) -> dict[str, str]:
    return registry.ensure_stripe_defaults()


def data_root(registry: SchemaRegistry, schema_id: str, resource: str) -> dict[str, Any]:
    node: dict[str, Any] = registry.resolve(schema_id)["properties"][NS]["properties"][field_group_key(resource)]
    return node


def test_ensure_is_idempotent(registry: SchemaRegistry, defaults: dict[str, str]) -> None:
    assert list(defaults) == list(RESOURCES)
    before = registry.stats()["counts"]
    assert before == {"classes": 2, "mixins": 6, "datatypes": 0, "schemas": 6, "unions": 0}
    assert registry.ensure_stripe_defaults() == defaults
    assert registry.stats()["counts"] == before
    assert len(registry.list_descriptors()) == sum(len(ids) for ids in IDENTITIES.values())


def test_schemas_classes_and_titles(registry: SchemaRegistry, defaults: dict[str, str]) -> None:
    expected = {
        "charges": EXPERIENCE_EVENT_CLASS,
        "refunds": EXPERIENCE_EVENT_CLASS,
        "balance_transactions": EXPERIENCE_EVENT_CLASS,
        "customers": PROFILE_CLASS,
        "subscriptions": record_class_id("subscriptions", "acme"),
        "prices": record_class_id("prices", "acme"),
    }
    for resource, schema_id in defaults.items():
        schema = registry.get(schema_id)
        assert schema["meta:class"] == expected[resource]
        assert schema["title"] == "Stripe " + resource.replace("_", " ").title()
    assert registry.get(record_class_id("prices", "acme"))["meta:behaviorType"] == "record"
    customers = registry.get(defaults["customers"])
    assert {PERSONAL_CONTACT_DETAILS, DEMOGRAPHIC_DETAILS} <= {part["$ref"] for part in customers["allOf"]}
    resolved = registry.resolve(defaults["customers"])
    assert resolved["properties"]["personalEmail"]["properties"]["address"]["format"] == "email"
    assert resolved["properties"]["person"]["properties"]["name"]["properties"]["lastName"]["type"] == "string"


def test_field_types_titles_and_money(registry: SchemaRegistry, defaults: dict[str, str]) -> None:
    charge = data_root(registry, defaults["charges"], "charges")["properties"]
    assert charge["amount"]["type"] == "integer"
    assert charge["amount_major"]["type"] == "number"
    assert charge["created"] == {**charge["created"], "type": "string", "format": "date-time"}
    assert charge["metadata"]["meta:xdmType"] == "map"
    assert charge["metadata"]["additionalProperties"] == {"type": "string", "meta:xdmType": "string"}
    assert charge["billing_details"]["properties"]["address"]["properties"]["city"]["type"] == "string"
    assert charge["captured"]["type"] == "boolean"
    assert charge["amount"]["description"].startswith("Amount intended to be collected")
    subscription = data_root(registry, defaults["subscriptions"], "subscriptions")["properties"]
    assert subscription["items"]["properties"]["data"]["type"] == "array"
    assert subscription["items"]["properties"]["data"]["items"]["properties"]["price"]["type"] == "object"
    for resource, schema_id in defaults.items():
        root = data_root(registry, schema_id, resource)["properties"]
        for name in MONEY_FIELDS[resource]:
            assert root[major_field(name)]["type"] == "number"
        for node in _nodes(root):
            assert node["title"], node
            assert node["description"], node


def test_identity_descriptors(registry: SchemaRegistry, defaults: dict[str, str]) -> None:
    for resource, expected in IDENTITIES.items():
        found = [(i.path, i.namespace, i.primary) for i in registry.identities(defaults[resource])]
        root = f"{NS}.{field_group_key(resource)}"
        assert found == [(f"{root}.{path}", namespace, primary) for path, namespace, primary in expected]


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_field_of_real_stripe_objects_is_in_the_schema(
    registry: SchemaRegistry, defaults: dict[str, str], resource: str
) -> None:
    sample = json.loads(FIXTURES.read_text("utf-8"))["resources"][SINGULAR[resource]]
    missing: list[str] = []
    _check_object(sample, data_root(registry, defaults[resource], resource), resource, missing)
    assert missing == []


def test_generated_descriptions_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "tools/gen_xdm_fieldgroups.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def _check_object(value: dict[str, Any], node: dict[str, Any], path: str, missing: list[str]) -> None:
    properties = node.get("properties", {})
    for name, child in value.items():
        if name not in properties:
            missing.append(f"{path}.{name}")
        else:
            _check_value(child, properties[name], f"{path}.{name}", missing)


def _check_value(value: Any, node: dict[str, Any], path: str, missing: list[str]) -> None:
    if value is None or node["type"] == "string":  # a JSON-text field holds any shape
        return
    if isinstance(value, dict) and node["meta:xdmType"] != "map":
        _check_object(value, node, path, missing)
    elif isinstance(value, list):
        assert node["type"] == "array", path
        for item in value:
            _check_value(item, node["items"], f"{path}[]", missing)
    elif not isinstance(value, dict):
        expected = {bool: "boolean", int: "integer", float: "number", str: "string"}[type(value)]
        assert node["type"] in (expected, "number") if expected == "integer" else node["type"] == expected, path


def _nodes(properties: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for node in properties.values():
        found.append(node)
        found.extend(_nodes(node.get("properties", {})))
        if "items" in node:
            found.extend(_nodes(node["items"].get("properties", {})))
    return found
