"""Generate the lake's column descriptions from Stripe's published API description.

Reads ``spec3.json`` (the OpenAPI description of API version 2020-08-27) and ``fixtures3.json`` (one current example
object per resource) and writes ``src/stripeflow/lake/schemas/stripe_resources.json``, which the installed package
loads at runtime (the shared folder is not shipped with it).

The written description is compact JSON. A type is one of
``"string" | "int" | "float" | "bool" | "ts" | "id" | "map" | "json"``, an object ``{field: type, ...}`` (a struct)
or a one-element array ``[type]`` (a list). ``ts`` is a Stripe ``format: unix-time`` integer, ``id`` an expandable
field kept as the id string, ``map`` a free-form string map (``metadata``), ``json`` a value kept as JSON text
(polymorphic, free-form, empty or too deeply nested objects).

The current fixture objects override and extend the 2020 description: fields the fixtures add are typed from the
fixture value, from the spec component its ``object`` names, or from ``FIXTURE_TYPES`` where the value alone cannot
say (``null``, an empty list, a unix time). ``ADDITIONS`` declares fields neither source shows (the newer
buy-now-pay-later payment method details).

    .venv/bin/python tools/gen_lake_schemas.py [--spec PATH] [--fixtures PATH] [--out PATH] [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stripeflow.stripe.resources import RESOURCES

SHARED = Path("/work/shared/stripe-openapi")
OUT = Path(__file__).resolve().parents[1] / "src/stripeflow/lake/schemas/stripe_resources.json"

#: Deepest struct kept as a struct (a top-level struct column is depth 1); deeper objects are kept as JSON text.
MAX_DEPTH = 5

Type = str | dict[str, Any] | list[Any]

#: Fields whose type neither the spec nor the fixture value can tell. Paths are dotted; list levels are transparent
#: (``items.data.current_period_end`` is a field of each element of ``items.data``).
FIXTURE_TYPES: Mapping[str, Mapping[str, Type]] = {
    "charge": {
        "source": "json",  # polymorphic (card, source, bank account ...), deprecated
        "refunds.total_count": "int",
        "payment_method_details.card.amount_authorized": "int",
    },
    "subscription": {
        "application": "id",
        "on_behalf_of": "id",
        "discounts": ["id"],
        "items.total_count": "int",  # sent by some API versions on embedded lists
        "items.data.discounts": ["id"],
        "items.data.current_period_start": "ts",
        "items.data.current_period_end": "ts",
        "items.data.created": "ts",
        "items.data.price.custom_unit_amount": {"maximum": "int", "minimum": "int", "preset": "int"},
        "items.data.price.recurring.trial_period_days": "int",
        "items.data.plan.meter": "string",
        "billing_cycle_anchor_config": {
            "day_of_month": "int",
            "hour": "int",
            "minute": "int",
            "month": "int",
            "second": "int",
        },
        "automatic_tax.liability": {"account": "id", "type": "string"},
        "invoice_settings.account_tax_ids": ["id"],
        "invoice_settings.issuer": {"account": "id", "type": "string"},
        "invoice_settings.custom_fields": [{"name": "string", "value": "string"}],
        "pending_update.discounts": ["id"],
        "pending_update.metadata": "map",
        "pending_update.discount.source": {"coupon": "id", "type": "string"},
        "billing_mode": {"flexible": {"proration_discounts": "string"}, "type": "string", "updated_at": "ts"},
        "billing_schedules.applies_to": "json",
        "billing_schedules.bill_until.computed_timestamp": "ts",
        "billing_schedules.bill_until.timestamp": "ts",
        "billing_schedules.bill_until.duration.interval_count": "int",
    },
    "refund": {
        "customer": "id",
        "payment_method": "id",
        "destination_details.card": {
            "reference": "string",
            "reference_status": "string",
            "reference_type": "string",
            "type": "string",
        },
    },
    "customer": {
        # Includable lists, only present when expanded: the extractor reads them through their own endpoints.
        "sources": "json",
        "subscriptions": "json",
        "tax_ids": "json",
        "discount.source": {"coupon": "id", "type": "string"},
        "discount.subscription_item": "id",
    },
    "price": {
        "custom_unit_amount": {"maximum": "int", "minimum": "int", "preset": "int"},
        "recurring.trial_period_days": "int",
    },
}

#: Fields absent from both the 2020 description and the current fixture objects.
ADDITIONS: Mapping[str, Mapping[str, Type]] = {
    "charge": {
        "payment_method_details.affirm": {"location": "string", "reader": "string", "transaction_id": "string"},
        "payment_method_details.afterpay_clearpay.order_id": "string",
        "payment_method_details.klarna.payer_details": {"address": {"country": "string"}},
        # Stripe documents no fields for zip; an empty struct cannot be stored in Parquet.
        "payment_method_details.zip": "json",
    },
}


class SpecReader:
    """Turns OpenAPI component schemas into the compact type language."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.components: Mapping[str, Any] = spec["components"]["schemas"]

    def component(self, ref: str) -> tuple[str, Mapping[str, Any]]:
        name = ref.rsplit("/", 1)[-1]
        return name, self.components[name]

    def type_of(self, prop: Mapping[str, Any], depth: int, seen: frozenset[str]) -> Type:
        if "$ref" in prop:
            name, schema = self.component(prop["$ref"])
            return self.object_type(schema, depth, seen | {name}) if name not in seen else "json"
        if "anyOf" in prop:
            options = prop["anyOf"]
            if any(option.get("type") == "string" for option in options):
                return "id"  # an expandable field: the id, or the object when expanded
            if len(options) == 1:
                return self.type_of(options[0], depth, seen)
            return "json"  # polymorphic
        kind = prop.get("type")
        if kind == "string":
            return "string"
        if kind == "integer":
            return "ts" if prop.get("format") == "unix-time" else "int"
        if kind == "number":
            return "float"
        if kind == "boolean":
            return "bool"
        if kind == "array":
            return [self.type_of(prop["items"], depth, seen)]
        if kind == "object" or "properties" in prop:
            return self.object_type(prop, depth, seen)
        return "json"

    def object_type(self, schema: Mapping[str, Any], depth: int, seen: frozenset[str]) -> Type:
        properties: Mapping[str, Any] = schema.get("properties", {})
        if not properties:
            extra = schema.get("additionalProperties")
            return "map" if isinstance(extra, Mapping) and extra.get("type") == "string" else "json"
        if depth > MAX_DEPTH:
            return "json"
        return {name: self.type_of(prop, depth + 1, seen) for name, prop in properties.items()}


class FixtureOverlay:
    """Extends a spec-derived struct with the fields the current fixture object shows."""

    def __init__(self, reader: SpecReader, explicit: Mapping[str, Type]) -> None:
        self.reader = reader
        self.explicit = explicit

    def overlay(self, struct: dict[str, Any], value: Mapping[str, Any], path: str, depth: int) -> None:
        for name, item in value.items():
            here = f"{path}.{name}" if path else name
            if here in self.explicit:
                struct[name] = self.explicit[here]
            elif name not in struct:
                struct[name] = self.infer(item, here, depth + 1)
            else:
                self.refine(struct, name, item, here, depth + 1)

    def refine(self, struct: dict[str, Any], name: str, item: Any, path: str, depth: int) -> None:
        declared = struct[name]
        if isinstance(declared, dict) and isinstance(item, Mapping):
            self.overlay(declared, item, path, depth)
        elif isinstance(declared, list) and isinstance(declared[0], dict) and isinstance(item, list):
            for element in item:
                if isinstance(element, Mapping):
                    self.overlay(declared[0], element, path, depth)

    def infer(self, value: Any, path: str, depth: int) -> Type:
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "int"
        if isinstance(value, float):
            return "float"
        if isinstance(value, str):
            return "string"
        if isinstance(value, list):
            elements = [self.infer(element, path, depth) for element in value]
            return [elements[0]] if elements and all(e == elements[0] for e in elements) else "json"
        if isinstance(value, Mapping):
            return self.infer_object(value, path, depth)
        return "string"  # null: a string column keeps any later value (objects as JSON text)

    def infer_object(self, value: Mapping[str, Any], path: str, depth: int) -> Type:
        if not value or depth > MAX_DEPTH:
            return "json"
        named = value.get("object")
        struct: dict[str, Any] = {}
        if isinstance(named, str) and named in self.reader.components:
            base = self.reader.object_type(self.reader.components[named], depth, frozenset({named}))
            if isinstance(base, dict):
                struct = base
        self.overlay(struct, value, path, depth)
        return struct


def set_path(struct: dict[str, Any], path: str, kind: Type) -> None:
    """Declare ``kind`` at ``path``, descending through structs and lists of structs."""
    head, _, rest = path.partition(".")
    if not rest:
        struct[head] = kind
        return
    child = struct.get(head)
    if isinstance(child, list):
        child = child[0]
    if not isinstance(child, dict):
        raise SystemExit(f"cannot add {path!r}: {head!r} is not a struct")
    set_path(child, rest, kind)


def resource_fields(reader: SpecReader, fixtures: Mapping[str, Any], object_name: str) -> dict[str, Any]:
    fields = reader.object_type(reader.components[object_name], 0, frozenset({object_name}))
    assert isinstance(fields, dict)
    explicit = FIXTURE_TYPES.get(object_name, {})
    FixtureOverlay(reader, explicit).overlay(fields, fixtures[object_name], "", 0)
    for path, kind in {**explicit, **ADDITIONS.get(object_name, {})}.items():
        set_path(fields, path, kind)
    return ordered(fields, top=True)


def ordered(struct: dict[str, Any], *, top: bool = False) -> dict[str, Any]:
    """Sort fields by name (``id`` first at the top) so that regeneration gives stable output."""
    names = sorted(struct, key=lambda name: (not (top and name == "id"), name))
    return {name: normalise(struct[name]) for name in names}


def normalise(kind: Type) -> Type:
    if isinstance(kind, dict):
        return ordered(kind) if kind else "json"
    if isinstance(kind, list):
        return [normalise(kind[0])]
    return kind


def generate(spec_path: Path, fixtures_path: Path) -> dict[str, Any]:
    spec = json.loads(spec_path.read_text())
    fixtures = json.loads(fixtures_path.read_text())["resources"]
    reader = SpecReader(spec)
    return {
        "generated_by": "tools/gen_lake_schemas.py",
        "sources": {
            "spec": f"stripe/openapi spec3.json, API version {spec['info']['version']}",
            "fixtures": "stripe/openapi fixtures3.json (current object shapes)",
        },
        "max_depth": MAX_DEPTH,
        "resources": {
            spec_.name: {"object": spec_.object, "fields": resource_fields(reader, fixtures, spec_.object)}
            for spec_ in RESOURCES.values()
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=SHARED / "spec3.json")
    parser.add_argument("--fixtures", type=Path, default=SHARED / "fixtures3.json")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="fail if the committed file is out of date")
    args = parser.parse_args(argv)
    text = json.dumps(generate(args.spec, args.fixtures), separators=(",", ":")) + "\n"
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date; run tools/gen_lake_schemas.py", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
