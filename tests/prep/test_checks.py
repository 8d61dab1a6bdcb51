"""``POST /mappingSets/validate`` and ``/preview``: per-mapping statuses and previews of sample records."""

from __future__ import annotations

from stripeflow.prep.checks import preview, validate_mapping_set, validation_response
from stripeflow.prep.errors import (
    DESTINATION_CONFLICT,
    EXPRESSION_SYNTAX,
    INVALID_SOURCE_PATH,
    MAPPER_TRANSFORM,
    TYPE_INCOMPATIBLE,
    UNKNOWN_DESTINATION,
)
from stripeflow.prep.mapping import parse_mapping_set
from tests.prep.support import expr, integer, obj, static, string

SCHEMA = obj({"_id": string(), "x": obj({"n": integer(), "s": string()})}, "_id")


def test_each_mapping_gets_a_status_and_its_errors() -> None:
    mapping_set = parse_mapping_set(
        {
            "mappings": [
                {"source": "data.id", "destination": "_id"},
                {"source": "data.x", "destination": "x.unknown"},
                static("abc", "x.n"),
                expr('concat(data.a, "', "x.s"),
                {"source": "data..b", "destination": "x.s"},
                {"source": "data.c", "destination": "_id"},
            ]
        }
    )
    results = validate_mapping_set(mapping_set, SCHEMA)
    assert [r.status for r in results] == ["SUCCESS", "ERROR", "ERROR", "ERROR", "ERROR", "ERROR"]
    found = [r.errors[0]["code"] for r in results[1:] if r.errors]
    assert found == [
        UNKNOWN_DESTINATION,
        TYPE_INCOMPATIBLE,
        EXPRESSION_SYNTAX,
        INVALID_SOURCE_PATH,
        DESTINATION_CONFLICT,
    ]
    assert results[3].errors is not None
    assert "position 15" in results[3].errors[0]["message"]
    assert validation_response(mapping_set, SCHEMA)["validationResponse"][0] == {"status": "SUCCESS", "errors": None}


def test_preview_maps_each_sample_record() -> None:
    mapping_set = parse_mapping_set(
        {
            "mappings": [
                {"source": "data.id", "destination": "_id"},
                expr("data.n * 2", "x.n"),
                {"source": "data.s", "destination": "x.s"},
            ]
        }
    )
    out = preview(mapping_set, SCHEMA, [{"data": {"id": "a", "n": 2}}, {"data": {"id": "b", "n": "x"}}, {"data": {}}])
    assert out[0] == {"data": {"_id": "a", "x": {"n": 4}}, "errors": None}
    assert out[1]["data"] == {"_id": "b"}
    assert [e["code"] for e in out[1]["errors"]] == [MAPPER_TRANSFORM]
    assert out[2]["data"] is None
