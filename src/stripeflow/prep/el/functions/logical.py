"""Logical, aggregation, type conversion, JSON and special functions."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final

from stripeflow.prep.el.context import EvalContext
from stripeflow.prep.el.errors import EvaluationError
from stripeflow.prep.el.functions.base import Category, text_arg
from stripeflow.prep.el.functions.objects import special
from stripeflow.prep.el.values import compare, describe, equals, is_number

LOGICAL = Category("logical")
AGGREGATION = Category("aggregation")
CONVERSION = Category("conversion")
JSON = Category("json")
SPECIAL = Category("special")

_INTEGER: Final = re.compile(r"[+-]?\d+")

LOGICAL.function(
    "iif",
    syntax="iif(COND, TRUE_VALUE, FALSE_VALUE)",
    description="TRUE_VALUE when COND is true, else FALSE_VALUE; only the chosen value is evaluated.",
    example='iif("s".equalsIgnoreCase("S"), "True", "False")',
    result="True",
    args=(3, 3),
)(special)


@LOGICAL.function(
    "decode",
    syntax="decode(KEY, K1, V1, K2, V2, ..., DEFAULT?)",
    description="The value paired with the first Kn equal to KEY; DEFAULT (or null) when none is.",
    example='decode("CA", "US", "United States", "CA", "Canada", "Unknown")',
    result="Canada",
    args=(3, None),
)
def decode(key: Any, *cases: Any) -> Any:
    for i in range(0, len(cases) - 1, 2):
        if equals(key, cases[i]):
            return cases[i + 1]
    return cases[-1] if len(cases) % 2 else None


def _extreme(name: str, args: tuple[Any, ...], op: str) -> Any:
    values = list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)
    best = None
    for value in values:
        if value is not None and (best is None or compare(op, value, best)):
            best = value
    return best


AGGREGATION.function(
    "min",
    syntax="min(V1, V2, ...) | min(ARRAY)",
    description="The smallest value (numbers, strings or dates); nulls are ignored.",
    example="min(3, 1, 4)",
    result=1,
    args=(1, None),
)(lambda *args: _extreme("min", args, "<"))
AGGREGATION.function(
    "max",
    syntax="max(V1, V2, ...) | max(ARRAY)",
    description="The largest value (numbers, strings or dates); nulls are ignored.",
    example="max(3, 1, 4)",
    result=4,
    args=(1, None),
)(lambda *args: _extreme("max", args, ">"))


def _to_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise EvaluationError(f"{name}: cannot convert {describe(value)} to an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EvaluationError(f"{name}: cannot convert {value} to an integer")
        return int(value)
    text = text_arg(name, value).strip()
    if not _INTEGER.fullmatch(text):
        raise EvaluationError(f"{name}: {text!r} is not an integer")
    return int(text)


def _to_float(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise EvaluationError(f"{name}: cannot convert {describe(value)} to a number")
    if is_number(value):
        return float(value)
    text = text_arg(name, value).strip()
    try:
        result = float(text)
    except ValueError:
        raise EvaluationError(f"{name}: {text!r} is not a number") from None
    if not math.isfinite(result) or "_" in text:
        raise EvaluationError(f"{name}: {text!r} is not a finite number")
    return result


for _name, _example, _int in (
    ("to_bigint", '"1234567890123456789"', 1234567890123456789),
    ("to_integer", '"42"', 42),
):
    CONVERSION.function(
        _name,
        syntax=f"{_name}(S)",
        description="S as an integer: integer text (optional sign, surrounding spaces) or a number truncated "
        "toward zero. Other text is an error.",
        example=f"{_name}({_example})",
        result=_int,
        null_first=True,
    )(lambda value, _n=_name: _to_int(_n, value))
for _name, _example, _float in (("to_decimal", '"12.50"', 12.5), ("to_float", '"1.5e3"', 1500.0)):
    CONVERSION.function(
        _name,
        syntax=f"{_name}(S)",
        description="S as a floating-point number (a Java Double); NaN and infinities are errors.",
        example=f"{_name}({_example})",
        result=_float,
        null_first=True,
    )(lambda value, _n=_name: _to_float(_n, value))


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON")


@JSON.function(
    "json_to_object",
    syntax="json_to_object(S)",
    description="Parses JSON text (an object, array or scalar); invalid JSON is an error.",
    example='json_to_object("{\\"name\\": \\"John\\"}").name',
    result="John",
    null_first=True,
)
def json_to_object(text: Any) -> Any:
    try:
        return json.loads(text_arg("json_to_object", text), parse_constant=_reject_constant)
    except ValueError as exc:
        raise EvaluationError(f"json_to_object: invalid JSON: {exc}") from exc


SPECIAL.function(
    "uuid",
    syntax="uuid()",
    description="A random UUID (version 4) as text.",
    example="uuid()",
    result="2b3c1a8e-5d7f-4a0e-9c61-0f6a4b2d9e11",
    args=(0, 0),
    aliases=("guid",),
    needs_context=True,
)(lambda ctx: ctx.uuid())

__all__ = ["AGGREGATION", "CONVERSION", "JSON", "LOGICAL", "SPECIAL", "EvalContext"]
