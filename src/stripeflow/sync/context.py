"""What one resource's sync works with: the client, the resource, its counters and limits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from stripeflow.stripe.client import RequestMetrics, StripeClient
from stripeflow.stripe.pagination import Cursor, page_items
from stripeflow.stripe.resources import NestedList, ResourceSpec


@dataclass(slots=True)
class Progress:
    """Live counters of one resource, read by progress bars while the sync runs."""

    resource: str
    phase: str = "waiting"
    records: int = 0
    deleted: int = 0
    metrics: RequestMetrics = field(default_factory=RequestMetrics)
    done: bool = False


@dataclass(slots=True)
class ResourceContext:
    client: StripeClient
    spec: ResourceSpec
    progress: Progress
    account: str
    livemode: bool
    concurrency: int = 8
    batch_size: int = 2000
    #: Events whose created lies this many seconds before the cursor are read again (and de-duplicated).
    events_overlap: int = 600
    #: Balance transactions created this recently are re-scanned even if none is pending.
    rescan_overlap: int = 3600

    async def list_page(self, path: str, params: dict[str, str]) -> tuple[list[dict[str, Any]], bool]:
        body = await self.client.get(
            path,
            {"limit": "100", **params},
            metrics=self.progress.metrics,
            resource=self.spec.name,
            check=lambda page: page_items(page, path),
        )
        data, has_more = page_items(body, path)
        return list(data), has_more

    async def retrieve(self, object_id: str) -> dict[str, Any]:
        return await self.client.get(
            self.spec.retrieve_path(object_id),
            endpoint=f"GET {self.spec.path}/{{id}}",
            metrics=self.progress.metrics,
            resource=self.spec.name,
        )

    async def complete_all(self, records: list[dict[str, Any]]) -> None:
        """Complete the truncated lists of a page's records side by side (their endpoint has its own budget)."""
        if self.spec.nested:
            await asyncio.gather(*(self.complete_nested(record) for record in records))

    async def complete_nested(self, record: dict[str, Any]) -> None:
        """Page every truncated embedded list of ``record`` to its end, in place."""
        for nested in self.spec.nested:
            await self._complete(record, nested)

    async def _complete(self, record: dict[str, Any], nested: NestedList) -> None:
        embedded = record.get(nested.field)
        if not isinstance(embedded, dict) or not embedded.get("has_more"):
            return
        items: list[dict[str, Any]] = list(embedded.get("data") or [])
        cursor = Cursor(starting_after=items[-1]["id"] if items else None)
        seen = {item["id"] for item in items}
        after = cursor.starting_after
        while True:
            params = {nested.parent_param: str(record["id"]), **nested.params}
            if after:
                params["starting_after"] = after
            data, has_more = await self.list_page(nested.path, params)
            items.extend(item for item in data if item["id"] not in seen)
            seen.update(item["id"] for item in data)
            after = cursor.advance(data, has_more)
            if after is None:
                break
        embedded["data"] = items
        embedded["has_more"] = False
        embedded["total_count"] = len(items)
