"""Evaluate expressions with a fixed clock and UUID source."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from stripeflow.prep.el import EvalContext, EvaluationError, ExpressionError, compile_expression

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
UUID = "2b3c1a8e-5d7f-4a0e-9c61-0f6a4b2d9e11"
CONTEXT = EvalContext(now=lambda: NOW, uuid=lambda: UUID)


def ev(text: str, record: Mapping[str, Any] | None = None, indexes: Sequence[int] = ()) -> Any:
    """The value of ``text`` for ``record``."""
    return compile_expression(text).evaluate(record or {}, indexes, CONTEXT)


def fails(text: str, record: Mapping[str, Any] | None = None) -> EvaluationError:
    """The EvaluationError that ``text`` raises for ``record``."""
    with pytest.raises(EvaluationError) as info:
        ev(text, record)
    return info.value


def rejected(text: str) -> ExpressionError:
    """The ExpressionError that compiling ``text`` raises."""
    with pytest.raises(ExpressionError) as info:
        compile_expression(text)
    return info.value
