"""Default mapping sets: every fixture object of the six resources maps without errors; golden output.

Regenerate the golden file with ``STRIPEFLOW_UPDATE_GOLDEN=1 pytest tests/prep/test_defaults.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stripeflow.prep.checks import validate_mapping_set
from stripeflow.prep.compiler import compile_mapping
from stripeflow.prep.defaults import default_mapping_set, epoch_to_date_time, major_amount, native_expression
from stripeflow.prep.el import compile_expression
from stripeflow.prep.mapping import SourceType
from stripeflow.xdm.stripe_layout import RESOURCES, SINGULAR, THREE_DECIMAL_CURRENCIES, ZERO_DECIMAL_CURRENCIES
from tests.prep.support import ready_made_schemas

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "stripe-openapi" / "fixtures3.json"
GOLDEN = Path(__file__).with_name("golden") / "default_mappings.json"


def fixture(resource: str) -> dict[str, Any]:
    objects: dict[str, Any] = json.loads(FIXTURES.read_text())["resources"]
    return {"data": objects[SINGULAR[resource]]}


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_default_mapping_validates_against_the_ready_made_schema(resource: str) -> None:
    mapping_set = default_mapping_set(resource)
    results = validate_mapping_set(mapping_set, ready_made_schemas()[resource])
    assert [r.errors for r in results if r.status != "SUCCESS"] == []


def test_fixture_objects_map_without_errors_and_match_the_golden_file() -> None:
    mapped = {}
    for resource in RESOURCES:
        mapper = compile_mapping(default_mapping_set(resource), ready_made_schemas()[resource])
        row = mapper.map_record(fixture(resource))
        assert row.errors == [], resource
        mapped[resource] = row.data
    text = orjson.dumps(mapped, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"
    if os.environ.get("STRIPEFLOW_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert json.loads(GOLDEN.read_text()) == json.loads(text)


def test_spot_checks_of_the_mapped_fixtures() -> None:
    golden = json.loads(GOLDEN.read_text())
    charge = golden["charges"]
    data = charge["_stripeflow"]["charges_data"]
    assert charge["_id"] == data["id"] == fixture("charges")["data"]["id"]
    assert charge["eventType"] == "stripe.charge"
    assert charge["timestamp"] == data["created"] == "2009-02-13T23:31:30Z"
    assert (data["amount"], data["amount_major"]) == (100, 1.0)
    assert data["payment_method_details"]["card"]["last4"] == "4242"
    assert golden["customers"]["_id"] == fixture("customers")["data"]["id"]
    items = golden["subscriptions"]["_stripeflow"]["subscriptions_data"]["items"]["data"]
    assert items[0]["price"]["created"].endswith("Z")
    assert "_id" not in golden["subscriptions"]


def test_money_fields_honour_zero_and_three_decimal_currencies() -> None:
    mapper = compile_mapping(default_mapping_set("charges"), ready_made_schemas()["charges"])
    for currency, major in (("JPY", 1234.0), ("kwd", 1.234), ("eur", 12.34)):
        record = fixture("charges")
        record["data"] |= {"amount": 1234, "currency": currency}
        row = mapper.map_record(record)
        assert row.data is not None
        assert row.data["_stripeflow"]["charges_data"]["amount_major"] == major


def test_customers_fill_the_profile_fields() -> None:
    mapper = compile_mapping(default_mapping_set("customers"), ready_made_schemas()["customers"])
    record = fixture("customers")
    record["data"] |= {"email": "jo@example.com", "name": "Jo Doe", "phone": "+33 1 23 45 67 89"}
    data = mapper.map_record(record).data
    assert data is not None
    assert data["personalEmail"] == {"address": "jo@example.com"}
    assert data["person"] == {"name": {"fullName": "Jo Doe"}}
    assert data["mobilePhone"] == {"number": "+33 1 23 45 67 89"}


def test_timestamps_inside_objects_and_lists_get_expressions() -> None:
    mappings = {m.destination: m for m in default_mapping_set("subscriptions", "acme").mappings}
    created = mappings["_acme.subscriptions_data.items.data[*].created"]
    assert created.source_type is SourceType.EXPRESSION
    assert created.source == epoch_to_date_time("data.items.data[*].created")
    assert mappings["_acme.subscriptions_data.metadata"].source == "data.metadata"  # no ts inside: copied whole


@given(
    seconds=st.one_of(st.none(), st.integers(-(10**12), 10**12), st.floats(allow_nan=False), st.text(max_size=3)),
    amount=st.one_of(st.none(), st.integers(-(2**60), 2**60), st.floats(allow_nan=False, allow_infinity=False)),
    currency=st.one_of(
        st.none(), st.sampled_from(sorted(ZERO_DECIMAL_CURRENCIES | THREE_DECIMAL_CURRENCIES | {"usd", "EUR", "Jpy"}))
    ),
)
def test_native_twins_agree_with_the_expression_language(seconds: Any, amount: Any, currency: Any) -> None:
    record = {"data": {"t": seconds, "amount": amount, "currency": currency}}
    for text in (epoch_to_date_time("data.t"), major_amount("data.amount")):
        expression = compile_expression(text)
        native = native_expression(expression)
        assert native is not None
        assert _outcome(native, record, (), None) == _outcome(expression.evaluate, record)


def _outcome(run: Any, *args: Any) -> Any:
    try:
        return ("value", run(*args))
    except Exception as exc:  # the error type and message must agree too
        return ("error", type(exc).__name__, str(exc))


def test_other_expressions_have_no_native_twin() -> None:
    assert native_expression(compile_expression('dformat(data.t * 1000, "yyyy-MM-dd")')) is None
    assert native_expression(compile_expression('to_decimal(data.a) / decode(lower(data.c), "jpy", 1, 100)')) is None
