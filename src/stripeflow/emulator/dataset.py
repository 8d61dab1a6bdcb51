"""One account's data in one mode.

A :class:`Dataset` owns a :class:`~stripeflow.emulator.store.Collection` per kind of object, the full item lists
of subscriptions with more than the 10 embedded items, and the event recorder that mutations use. It is filled by
:func:`stripeflow.emulator.build.build_dataset`.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import orjson

from stripeflow.emulator import shapes_account, views
from stripeflow.emulator.events import EventRecorder
from stripeflow.emulator.ids import IdFactory, account_tag
from stripeflow.emulator.shapes_billing import Context, Obj
from stripeflow.emulator.store import Collection, Record, Schema
from stripeflow.emulator.timeline import HISTORY_SECONDS
from stripeflow.stripe.resources import EVENT_RETENTION_SECONDS

SCHEMAS: Mapping[str, Schema] = MappingProxyType(
    {
        "charges": views.CHARGES,
        "refunds": views.REFUNDS,
        "balance_transactions": views.BALANCE_TRANSACTIONS,
        "customers": views.CUSTOMERS,
        "prices": views.PRICES,
        "subscriptions": views.SUBSCRIPTIONS,
        "events": views.EVENTS,
        "products": views.PRODUCTS,
        "test_clocks": views.TEST_CLOCKS,
        "inline_prices": views.PRICES,  # prices made with price_data: retrievable, never listed
    }
)
#: Which collection holds the objects whose ids start with each prefix.
PREFIXES: Mapping[str, str] = MappingProxyType(
    {
        "ch": "charges", "re": "refunds", "txn": "balance_transactions", "cus": "customers", "price": "prices",
        "sub": "subscriptions", "evt": "events", "prod": "products", "clock": "test_clocks",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """What a data set is generated from."""

    seed: int
    account: str
    livemode: bool
    connected: bool
    counts: Mapping[str, int]
    anchor: int
    api_version: str


class Dataset:
    def __init__(self, spec: DatasetSpec) -> None:
        self.spec = spec
        self.ctx = Context(
            spec.livemode, spec.account, IdFactory(account_tag(spec.account), f"{spec.seed}:{spec.livemode}")
        )
        self.collections = {name: Collection(schema) for name, schema in SCHEMAS.items()}
        self.long_items: dict[str, list[tuple[str, bytes]]] = {}
        self.pending: list[tuple[int, str]] = []
        self.recorder = self.recorder_for("mutations")
        created = spec.anchor - HISTORY_SECONDS - 90 * 86_400
        name = "Connected shop" if spec.connected else "Stripeflow Emulator"
        self.account = shapes_account.account(spec.account, created, connected=spec.connected, name=name)
        self.mutations = 0

    def rng(self, stream: str) -> random.Random:
        """A random source for one stream of this data set; the same seed and stream give the same sequence."""
        mode = "live" if self.spec.livemode else "test"
        return random.Random(f"{self.spec.seed}:{self.spec.account}:{mode}:{stream}")

    def context(self, branch: str) -> Context:
        """The builder context of one branch of generation; each branch has its own id stream."""
        mode = "live" if self.spec.livemode else "test"
        ids = IdFactory(account_tag(self.spec.account), f"{self.spec.seed}:{mode}:{branch}")
        return Context(self.spec.livemode, self.spec.account, ids)

    def recorder_for(self, branch: str) -> EventRecorder:
        since = self.spec.anchor - EVENT_RETENTION_SECONDS
        return EventRecorder(
            self.context(f"{branch}-events"), self.rng(f"{branch}-events"), self.spec.api_version, since,
            self.spec.connected,
        )  # fmt: skip

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    def find(self, object_id: str) -> tuple[Collection, Record] | None:
        """The record of any object by its id, or ``None``."""
        name = PREFIXES.get(object_id.partition("_")[0])
        if name is None:
            return None
        for collection_name in (name, "inline_prices") if name == "prices" else (name,):
            record = self.collections[collection_name].get(object_id)
            if record is not None:
                return self.collections[collection_name], record
        return None

    def deleted_stub(self, object_id: str) -> Obj | None:
        """``{"id", "object", "deleted": true}`` for a deleted object, as Stripe returns it; else ``None``."""
        name = PREFIXES.get(object_id.partition("_")[0])
        if name is None or object_id not in self.collections[name].tombstones:
            return None
        return {"id": object_id, "object": self.collections[name].schema.object_name, "deleted": True}

    def add_events(self) -> list[Obj]:
        """Move what the recorder holds into the events collection; returns the new events."""
        events = self.recorder.drain()
        for event in events:
            self.collections["events"].put(event)
        return events

    def track_pending(self, txn: Record) -> None:
        if txn.attrs.status == "pending":
            heapq.heappush(self.pending, (txn.attrs.available_on, txn.id))

    def settle(self, now: int) -> int:
        """Make pending balance transactions whose ``available_on`` has passed available (no event, as Stripe)."""
        settled = 0
        txns = self.collections["balance_transactions"]
        while self.pending and self.pending[0][0] <= now:
            _, txn_id = heapq.heappop(self.pending)
            obj = txns.load(txn_id)
            if obj is not None and obj["status"] == "pending":
                obj["status"] = "available"
                txns.put(obj)
                settled += 1
        return settled

    def balance(self) -> Obj:
        records = self.collections["balance_transactions"].records.values()
        return shapes_account.balance(self.spec.livemode, (record.attrs for record in records))

    def items_of(self, subscription: Record) -> list[tuple[str, bytes]]:
        """The full item list of a subscription, in order, each item serialized."""
        long = self.long_items.get(subscription.id)
        if long is not None:
            return long
        items = orjson.loads(subscription.body)["items"]["data"]
        return [(item["id"], orjson.dumps(item)) for item in items]
