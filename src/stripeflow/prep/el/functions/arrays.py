"""Array functions."""

from __future__ import annotations

from typing import Any

from stripeflow.prep.el.functions.base import Category
from stripeflow.prep.el.functions.objects import special
from stripeflow.prep.el.values import truthy

ARRAYS = Category("array")
function = ARRAYS.function

function(
    "coalesce",
    syntax="coalesce(V1, V2, ...)",
    description="The first value that is not null (later values are not evaluated).",
    example='coalesce(null, "b", "c")',
    result="b",
    args=(1, None),
)(special)


def _values(args: tuple[Any, ...]) -> list[Any]:
    if len(args) == 1 and isinstance(args[0], list | tuple):
        return list(args[0])
    return list(args)


@function(
    "first",
    syntax="first(V1, V2, ...) | first(ARRAY)",
    description="The first value, or the first element when the only argument is an array; null when empty.",
    example='first("1", "2", "3")',
    result="1",
    args=(1, None),
)
def first(*args: Any) -> Any:
    values = _values(args)
    return values[0] if values else None


@function(
    "last",
    syntax="last(V1, V2, ...) | last(ARRAY)",
    description="The last value, or the last element when the only argument is an array; null when empty.",
    example='last("1", "2", "3")',
    result="3",
    args=(1, None),
)
def last(*args: Any) -> Any:
    values = _values(args)
    return values[-1] if values else None


@function(
    "add_to_array",
    syntax="add_to_array(ARRAY, V1, ...)",
    description="A new array: ARRAY (a null ARRAY is empty, a non-array value becomes one element) followed by "
    "the values.",
    example='add_to_array(["a", "b"], "c", "d")',
    result=["a", "b", "c", "d"],
    args=(1, None),
)
def add_to_array(array: Any, *values: Any) -> list[Any]:
    start = [] if array is None else list(array) if isinstance(array, list | tuple) else [array]
    return start + list(values)


@function(
    "join_arrays",
    syntax="join_arrays(ARRAY1, ARRAY2, ...)",
    description="The arrays concatenated; null arguments are skipped, other non-arrays added as one element.",
    example='join_arrays(["a", "b"], ["c"], ["d", "e"])',
    result=["a", "b", "c", "d", "e"],
    args=(1, None),
)
def join_arrays(*arrays: Any) -> list[Any]:
    result: list[Any] = []
    for array in arrays:
        if isinstance(array, list | tuple):
            result.extend(array)
        elif array is not None:
            result.append(array)
    return result


@function(
    "to_array",
    syntax="to_array(INCLUDE_NULLS, V1, ...)",
    description="An array of the values; null values are dropped unless INCLUDE_NULLS is true.",
    example='to_array(false, "1", null, "2", "3")',
    result=["1", "2", "3"],
    args=(1, None),
)
def to_array(include_nulls: Any, *values: Any) -> list[Any]:
    keep = truthy(include_nulls)
    return [v for v in values if keep or v is not None]


@function(
    "size_of",
    syntax="size_of(X)",
    description="The number of elements of an array, keys of an object or characters of a string; 0 for null, "
    "1 for any other value.",
    example="size_of([1, 2, 3, 4])",
    result=4,
    aliases=("size",),
)
def size_of(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | list | tuple | dict):
        return len(value)
    return 1


function(
    "upsert_array_append",
    syntax="upsert_array_append(ARRAY)",
    description="Returns ARRAY. On Profile updates Adobe appends it to the stored array; datasets only insert.",
    example="upsert_array_append([123, 456])",
    result=[123, 456],
)(lambda array: array)
function(
    "upsert_array_replace",
    syntax="upsert_array_replace(ARRAY)",
    description="Returns ARRAY. On Profile updates Adobe replaces the stored array; datasets only insert.",
    example="upsert_array_replace([123, 456])",
    result=[123, 456],
)(lambda array: array)
