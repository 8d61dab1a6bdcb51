from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stripeflow.stripe.slicing import Slice, pick_to_split, plan_slices, split


def test_plan_covers_the_range_exactly_newest_first() -> None:
    slices = plan_slices(100, 200, 4)
    assert [(item.lo, item.hi) for item in slices] == [(175, 200), (150, 175), (125, 150), (100, 125)]
    assert len({item.key for item in slices}) == 4


def test_plan_of_a_short_range_makes_fewer_slices() -> None:
    assert [(item.lo, item.hi) for item in plan_slices(10, 12, 8)] == [(11, 12), (10, 11)]
    assert plan_slices(10, 10, 8) == []


def test_take_moves_the_cursor_and_skips_records_outside_or_already_taken() -> None:
    current = Slice(key="k", pass_index=0, lo=100, hi=200)
    assert current.take({"id": "a", "created": 150})
    assert current.take({"id": "b", "created": 150})
    assert not current.take({"id": "a", "created": 150})  # same second, already taken
    assert not current.take({"id": "z", "created": 99})
    assert not current.take({"id": "y", "created": 200})
    assert (current.cursor, current.floor, current.floor_ids, current.records) == ("b", 150, ["a", "b"], 2)
    assert current.params() == {"created[gte]": "100", "created[lt]": "200", "starting_after": "b"}


def test_split_gives_away_the_older_half_of_what_is_left() -> None:
    running = Slice(key="k", pass_index=1, lo=0, hi=1000)
    running.take({"id": "a", "created": 800})
    stolen = split(running, "s1")
    assert stolen is not None
    assert (stolen.lo, stolen.hi, stolen.pass_index, stolen.cursor) == (0, 400, 1, None)
    assert (running.lo, running.hi) == (400, 1000)


def test_split_refuses_tiny_or_finished_slices() -> None:
    assert split(Slice(key="k", pass_index=0, lo=5, hi=6), "s") is None
    done = Slice(key="k", pass_index=0, lo=0, hi=100, done=True)
    assert split(done, "s") is None


def test_pick_to_split_prefers_the_most_records_left() -> None:
    sparse = Slice(key="a", pass_index=0, lo=0, hi=10_000)
    for n in range(10):  # 10 records in the newest 1,000 s: about 90 left
        sparse.take({"id": f"a{n}", "created": 9_999 - n * 100})
    dense = Slice(key="b", pass_index=0, lo=0, hi=1_000)
    for n in range(100):  # 100 records in the newest 100 s: about 800 left
        dense.take({"id": f"b{n}", "created": 999 - n})
    assert pick_to_split([sparse, dense]) is dense
    assert pick_to_split([sparse]) is None  # too few left to be worth a request


def test_a_slice_that_has_not_listed_anything_yet_is_not_split() -> None:
    assert pick_to_split([Slice(key="a", pass_index=0, lo=0, hi=10**9)]) is None


def test_state_round_trip() -> None:
    original = Slice(key="k", pass_index=2, lo=1, hi=9, cursor="c", floor=5, floor_ids=["c"], done=False, records=3)
    assert Slice.from_dict(original.to_dict()) == original


@given(
    created=st.lists(st.integers(min_value=0, max_value=9_999), min_size=1, max_size=300),
    steals=st.lists(st.integers(min_value=0, max_value=50), max_size=10),
)
def test_walking_with_random_steals_takes_every_record_exactly_once(created: list[int], steals: list[int]) -> None:
    """Simulate newest-first walks of slices while idle workers split them: each record lands once."""
    records = sorted(
        ({"id": f"o{n}", "created": c} for n, c in enumerate(created)), key=lambda r: (-int(r["created"]), r["id"])
    )
    pending = plan_slices(0, 10_000, 3)
    taken: list[str] = []
    steal_at = set(steals)
    step = 0
    while pending:
        current = pending.pop(0)
        while not current.done:
            if step in steal_at:
                stolen = split(current, f"s{step}")
                if stolen is not None:
                    pending.append(stolen)
            step += 1
            # One "page" of up to 7 records in list order, honouring the slice's filter and cursor.
            visible = [r for r in records if current.lo <= int(r["created"]) < current.hi]
            if current.cursor is not None:
                position = next(i for i, r in enumerate(visible) if r["id"] == current.cursor)
                visible = visible[position + 1 :]
            page = visible[:7]
            taken.extend(str(r["id"]) for r in page if current.take(r))
            current.done = len(visible) <= 7
    assert sorted(taken) == sorted(str(r["id"]) for r in records)
