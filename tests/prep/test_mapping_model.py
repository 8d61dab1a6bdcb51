"""The mapping set model: both body shapes, normalization, errors that say which mapping and how to fix it."""

from __future__ import annotations

import pytest

from stripeflow.prep.errors import MappingSetError
from stripeflow.prep.mapping import SourceType, parse_mapping_set

SCHEMA = "https://ns.adobe.com/stripeflow/schemas/abc"


def test_the_legacy_shape_of_the_stripe_tutorial_is_an_attribute_mapping() -> None:
    body = {
        "version": 0,
        "xdmSchema": SCHEMA,
        "xdmVersion": "1.0",
        "mappings": [
            {"destinationXdmPath": "_stripeflow.charges_data.id", "sourceAttribute": "data.id", "identity": False,
             "identityGroup": None, "namespaceCode": None, "version": 0},
        ],
    }  # fmt: skip
    mapping_set = parse_mapping_set(body)
    (mapping,) = mapping_set.mappings
    assert mapping.source_type is SourceType.ATTRIBUTE
    assert (mapping.source, mapping.destination) == ("data.id", "_stripeflow.charges_data.id")
    assert mapping_set.output_schema is not None
    assert mapping_set.output_schema.schema_ref is not None
    assert mapping_set.output_schema.schema_ref.id == SCHEMA


def test_the_current_shape_fills_xdm_schema_and_serializes_both_name_pairs() -> None:
    body = {
        "outputSchema": {"schemaRef": {"id": SCHEMA, "contentType": "application/vnd.adobe.xed-full+json;version=1"}},
        "mappings": [
            {"sourceType": "expression", "source": "lower(data.email)", "destination": "x.email", "name": "n"},
            {"sourceType": "Static", "source": 12, "destination": "x.n"},
        ],
    }
    out = parse_mapping_set(body).to_body()
    assert out["xdmSchema"] == SCHEMA
    first, second = out["mappings"]
    assert first["sourceType"] == "EXPRESSION"
    assert second["sourceType"] == "STATIC"
    assert first["source"] == first["sourceAttribute"] == "lower(data.email)"
    assert first["destination"] == first["destinationXdmPath"] == "x.email"
    assert second["source"] == 12
    assert parse_mapping_set(out).to_body() == out


def test_a_legacy_mapping_may_name_another_source_type() -> None:
    body = {"mappings": [{"sourceType": "STATIC", "sourceAttribute": "stripe.charge", "destinationXdmPath": "e"}]}
    assert parse_mapping_set(body).mappings[0].source_type is SourceType.STATIC


def test_a_wrong_source_type_names_the_mapping_and_the_valid_values() -> None:
    body = {
        "mappings": [{"source": "a", "destination": "x"}, {"sourceType": "ATTR", "source": "b", "destination": "y.z"}]
    }
    with pytest.raises(MappingSetError) as caught:
        parse_mapping_set(body)
    (problem,) = caught.value.problems
    assert problem.startswith("mappings[1] (destination 'y.z'): ")
    assert "'ATTR' is not valid: use one of ATTRIBUTE, STATIC, EXPRESSION" in problem


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({"destination": "x"}, "source must be a source path"),
        ({"sourceType": "EXPRESSION", "source": " ", "destination": "x"}, "source must be an expression"),
        ({"source": "a", "sourceAttribute": "b", "destination": "x"}, "send one of them"),
        ({"source": "a"}, "destination"),
    ],
)
def test_incomplete_mappings_are_refused_with_a_hint(mapping: dict[str, object], expected: str) -> None:
    with pytest.raises(MappingSetError, match=expected):
        parse_mapping_set({"mappings": [mapping]})


def test_a_set_needs_mappings_and_consistent_schema_names() -> None:
    with pytest.raises(MappingSetError, match="list at least one mapping"):
        parse_mapping_set({"mappings": []})
    body = {
        "xdmSchema": "a",
        "outputSchema": {"schemaRef": {"id": "b"}},
        "mappings": [{"source": "s", "destination": "d"}],
    }
    with pytest.raises(MappingSetError, match="name different schemas"):
        parse_mapping_set(body)
