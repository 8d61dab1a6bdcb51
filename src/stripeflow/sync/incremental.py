"""Incremental syncs: changes through ``/v1/events``, or a re-scan for resources that have no events.

Events are read newest first from ``cursor - overlap``, de-duplicated by id against those already applied, and
reduced to one action per object: re-fetch it (so the row is complete and in the pinned API version, with its
nested lists paged to the end) or mark it deleted. Balance transactions have no events; their recent window is
listed again (pending ones turn available without an event) together with everything created since.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stripeflow.errors import NotFoundError
from stripeflow.lake.records import Deletion
from stripeflow.stripe.pagination import Cursor
from stripeflow.sync.context import ResourceContext
from stripeflow.sync.state import ResourceState


@dataclass(slots=True)
class Changes:
    """Re-fetched rows to upsert and rows found gone."""

    upserts: list[dict[str, Any]] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)


def _dig(obj: Mapping[str, Any], dotted: str) -> Any:
    value: Any = obj
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def reduce_events(ctx: ResourceContext, events: Iterable[Mapping[str, Any]]) -> tuple[set[str], list[Deletion]]:
    """The object ids to re-fetch and the deletions, keeping only the newest event per object."""
    latest: dict[str, tuple[int, str, Mapping[str, Any]]] = {}
    for event in events:
        rule = ctx.spec.events.get(str(event.get("type")))
        obj = _dig(event, "data.object")
        if rule is None or not isinstance(obj, Mapping):
            continue
        object_id = _dig(obj, rule.id_path)
        if isinstance(object_id, Mapping):  # an expanded reference
            object_id = object_id.get("id")
        if not isinstance(object_id, str):
            continue
        created = int(event.get("created", 0))
        kind = "delete" if rule.deletes else "fetch"
        previous = latest.get(object_id)
        if previous is None or created >= previous[0]:
            latest[object_id] = (created, kind, obj)
    fetch = {object_id for object_id, (_, kind, _) in latest.items() if kind == "fetch"}
    deletions = [
        Deletion(id=object_id, deleted_at=datetime.fromtimestamp(created, UTC), record=dict(obj))
        for object_id, (created, kind, obj) in latest.items()
        if kind == "delete"
    ]
    return fetch, deletions


async def read_events(ctx: ResourceContext, since: int) -> list[dict[str, Any]]:
    """Every event of this resource's types created at or after ``since``, newest first."""
    types = sorted(ctx.spec.events)
    events: list[dict[str, Any]] = []
    cursor = Cursor()
    after: str | None = None
    # Stripe takes at most 20 names in types[]; the tables in resources.py stay within that.
    base = {"created[gte]": str(since), **{f"types[{index}]": name for index, name in enumerate(types)}}
    while True:
        params = dict(base)
        if after:
            params["starting_after"] = after
        data, has_more = await ctx.list_page("/v1/events", params)
        events.extend(data)
        after = cursor.advance(data, has_more)
        if after is None:
            return events


async def fetch_changed(ctx: ResourceContext, ids: Iterable[str]) -> Changes:
    """Re-fetch each changed object side by side (within the shared budget); gone ones become deletions."""
    changes = Changes()
    gate = asyncio.Semaphore(max(1, ctx.concurrency))
    now = datetime.fromtimestamp(ctx.client.server_now(), UTC)

    async def one(object_id: str) -> None:
        async with gate:
            try:
                record = await ctx.retrieve(object_id)
            except NotFoundError:
                changes.deletions.append(Deletion(id=object_id, deleted_at=now, record=None))
                return
            if record.get("deleted") is True:
                changes.deletions.append(Deletion(id=object_id, deleted_at=now, record=None))
                return
            await ctx.complete_nested(record)
            changes.upserts.append(record)

    await asyncio.gather(*(one(object_id) for object_id in sorted(ids)))
    return changes


FilterUnseen = Callable[[list[str]], Awaitable[set[str]]]


@dataclass(slots=True)
class EventChanges:
    """The outcome of reading events: ids to re-fetch, deletions, the fresh events and the new cursor."""

    fetch: list[str]
    deletions: list[Deletion]
    events: list[tuple[str, int]]  # (event id, created) of the events applied now
    cursor: int


async def read_changes(ctx: ResourceContext, cursor: int, unseen: FilterUnseen) -> EventChanges:
    """Read events since ``cursor`` (minus the overlap), drop those already applied, reduce the rest."""
    events = await read_events(ctx, max(0, cursor - ctx.events_overlap))
    fresh_ids = await unseen([str(event["id"]) for event in events])
    fresh = [event for event in events if event["id"] in fresh_ids]
    to_fetch, deletions = reduce_events(ctx, fresh)
    newest = max((int(event["created"]) for event in events), default=cursor)
    return EventChanges(
        fetch=sorted(to_fetch),
        deletions=deletions,
        events=[(str(event["id"]), int(event["created"])) for event in fresh],
        cursor=max(cursor, newest),
    )


async def rescan_pages(ctx: ResourceContext, since: int) -> AsyncIterator[list[dict[str, Any]]]:
    """Every record created at or after ``since``, a page at a time, nested lists completed."""
    cursor = Cursor()
    after: str | None = None
    while True:
        params = {"created[gte]": str(since)}
        if after:
            params["starting_after"] = after
        data, has_more = await ctx.list_page(ctx.spec.path, params)
        await ctx.complete_all(data)
        yield data
        after = cursor.advance(data, has_more)
        if after is None:
            return


def rescan_start(ctx: ResourceContext, state: ResourceState, oldest_pending: int | None) -> int:
    """Where a re-scan starts: the oldest row that may still change, or the newest seen, less the overlap."""
    starts = [value for value in (oldest_pending, state.newest_created) if value is not None]
    return max(0, min(starts) - ctx.rescan_overlap) if starts else 0
