"""``property=`` filters of the Flow Service's list calls (``GET /runs?property=flowId==...``).

Each ``property`` query value is one condition; several are ANDed. The forms:

=================  ==========================================================
``name==x``        equal (a quoted value, ``name=="x"``, is unquoted first)
``name!=x``        not equal
``createdAt>5``    greater / less (``>=``, ``<=`` too); numbers compare as numbers
``name~stripe``    contains, case-insensitive
``description``    the property exists (and is not null)
``!description``   the property does not exist
=================  ==========================================================

A path is dotted (``connectionSpec.id``, ``params.resourcePath``); an array on the way (or at the end) matches when
any of its items does, so ``sourceConnectionIds==<id>`` finds the flows that use a source connection.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

OPERATORS: Final = ("==", "!=", ">=", "<=", ">", "<", "~", "exists", "!exists")
_CONDITION = re.compile(r"^(?P<path>[A-Za-z0-9_.$@:\-]+?)\s*(?P<op>==|!=|>=|<=|>|<|~)(?P<value>.*)$", re.DOTALL)
_PATH = re.compile(r"^[A-Za-z0-9_$@:\-]+(\.[A-Za-z0-9_$@:\-]+)*$")
_MISSING: Final = object()


@dataclass(frozen=True)
class PropertyFilter:
    """One condition on a document: ``path`` (dotted), ``op`` (one of :data:`OPERATORS`) and the text ``value``."""

    path: str
    op: str
    value: str = ""

    def matches(self, document: dict[str, Any]) -> bool:
        values = [value for value in _values_at(document, self.path.split(".")) if value is not None]
        if self.op == "exists":
            return bool(values)
        if self.op == "!exists":
            return not values
        if self.op == "!=":
            return not any(_equal(value, self.value) for value in values)
        return any(self._holds(value) for value in values)

    def _holds(self, actual: Any) -> bool:
        if self.op == "==":
            return _equal(actual, self.value)
        if self.op == "~":
            return self.value.lower() in _text(actual).lower()
        order = _compare(actual, self.value)
        if order is None:
            return False
        return {">": order > 0, "<": order < 0, ">=": order >= 0, "<=": order <= 0}[self.op]


def parse_property_filters(values: Sequence[str]) -> list[PropertyFilter]:
    """The filters of the ``property`` query values; :class:`ValueError` with the accepted forms on a bad one."""
    return [parse_property_filter(value) for value in values]


def parse_property_filter(text: str) -> PropertyFilter:
    condition = text.strip()
    match = _CONDITION.match(condition)
    if match:
        return PropertyFilter(match["path"], match["op"], _unquote(match["value"].strip()))
    negated = condition.startswith("!")
    path = condition[1:] if negated else condition
    if _PATH.match(path):
        return PropertyFilter(path, "!exists" if negated else "exists")
    raise ValueError(
        f"property filter {text!r} is not valid: use <field>==<value> (also !=, >, <, >=, <=, ~ for contains), "
        "<field> for 'exists' or !<field> for 'does not exist'; e.g. property=name==\"RestStorageToAEP\""
    )


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _values_at(node: Any, tokens: list[str]) -> Iterator[Any]:
    if isinstance(node, list):
        for item in node:
            yield from _values_at(item, tokens)
        return
    if not tokens:
        yield node
        return
    if isinstance(node, dict):
        child = node.get(tokens[0], _MISSING)
        if child is not _MISSING:
            yield from _values_at(child, tokens[1:])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _equal(actual: Any, expected: str) -> bool:
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        number = _number(expected)
        return number is not None and float(actual) == number
    return _text(actual) == expected


def _compare(actual: Any, expected: str) -> int | None:
    number = _number(expected)
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        if number is None:
            return None
        return (float(actual) > number) - (float(actual) < number)
    if isinstance(actual, str):
        actual_number = _number(actual)
        if actual_number is not None and number is not None:
            return (actual_number > number) - (actual_number < number)
        return (actual > expected) - (actual < expected)
    return None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
