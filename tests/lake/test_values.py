"""The pure value adapters: JSON-part rewriting, coercion of unexpected types, inference of new columns."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pyarrow as pa
import pytest

from stripeflow.lake.schema import Kind, arrow_type
from stripeflow.lake.values import compile_coercer, compile_rewriter, dumps, infer_kind

KIND: Kind = {
    "id": "string",
    "when": "ts",
    "customer": "id",
    "metadata": "map",
    "extra": "json",
    "items": [{"price": {"amount": "int", "rate": "float"}, "settings": "json", "active": "bool"}],
}


def test_rewriter_turns_json_parts_into_text_without_touching_the_input() -> None:
    rewrite = compile_rewriter(KIND)
    assert rewrite is not None
    plain = {"id": "x", "items": [{"price": {"amount": 1}}]}
    record = {"id": "y", "extra": {"b": [1, None]}, "items": [{"settings": {}, "active": True}], "other": 1}

    assert rewrite(plain) == plain
    rewritten = rewrite(record)
    assert rewritten == {
        "id": "y",
        "extra": '{"b":[1,null]}',
        "items": [{"settings": "{}", "active": True}],
        "other": 1,
    }
    assert record["extra"] == {"b": [1, None]}  # the input is untouched
    assert compile_rewriter({"a": "int", "b": ["string"]}) is None


def test_rewritten_records_convert_to_the_declared_type() -> None:
    rewrite = compile_rewriter(KIND)
    assert rewrite is not None
    record = {"id": "y", "when": 5, "metadata": {"k": "v"}, "extra": [1], "items": [{"settings": {"a": 1}}]}

    array = pa.array([rewrite(record)], type=arrow_type(KIND, stored=False))

    assert array.type == arrow_type(KIND, stored=False)
    assert array[0]["items"][0]["settings"].as_py() == '{"a":1}'


@pytest.mark.parametrize(
    ("kind", "value", "coerced"),
    [
        ("string", "text", "text"),
        ("string", 12, "12"),
        ("string", {"a": 1}, '{"a":1}'),
        ("string", True, "true"),
        ("id", "cus_1", "cus_1"),
        ("id", {"id": "cus_1", "object": "customer"}, "cus_1"),
        ("id", {"object": "customer"}, '{"object":"customer"}'),
        ("int", 7, 7),
        ("int", "7", None),
        ("int", 7.5, None),
        ("int", True, None),
        ("int", 2**64, None),
        ("ts", 1_700_000_000, 1_700_000_000),
        ("ts", "2026-01-01", None),
        ("float", 2, 2.0),
        ("float", 0.25, 0.25),
        ("float", "0.25", None),
        ("float", False, None),
        ("bool", True, True),
        ("bool", 1, None),
        ("map", {"a": "b", "n": 1, "z": None}, {"a": "b", "n": "1", "z": None}),
        ("map", "a=b", None),
        ("json", {"a": [1]}, '{"a":[1]}'),
        ("json", "text", '"text"'),
        ({"a": "int", "b": "string"}, {"a": "1", "b": "x", "c": 3}, {"a": None, "b": "x"}),
        ({"a": "int"}, ["a"], None),
        (["int"], [1, "2", 3], [1, None, 3]),
        (["int"], "123", None),
    ],
)
def test_coercers(kind: Kind, value: Any, coerced: Any) -> None:
    result = compile_coercer(kind)(value)

    assert result == coerced
    pa.array([result], type=arrow_type(kind, stored=False))  # always convertible


@pytest.mark.parametrize("kind", ["string", "id", "int", "ts", "float", "bool", "map", "json", {"a": "int"}, ["bool"]])
def test_null_stays_null(kind: Kind) -> None:
    assert compile_coercer(kind)(None) is None


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([None, None], None),
        ([True, None, False], "bool"),
        ([1, 2, None], "int"),
        ([1, 2**70], "float"),
        ([1, 2.5], "float"),
        (["a", None], "string"),
        ([{"a": 1}], "string"),
        ([[1, 2]], "string"),
        ([1, "a"], "string"),
        ([True, 1], "string"),
    ],
)
def test_infer_kind(values: list[Any], kind: Kind | None) -> None:
    assert infer_kind(values) == kind


def test_dumps_handles_big_integers_and_mappings() -> None:
    assert dumps({"n": 2**70}) == b'{"n":1180591620717411303424}'
    assert dumps({"m": MappingProxyType({"a": "é"})}) == '{"m":{"a":"é"}}'.encode()
