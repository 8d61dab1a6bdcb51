"""Backfill: list every object of a resource by walking ``created`` slices side by side.

Workers take slices; an idle worker splits the running slice with the most time left (work stealing), so skewed
data still keeps every worker busy. Pages flow through a bounded queue to one writer, which writes batches to the
dataset and commits, with each batch, the slice positions of exactly the rows it wrote. A crash at any point
resumes from the last commit, with nothing lost and nothing written twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from stripeflow.errors import BadRequestError, NotFoundError
from stripeflow.lake.worker import EncodedRecords
from stripeflow.stripe.slicing import Slice, pick_to_split, plan_slices, split
from stripeflow.sync.context import ResourceContext
from stripeflow.sync.state import INCREMENTAL, ResourceState

#: Commits the given records and the state that covers them; returns when both are durable.
Commit = Callable[[EncodedRecords, ResourceState], Awaitable[None]]


@dataclass(slots=True)
class _Page:
    snapshot: Slice  # the slice's position after this page
    records: asyncio.Future[tuple[EncodedRecords, int | None]]  # (records, newest created) once complete


@dataclass(slots=True)
class _Split:
    running_key: str
    new_lo: int  # the running slice's lo after the split
    stolen: Slice


def plan_backfill(state: ResourceState, passes: list[dict[str, str]], lo: int, hi: int, count: int) -> None:
    """Lay out the slices of a fresh backfill over ``[lo, hi)`` for every list pass."""
    state.passes = [dict(item) for item in passes]
    # A test clock holds a handful of objects: one slice each (work stealing splits it if it is large).
    state.slices = [
        item
        for index, params in enumerate(passes)
        for item in plan_slices(lo, hi, 1 if "test_clock" in params else count, index)
    ]
    state.next_slice_no = max((len(state.slices)), 1)


class Backfill:
    """Runs (or resumes) the backfill described by ``state`` until every slice is done."""

    def __init__(
        self,
        ctx: ResourceContext,
        state: ResourceState,
        commit: Commit,
        on_listed: Callable[[], object] | None = None,
    ) -> None:
        self.ctx = ctx
        self.state = state
        self.commit = commit
        self.on_listed = on_listed  # called once every slice is listed, while the last batch is still written
        self.live = [item.copy() for item in state.slices if not item.done]  # owned by the workers
        self.pending = list(self.live)
        self.running: list[Slice] = []
        # Unbounded, so a split is announced the moment it happens; pages in flight are bounded by `slots`.
        self.queue: asyncio.Queue[_Page | _Split | None] = asyncio.Queue()
        self.slots = asyncio.Semaphore(ctx.concurrency * 2)
        self.progressed = asyncio.Condition()  # notified after every page and every finished slice

    async def run(self) -> None:
        workers = [asyncio.create_task(self._worker()) for _ in range(max(1, self.ctx.concurrency))]
        writer = asyncio.create_task(self._writer())
        try:
            listing = asyncio.gather(*workers)
            # A write that fails ends the writer, which then no longer frees slots: the workers would wait forever.
            both: list[asyncio.Future[Any]] = [listing, writer]
            await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
            if writer.done():  # before the listing is over: the writer failed
                for task in workers:
                    task.cancel()
                await asyncio.gather(listing, return_exceptions=True)
                writer.result()
            await listing
            if self.on_listed is not None:
                self.on_listed()
            await self.queue.put(None)
            await writer
        finally:
            for task in [*workers, writer]:
                task.cancel()

    def _next_slice(self) -> Slice | None:
        if self.pending:
            return self.pending.pop(0)
        running = pick_to_split(self.running)
        if running is None:
            return None
        stolen = split(running, f"s{self.state.next_slice_no}")
        if stolen is None:
            return None
        self.state.next_slice_no += 1
        self.queue.put_nowait(_Split(running.key, running.lo, stolen.copy()))
        return stolen

    async def _worker(self) -> None:
        """Walk slices until none is left; with nothing to take, wait for a page anywhere and try to steal again."""
        while True:
            current = self._next_slice()
            if current is None:
                if not self.running:
                    return
                async with self.progressed:
                    await self.progressed.wait()
                continue
            self.running.append(current)
            try:
                await self._walk(current)
            finally:
                self.running.remove(current)
                async with self.progressed:
                    self.progressed.notify_all()

    async def _walk(self, current: Slice) -> None:
        params = self.state.passes[current.pass_index]
        while not current.done:
            await self.slots.acquire()
            try:
                data, has_more = await self.ctx.list_page(self.ctx.spec.path, {**params, **current.params()})
            except (NotFoundError, BadRequestError) as exc:
                self.slots.release()
                if current.cursor is None or "starting_after" not in str(exc):
                    raise
                # The object under the cursor is gone (deleted meanwhile): walk on from its created time instead;
                # the ids already taken at that second are skipped by Slice.take.
                current.hi, current.cursor = (current.floor or current.hi) + 1, None
                continue
            kept = [record for record in data if current.take(record)]
            below = any(int(record["created"]) < current.lo for record in data)
            current.done = not has_more or not data or below
            # Truncated nested lists are paged while this worker lists its next page; the writer takes pages in
            # queue order, waiting for each one's completion, so checkpoints stay in order.
            self.queue.put_nowait(_Page(current.copy(), asyncio.ensure_future(self._completed(kept))))
            self.ctx.progress.records += len(kept)
            # Not kept while the next page is awaited: a decoded page is about 1 MB of dicts, and a resource has
            # `concurrency` workers.
            del data, kept
            async with self.progressed:
                self.progressed.notify_all()

    async def _completed(self, records: list[dict[str, Any]]) -> tuple[EncodedRecords, int | None]:
        """Complete the page's nested lists, then keep it as JSON bytes (far smaller than the dicts)."""
        await self.ctx.complete_all(records)
        newest = max((int(record["created"]) for record in records), default=None)
        return EncodedRecords.of(records), newest

    async def _writer(self) -> None:
        """Consume pages into batches; each batch is written while the next one fills (one write in flight).

        Records are encoded to JSON as they arrive, so a waiting batch holds bytes, not dicts.
        """
        view = {item.key: item.copy() for item in self.state.slices}
        buffer = EncodedRecords()
        inflight: asyncio.Future[None] | None = None
        try:
            while True:
                message = await self.queue.get()
                if message is None:
                    break
                if isinstance(message, _Split):
                    view[message.running_key].lo = max(view[message.running_key].lo, message.new_lo)
                    view[message.stolen.key] = message.stolen
                    continue
                snapshot = message.snapshot
                snapshot.lo = max(snapshot.lo, view[snapshot.key].lo) if snapshot.key in view else snapshot.lo
                view[snapshot.key] = snapshot
                buffer = self._add(buffer, await message.records)
                self.slots.release()
                if len(buffer) >= self.ctx.batch_size:
                    if inflight is not None:
                        await inflight
                    inflight = asyncio.ensure_future(
                        self.commit(buffer, self._checkpoint(len(buffer), view, final=False))
                    )
                    buffer = EncodedRecords()
            if inflight is not None:
                await inflight
                inflight = None
            await self.commit(buffer, self._checkpoint(len(buffer), view, final=True))
        finally:
            if inflight is not None:
                inflight.cancel()

    def _add(self, buffer: EncodedRecords, page: tuple[EncodedRecords, int | None]) -> EncodedRecords:
        records, newest = page
        if newest is not None:
            self.state.newest_created = max(newest, self.state.newest_created or newest)
        buffer.chunks.extend(records.chunks)
        buffer.count += records.count
        buffer.livemode = records.livemode if buffer.livemode is None else buffer.livemode
        return buffer

    def _checkpoint(self, count: int, view: dict[str, Slice], *, final: bool) -> ResourceState:
        """The state that covers exactly the rows written so far plus the ``count`` about to be, taken now."""
        self.state.records_written += count
        state = self.state.copy()
        state.slices = [item.copy() for item in view.values()]
        if final:
            state.phase = INCREMENTAL
            state.backfill_completed_at = self.ctx.client.server_now()
            state.slices = []
        return state
