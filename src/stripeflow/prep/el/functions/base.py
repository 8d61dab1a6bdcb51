"""The function catalogue: :class:`FunctionInfo` entries registered by each category module."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from stripeflow.prep.el.errors import EvaluationError
from stripeflow.prep.el.values import describe, is_number, to_text

Impl = Callable[..., Any]
ConstantCheck = Callable[[Any], object]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    """One function of the language, as listed by ``GET /languages/el/functions``.

    ``max_args`` is ``None`` for variadic functions; ``example_result`` is the value the example evaluates
    to (with the clock at 2026-11-30T10:00:00Z for ``now()``-based examples). ``constant_checks`` validate
    literal arguments at compile time (a regex, a charset, a date pattern), keyed by argument index.
    """

    name: str
    category: str
    syntax: str
    description: str
    example: str
    example_result: Any
    min_args: int
    max_args: int | None
    impl: Impl = field(repr=False, compare=False)
    needs_context: bool = False
    even_args: bool = False
    alias_of: str | None = None
    constant_checks: Mapping[int, ConstantCheck] = field(default_factory=dict, repr=False, compare=False)

    def arity_problem(self, count: int) -> str | None:
        """Why ``count`` arguments are wrong for this function, or ``None`` when they are fine."""
        low, high = self.min_args, self.max_args
        if high is None:
            wanted = f"at least {low} argument{'s' if low != 1 else ''}"
        elif low == high:
            wanted = f"{low} argument{'s' if low != 1 else ''}"
        else:
            wanted = f"{low} to {high} arguments"
        if count < low or (high is not None and count > high):
            return f"function '{self.name}' takes {wanted} but {count} {'was' if count == 1 else 'were'} given"
        if self.even_args and count % 2:
            return f"function '{self.name}' takes an even number of arguments (key, value pairs) but {count} were given"
        return None


class Category:
    """Collects the functions of one category through the :meth:`function` decorator."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.functions: list[FunctionInfo] = []

    def function(
        self,
        name: str,
        *,
        syntax: str,
        description: str,
        example: str,
        result: Any,
        args: tuple[int, int | None] = (1, 1),
        aliases: tuple[str, ...] = (),
        null_first: bool = False,
        needs_context: bool = False,
        even_args: bool = False,
        checks: Mapping[int, ConstantCheck] | None = None,
    ) -> Callable[[F], F]:
        """Register ``impl``; ``null_first`` makes a null first argument return null without calling it."""

        def register(impl: F) -> F:
            call = _null_first(impl) if null_first else impl
            for alias in (name, *aliases):
                info = FunctionInfo(
                    alias, self.name, syntax, description, example, result, args[0], args[1], call,
                    needs_context, even_args, None if alias == name else name, dict(checks or {}),
                )  # fmt: skip
                self.functions.append(info)
            return impl

        return register


def _null_first(impl: Impl) -> Impl:
    @functools.wraps(impl)
    def call(first: Any = None, *rest: Any) -> Any:
        return None if first is None else impl(first, *rest)

    return call


# -- argument coercion shared by the categories -----------------------------------------------------------
def text_arg(function: str, value: Any, name: str = "S") -> str:
    """A string argument; numbers and booleans are converted, arrays, objects and dates are refused."""
    if isinstance(value, str):
        return value
    if is_number(value) or isinstance(value, bool):
        return to_text(value)
    raise EvaluationError(f"{function}: {name} must be a string, got {describe(value)}")


def int_arg(function: str, value: Any, name: str = "N") -> int:
    """An integer argument; integral floats are accepted."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise EvaluationError(f"{function}: {name} must be an integer, got {describe(value)}")


def list_arg(function: str, value: Any, name: str = "ARRAY") -> list[Any]:
    """An array argument."""
    if isinstance(value, list | tuple):
        return list(value)
    raise EvaluationError(f"{function}: {name} must be an array, got {describe(value)}")


def dict_arg(function: str, value: Any, name: str = "OBJ") -> dict[str, Any]:
    """An object (map) argument."""
    if isinstance(value, dict):
        return value
    raise EvaluationError(f"{function}: {name} must be an object, got {describe(value)}")
