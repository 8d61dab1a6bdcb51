"""Errors of the expression language: :class:`ExpressionError` at compile time, :class:`EvaluationError` at run time."""

from __future__ import annotations


class ExpressionError(ValueError):
    """An expression that cannot be compiled; ``position`` is the 0-based offset of the problem."""

    def __init__(self, reason: str, position: int, expression: str = "", hint: str | None = None) -> None:
        message = f"{reason} at position {position}" + (f" ({hint})" if hint else "")
        super().__init__(message)
        self.reason = reason
        self.position = position
        self.expression = expression
        self.hint = hint


class EvaluationError(Exception):
    """An expression that failed on one record (bad number text, wrong operand types, invalid date, ...).

    The mapper writes ``null`` to the target field and records a row error with this message.
    """
