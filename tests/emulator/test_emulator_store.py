"""Newest-first paging over sorted views: created ranges, both cursors, ties, unions and predicates."""

from __future__ import annotations

from stripeflow.emulator.store import ALL, Collection, Key, Schema, bounds_for, page

KEYS: list[Key] = sorted([(100, "a"), (100, "b"), (200, "c"), (300, "d"), (300, "e"), (400, "f")])


def ids(keys: list[Key]) -> list[str]:
    return [object_id for _, object_id in keys]


def test_first_page_is_newest_first_with_ties_broken_by_id() -> None:
    found, more = page([KEYS], bounds_for(None, None, before=None, above=None), 3)
    assert ids(found) == ["f", "e", "d"]
    assert more


def test_starting_after_walks_to_the_end_exactly_once() -> None:
    seen, cursor = [], None
    while True:
        found, more = page([KEYS], bounds_for(None, None, before=cursor, above=None), 2)
        seen += ids(found)
        if not more:
            break
        cursor = found[-1]
    assert seen == ["f", "e", "d", "c", "b", "a"]


def test_ending_before_returns_the_page_just_newer_than_the_cursor() -> None:
    found, more = page([KEYS], bounds_for(None, None, before=None, above=(100, "b")), 2, backward=True)
    assert ids(found) == ["d", "c"]
    assert more  # e and f are newer still
    found, more = page([KEYS], bounds_for(None, None, before=None, above=(300, "d")), 5, backward=True)
    assert ids(found) == ["f", "e"]
    assert not more


def test_created_bounds_and_cursors_combine() -> None:
    bounds = bounds_for(100, 400, before=(300, "e"), above=None)
    found, more = page([KEYS], bounds, 10)
    assert ids(found) == ["d", "c", "b", "a"]
    assert not more
    empty, more = page([KEYS], bounds_for(500, None, before=None, above=None), 10)
    assert (empty, more) == ([], False)


def test_a_union_of_views_is_merged_in_order_without_duplicates() -> None:
    evens, odds = [(100, "a"), (300, "d"), (400, "f")], [(100, "b"), (300, "d"), (300, "e")]
    found, more = page([evens, odds], bounds_for(None, None, before=None, above=None), 4)
    assert ids(found) == ["f", "e", "d", "b"]
    assert more


def test_a_predicate_filters_while_paging_and_has_more_counts_only_matches() -> None:
    found, more = page([KEYS], bounds_for(None, None, before=None, above=None), 2, accept=lambda key: key[1] in "ace")
    assert ids(found) == ["e", "c"]
    assert more
    found, more = page([KEYS], bounds_for(None, None, before=(200, "c"), above=None), 2, accept=lambda k: k[1] in "ace")
    assert ids(found) == ["a"]
    assert not more


def test_collection_reindexes_on_change_and_keeps_deleted_ids_usable_as_cursors() -> None:
    schema = Schema("thing", lambda o: o["colour"], lambda colour: (ALL, ("colour", colour)))
    things = Collection(schema)
    things.bulk_load([{"id": "t1", "created": 5, "colour": "red"}, {"id": "t2", "created": 6, "colour": "red"}])
    assert things.view(("colour", "red")) == [(5, "t1"), (6, "t2")]
    things.put({"id": "t1", "created": 5, "colour": "blue"})
    assert things.view(("colour", "red")) == [(6, "t2")]
    assert things.view(("colour", "blue")) == [(5, "t1")]
    assert things.load("t1") == {"id": "t1", "created": 5, "colour": "blue"}
    things.delete("t2")
    assert things.get("t2") is None
    assert things.view(ALL) == [(5, "t1")]
    assert things.cursor_key("t2") == (6, "t2")
