"""One resource's sync: decide between backfill, resume, re-backfill and incremental, then run it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from stripeflow.lake.worker import EncodedRecords
from stripeflow.store import MetadataStore
from stripeflow.stripe.resources import EVENT_RETENTION_SECONDS
from stripeflow.sync.backfill import Backfill, plan_backfill
from stripeflow.sync.context import ResourceContext
from stripeflow.sync.incremental import EventChanges, fetch_changed, read_changes, rescan_pages, rescan_start
from stripeflow.sync.state import BACKFILL, ResourceState
from stripeflow.sync.writer import CheckpointedWriter, Dataset

log = logging.getLogger(__name__)

#: A cursor this close to Stripe's 30-day event retention is treated as expired.
RETENTION_MARGIN = 3600


@dataclass(frozen=True, slots=True)
class Plan:
    """What the sync of one resource starts from."""

    since: int | None
    full_refresh: bool
    range_start: int  # lower bound of a fresh backfill when no `since` is given
    passes: tuple[dict[str, str], ...]  # list passes for a fresh backfill (resource passes + test clocks)
    events_anchor: int  # where the events cursor of a fresh backfill starts


@dataclass(slots=True)
class Outcome:
    mode: str  # backfill | resume | rebackfill | full-refresh | incremental
    note: str | None = None


class ResourceSync:
    def __init__(
        self, ctx: ResourceContext, store: MetadataStore, dataset: Dataset, writer: CheckpointedWriter
    ) -> None:
        self.ctx = ctx
        self.store = store
        self.dataset = dataset
        self.writer = writer
        self._early_events: asyncio.Future[EventChanges] | None = None

    async def run(self, plan: Plan) -> Outcome:
        try:
            return await self._run(plan)
        finally:
            if self._early_events is not None:  # the backfill failed after listing: drop the early read
                self._early_events.cancel()
                self._early_events = None

    async def _run(self, plan: Plan) -> Outcome:
        state = await asyncio.to_thread(self.writer.recover)
        outcome = Outcome(mode="incremental")
        if plan.full_refresh or state is None:
            outcome = Outcome(mode="full-refresh" if plan.full_refresh and state is not None else "backfill")
            state = await self._fresh_backfill(plan, reason=outcome.mode)
        elif state.phase == BACKFILL:
            outcome = Outcome(mode="resume", note=f"resumed the {state.reason} from its last checkpoint")
        elif self.ctx.spec.has_events and self._cursor_expired(state):
            note = (
                "the events cursor is older than Stripe's 30-day event retention, so changes since then cannot be "
                "read from /v1/events; re-read the whole resource instead"
            )
            log.warning(note, extra={"resource": self.ctx.spec.name})
            outcome = Outcome(mode="rebackfill", note=note)
            state = await self._fresh_backfill(plan, reason="rebackfill")
        if state.phase == BACKFILL:
            self.ctx.progress.phase = outcome.mode
            await Backfill(
                self.ctx, state, self._commit_backfill(state), on_listed=self._read_events_early(state)
            ).run()
            state = await asyncio.to_thread(self.writer.recover) or state
        self.ctx.progress.phase = "incremental" if outcome.mode == "incremental" else f"{outcome.mode}+catch-up"
        await self._incremental(state, just_backfilled=outcome.mode != "incremental")
        return outcome

    def _read_events_early(self, state: ResourceState) -> Callable[[], object]:
        """Start the catch-up's event read as soon as the backfill has listed everything (while it still writes):
        events read a little early are fine, the cursor only moves to what was read."""

        def start() -> None:
            if self.ctx.spec.has_events and state.events_cursor is not None:
                account, name = self.writer.account, self.ctx.spec.name

                async def unseen(ids: list[str]) -> set[str]:
                    return await asyncio.to_thread(self.store.filter_unseen, account, name, ids)

                self._early_events = asyncio.ensure_future(read_changes(self.ctx, state.events_cursor, unseen))

        return start

    def _cursor_expired(self, state: ResourceState) -> bool:
        cursor = state.events_cursor or 0
        return self.ctx.client.server_now() - (cursor - self.ctx.events_overlap) > (
            EVENT_RETENTION_SECONDS - RETENTION_MARGIN
        )

    async def _fresh_backfill(self, plan: Plan, *, reason: str) -> ResourceState:
        has_rows = await asyncio.to_thread(lambda: self.dataset.exists() and self.dataset.row_count() > 0)
        state = ResourceState(
            reason=reason,
            write_mode="upsert" if has_rows else "append",
            since=plan.since,
            backfill_started_at=self.ctx.client.server_now(),
            events_cursor=plan.events_anchor if self.ctx.spec.has_events else None,
        )
        lo = plan.since if plan.since is not None else plan.range_start
        hi = self.ctx.client.server_now() + 1
        plan_backfill(state, list(plan.passes), lo, hi, self.ctx.concurrency)
        await asyncio.to_thread(self.writer.commit, state)
        return state

    def _commit_backfill(self, state: ResourceState) -> Any:
        async def commit(records: EncodedRecords, new_state: ResourceState) -> None:
            if state.write_mode == "append":
                await asyncio.to_thread(self.writer.commit, new_state, append=records)
            else:
                await asyncio.to_thread(self.writer.commit, new_state, upsert=records)

        return commit

    async def _incremental(self, state: ResourceState, *, just_backfilled: bool) -> None:
        if self.ctx.spec.has_events:
            await self._apply_events(state)
        elif self.ctx.spec.rescan_pending:
            await self._rescan(state, just_backfilled=just_backfilled)

    async def _apply_events(self, state: ResourceState) -> None:
        account, name = self.writer.account, self.ctx.spec.name
        assert state.events_cursor is not None

        async def unseen(ids: list[str]) -> set[str]:
            return await asyncio.to_thread(self.store.filter_unseen, account, name, ids)

        early, self._early_events = self._early_events, None
        changes = await early if early is not None else await read_changes(self.ctx, state.events_cursor, unseen)
        for chunk in _chunks(changes.fetch, self.ctx.batch_size):
            fetched = await fetch_changed(self.ctx, chunk)
            changes.deletions.extend(fetched.deletions)
            self.ctx.progress.records += len(fetched.upserts)
            await asyncio.to_thread(self.writer.commit, state, upsert=fetched.upserts)
        state.events_cursor = changes.cursor
        await asyncio.to_thread(self.writer.commit, state, deletions=changes.deletions)
        self.ctx.progress.deleted += len(changes.deletions)
        if changes.events:
            await asyncio.to_thread(self.store.record_seen, account, name, changes.events)
        horizon = changes.cursor - 2 * self.ctx.events_overlap
        await asyncio.to_thread(self.store.prune_seen, account, name, horizon)

    async def _rescan(self, state: ResourceState, *, just_backfilled: bool) -> None:
        # Right after a backfill, only what appeared while it ran is new; pending rows are re-read next time.
        oldest_pending = None if just_backfilled else await asyncio.to_thread(self._oldest_pending)
        buffer: list[dict[str, Any]] = []
        newest = state.newest_created
        start = rescan_start(self.ctx, state, oldest_pending)
        if just_backfilled and state.backfill_started_at is not None:
            start = max(0, state.backfill_started_at - self.ctx.rescan_overlap)
        async for page in rescan_pages(self.ctx, start):
            buffer.extend(page)
            self.ctx.progress.records += len(page)
            newest = max([newest or 0, *(int(record["created"]) for record in page)])
            if len(buffer) >= self.ctx.batch_size:
                # The state stays put until the whole window is written: pages come newest first.
                await asyncio.to_thread(self.writer.commit, state, upsert=buffer)
                buffer = []
        state.newest_created = newest
        await asyncio.to_thread(self.writer.commit, state, upsert=buffer)

    def _oldest_pending(self) -> int | None:
        if not self.dataset.exists():
            return None
        return self.dataset.oldest_created(status="pending")


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[start : start + size]) for start in range(0, len(items), max(1, size))]
