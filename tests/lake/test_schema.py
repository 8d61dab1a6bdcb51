"""The committed column descriptions: generated from Stripe's description, loadable, typed as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from stripeflow.lake.schema import MICROSECOND, STRING_MAP, SYSTEM_FIELDS, arrow_type, resource_names, resource_schema
from stripeflow.stripe.resources import RESOURCES
from tests.lake.factories import FIXTURES

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not FIXTURES.exists(), reason="the shared Stripe description is not available")
def test_committed_schemas_are_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools/gen_lake_schemas.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_every_resource_is_described() -> None:
    assert set(resource_names()) == set(RESOURCES)
    for name, spec in RESOURCES.items():
        described = resource_schema(name)
        assert described.object == spec.object
        assert next(iter(described.kinds)) == "id"


def test_column_types() -> None:
    charges = resource_schema("charges").arrow
    assert charges.field("id").type == pa.string()
    assert charges.field("amount").type == pa.int64()
    assert charges.field("created").type == MICROSECOND
    assert charges.field("captured").type == pa.bool_()
    assert charges.field("customer").type == pa.string()
    assert charges.field("metadata").type == STRING_MAP
    assert charges.names[-len(SYSTEM_FIELDS) :] == [field.name for field in SYSTEM_FIELDS]
    assert resource_schema("balance_transactions").arrow.field("exchange_rate").type == pa.float64()
    assert resource_schema("balance_transactions").arrow.field("available_on").type == MICROSECOND


def test_current_shapes_extend_the_2020_description() -> None:
    details = resource_schema("charges").kinds["payment_method_details"]
    assert isinstance(details, dict)
    for method in ("klarna", "afterpay_clearpay", "affirm", "card", "sepa_debit"):
        assert isinstance(details[method], dict), method
    assert details["zip"] == "json"  # Stripe documents no fields for it
    items = resource_schema("subscriptions").kinds["items"]
    assert isinstance(items, dict)
    assert items["data"][0]["current_period_end"] == "ts"
    assert items["data"][0]["metadata"] == "map"
    assert resource_schema("refunds").kinds["customer"] == "id"
    assert resource_schema("customers").kinds["sources"] == "json"


def test_stored_and_converted_types_differ_only_in_time_unit() -> None:
    kind = {"at": "ts", "list": [{"at": "ts"}]}
    assert arrow_type(kind, stored=False) == pa.struct(
        [
            pa.field("at", pa.timestamp("s", tz="UTC")),
            pa.field("list", pa.list_(pa.struct([("at", pa.timestamp("s", tz="UTC"))]))),
        ]
    )
    assert arrow_type(kind).field("at").type == MICROSECOND
    with pytest.raises(ValueError, match="unknown column kind"):
        arrow_type("decimal")
