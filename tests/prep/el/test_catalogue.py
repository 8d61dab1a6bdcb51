"""The function catalogue: every example evaluates to its documented result and is in the user guide."""

from __future__ import annotations

from pathlib import Path

import pytest

from stripeflow.prep.el import FUNCTIONS, OPERATORS, FunctionInfo
from tests.prep.el.support import ev

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "expressions.md"


@pytest.mark.parametrize("info", FUNCTIONS.values(), ids=list(FUNCTIONS))
def test_example_gives_the_documented_result(info: FunctionInfo) -> None:
    assert ev(info.example, {"data": {"customer": None}}) == info.example_result


@pytest.mark.parametrize("info", FUNCTIONS.values(), ids=list(FUNCTIONS))
def test_catalogue_entry_is_complete(info: FunctionInfo) -> None:
    assert info.syntax.startswith(info.alias_of or info.name)
    assert info.description.endswith(".")
    assert info.category in {
        "string", "regex", "hashing", "url", "date", "object", "array", "map", "logical", "aggregation",
        "conversion", "json", "special",
    }  # fmt: skip


def test_user_guide_documents_every_function_and_operator() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    missing = [name for name in FUNCTIONS if f"`{name}" not in guide]
    assert not missing
    assert all(f"`{op.symbol}`" in guide for op in OPERATORS)


def test_required_adobe_functions_exist() -> None:
    required = [
        "concat",
        "explode",
        "instr",
        "replacestr",
        "substr",
        "lower",
        "lcase",
        "upper",
        "ucase",
        "split",
        "join",
        "lpad",
        "rpad",
        "left",
        "right",
        "ltrim",
        "rtrim",
        "trim",
        "extract_regex",
        "matches_regex",
        "sha1",
        "sha256",
        "sha512",
        "md5",
        "crc32",
        "get_url_protocol",
        "get_url_host",
        "get_url_port",
        "get_url_path",
        "get_url_query_str",
        "get_url_encoded",
        "get_url_decoded",
        "now",
        "timestamp",
        "format",
        "dformat",
        "date",
        "date_part",
        "set_date_part",
        "make_date_time",
        "make_timestamp",
        "zone_date_to_utc",
        "zone_date_to_zone",
        "is_empty",
        "arrays_to_object",
        "to_object",
        "str_to_object",
        "contains_key",
        "nullify",
        "get_keys",
        "get_values",
        "map_get_values",
        "map_has_keys",
        "add_to_map",
        "object_to_map",
        "coalesce",
        "first",
        "last",
        "add_to_array",
        "join_arrays",
        "to_array",
        "size_of",
        "upsert_array_append",
        "upsert_array_replace",
        "array_to_map",
        "to_map",
        "decode",
        "iif",
        "min",
        "max",
        "to_bigint",
        "to_decimal",
        "to_float",
        "to_integer",
        "json_to_object",
        "uuid",
        "guid",
    ]
    assert set(required) <= set(FUNCTIONS)
