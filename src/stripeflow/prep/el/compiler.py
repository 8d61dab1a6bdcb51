"""Compile a syntax tree into nested Python closures, once per expression text."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from stripeflow.prep.el import values
from stripeflow.prep.el.context import DEFAULT_CONTEXT, EvalContext
from stripeflow.prep.el.errors import EvaluationError, ExpressionError
from stripeflow.prep.el.functions import FUNCTIONS, FunctionInfo
from stripeflow.prep.el.methods import METHODS
from stripeflow.prep.el.nodes import (
    ArrayLiteral,
    Binary,
    Call,
    Conditional,
    Index,
    Literal,
    Member,
    MethodCall,
    Node,
    ObjectLiteral,
    Path,
    Unary,
)
from stripeflow.prep.el.parser import parse
from stripeflow.prep.paths import WILDCARD, PathError, Segment, compile_getter, format_path, parse_path, path_exists

MAX_EXPRESSION_LENGTH: Final = 4096

Record = Mapping[str, Any]
Evaluator = Callable[[Record, Sequence[int], EvalContext], Any]

_BINARY: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "+": values.add,
    "-": values.subtract,
    "*": values.multiply,
    "/": values.divide,
    "%": values.modulo,
    "==": values.equals,
    "!=": lambda a, b: not values.equals(a, b),
    "<": lambda a, b: values.compare("<", a, b),
    "<=": lambda a, b: values.compare("<=", a, b),
    ">": lambda a, b: values.compare(">", a, b),
    ">=": lambda a, b: values.compare(">=", a, b),
}
_UNARY: Final[dict[str, Callable[[Any], Any]]] = {
    "-": values.negate,
    "~": values.bitwise_not,
    "!": lambda v: not values.truthy(v),
}


class Expression:
    """A compiled expression: evaluate it against many records without parsing again."""

    __slots__ = ("_run", "has_wildcard", "paths", "text")

    def __init__(self, text: str, run: Evaluator, paths: tuple[str, ...], has_wildcard: bool) -> None:
        self.text = text
        self.paths = paths
        self.has_wildcard = has_wildcard
        self._run = run

    def evaluate(self, record: Record, indexes: Sequence[int] = (), context: EvalContext | None = None) -> Any:
        """The value for ``record``; ``indexes`` select the elements of ``[*]`` paths, in order.

        Raises :class:`EvaluationError` when the expression fails on this record.
        """
        return self._run(record, indexes, context or DEFAULT_CONTEXT)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


@functools.lru_cache(maxsize=4096)
def compile_expression(text: str) -> Expression:
    """Parse and compile ``text``; raises :class:`ExpressionError` for any compile-time problem."""
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"expression is {len(text)} characters long; the limit is {MAX_EXPRESSION_LENGTH}",
            MAX_EXPRESSION_LENGTH,
            text,
        )
    try:
        tree = parse(text)
        compiler = _Compiler(text)
        run = compiler.compile(tree)
    except RecursionError as exc:
        raise ExpressionError("expression nests too deeply", 0, text, "split it into simpler parts") from exc
    paths = tuple(dict.fromkeys(format_path(p) for p in compiler.paths))
    has_wildcard = any(WILDCARD in p for p in compiler.paths)
    return Expression(text, run, paths, has_wildcard)


def validate_expression(text: str) -> None:
    """Raise :class:`ExpressionError` when ``text`` does not compile."""
    compile_expression(text)


def suggest(name: str, candidates: Sequence[str]) -> str | None:
    """A "did you mean" hint naming the closest candidates, if any are close."""
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    if not close:
        close = [c for c in candidates if c.lower() == name.lower()]
    if not close:
        return None
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text
        self.paths: list[tuple[Segment, ...]] = []

    def error(self, reason: str, pos: int, hint: str | None = None) -> ExpressionError:
        return ExpressionError(reason, pos, self.text, hint)

    def compile(self, node: Node) -> Evaluator:
        match node:
            case Literal(value=value):
                return lambda record, indexes, ctx: value
            case Path(segments=segments):
                self.paths.append(segments)
                getter = compile_getter(segments)
                return lambda record, indexes, ctx: getter(record, indexes)
            case Unary():
                return self.unary(node)
            case Binary():
                return self.binary(node)
            case Conditional():
                return self.conditional(node.condition, node.then, node.otherwise)
            case Call():
                return self.call(node)
            case MethodCall():
                return self.method(node)
            case ArrayLiteral(items=items):
                parts = [self.compile(item) for item in items]
                return lambda record, indexes, ctx: [part(record, indexes, ctx) for part in parts]
            case ObjectLiteral():
                return self.object_literal(node)
            case Index():
                return self.index(node)
            case Member():
                return self.member(node)
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover

    def unary(self, node: Unary) -> Evaluator:
        operand = self.compile(node.operand)
        op = _UNARY[node.op]
        return lambda record, indexes, ctx: op(operand(record, indexes, ctx))

    def binary(self, node: Binary) -> Evaluator:
        left, right = self.compile(node.left), self.compile(node.right)
        truthy = values.truthy
        if node.op == "and":
            return lambda r, i, c: truthy(left(r, i, c)) and truthy(right(r, i, c))
        if node.op == "or":
            return lambda r, i, c: truthy(left(r, i, c)) or truthy(right(r, i, c))
        if node.op == "?:":
            return lambda r, i, c: value if truthy(value := left(r, i, c)) else right(r, i, c)
        if node.op == "??":
            return lambda r, i, c: value if (value := left(r, i, c)) is not None else right(r, i, c)
        op = _BINARY[node.op]
        return lambda record, indexes, ctx: op(left(record, indexes, ctx), right(record, indexes, ctx))

    def conditional(self, condition: Node, then: Node, otherwise: Node) -> Evaluator:
        test, yes, no = self.compile(condition), self.compile(then), self.compile(otherwise)
        truthy = values.truthy
        return lambda r, i, c: yes(r, i, c) if truthy(test(r, i, c)) else no(r, i, c)

    def call(self, node: Call) -> Evaluator:
        info = self.function(node)
        if info.name == "iif":
            return self.conditional(*node.args)
        if info.name == "contains_key":
            return self.contains_key(node.args[0])
        args = [self.compile(arg) for arg in node.args]
        if info.name == "coalesce":
            return lambda r, i, c: next((v for arg in args if (v := arg(r, i, c)) is not None), None)
        return _invoke(info, args)

    def function(self, node: Call) -> FunctionInfo:
        info = FUNCTIONS.get(node.name)
        if info is None:
            raise self.error(f"unknown function '{node.name}'", node.pos, suggest(node.name, sorted(FUNCTIONS)))
        problem = info.arity_problem(len(node.args))
        if problem:
            raise self.error(problem, node.pos, f"write {info.syntax}")
        for index, check in info.constant_checks.items():
            if index < len(node.args) and isinstance(arg := node.args[index], Literal) and arg.value is not None:
                try:
                    check(arg.value)
                except (ValueError, EvaluationError) as exc:
                    raise self.error(f"{info.name}: {exc}", arg.pos) from exc
        return info

    def contains_key(self, arg: Node) -> Evaluator:
        if isinstance(arg, Path):
            segments = arg.segments
        elif isinstance(arg, Literal) and isinstance(arg.value, str):
            try:
                segments = parse_path(arg.value)
            except PathError as exc:
                raise self.error(f"contains_key: invalid path: {exc.message}", arg.pos) from exc
        else:
            text = self.compile(arg)
            return lambda r, i, c: _dynamic_contains_key(r, i, text(r, i, c))
        self.paths.append(segments)
        return lambda record, indexes, ctx: path_exists(record, segments, indexes)

    def method(self, node: MethodCall) -> Evaluator:
        method = METHODS.get(node.name)
        if method is None:
            raise self.error(f"unknown method '{node.name}'", node.pos, suggest(node.name, sorted(METHODS)))
        problem = method.arity_problem(len(node.args))
        if problem:
            raise self.error(problem, node.pos, f"write {method.syntax}")
        target = self.compile(node.target)
        args = [self.compile(arg) for arg in node.args]
        impl, name = method.impl, node.name

        def call(record: Record, indexes: Sequence[int], ctx: EvalContext) -> Any:
            value = target(record, indexes, ctx)
            if value is None:
                return None
            return _guard(name, impl, value, *(arg(record, indexes, ctx) for arg in args))

        return call

    def object_literal(self, node: ObjectLiteral) -> Evaluator:
        entries = [(self.compile(k), self.compile(v)) for k, v in node.entries]

        def build(record: Record, indexes: Sequence[int], ctx: EvalContext) -> Any:
            result: dict[str, Any] = {}
            for key, value in entries:
                result[values.to_text(key(record, indexes, ctx))] = value(record, indexes, ctx)
            return result

        return build

    def index(self, node: Index) -> Evaluator:
        target, index = self.compile(node.target), self.compile(node.index)
        return lambda r, i, c: item(target(r, i, c), index(r, i, c))

    def member(self, node: Member) -> Evaluator:
        target, name = self.compile(node.target), node.name
        return lambda r, i, c: item(target(r, i, c), name)


def item(container: Any, key: Any) -> Any:
    """``container[key]`` for computed values: null when the key or index is missing or the types do not fit."""
    if isinstance(container, dict) and isinstance(key, str):
        return container.get(key)
    if isinstance(container, list | tuple) and isinstance(key, int) and not isinstance(key, bool):
        return container[key] if 0 <= key < len(container) else None
    return None


def _dynamic_contains_key(record: Record, indexes: Sequence[int], text: Any) -> bool:
    if not isinstance(text, str):
        raise EvaluationError(f"contains_key: PATH must be a path or a string, got {values.describe(text)}")
    try:
        return path_exists(record, parse_path(text), indexes)
    except PathError as exc:
        raise EvaluationError(f"contains_key: invalid path {text!r}: {exc}") from exc


def _invoke(info: FunctionInfo, args: list[Evaluator]) -> Evaluator:
    impl, name = info.impl, info.name
    if info.needs_context:
        return lambda r, i, c: _guard(name, impl, c, *(arg(r, i, c) for arg in args))
    if len(args) == 1:
        (only,) = args
        return lambda r, i, c: _guard(name, impl, only(r, i, c))
    return lambda r, i, c: _guard(name, impl, *(arg(r, i, c) for arg in args))


def _guard(name: str, impl: Callable[..., Any], *args: Any) -> Any:
    try:
        return impl(*args)
    except EvaluationError:
        raise
    except (TypeError, ValueError, ArithmeticError, LookupError, UnicodeError) as exc:
        raise EvaluationError(f"{name}: {exc}") from exc
