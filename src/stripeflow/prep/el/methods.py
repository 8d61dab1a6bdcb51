"""Java-style methods callable on values, such as ``s.equalsIgnoreCase(t)`` or ``str_to_object(s).get("k")``.

A method called on null returns null.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from stripeflow.prep.el.errors import EvaluationError
from stripeflow.prep.el.values import describe, equals, to_text


@dataclass(frozen=True, slots=True)
class MethodInfo:
    """One method: ``syntax`` and ``description`` for the catalogue, ``impl(target, *args)``."""

    name: str
    syntax: str
    description: str
    min_args: int
    max_args: int
    impl: Callable[..., Any]

    def arity_problem(self, count: int) -> str | None:
        """Why ``count`` arguments are wrong for this method, or ``None``."""
        if self.min_args <= count <= self.max_args:
            return None
        wanted = str(self.min_args) if self.min_args == self.max_args else f"{self.min_args} to {self.max_args}"
        return f"method '{self.name}' takes {wanted} argument(s) but {count} given"


def _text(method: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    raise EvaluationError(f".{method}() needs a string, got {describe(value)}")


def _equals_ignore_case(target: Any, other: Any) -> bool:
    if isinstance(target, str) and isinstance(other, str):
        return target.casefold() == other.casefold()
    return equals(target, other)


def _get(target: Any, key: Any) -> Any:
    if isinstance(target, dict):
        return target.get(to_text(key))
    if isinstance(target, list | tuple) and isinstance(key, int) and not isinstance(key, bool):
        return target[key] if 0 <= key < len(target) else None
    raise EvaluationError(f".get() needs an object or an array, got {describe(target)}")


def _size(target: Any) -> int:
    if isinstance(target, str | list | tuple | dict):
        return len(target)
    raise EvaluationError(f".size() needs a string, an array or an object, got {describe(target)}")


def _substring(target: Any, start: Any, end: Any = None) -> str:
    text = _text("substring", target)
    begin = max(0, int(start))
    return text[begin:] if end is None else text[begin : max(begin, int(end))]


def _contains(target: Any, item: Any) -> bool:
    if isinstance(target, str):
        return _text("contains", item) in target
    if isinstance(target, list | tuple):
        return any(equals(element, item) for element in target)
    if isinstance(target, dict):
        return to_text(item) in target
    raise EvaluationError(f".contains() needs a string, an array or an object, got {describe(target)}")


def _m(name: str, syntax: str, description: str, args: tuple[int, int], impl: Callable[..., Any]) -> MethodInfo:
    return MethodInfo(name, syntax, description, args[0], args[1], impl)


METHODS: Final = {
    m.name: m
    for m in (
        _m("equals", "S1.equals(S2)", "Case-sensitive equality.", (1, 1), equals),
        _m("equalsIgnoreCase", "S1.equalsIgnoreCase(S2)", "Equality ignoring case.", (1, 1), _equals_ignore_case),
        _m("get", 'OBJ.get("key")', "The value of a key of an object, or an array element.", (1, 1), _get),
        _m("length", "S.length()", "The number of characters (or elements).", (0, 0), _size),
        _m("size", "X.size()", "The number of characters, elements or keys.", (0, 0), _size),
        _m("isEmpty", "X.isEmpty()", "Whether the size is 0.", (0, 0), lambda t: _size(t) == 0),
        _m("toUpperCase", "S.toUpperCase()", "Upper case.", (0, 0), lambda t: _text("toUpperCase", t).upper()),
        _m("toLowerCase", "S.toLowerCase()", "Lower case.", (0, 0), lambda t: _text("toLowerCase", t).lower()),
        _m("trim", "S.trim()", "Strip surrounding whitespace.", (0, 0), lambda t: _text("trim", t).strip()),
        _m("toString", "X.toString()", "The value as text.", (0, 0), to_text),
        _m("contains", "X.contains(Y)", "Substring, element or key test.", (1, 1), _contains),
        _m(
            "startsWith", "S.startsWith(P)", "Prefix test.", (1, 1),
            lambda t, p: _text("startsWith", t).startswith(_text("startsWith", p)),
        ),
        _m(
            "endsWith", "S.endsWith(P)", "Suffix test.", (1, 1),
            lambda t, p: _text("endsWith", t).endswith(_text("endsWith", p)),
        ),
        _m(
            "indexOf", "S.indexOf(SUB)", "0-based position of SUB, or -1.", (1, 1),
            lambda t, s: _text("indexOf", t).find(_text("indexOf", s)),
        ),
        _m("substring", "S.substring(BEGIN, END?)", "Characters from BEGIN up to END (0-based).", (1, 2), _substring),
        _m(
            "replace", "S.replace(FIND, REPL)", "Replace every occurrence of FIND.", (2, 2),
            lambda t, f, r: _text("replace", t).replace(_text("replace", f), _text("replace", r)),
        ),
    )
}  # fmt: skip
