"""Object and map functions (objects are JSON objects; "maps" are the same thing in Adobe's newer functions)."""

from __future__ import annotations

from typing import Any

from stripeflow.prep.el.errors import EvaluationError
from stripeflow.prep.el.functions.base import Category, dict_arg, list_arg, text_arg
from stripeflow.prep.el.values import describe, to_text

OBJECTS = Category("object")
MAPS = Category("map")
function = OBJECTS.function


def special(*_: Any) -> Any:  # pragma: no cover - the compiler evaluates these forms itself
    raise AssertionError("compiled specially")


@function(
    "is_empty",
    syntax="is_empty(X)",
    description="True when X is null, an empty string, an empty array or an empty object.",
    example="is_empty([])",
    result=True,
    aliases=("empty",),
)
def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict) and len(value) == 0)


def pairs(function_name: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """Key/value argument pairs as an object; keys must be strings (numbers are converted)."""
    result: dict[str, Any] = {}
    for i in range(0, len(args), 2):
        result[text_arg(function_name, args[i], "KEY")] = args[i + 1]
    return result


@function(
    "arrays_to_object",
    syntax="arrays_to_object(KEY1, ARRAY1, KEY2, ARRAY2, ...)",
    description="Zips arrays into an array of objects: element i of the result holds element i of each array "
    "under its key. Shorter arrays leave their key out; a null array counts as empty.",
    example='arrays_to_object("sku", explode("id1|id2", "\\\\|"), "price", [22.5, 14.35])',
    result=[{"sku": "id1", "price": 22.5}, {"sku": "id2", "price": 14.35}],
    args=(2, None),
    even_args=True,
)
def arrays_to_object(*args: Any) -> list[dict[str, Any]]:
    columns = {
        k: [] if v is None else list_arg("arrays_to_object", v) for k, v in pairs("arrays_to_object", args).items()
    }
    length = max((len(c) for c in columns.values()), default=0)
    return [{k: c[i] for k, c in columns.items() if i < len(c)} for i in range(length)]


@function(
    "to_object",
    syntax="to_object(KEY1, VALUE1, KEY2, VALUE2, ...)",
    description="An object built from key/value pairs.",
    example='to_object("firstName", "John", "lastName", "Doe")',
    result={"firstName": "John", "lastName": "Doe"},
    args=(2, None),
    even_args=True,
)
def to_object(*args: Any) -> dict[str, Any]:
    return pairs("to_object", args)


def parse_fields(function_name: str, text: Any, value_delim: Any, field_delim: Any) -> dict[str, str]:
    """Key/value text such as ``a=1,b=2`` as an object; fields without the value delimiter are skipped."""
    source = text_arg(function_name, text)
    inner = text_arg(function_name, ":" if value_delim is None else value_delim, "VALUE_DELIM")
    outer = text_arg(function_name, "," if field_delim is None else field_delim, "FIELD_DELIM")
    if not inner or not outer:
        raise EvaluationError(f"{function_name}: delimiters must not be empty")
    result: dict[str, str] = {}
    for field in source.split(outer):
        key, found, value = field.partition(inner)
        if found:
            result[key.strip()] = value.strip()
    return result


@function(
    "str_to_object",
    syntax='str_to_object(S, VALUE_DELIM?=":", FIELD_DELIM?=",")',
    description='Parses key/value text into an object; keys and values are trimmed. Read one value with .get("key").',
    example='str_to_object("firstName=John,lastName=Doe", "=", ",").get("lastName")',
    result="Doe",
    args=(1, 3),
    null_first=True,
)
def str_to_object(text: Any, value_delim: Any = ":", field_delim: Any = ",") -> dict[str, str]:
    return parse_fields("str_to_object", text, value_delim, field_delim)


function(
    "contains_key",
    syntax="contains_key(PATH)",
    description="True when PATH (a path, or its text) exists in the source record, even if its value is null.",
    example="contains_key(data.customer)",
    result=True,
)(special)
function(
    "nullify",
    syntax="nullify()",
    description="Always null: the target field is not written.",
    example="nullify()",
    result=None,
    args=(0, 0),
)(lambda: None)


@function(
    "get_keys",
    syntax="get_keys(OBJ)",
    description="The keys of an object, as an array.",
    example='get_keys(to_object("book", "Sapiens", "author", "Harari"))',
    result=["book", "author"],
    null_first=True,
)
def get_keys(value: Any) -> list[str]:
    return list(dict_arg("get_keys", value))


@function(
    "get_values",
    syntax='get_values(S, KEY, VALUE_DELIM, FIELD_DELIM?=",")',
    description="The value of KEY in key/value text, or null.",
    example='get_values("firstName - John , lastName - Cena", "firstName", "-", ",")',
    result="John",
    args=(3, 4),
    null_first=True,
)
def get_values(text: Any, key: Any, value_delim: Any, field_delim: Any = ",") -> str | None:
    return parse_fields("get_values", text, value_delim, field_delim).get(to_text(key))


def _keys(function_name: str, keys: Any) -> list[str]:
    if isinstance(keys, list | tuple):
        return [text_arg(function_name, k, "KEY") for k in keys]
    return [text_arg(function_name, keys, "KEY")]


@function(
    "map_get_values",
    syntax="map_get_values(MAP, KEY | [KEYS])",
    description="An object with only the given keys of MAP (keys MAP lacks are left out).",
    example='map_get_values(to_object("a", 1, "b", 2, "c", 3), ["a", "c", "z"])',
    result={"a": 1, "c": 3},
    args=(2, 2),
    null_first=True,
)
def map_get_values(value: Any, keys: Any) -> dict[str, Any]:
    source = dict_arg("map_get_values", value, "MAP")
    return {k: source[k] for k in _keys("map_get_values", keys) if k in source}


@function(
    "map_has_keys",
    syntax="map_has_keys(MAP, KEY | [KEYS])",
    description="True when MAP has at least one of the keys.",
    example='map_has_keys(to_object("a", 1), ["a", "z"])',
    result=True,
    args=(2, 2),
)
def map_has_keys(value: Any, keys: Any) -> bool:
    if value is None:
        return False
    source = dict_arg("map_has_keys", value, "MAP")
    return any(k in source for k in _keys("map_has_keys", keys))


@function(
    "add_to_map",
    syntax="add_to_map(MAP1, MAP2, ...)",
    description="Merges objects; when a key repeats, the first map's value wins. Null maps are skipped.",
    example='add_to_map(to_object("a", 1), to_object("a", 2, "b", 3))',
    result={"a": 1, "b": 3},
    args=(1, None),
)
def add_to_map(*maps: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for value in maps:
        if value is not None:
            for key, item in dict_arg("add_to_map", value, "MAP").items():
                result.setdefault(key, item)
    return result


@function(
    "object_to_map",
    syntax="object_to_map(KEY1, VALUE1, ...) | object_to_map(OBJ) | object_to_map(OBJ_ARRAY, KEY_ATTR)",
    description="A map from key/value pairs, a copy of an object, or an array of objects keyed by one of their "
    "attributes (elements without it are skipped).",
    example='object_to_map([to_object("id", "a", "n", 1), to_object("id", "b", "n", 2)], "id")',
    result={"a": {"id": "a", "n": 1}, "b": {"id": "b", "n": 2}},
    args=(1, None),
)
def object_to_map(*args: Any) -> dict[str, Any] | None:
    if len(args) == 1:
        return None if args[0] is None else dict(dict_arg("object_to_map", args[0]))
    if len(args) == 2 and isinstance(args[0], list | tuple):
        return array_to_map(args[0], args[1])
    if len(args) % 2:
        raise EvaluationError(f"object_to_map: expected key/value pairs, got {len(args)} arguments")
    return pairs("object_to_map", args)


@MAPS.function(
    "array_to_map",
    syntax="array_to_map(OBJ_ARRAY, KEY)",
    description="An object keyed by the KEY attribute of each element of an array of objects (later elements "
    "win; elements without KEY are skipped).",
    example='array_to_map([to_object("id", "a", "n", 1)], "id")',
    result={"a": {"id": "a", "n": 1}},
    args=(2, 2),
    null_first=True,
)
def array_to_map(items: Any, key: Any) -> dict[str, Any]:
    attribute = text_arg("array_to_map", key, "KEY")
    result: dict[str, Any] = {}
    for element in list_arg("array_to_map", items, "OBJ_ARRAY"):
        if not isinstance(element, dict):
            raise EvaluationError(f"array_to_map: elements must be objects, got {describe(element)}")
        if element.get(attribute) is not None:
            result[to_text(element[attribute])] = element
    return result


MAPS.function(
    "to_map",
    syntax="to_map(KEY1, VALUE1, ...)",
    description="A map (object) built from key/value pairs.",
    example='to_map("a", 1, "b", 2)',
    result={"a": 1, "b": 2},
    args=(2, None),
    even_args=True,
)(lambda *args: pairs("to_map", args))
