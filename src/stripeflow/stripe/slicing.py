"""Pure: split a ``created`` range into slices that can be listed side by side, and split running slices.

A slice covers ``lo <= created < hi`` of one list pass. Stripe lists newest first, so a slice is walked from
``hi`` down to ``lo``; ``cursor`` is the last id already taken and ``floor`` the ``created`` of that record. An
idle worker steals the untouched older half of a running slice: the running slice keeps ``[mid, hi)`` and the
new one takes ``[lo, mid)``, so every object belongs to exactly one slice at every moment.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(slots=True)
class Slice:
    key: str  # stable name, e.g. "p0/3"
    pass_index: int  # which of the resource's list passes (e.g. active / inactive prices)
    lo: int
    hi: int
    cursor: str | None = None
    floor: int | None = None  # created of the record at `cursor`
    floor_ids: list[str] = field(default_factory=list)  # ids already taken whose created == floor
    done: bool = False
    records: int = 0

    def params(self) -> dict[str, str]:
        params = {"created[gte]": str(self.lo), "created[lt]": str(self.hi)}
        if self.cursor:
            params["starting_after"] = self.cursor
        return params

    @property
    def remaining_span(self) -> int:
        top = self.hi if self.floor is None else self.floor
        return max(0, top - self.lo)

    def take(self, record: Mapping[str, Any]) -> bool:
        """Account for one listed record; ``False`` if it lies outside the slice (below a moved ``lo``)."""
        created = int(record["created"])
        if created < self.lo or created >= self.hi:
            return False
        record_id = str(record["id"])
        if created == self.floor:
            if record_id in self.floor_ids:
                return False
            self.floor_ids.append(record_id)
        else:
            self.floor, self.floor_ids = created, [record_id]
        self.cursor = record_id
        self.records += 1
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "pass_index": self.pass_index,
            "lo": self.lo,
            "hi": self.hi,
            "cursor": self.cursor,
            "floor": self.floor,
            "floor_ids": list(self.floor_ids),
            "done": self.done,
            "records": self.records,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Slice:
        return cls(**{**data, "floor_ids": list(data.get("floor_ids", []))})

    def copy(self) -> Slice:
        return replace(self, floor_ids=list(self.floor_ids))


def plan_slices(lo: int, hi: int, count: int, pass_index: int = 0) -> list[Slice]:
    """``count`` slices of equal time span covering ``[lo, hi)``, newest first; fewer if the span is short."""
    if hi <= lo:
        return []
    count = max(1, min(count, hi - lo))
    edges = [lo + (hi - lo) * step // count for step in range(count + 1)]
    slices = [
        Slice(key=f"p{pass_index}/{index}", pass_index=pass_index, lo=start, hi=end)
        for index, (start, end) in enumerate(itertools.pairwise(edges))
        if end > start
    ]
    return list(reversed(slices))


def estimated_remaining(running: Slice) -> float | None:
    """Records likely left in ``running``, from the density of what it has listed so far; ``None`` if unknown."""
    if running.floor is None or running.done:
        return None
    walked = max(1, running.hi - running.floor)
    return running.records / walked * running.remaining_span


def split(running: Slice, new_key: str, min_span: int = 2) -> Slice | None:
    """Give the older half of ``running``'s remaining range to a new slice, or ``None`` if too small to split."""
    if running.done or running.remaining_span < min_span:
        return None
    top = running.hi if running.floor is None else running.floor
    mid = running.lo + (top - running.lo) // 2
    if mid <= running.lo:
        return None
    stolen = Slice(key=new_key, pass_index=running.pass_index, lo=running.lo, hi=mid)
    running.lo = mid
    return stolen


def pick_to_split(slices: Iterable[Slice], min_records: float = 300) -> Slice | None:
    """The running slice likely to hold the most records still to list, if worth a split.

    A split costs at least one extra request (the new slice's last, partial page), so only a slice estimated to
    hold ``min_records`` more is split; a slice that has not listed its first page yet is not judged.
    """
    best: Slice | None = None
    best_estimate = min_records
    for item in slices:
        estimate = estimated_remaining(item)
        if estimate is not None and estimate >= best_estimate and item.remaining_span >= 2:
            best, best_estimate = item, estimate
    return best
