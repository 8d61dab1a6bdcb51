"""Value semantics shared by operators and functions: truthiness, text conversion, arithmetic and comparison.

Null propagates through arithmetic (``null + 1`` is ``null``), ordering comparisons with ``null`` are false,
``int / int`` truncates toward zero as in Java, and division by zero is an :class:`EvaluationError`.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from stripeflow.prep.el.errors import EvaluationError

Number = int | float


def type_name(value: Any) -> str:
    """The user-facing name of a value's type, as used in error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "date"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def describe(value: Any) -> str:
    """A short description of a value for error messages: its type and a truncated rendering."""
    shown = to_text(value) if value is not None else "null"
    if isinstance(value, str):
        shown = json.dumps(value, ensure_ascii=False)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{type_name(value)} {shown}"


def is_number(value: Any) -> bool:
    """Whether ``value`` is an int or float (booleans are not numbers)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def truthy(value: Any) -> bool:
    """JEXL-style truthiness: null, false, 0, "", "false", empty arrays and objects are false."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value != "" and value != "false"
    if isinstance(value, list | tuple | dict):
        return len(value) > 0
    return True


def format_datetime(value: datetime) -> str:
    """ISO-8601 text of a date, ``Z`` for UTC (``2026-11-30T10:00:00Z``)."""
    text = value.isoformat()
    if value.utcoffset() is not None and value.utcoffset() == UTC.utcoffset(None):
        text = text[:-6] + "Z"
    return text


def to_text(value: Any) -> str:
    """Java-like string conversion: ``true``, ``1``, ``1.5``, ISO dates, JSON for arrays and objects."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=to_text)
    except (TypeError, ValueError):
        return str(value)


def _numbers(op: str, left: Any, right: Any) -> None:
    if not (is_number(left) and is_number(right)):
        raise EvaluationError(f"operator {op} needs numbers, got {describe(left)} and {describe(right)}")


def add(left: Any, right: Any) -> Any:
    """``+``: numbers add; when either side is a string the two are concatenated."""
    if left is None or right is None:
        return None
    if isinstance(left, str) or isinstance(right, str):
        return to_text(left) + to_text(right)
    _numbers("+", left, right)
    return left + right


def subtract(left: Any, right: Any) -> Any:
    """``-`` on numbers."""
    if left is None or right is None:
        return None
    _numbers("-", left, right)
    return left - right


def multiply(left: Any, right: Any) -> Any:
    """``*`` on numbers (a string times a number is an error, not repetition)."""
    if left is None or right is None:
        return None
    _numbers("*", left, right)
    return left * right


def divide(left: Any, right: Any) -> Any:
    """``/`` and ``div``: integer division truncating toward zero for two ints, float division otherwise."""
    if left is None or right is None:
        return None
    _numbers("/", left, right)
    if right == 0:
        raise EvaluationError(f"division by zero: {to_text(left)} / {to_text(right)}")
    if isinstance(left, int) and isinstance(right, int):
        quotient = abs(left) // abs(right)
        return quotient if (left < 0) == (right < 0) else -quotient
    return left / right


def modulo(left: Any, right: Any) -> Any:
    """``%`` and ``mod``: Java remainder, whose sign follows the dividend."""
    if left is None or right is None:
        return None
    _numbers("%", left, right)
    if right == 0:
        raise EvaluationError(f"division by zero: {to_text(left)} % {to_text(right)}")
    if isinstance(left, int) and isinstance(right, int):
        remainder = abs(left) % abs(right)
        return remainder if left >= 0 else -remainder
    return math.fmod(left, right)


def negate(value: Any) -> Any:
    """Unary ``-``."""
    if value is None:
        return None
    if not is_number(value):
        raise EvaluationError(f"unary - needs a number, got {describe(value)}")
    return -value


def bitwise_not(value: Any) -> Any:
    """Unary ``~`` on integers."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise EvaluationError(f"operator ~ needs an integer, got {describe(value)}")
    return ~value


def equals(left: Any, right: Any) -> bool:
    """``==``: numbers compare by value (``1 == 1.0``); other types must match (``"1" != 1``, ``true != 1``)."""
    if is_number(left) and is_number(right):
        return bool(left == right)
    if type(left) is not type(right):
        if isinstance(left, list | tuple) and isinstance(right, list | tuple):
            return len(left) == len(right) and all(equals(a, b) for a, b in zip(left, right, strict=True))
        return False
    return bool(left == right)


def compare(op: str, left: Any, right: Any) -> bool:
    """Ordering comparisons: numbers, strings, dates or booleans of the same kind; false when either is null."""
    if left is None or right is None:
        return False
    comparable = is_number(left) and is_number(right)
    comparable = comparable or (type(left) is type(right) and isinstance(left, str | bool | datetime))
    if not comparable:
        raise EvaluationError(f"cannot compare {describe(left)} with {describe(right)} using {op}")
    try:
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
        if op == ">":
            return bool(left > right)
        return bool(left >= right)
    except TypeError as exc:
        raise EvaluationError(f"cannot compare {describe(left)} with {describe(right)} using {op}") from exc
