"""The per-resource sync state: a value object, stored as JSON by the metadata store.

It is committed with the write-ahead protocol in :mod:`stripeflow.sync.writer`: only after the rows it covers are
durably in the dataset does it become the current state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stripeflow.stripe.slicing import Slice

BACKFILL = "backfill"
INCREMENTAL = "incremental"


@dataclass(slots=True)
class ResourceState:
    phase: str = BACKFILL
    #: How the current backfill writes: "append" into a table that held none of its rows, else "upsert".
    write_mode: str = "append"
    #: Why the current backfill runs: "backfill" (first), "rebackfill" (events cursor expired), "full-refresh".
    reason: str = "backfill"
    since: int | None = None
    backfill_started_at: int | None = None
    backfill_completed_at: int | None = None
    #: Events with created >= this (minus the overlap window) are read on the next incremental sync.
    events_cursor: int | None = None
    #: For resources without events: the newest created seen, and the oldest still-changing (pending) row.
    newest_created: int | None = None
    passes: list[dict[str, str]] = field(default_factory=list)
    slices: list[Slice] = field(default_factory=list)
    next_slice_no: int = 0
    records_written: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "write_mode": self.write_mode,
            "reason": self.reason,
            "since": self.since,
            "backfill_started_at": self.backfill_started_at,
            "backfill_completed_at": self.backfill_completed_at,
            "events_cursor": self.events_cursor,
            "newest_created": self.newest_created,
            "passes": [dict(item) for item in self.passes],
            "slices": [item.to_dict() for item in self.slices],
            "next_slice_no": self.next_slice_no,
            "records_written": self.records_written,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResourceState:
        known = {name for name in cls.__dataclass_fields__ if name != "slices"}
        state = cls(**{key: value for key, value in data.items() if key in known})
        state.slices = [Slice.from_dict(item) for item in data.get("slices", [])]
        return state

    def copy(self) -> ResourceState:
        return ResourceState.from_json(self.to_json())
