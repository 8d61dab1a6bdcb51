"""The pure ``starting_after`` / ``has_more`` walker of a Stripe list, with loop detection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stripeflow.errors import MalformedResponseError, PaginationLoopError


def page_items(page: Mapping[str, Any], url: str) -> tuple[Sequence[dict[str, Any]], bool]:
    """The records and ``has_more`` of a list page; a page without them is malformed (and retried)."""
    data = page.get("data")
    has_more = page.get("has_more")
    if not isinstance(data, list) or not isinstance(has_more, bool):
        raise MalformedResponseError(f"list page from {url} has no 'data' list or no 'has_more' flag")
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise MalformedResponseError(f"list page from {url} holds an element without an 'id'")
    return data, has_more


@dataclass(slots=True)
class Cursor:
    """Where a forward walk stands. ``advance`` returns the next ``starting_after`` or ``None`` at the end."""

    starting_after: str | None = None
    _used: set[str] = field(default_factory=set)

    def advance(self, data: Sequence[Mapping[str, Any]], has_more: bool) -> str | None:
        if not has_more or not data:
            return None
        last = str(data[-1]["id"])
        if last in self._used or last == self.starting_after:
            raise PaginationLoopError(f"the API returned cursor {last!r} twice; stopping instead of paging forever")
        self._used.add(last)
        self.starting_after = last
        return last
