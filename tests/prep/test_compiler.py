"""Compiled mappers: ATTRIBUTE / STATIC / EXPRESSION, object copy, wildcards, runtime errors and row validation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from stripeflow.prep.compiler import compile_mapping
from stripeflow.prep.el import EvalContext
from stripeflow.prep.errors import (
    INGEST_CORRUPT,
    INGEST_REQUIRED,
    MAPPER_TRANSFORM,
    XDM_ENUM,
    XDM_FORMAT,
    XDM_TYPE,
    MappingSetError,
)
from stripeflow.prep.mapping import parse_mapping_set
from tests.prep.support import (
    array,
    boolean,
    codes,
    expr,
    integer,
    mapper,
    number,
    obj,
    static,
    string,
    string_map,
)

BILLING = obj({"name": string(), "address": obj({"city": string(), "country": string()})})
SCHEMA = obj(
    {
        "_id": string(),
        "at": string(format="date-time"),
        "day": string(format="date"),
        "x": obj(
            {
                "amount": integer(),
                "major": number(),
                "status": string(enum=["paid", "open"]),
                "flag": boolean(),
                "text": string(),
                "billing": BILLING,
                "meta": string_map(),
                "tags": array(string()),
                "ids": array(string()),
                "items": array(
                    obj({"id": string(), "qty": integer(), "cur": string(), "tiers": array(obj({"up": integer()}))})
                ),
                "grid": array(array(integer())),
            }
        ),
    },
    "_id",
)


def test_attribute_mappings_copy_values_and_leave_nulls_out() -> None:
    m = mapper(SCHEMA, ("data.id", "_id"), ("data.amount", "x.amount"), ("data.missing.deep", "x.text"))
    row = m.map_record({"data": {"id": "ch_1", "amount": 5, "missing": None}})
    assert row.data == {"_id": "ch_1", "x": {"amount": 5}}
    assert row.errors == []
    assert not row.rejected


def test_object_copy_keeps_the_schema_children_also_ones_the_source_gains_later() -> None:
    m = mapper(SCHEMA, ("data.id", "_id"), ("data.billing", "x.billing"), ("data.metadata", "x.meta"))
    record = {
        "data": {
            "id": "ch_1",
            "billing": {"name": "Jo", "phone": "+1", "address": {"city": None, "country": "FR", "new": 1}},
            "metadata": {"a": "1", "b": None},
        }
    }
    row = m.map_record(record)
    assert row.data == {
        "_id": "ch_1",
        "x": {"billing": {"name": "Jo", "address": {"country": "FR"}}, "meta": {"a": "1"}},
    }
    record["data"]["billing"] = {"address": {"city": None}}
    assert m.map_record(record).data == {"_id": "ch_1", "x": {"meta": {"a": "1"}}}  # empty objects are left out


@pytest.mark.parametrize(
    ("literal", "destination", "written"),
    [
        ("12", "x.amount", 12),
        (12, "x.text", "12"),
        ("1.5", "x.major", 1.5),
        ("TRUE", "x.flag", True),
        (True, "x.text", "true"),
    ],
)
def test_static_literals_are_converted_to_the_destination_type_once(
    literal: Any, destination: str, written: Any
) -> None:
    m = mapper(SCHEMA, static("id", "_id"), static(literal, destination))
    data = m.map_record({}).data
    assert data is not None
    section, name = destination.split(".")
    assert data[section][name] == written


def test_a_static_literal_that_cannot_be_written_is_a_mapping_set_error() -> None:
    with pytest.raises(MappingSetError, match=r"mappings\[1\] \(destination 'x.amount'\).*STATIC value 'abc'"):
        mapper(SCHEMA, static("id", "_id"), static("abc", "x.amount"))
    with pytest.raises(MappingSetError, match="is not one of"):
        mapper(SCHEMA, static("void", "x.status"))


def test_attribute_values_are_converted_and_a_failed_conversion_nulls_only_that_field() -> None:
    m = mapper(SCHEMA, ("data.id", "_id"), ("data.a", "x.amount"), ("data.b", "x.major"), ("data.c", "x.text"))
    row = m.map_record({"data": {"id": 7, "a": "abc", "b": "2.5", "c": {"k": [1, 2]}}})
    assert row.data == {"_id": "7", "x": {"major": 2.5, "text": '{"k":[1,2]}'}}
    assert [(e.code, e.path) for e in row.errors] == [(MAPPER_TRANSFORM, "x.amount")]
    assert not row.rejected


def test_an_expression_error_nulls_the_field_records_mapper_3700_and_keeps_the_row() -> None:
    m = mapper(SCHEMA, ("data.id", "_id"), expr("data.amount / 100", "x.major"), expr("to_integer(data.n)", "x.amount"))
    row = m.map_record({"data": {"id": "c", "amount": "x", "n": "3"}})
    assert row.data == {"_id": "c", "x": {"amount": 3}}
    assert codes(row.errors) == [MAPPER_TRANSFORM]
    assert row.errors[0].path == "x.major"
    assert "operator /" in row.errors[0].message


def test_invalid_xdm_rejects_the_row_with_its_code() -> None:
    m = mapper(SCHEMA, ("data.id", "_id"), ("data.status", "x.status"), ("data.at", "at"), ("data.b", "x.billing"))
    assert codes(m.map_record({"data": {"id": "a", "status": "void"}}).errors) == [XDM_ENUM]
    assert codes(m.map_record({"data": {"id": "a", "at": "yesterday"}}).errors) == [XDM_FORMAT]
    row = m.map_record({"data": {"id": "a", "b": "not an object"}})
    assert (row.data, row.rejected, codes(row.errors)) == (None, True, [XDM_TYPE])
    assert codes(m.map_record({"data": {}}).errors) == [INGEST_REQUIRED]


def test_datetimes_from_the_expression_language_are_written_as_utc_iso_strings() -> None:
    context = EvalContext(now=lambda: datetime(2026, 3, 1, 12, 30, 5, 250_000, tzinfo=UTC))
    body = {"mappings": [static("a", "_id"), expr("now()", "at"), expr("now()", "day"), expr("now()", "x.text")]}
    m = compile_mapping(parse_mapping_set(body), SCHEMA, context=context)
    data = m.map_record({}).data
    assert data == {
        "_id": "a",
        "at": "2026-03-01T12:30:05.250Z",
        "day": "2026-03-01",
        "x": {"text": "2026-03-01T12:30:05.250Z"},
    }
    untyped = compile_mapping(parse_mapping_set({"mappings": [expr("now()", "when")]}), None, context=context)
    assert untyped.map_record({}).data == {"when": "2026-03-01T12:30:05.250Z"}


def test_wildcards_build_the_destination_array_element_by_element() -> None:
    m = mapper(
        SCHEMA,
        ("data.id", "_id"),
        ("data.items.data[*].id", "x.items[*].id"),
        ("data.items.data[*].quantity", "x.items[*].qty"),
        ("data.currency", "x.items[*].cur"),  # no [*] in the source: repeated in every element
        ("data.items.data[*].tiers[*].up_to", "x.items[*].tiers[*].up"),
        ("data.items.data[*].id", "x.ids"),  # more [*] in the source: the list of values
    )
    items = [{"id": "si_1", "quantity": 2, "tiers": [{"up_to": 5}, {"up_to": None}]}, {"id": "si_2"}, None]
    row = m.map_record({"data": {"id": "s", "currency": "eur", "items": {"data": items}}})
    assert row.errors == []
    assert row.data == {
        "_id": "s",
        "x": {
            "items": [
                {"id": "si_1", "qty": 2, "cur": "eur", "tiers": [{"up": 5}]},
                {"id": "si_2", "cur": "eur"},
                {"cur": "eur"},
            ],
            "ids": ["si_1", "si_2"],
        },
    }


def test_an_expression_under_a_wildcard_runs_once_per_element_with_its_indexes() -> None:
    m = mapper(
        SCHEMA,
        ("data.id", "_id"),
        expr('concat(data.id, "-", data.lines[*].id)', "x.items[*].id"),
        expr("data.lines[*].n * 2", "x.items[*].qty"),
        expr("data.grid[*][*] + 1", "x.grid[*][*]"),
    )
    record = {"data": {"id": "s", "lines": [{"id": "a", "n": 1}, {"id": "b", "n": "x"}], "grid": [[1, 2], [3]]}}
    row = m.map_record(record)
    assert row.data == {"_id": "s", "x": {"items": [{"id": "s-a", "qty": 2}, {"id": "s-b"}], "grid": [[2, 3], [4]]}}
    assert [(e.code, e.path) for e in row.errors] == [(MAPPER_TRANSFORM, "x.items[1].qty")]


@pytest.mark.parametrize(
    ("mappings", "expected"),
    [
        ([("a", "x.nope")], "the schema has no field 'x.nope'"),
        ([("a", "x.amount.deep")], "x.amount is an integer, not an object"),
        ([("a", "x.text[*]")], "not an array"),
        ([("a", "x.tags[0]")], "cannot pick one array element"),
        ([("a", "x.billing"), ("b", "x.billing.name")], "inside x.billing, which mappings[0] writes whole"),
        ([("a", "x.text"), ("b", "x.text")], "mappings[0] already writes it"),
        ([("a[*].b", "x.items[*].id"), ("c[*].d", "x.items[*].qty")], "already follows a"),
        ([("a", "x.items[*].id")], "nothing says which source array x.items[*] follows"),
        ([("a..b", "x.text")], "bad source path at position"),
        ([expr("lower(", "x.text")], "expression error at position"),
    ],
)
def test_sets_that_cannot_compile_say_which_mapping_and_why(mappings: list[Any], expected: str) -> None:
    with pytest.raises(MappingSetError) as caught:
        mapper(SCHEMA, *mappings)
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_raw_json_records_are_parsed_and_unparseable_ones_rejected() -> None:
    m = mapper(SCHEMA, ("data.id", "_id"))
    assert m.map_record(orjson.dumps({"data": {"id": "a"}})).data == {"_id": "a"}
    for raw in (b"{oops", "[1]", 5):
        row = m.map_record(raw)
        assert (row.data, row.rejected, codes(row.errors)) == (None, True, [INGEST_CORRUPT])


def test_without_a_schema_values_are_written_as_they_are() -> None:
    m = mapper(None, ("data.obj", "a.b"), ("data.list[*].v", "c[*].v"), static("12", "d"))
    row = m.map_record({"data": {"obj": {"k": None, "j": 1}, "list": [{"v": 1}, {"v": None}]}})
    assert row.data == {"a": {"b": {"k": None, "j": 1}}, "c": [{"v": 1}], "d": "12"}


def test_map_batch_maps_each_record_and_the_mapper_shows_its_source() -> None:
    m = mapper(SCHEMA, ("data.id", "_id"))
    rows = m.map_batch([{"data": {"id": "a"}}, {"data": {}}])
    assert [row.rejected for row in rows] == [False, True]
    assert m.source.startswith("def _map(record, errors):")
    assert rows[1].to_json() == {
        "data": None,
        "errors": [{"code": INGEST_REQUIRED, "message": "required field is missing or null", "path": "_id"}],
    }


def test_the_stripe_examples_of_the_docs() -> None:
    schema = obj({"f": obj({"family": string(), "email_sha256": string(pattern="^[0-9a-f]{64}$")})})
    bnpl = (
        'iif(decode(data.payment_method_details.type, "affirm", true, "afterpay_clearpay", true, "klarna", true, '
        'false), "bnpl", data.payment_method_details.type)'
    )
    m = mapper(
        schema, expr(bnpl, "f.family"), expr("sha256(lower(trim(data.billing_details.email)))", "f.email_sha256")
    )
    row = m.map_record(
        {"data": {"payment_method_details": {"type": "klarna"}, "billing_details": {"email": " Jo@X.com "}}}
    )
    assert row.data is not None
    assert row.data["f"]["family"] == "bnpl"
    assert row.data["f"]["email_sha256"] == "7979608ae9748b0c8b47edaa1344f6e175cb02a4cecb8d6f2a7ed5e23e65abe9"
    card = m.map_record({"data": {"payment_method_details": {"type": "card"}}})
    assert card.data == {"f": {"family": "card"}}
