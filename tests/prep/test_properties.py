"""Property test: compiled mappers agree with a plain reference interpreter written here, record by record.

The reference walks the mapping set for each record, reads paths with its own reader, converts values by the
documented rules (``docs/mapping.md``) and builds the row; only the expression language is shared.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stripeflow.prep.compiler import compile_mapping
from stripeflow.prep.el import EvaluationError, compile_expression
from stripeflow.prep.errors import MAPPER_TRANSFORM, XDM_RANGE, XDM_TYPE, MappingSetError
from stripeflow.prep.mapping import parse_mapping_set
from tests.prep.support import array, boolean, integer, number, obj, string

SCHEMA = obj(
    {
        "x": obj(
            {
                "ai": integer(), "bs": string(), "fn": number(), "bo": boolean(),
                "o": obj({"p": string(), "q": integer()}),
                "items": array(obj({"v": integer(), "w": string(), "c": string()})),
            }
        )
    }
)  # fmt: skip
SCALAR_DESTINATIONS = {"x.ai": "integer", "x.bs": "string", "x.fn": "number", "x.bo": "boolean"}
ELEMENT_DESTINATIONS = {"x.items[*].v": "integer", "x.items[*].w": "string", "x.items[*].c": "string"}
SCALAR_SOURCES = ["data.a", "data.b", "data.o.p", "data.l[0].v", "data.o"]
EXPRESSIONS = ["data.a + 1", "lower(data.b)", 'concat(data.b, "-")', "data.o.q * 2"]
ELEMENT_SOURCES = ["data.l[*].v", "data.l[*].w", "data.b"]
ELEMENT_EXPRESSIONS = ["data.l[*].v * 2", 'concat(data.l[*].w, "!")']

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**60), 2**60), st.floats(allow_nan=False),
    st.sampled_from(["12", "-3", "1.5", "true", "False", "abc", "", "nan"]),
)  # fmt: skip
values = st.recursive(scalars, lambda inner: st.dictionaries(st.sampled_from("pqvw"), inner, max_size=3), max_leaves=4)
records = st.fixed_dictionaries(
    {
        "data": st.fixed_dictionaries(
            {},
            optional={
                "a": values, "b": values, "o": values,
                "l": st.one_of(values, st.lists(values, max_size=3)),
            },
        )
    }
)  # fmt: skip


@st.composite
def mapping_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    mappings = []
    for destination in draw(st.lists(st.sampled_from([*sorted(SCALAR_DESTINATIONS), "x.o"]), unique=True)):
        kind = draw(st.sampled_from(["ATTRIBUTE", "STATIC", "EXPRESSION"]))
        source: Any = {
            "ATTRIBUTE": st.sampled_from(SCALAR_SOURCES),
            "STATIC": st.one_of(st.booleans(), st.integers(-5, 5), st.sampled_from(["7", "x", "TRUE", "2.5"])),
            "EXPRESSION": st.sampled_from(EXPRESSIONS),
        }[kind]
        mappings.append({"sourceType": kind, "source": draw(source), "destination": destination})
    elements = draw(st.lists(st.sampled_from(sorted(ELEMENT_DESTINATIONS)), unique=True))
    for position, destination in enumerate(elements):
        if position == 0:  # the first one says which array the destination follows
            mapping = {"source": draw(st.sampled_from(ELEMENT_SOURCES[:2])), "destination": destination}
        elif draw(st.booleans()):
            mapping = {
                "sourceType": "EXPRESSION",
                "source": draw(st.sampled_from(ELEMENT_EXPRESSIONS)),
                "destination": destination,
            }
        else:
            mapping = {"source": draw(st.sampled_from(ELEMENT_SOURCES)), "destination": destination}
        mappings.append(mapping)
    return mappings


class Reference:
    """Maps one record the slow, obvious way."""

    def __init__(self, mappings: list[dict[str, Any]]) -> None:
        self.mappings = mappings
        self.errors: list[tuple[str, str]] = []

    def run(self, record: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
        x: dict[str, Any] = {}
        for mapping in self.mappings:
            destination = mapping["destination"]
            if "[*]" in destination:
                continue
            value = self.value(mapping, record, (), destination)
            if destination == "x.o":
                value = None if value is None else self.copy(value, destination)
            elif value is not None:
                value = self.convert(value, SCALAR_DESTINATIONS[destination], destination)
            if value is not None:
                x[destination.split(".")[1]] = value
        items = self.items(record)
        if items:
            x["items"] = items
        data = {"x": x} if x else {}
        rejected = any(code != MAPPER_TRANSFORM for code, _ in self.errors)
        return (None if rejected else data), self.errors

    def items(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        element_mappings = [m for m in self.mappings if "[*]" in m["destination"]]
        if not element_mappings:
            return []
        source = read(record, element_mappings[0]["source"].split("[*]")[0], ())
        out = []
        for index in range(len(source) if isinstance(source, list) else 0):
            element = {}
            for mapping in element_mappings:
                destination = mapping["destination"]
                path = destination.replace("[*]", f"[{index}]")
                value = self.value(mapping, record, (index,), path)
                if value is not None:
                    value = self.convert(value, ELEMENT_DESTINATIONS[destination], path)
                if value is not None:
                    element[destination.rsplit(".", 1)[1]] = value
            if element:
                out.append(element)
        return out

    def value(self, mapping: dict[str, Any], record: Any, indexes: tuple[int, ...], path: str) -> Any:
        kind = mapping.get("sourceType", "ATTRIBUTE")
        if kind == "STATIC":
            return mapping["source"]
        if kind == "ATTRIBUTE":
            return read(record, mapping["source"], indexes)
        try:
            return compile_expression(mapping["source"]).evaluate(record, indexes)
        except EvaluationError:
            self.errors.append((MAPPER_TRANSFORM, path))
            return None

    def copy(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            self.errors.append((XDM_TYPE, path))
            return None
        out = {}
        for key, kind in (("p", "string"), ("q", "integer")):
            if value.get(key) is not None:
                converted = self.convert(value[key], kind, f"{path}.{key}")
                if converted is not None:
                    out[key] = converted
        return out or None

    def convert(self, value: Any, kind: str, path: str) -> Any:
        converted = convert(value, kind)
        if converted is _FAILED:
            self.errors.append((MAPPER_TRANSFORM, path))
            return None
        out_of_range = kind == "integer" and abs(converted) > 2**53 - 1
        if out_of_range or (kind == "number" and not math.isfinite(converted)):
            self.errors.append((XDM_RANGE, path))
            return None
        return converted


_FAILED = object()
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


def convert(value: Any, kind: str) -> Any:
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):  # JSON has no NaN or infinity: they are written as null
            return json.dumps(_finite(value), sort_keys=True, separators=(",", ":"))
        return str(value)
    if isinstance(value, bool):
        return value if kind == "boolean" else _FAILED
    if kind == "boolean":
        return (
            value.strip().lower() == "true"
            if isinstance(value, str) and value.strip().lower() in ("true", "false")
            else _FAILED
        )
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    if kind == "integer":
        return (
            int(value) if isinstance(value, int | float) and not math.isinf(value) and value == int(value) else _FAILED
        )
    if isinstance(value, int | float):
        return value
    try:
        return float(value) if isinstance(value, str) else _FAILED
    except ValueError:
        return _FAILED


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return None if isinstance(value, float) and not math.isfinite(value) else value


def read(record: Any, path: str, indexes: tuple[int, ...]) -> Any:
    value = record
    wild = iter(indexes)
    for part in re.findall(r"[^.\[\]]+|\[\*\]|\[\d+\]", path):
        if part.startswith("["):
            index = next(wild, None) if part == "[*]" else int(part[1:-1])
            if index is None or not isinstance(value, list) or index >= len(value):
                return None
            value = value[index]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mappings=mapping_sets(), batch=st.lists(records, min_size=1, max_size=4))
def test_compiled_mapper_matches_the_reference_interpreter(mappings: list[dict[str, Any]], batch: list[Any]) -> None:
    body = {"mappings": mappings or [{"sourceType": "STATIC", "source": "1", "destination": "x.bs"}]}
    mapping_set = parse_mapping_set(body)
    static_fails = any(
        m.get("sourceType") == "STATIC"
        and convert(m["source"], SCALAR_DESTINATIONS.get(m["destination"], "object")) is _FAILED
        for m in body["mappings"]
    ) or any(m.get("sourceType") == "STATIC" and m["destination"] == "x.o" for m in body["mappings"])
    try:
        mapper = compile_mapping(mapping_set, SCHEMA)
    except MappingSetError:
        assert static_fails
        return
    assert not static_fails
    for record in batch:
        row = mapper.map_record(record)
        expected_data, expected_errors = Reference(body["mappings"]).run(record)
        assert sorted((e.code, e.path) for e in row.errors) == sorted(expected_errors)
        assert row.data == expected_data
