"""A backfill whose write fails stops with that failure instead of waiting for page slots that are never freed."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from stripeflow.lake.worker import EncodedRecords
from stripeflow.stripe.resources import RESOURCES
from stripeflow.sync.backfill import Backfill, plan_backfill
from stripeflow.sync.context import Progress
from stripeflow.sync.state import ResourceState


class EndlessPages:
    """A resource with many pages of 100 charges, newest first, across one second each."""

    def __init__(self) -> None:
        self.spec = RESOURCES["charges"]
        self.progress = Progress("charges")
        self.concurrency = 2
        self.batch_size = 100
        self.client = SimpleNamespace(server_now=lambda: 2_000_000)

    async def list_page(self, path: str, params: dict[str, str]) -> tuple[list[dict[str, Any]], bool]:
        await asyncio.sleep(0)
        hi = int(params["created[lt]"])
        start = int(params["starting_after"].split("_")[1]) if "starting_after" in params else hi
        times = [start - n for n in range(1, 101) if start - n >= int(params["created[gte]"])]
        return [{"id": f"ch_{time}", "created": time, "livemode": False} for time in times], True

    async def complete_all(self, records: list[dict[str, Any]]) -> None:
        return None


def test_a_failed_write_ends_the_backfill_with_its_error() -> None:
    state = ResourceState()
    plan_backfill(state, [{}], 1_000_000, 2_000_000, 2)
    writes = 0

    async def commit(records: EncodedRecords, checkpoint: ResourceState) -> None:
        nonlocal writes
        writes += 1
        raise RuntimeError("the disk is full")

    backfill = Backfill(EndlessPages(), state, commit)
    with pytest.raises(RuntimeError, match="the disk is full"):
        asyncio.run(asyncio.wait_for(backfill.run(), timeout=20))
    assert writes == 1
