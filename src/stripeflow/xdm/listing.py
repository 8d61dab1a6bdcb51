"""Listing bodies: ``property=`` filters, ``orderby``/``start``/``limit`` paging, the ``xed-id`` result shape."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import urlencode

from stripeflow.xdm.errors import InvalidSchemaError

Doc = dict[str, Any]
MAX_LIMIT: Final = 300
#: Longest first, so that ``<=`` is not read as ``<``.
_OPERATORS: Final = ("==", "!=", "<=", ">=", "<", ">", "~")
ID_KEYS: Final = ("title", "$id", "meta:altId", "version")


def list_body(
    docs: list[Doc],
    base_path: str,
    *,
    start: str | None = None,
    limit: int = MAX_LIMIT,
    orderby: str | None = None,
    property_filter: str | Sequence[str] | None = None,
    full: bool = False,
) -> Doc:
    """``{"results", "_page": {"orderby", "next", "count"}, "_links"}`` for one page of ``docs``.

    ``start`` is the ``orderby`` value of the first result (``_page.next`` of the previous page); ``orderby`` is a
    top-level key, ``-`` first for descending (default ``title``); ``property_filter`` clauses are
    ``key==value`` (for a list-valued key: contains), ``key!=value``, ``key<value`` (and ``<=``, ``>``, ``>=``),
    ``key~regex``, ``key`` (present) and ``!key`` (absent), comma-separated or given as a list.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidSchemaError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}", [{"limit": limit}])
    order = orderby or "title"
    key, descending = order.lstrip("-+"), order.startswith("-")
    selected = [doc for doc in docs if all(_matches(doc, clause) for clause in _clauses(property_filter))]
    selected.sort(key=lambda doc: (_sort_value(doc.get(key)), doc["$id"]), reverse=descending)
    if start is not None:
        selected = [
            doc
            for doc in selected
            if (_sort_value(doc.get(key)) <= start if descending else _sort_value(doc.get(key)) >= start)
        ]
    page, rest = selected[:limit], selected[limit:]
    following = _sort_value(rest[0].get(key)) if rest else None
    links: Doc = {}
    if following is not None:
        query = urlencode({"orderby": order, "start": following, "limit": limit})
        links["next"] = {"href": f"{base_path}?{query}"}
    return {
        "results": [doc if full else {name: doc.get(name) for name in ID_KEYS} for doc in page],
        "_page": {"orderby": order, "next": following, "count": len(page)},
        "_links": links,
    }


def _sort_value(value: object) -> str:
    return "" if value is None else str(value)


def _clauses(property_filter: str | Sequence[str] | None) -> list[str]:
    if property_filter is None:
        return []
    parts = [property_filter] if isinstance(property_filter, str) else list(property_filter)
    return [clause.strip() for part in parts for clause in part.split(",") if clause.strip()]


def _matches(doc: Doc, clause: str) -> bool:
    for operator in _OPERATORS:
        if operator in clause:
            key, _, expected = clause.partition(operator)
            return _compare(doc.get(key.strip()), operator, expected.strip().strip('"'))
    if clause.startswith("!"):
        return clause[1:] not in doc
    return clause in doc


def _compare(value: object, operator: str, expected: str) -> bool:
    values = [str(item) for item in value] if isinstance(value, list) else [] if value is None else [str(value)]
    if operator == "==":
        return expected in values
    if operator == "!=":
        return expected not in values
    if operator == "~":
        try:
            pattern = re.compile(expected)
        except re.error as exc:
            raise InvalidSchemaError(f"bad regular expression {expected!r}: {exc}", [{"filter": expected}]) from None
        return any(pattern.search(item) for item in values)
    return any(_ordered(item, operator, expected) for item in values)


def _ordered(value: str, operator: str, expected: str) -> bool:
    left: float | str
    right: float | str
    try:
        left, right = float(value), float(expected)
    except ValueError:
        left, right = value, expected
    return {
        "<": left < right,  # type: ignore[operator]
        ">": left > right,  # type: ignore[operator]
        "<=": left <= right,  # type: ignore[operator]
        ">=": left >= right,  # type: ignore[operator]
    }[operator]
