"""Data Prep's expression language: ``POST /languages/el/validate`` and the catalogues of its functions and
operators (``GET /languages/el/functions``, ``GET /languages/el/operators``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from stripeflow.prep.el import FUNCTIONS, OPERATORS, RESERVED_WORDS, ExpressionError, FunctionInfo, validate_expression
from stripeflow.prep.el.values import to_text

router = APIRouter()


@router.post("/languages/el/validate", summary="Check that an expression compiles")
def validate(expression: Annotated[str, Body(embed=True, description="The expression to check")]) -> dict[str, Any]:
    """``{"validationStatus": "succeeded", "error": "none"}``, or (still 200: the request was understood)
    ``{"validationStatus": "failed", "error": <message>, "position", "reason", "hint"}``."""
    try:
        validate_expression(expression)
    except ExpressionError as exc:
        return {
            "validationStatus": "failed",
            "error": str(exc),
            "position": exc.position,
            "reason": exc.reason,
            "hint": exc.hint,
        }
    return {"validationStatus": "succeeded", "error": "none"}


@router.get("/languages/el/functions", summary="The functions of the expression language")
def functions() -> dict[str, Any]:
    return {"functions": [_function(info) for info in FUNCTIONS.values()]}


@router.get("/languages/el/operators", summary="The operators and reserved words of the expression language")
def operators() -> dict[str, Any]:
    return {
        "operators": [
            {
                "symbol": info.symbol,
                "aliases": list(info.aliases),
                "kind": info.kind,
                "precedence": info.precedence,
                "description": info.description,
                "example": info.example,
            }
            for info in OPERATORS
        ],
        "reservedWords": sorted(RESERVED_WORDS),
    }


def _function(info: FunctionInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "category": info.category,
        "syntax": info.syntax,
        "description": info.description,
        "example": info.example,
        "exampleResult": _json_value(info.example_result),
        "minArgs": info.min_args,
        "maxArgs": info.max_args,
        "aliasOf": info.alias_of,
    }


def _json_value(value: Any) -> Any:
    """``value`` as JSON: dates become ISO-8601 text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    return to_text(value)
