"""The XDM row validator on its own (what the Catalog uses for rows written without a mapping)."""

from __future__ import annotations

from typing import Any

import pytest

from stripeflow.prep.errors import (
    INGEST_CORRUPT,
    INGEST_REQUIRED,
    XDM_ENUM,
    XDM_FORMAT,
    XDM_RANGE,
    XDM_TYPE,
    XDM_UNKNOWN_FIELD,
)
from stripeflow.prep.validation import compile_validator
from tests.prep.support import array, boolean, codes, integer, number, obj, ready_made_schemas, string, string_map

SCHEMA = obj(
    {
        "_id": string(),
        "at": string(format="date-time"),
        "day": string(format="date"),
        "email": string(format="email"),
        "link": string(format="uri"),
        "key": string(format="uuid"),
        "status": string(enum=["paid", "open"]),
        "code": string(minLength=2, maxLength=3, pattern="^[A-Z]+$"),
        "count": integer(),
        "score": number(minimum=0, maximum=1),
        "flag": boolean(),
        "tags": array(string()),
        "lines": array(obj({"id": string(), "qty": integer()}, "id")),
        "meta": string_map(),
        "nested": obj({"deep": obj({"x": integer()}, "x")}),
    },
    "_id",
)
validate = compile_validator(SCHEMA)


def test_a_valid_row_has_no_errors_and_nulls_count_as_absent() -> None:
    row = {
        "_id": "a", "at": "2026-01-01T10:00:00.123Z", "day": "2026-02-28", "email": "a@b.co", "link": "https://x.y/z",
        "key": "123e4567-e89b-12d3-a456-426614174000", "status": "paid", "code": "AB", "count": 2**53 - 1,
        "score": 0.5, "flag": False, "tags": ["a"], "lines": [{"id": "l", "qty": 1}], "meta": {"k": "v", "n": None},
        "nested": {"deep": {"x": 1}}, "email2": None,
    }  # fmt: skip
    del row["email2"]
    assert validate(row) == []
    assert validate({"_id": "a", "count": None, "nested": None}) == []


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("count", "12", XDM_TYPE),
        ("count", True, XDM_TYPE),
        ("count", 1.5, XDM_TYPE),
        ("count", 2**53, XDM_RANGE),
        ("score", 1.5, XDM_RANGE),
        ("score", float("nan"), XDM_RANGE),
        ("flag", "true", XDM_TYPE),
        ("status", "void", XDM_ENUM),
        ("at", "2026-02-30T10:00:00Z", XDM_FORMAT),
        ("at", "2026-01-01", XDM_FORMAT),
        ("day", "2026-13-01", XDM_FORMAT),
        ("email", "nope", XDM_FORMAT),
        ("link", "no scheme", XDM_FORMAT),
        ("key", "123", XDM_FORMAT),
        ("code", "A", XDM_RANGE),
        ("code", "ab", XDM_RANGE),
        ("tags", "a", XDM_TYPE),
        ("tags", ["a", None], XDM_TYPE),
        ("tags", [1], XDM_TYPE),
        ("meta", {"k": 1}, XDM_TYPE),
        ("nested", "x", XDM_TYPE),
        ("other", 1, XDM_UNKNOWN_FIELD),
    ],
)
def test_each_rule_has_its_code_and_path(field: str, value: Any, code: str) -> None:
    errors = validate({"_id": "a", field: value})
    assert codes(errors) == [code]
    assert errors[0].path is not None
    assert errors[0].path.startswith(field)


def test_required_fields_are_checked_in_every_object_present() -> None:
    errors = validate({"lines": [{"qty": 1}], "nested": {"deep": {}}})
    assert [(e.code, e.path) for e in errors] == [
        (INGEST_REQUIRED, "lines[0].id"),
        (INGEST_REQUIRED, "nested.deep.x"),
        (INGEST_REQUIRED, "_id"),
    ]


def test_a_row_that_is_not_an_object_is_corrupt() -> None:
    assert codes(validate(["a"])) == [INGEST_CORRUPT]


def test_the_ready_made_schemas_accept_what_they_describe() -> None:
    charges = compile_validator(ready_made_schemas()["charges"])
    row = {
        "_id": "ch_1", "timestamp": "2026-01-01T00:00:00Z", "eventType": "stripe.charge",
        "_stripeflow": {"charges_data": {"amount": 100, "amount_major": 1.0, "metadata": {"a": "b"}}},
    }  # fmt: skip
    assert charges(row) == []
    row["_stripeflow"]["charges_data"]["amount"] = "100"
    assert codes(charges(row)) == [XDM_TYPE]
    assert codes(charges({"_id": "x"})) == [INGEST_REQUIRED]
