from __future__ import annotations

import pytest

from stripeflow.errors import MalformedResponseError, PaginationLoopError
from stripeflow.stripe.pagination import Cursor, page_items


def test_cursor_walks_forward_and_stops_without_has_more() -> None:
    cursor = Cursor()
    assert cursor.advance([{"id": "ch_3"}, {"id": "ch_2"}], True) == "ch_2"
    assert cursor.advance([{"id": "ch_1"}], True) == "ch_1"
    assert cursor.advance([{"id": "ch_0"}], False) is None


def test_empty_page_ends_the_walk_even_if_has_more() -> None:
    assert Cursor().advance([], True) is None


def test_the_same_cursor_twice_is_an_error_not_a_hang() -> None:
    cursor = Cursor()
    cursor.advance([{"id": "ch_2"}], True)
    with pytest.raises(PaginationLoopError, match="ch_2"):
        cursor.advance([{"id": "ch_2"}], True)


def test_a_cursor_seen_earlier_in_the_walk_is_also_a_loop() -> None:
    cursor = Cursor()
    cursor.advance([{"id": "a"}], True)
    cursor.advance([{"id": "b"}], True)
    with pytest.raises(PaginationLoopError):
        cursor.advance([{"id": "a"}], True)


def test_page_items_accepts_a_list_page() -> None:
    data, has_more = page_items({"object": "list", "data": [{"id": "x"}], "has_more": False}, "/v1/x")
    assert [item["id"] for item in data] == ["x"]
    assert has_more is False


@pytest.mark.parametrize(
    "page",
    [
        {"object": "list", "has_more": False},
        {"object": "list", "data": {}, "has_more": False},
        {"object": "list", "data": []},
        {"object": "list", "data": [{"no": "id"}], "has_more": False},
        {"object": "list", "data": ["ch_1"], "has_more": False},
    ],
)
def test_malformed_pages_are_rejected_as_retryable(page: dict[str, object]) -> None:
    with pytest.raises(MalformedResponseError):
        page_items(page, "/v1/charges")
