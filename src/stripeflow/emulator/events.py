"""Event objects (``evt_…``) and ``previous_attributes``, shaped like fixtures3.json's ``event``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from stripeflow.emulator.shapes_billing import Context, Obj


def previous_attributes(old: Obj, new: Obj) -> Obj:
    """Old values of what changed: nested objects recurse, lists and scalars are given whole."""
    changed: Obj = {}
    for name, value in new.items():
        before = old.get(name)
        if before == value:
            continue
        if isinstance(before, dict) and isinstance(value, dict) and before.get("object") != "list":
            changed[name] = previous_attributes(before, value)
        else:
            changed[name] = before
    return changed


@dataclass(slots=True)
class EventRecorder:
    """Builds events for one data set; ``since`` drops events too old to be listed (Stripe keeps 30 days)."""

    ctx: Context
    rng: random.Random
    api_version: str
    since: int
    connected: bool = False
    events: list[Obj] = field(default_factory=list)

    def keeps(self, created: int) -> bool:
        """Whether an event at ``created`` would still be listed (callers skip building snapshots otherwise)."""
        return created >= self.since

    def record(
        self,
        event_type: str,
        obj: Obj,
        created: int,
        *,
        previous: Obj | None = None,
        request_id: str | None = None,
    ) -> Obj | None:
        if created < self.since:
            return None
        data: dict[str, Any] = {"object": obj}
        if previous is not None:
            data["previous_attributes"] = previous
        event: Obj = {
            "id": self.ctx.ids.new("evt"),
            "object": "event",
            "api_version": self.api_version,
            "created": created,
            "data": data,
            "livemode": self.ctx.livemode,
            "pending_webhooks": 0,
            "request": {"id": request_id, "idempotency_key": None},
            "type": event_type,
        }
        if self.connected:
            event["account"] = self.ctx.account
        self.events.append(event)
        return event

    def drain(self) -> list[Obj]:
        events, self.events = self.events, []
        return events
