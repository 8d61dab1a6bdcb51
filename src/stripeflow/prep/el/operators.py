"""The operator catalogue, as listed by ``GET /languages/el/operators``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    """One operator: its symbol, keyword aliases, precedence (higher binds tighter) and meaning."""

    symbol: str
    aliases: tuple[str, ...]
    kind: str  # "unary", "binary" or "ternary"
    precedence: int
    description: str
    example: str


def _op(symbol: str, aliases: str, kind: str, precedence: int, description: str, example: str) -> OperatorInfo:
    return OperatorInfo(symbol, tuple(aliases.split()), kind, precedence, description, example)


OPERATORS: Final = (
    _op("?:", "", "ternary", 0, "c ? a : b picks a when c is true, else b; a ?: b is a when a is true, else b.",
        'data.livemode ? "live" : "test"'),
    _op("??", "", "binary", 0, "a ?? b is a unless a is null, then b.", 'data.description ?? ""'),
    _op("||", "or", "binary", 1, "Logical or (short-circuit), always a boolean.", "a > 1 or b > 1"),
    _op("&&", "and", "binary", 2, "Logical and (short-circuit), always a boolean.", "a > 1 and b > 1"),
    _op("==", "eq", "binary", 3, "Equality; 1 == 1.0, but \"1\" != 1.", 'data.status == "paid"'),
    _op("!=", "ne", "binary", 3, "Inequality.", 'data.status ne "void"'),
    _op("<", "lt", "binary", 4, "Less than (numbers, strings or dates); false when either side is null.", "a < 10"),
    _op("<=", "le", "binary", 4, "Less than or equal.", "a le 10"),
    _op(">", "gt", "binary", 4, "Greater than.", "a > 10"),
    _op(">=", "ge", "binary", 4, "Greater than or equal.", "a ge 10"),
    _op("+", "", "binary", 5, "Adds numbers; concatenates when either side is a string.", '"cus_" + data.id'),
    _op("-", "", "binary", 5, "Subtracts numbers.", "data.amount - data.amount_refunded"),
    _op("*", "", "binary", 6, "Multiplies numbers.", "data.created * 1000"),
    _op("/", "div", "binary", 6, "Divides; int / int truncates toward zero, a float operand gives a float.",
        "data.amount / 100.0"),
    _op("%", "mod", "binary", 6, "Java remainder (its sign follows the dividend).", "data.quantity % 2"),
    _op("-", "", "unary", 7, "Negates a number.", "-data.amount"),
    _op("!", "not", "unary", 7, "Logical not of the value's truthiness.", "not data.livemode"),
    _op("~", "", "unary", 7, "Bitwise complement of an integer.", "~5"),
    _op(".", "", "binary", 8, "Path step, or a method call on a value.", 'data.email.equalsIgnoreCase("a@b.c")'),
    _op("[]", "", "binary", 8, "Array index ([0]), every element ([*]), or a key of a computed object.",
        "data.items.data[0].id"),
)  # fmt: skip
