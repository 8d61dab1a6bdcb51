"""Property tests: generated expressions agree with a direct evaluation of the same tree."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from stripeflow.prep.el import EvaluationError, compile_expression

SPELLINGS = {
    "+": ["+"], "-": ["-"], "*": ["*"], "/": ["/", "div"], "%": ["%", "mod"],
    "==": ["==", "eq"], "!=": ["!=", "ne"], "<": ["<", "lt"], "<=": ["<=", "le"], ">": [">", "gt"], ">=": [">=", "ge"],
}  # fmt: skip
ARITHMETIC = ["+", "-", "*", "/", "%"]
COMPARISON = ["==", "!=", "<", "<=", ">", ">="]


class Failed(Exception):
    """The reference evaluation fails where the language must raise EvaluationError."""


def _arith(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if op in "/%" and b == 0:
        raise Failed
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    both_int = isinstance(a, int) and isinstance(b, int)
    if op == "/":
        return math.trunc(Fraction(a, b)) if both_int else a / b
    return a - b * math.trunc(Fraction(a, b)) if both_int else math.fmod(a, b)


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return bool(a == b) if a is not None and b is not None else a is b
    if op == "!=":
        return not _compare("==", a, b)
    if a is None or b is None:
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def reference(tree: Any) -> Any:
    if not isinstance(tree, tuple):
        return tree
    if tree[0] == "neg":
        value = reference(tree[1])
        return None if value is None else -value
    op, left, right = tree
    a, b = reference(left), reference(right)
    return _compare(op, a, b) if op in COMPARISON else _arith(op, a, b)


def render(tree: Any, draw: Any) -> str:
    if tree is None:
        return "null"
    if not isinstance(tree, tuple):
        return repr(tree)
    if tree[0] == "neg":
        return f"-({render(tree[1], draw)})"
    op, left, right = tree
    spelling = draw(st.sampled_from(SPELLINGS[op]))
    space = draw(st.sampled_from([" ", "  ", "\t"]))
    return f"({render(left, draw)}{space}{spelling}{space}{render(right, draw)})"


numbers = st.one_of(
    st.integers(-(10**20), 10**20), st.floats(-1e6, 1e6, allow_nan=False).filter(lambda f: f == 0 or abs(f) > 1e-6)
)
leaves = st.one_of(numbers, numbers, numbers, st.none())
arithmetic = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.tuples(st.sampled_from(ARITHMETIC), children, children), st.tuples(st.just("neg"), children)
    ),
    max_leaves=8,
)
trees = st.one_of(arithmetic, st.tuples(st.sampled_from(COMPARISON), arithmetic, arithmetic))


@given(data=st.data(), tree=trees)
def test_generated_expressions_agree_with_reference(data: st.DataObject, tree: Any) -> None:
    text = render(tree, data.draw)
    try:
        expected = reference(tree)
    except Failed:
        try:
            compile_expression(text).evaluate({})
        except EvaluationError:
            return
        raise AssertionError(f"{text} should fail") from None
    except OverflowError:
        return
    actual = compile_expression(text).evaluate({})
    if isinstance(expected, float) and isinstance(actual, float) and math.isnan(expected):
        assert math.isnan(actual)
    else:
        assert actual == expected, text
        assert type(actual) is type(expected), text


@given(
    a=st.integers(-1000, 1000), b=st.integers(-1000, 1000), c=st.integers(-1000, 1000),
    ops=st.tuples(st.sampled_from(["+", "-", "*"]), st.sampled_from(["+", "-", "*", "<", "==", ">="])),
)  # fmt: skip
def test_unparenthesized_precedence_matches_python(a: int, b: int, c: int, ops: tuple[str, str]) -> None:
    text = f"{a} {ops[0]} {b} {ops[1]} {c}"
    assert compile_expression(text).evaluate({}) == eval(text)  # noqa: S307 - integers and operators only


@given(value=st.text(max_size=30))
def test_string_literals_round_trip(value: str) -> None:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    assert compile_expression(f'"{escaped}"').evaluate({}) == value
