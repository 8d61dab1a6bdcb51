"""Explore without the network (schema inference, sourceParams decoding) and the Stripe probe over the emulator."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from stripeflow.emulator.server import RunningEmulator
from stripeflow.flows.explore import (
    INTEGER_MAX,
    INTEGER_MIN,
    PREVIEW_ROWS,
    ExploreRequestError,
    check_explore_query,
    decode_source_params,
    explore_response,
    infer_schema,
    merge_schemas,
    record_schema,
)
from stripeflow.flows.specs import RESOURCE_PATHS
from stripeflow.flows.stripe_probe import StripeProbe, StripeUnavailableError, TokenRefusedError
from stripeflow.settings import DEFAULT_STRIPE_VERSION

INTEGER = {"type": "integer", "minimum": INTEGER_MIN, "maximum": INTEGER_MAX}


def test_the_documented_example_shape() -> None:
    charge = {
        "id": "ch_1",
        "amount": 100,
        "captured": True,
        "metadata": {},
        "billing_details": {"address": {"city": None}},
        "invoice": None,
    }
    assert record_schema([charge]) == {
        "type": "object",
        "properties": {
            "data": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "amount": {"type": "integer", "minimum": -9007199254740992, "maximum": 9007199254740991},
                    "captured": {"type": "boolean"},
                    "metadata": {"type": "object", "properties": {}},
                    "billing_details": {
                        "type": "object",
                        "properties": {"address": {"type": "object", "properties": {"city": {}}}},
                    },
                    "invoice": {},
                },
            }
        },
    }


def test_arrays_numbers_and_merging_across_samples() -> None:
    first = {"fee_details": [{"amount": 1, "type": "stripe_fee"}], "rate": 1, "note": None, "tags": []}
    second = {"fee_details": [{"amount": 2, "currency": "usd"}], "rate": 1.5, "note": "hi", "extra": {"a": True}}
    merged = record_schema([first, second])["properties"]["data"]["properties"]
    assert merged["fee_details"] == {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"amount": INTEGER, "type": {"type": "string"}, "currency": {"type": "string"}},
        },
    }
    assert merged["rate"] == {"type": "number"}
    assert merged["note"] == {"type": "string"}, "a null sample yields to a typed one"
    assert merged["tags"] == {"type": "array", "items": {}}
    assert merged["extra"] == {"type": "object", "properties": {"a": {"type": "boolean"}}}


def test_conflicting_types_keep_the_first_and_inputs_are_not_changed() -> None:
    first = {"type": "string"}
    assert merge_schemas(first, {"type": "object", "properties": {}}) == {"type": "string"}
    left = infer_schema({"a": {"b": 1}})
    merge_schemas(left, infer_schema({"a": {"c": 2}}))
    assert left == {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": INTEGER}}}}


def test_no_samples_give_an_empty_object_and_preview_is_capped() -> None:
    assert record_schema([]) == {"type": "object", "properties": {"data": {"type": "object", "properties": {}}}}
    objects = [{"id": f"ch_{number}"} for number in range(25)]
    assert "data" not in explore_response(objects, preview=False)
    previewed = explore_response(objects, preview=True)
    assert previewed["format"] == "hierarchical"
    assert previewed["data"] == [{"data": item} for item in objects[:PREVIEW_ROWS]]


def encode(value: bytes) -> str:
    return base64.b64encode(value).decode()


@pytest.mark.parametrize("resource", RESOURCE_PATHS)
def test_source_params_name_each_resource(resource: str) -> None:
    assert decode_source_params(encode(f'{{"resourcePath":"{resource}"}}'.encode())) == resource


def test_source_params_of_the_tutorial_unpadded_urlsafe_and_with_a_space_for_plus() -> None:
    assert decode_source_params("eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0=") == "charges"
    assert decode_source_params("eyJyZXNvdXJjZVBhdGgiOiJjaGFyZ2VzIn0") == "charges"
    spaced = base64.b64encode(b'{"resourcePath": "prices", "x": ">>>???"}').decode()
    assert "+" in spaced
    assert decode_source_params(spaced.replace("+", " ")) == "prices"
    urlsafe = base64.urlsafe_b64encode(b'{"resourcePath":"refunds","x":">>>???"}').decode()
    assert "-" in urlsafe
    assert decode_source_params(urlsafe) == "refunds"


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        (None, "sourceParams is required"),
        ("not base64!!", "not valid base64"),
        (encode(b"not json"), "not JSON"),
        (encode(b'["charges"]'), "resourcePath, one of: charges, subscriptions"),
        (encode(b'{"resourcePath":"invoices"}'), "'invoices' is not a Stripe resource path; use one of: charges"),
    ],
)
def test_bad_source_params_name_the_valid_values(encoded: str | None, message: str) -> None:
    with pytest.raises(ExploreRequestError, match=message):
        decode_source_params(encoded)


def test_explore_query_checks() -> None:
    check_explore_query("rest", "json")
    check_explore_query("rest", None)
    with pytest.raises(ExploreRequestError, match="objectType must be 'rest'"):
        check_explore_query("file", "json")
    with pytest.raises(ExploreRequestError, match="json is the only file type"):
        check_explore_query("rest", "csv")


# -- the probe over the emulator --------------------------------------------------------------------------------------


def probe(base_url: str) -> StripeProbe:
    return StripeProbe(base_url, DEFAULT_STRIPE_VERSION)


@pytest.mark.parametrize("resource", RESOURCE_PATHS)
def test_a_sample_page_of_every_resource_infers_a_schema(shared_emulator: RunningEmulator, resource: str) -> None:
    objects = probe(shared_emulator.base_url).sample("sk_test_emulator", resource, 100)
    assert objects
    properties: dict[str, Any] = record_schema(objects)["properties"]["data"]["properties"]
    assert properties["id"] == {"type": "string"}
    assert properties["created"] == INTEGER


def test_the_probe_checks_keys(shared_emulator: RunningEmulator) -> None:
    checked = probe(shared_emulator.base_url).validate("sk_test_emulator")
    assert checked.account_id.startswith("acct_")
    assert (checked.livemode, checked.key_type) == (False, "secret")
    assert probe(shared_emulator.base_url).validate("rk_test_emulator_readonly").key_type == "restricted"
    with pytest.raises(TokenRefusedError, match=r"api_key_expired.*request id req_"):
        probe(shared_emulator.base_url).validate("sk_test_emulator_expired")
    with pytest.raises(TokenRefusedError, match="was not sent to Stripe"):
        probe(shared_emulator.base_url).validate("pk_test_abc")


def test_an_unreachable_stripe_is_reported(unused_port_url: str) -> None:
    with pytest.raises(StripeUnavailableError, match="did not answer"):
        probe(unused_port_url).validate("sk_test_emulator")


@pytest.fixture
def unused_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
