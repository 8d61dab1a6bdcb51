"""Shared pieces of the catalog tests: a hand-built resolved XDM schema for charges, its mapping set compiled by the
real Data Prep compiler, raw charges written into a raw Delta dataset, and a database that can fail on demand."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from stripeflow.lake.catalog import Catalog
from stripeflow.lake.datasets import StripeDataset
from stripeflow.lake.records import Deletion, SystemColumns
from stripeflow.prep.compiler import Mapper, compile_mapping
from stripeflow.prep.mapping import parse_mapping_set
from stripeflow.store import open_store
from stripeflow.store.database import Database
from tests.support.clock import FakeClock

SCHEMA_ID = "https://ns.adobe.com/stripeflow/schemas/charges"
ORG = "ORG@AdobeOrg"


def charge_schema(*, extra: dict[str, Any] | None = None, required_extra: bool = False) -> dict[str, Any]:
    """A resolved XDM schema for charges; ``extra`` adds properties to ``_stripeflow.charge``."""
    charge: dict[str, Any] = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "amount": {"type": "integer"},
            "currency": {"type": "string"},
            "paid": {"type": "boolean"},
            "created": {"type": "string", "format": "date-time"},
            "metadata": {"type": "object", "meta:xdmType": "map", "additionalProperties": {"type": "string"}},
        },
        "required": ["amount"],
    }
    if extra:
        charge["properties"].update(extra)
        if required_extra:
            charge["required"] = ["amount", *extra]
    return {
        "type": "object",
        "properties": {
            "_id": {"type": "string"},
            "timestamp": {"type": "string", "format": "date-time"},
            "_stripeflow": {"type": "object", "properties": {"charge": charge}},
        },
        "required": ["_id", "timestamp"],
    }


def charge_mapper(schema: dict[str, Any] | None = None, *, extra: tuple[str, ...] = ()) -> Mapper:
    """The mapping set from raw charges (``{"data": charge}``) to :func:`charge_schema`, compiled."""
    pairs = [("data.id", "_id"), ("data.id", "_stripeflow.charge.id"), ("data.amount", "_stripeflow.charge.amount")]
    pairs += [("data.currency", "_stripeflow.charge.currency"), ("data.paid", "_stripeflow.charge.paid")]
    pairs += [("data.metadata", "_stripeflow.charge.metadata")]
    pairs += [(f"data.{name}", f"_stripeflow.charge.{name}") for name in extra]
    mappings: list[dict[str, Any]] = [
        {"sourceType": "ATTRIBUTE", "source": source, "destination": destination} for source, destination in pairs
    ]
    mappings += [
        {"sourceType": "EXPRESSION", "source": "date(data.created * 1000)", "destination": "timestamp"},
        {
            "sourceType": "EXPRESSION",
            "source": "date(data.created * 1000)",
            "destination": "_stripeflow.charge.created",
        },
    ]
    body = {
        "outputSchema": {
            "schemaRef": {"id": SCHEMA_ID, "contentType": "application/vnd.adobe.xed-full+json;version=1"}
        },
        "mappings": mappings,
    }
    return compile_mapping(parse_mapping_set(body), schema or charge_schema())


def charge(number: int, *, amount: Any = 1000, created: int = 1_700_000_000, **fields: Any) -> dict[str, Any]:
    record = {
        "id": f"ch_{number:05d}",
        "object": "charge",
        "amount": amount,
        "currency": "usd",
        "paid": True,
        "created": created + number,
        "metadata": {"order": str(number)},
    }
    record.update(fields)
    return copy.deepcopy(record)


class RawCharges:
    """The raw Delta dataset of charges that promotions read, written as the extractor writes it."""

    def __init__(self, root: Path) -> None:
        self.dataset = StripeDataset(root, "charges")
        self.path = self.dataset.path
        self._writes = 0

    def _system(self) -> SystemColumns:
        self._writes += 1
        at = datetime(2026, 8, 1, 12, self._writes, tzinfo=UTC)
        return SystemColumns(f"raw-{self._writes}", "2026-07-29.dahlia", False, "acct_test", at)

    def upsert(self, records: list[dict[str, Any]]) -> None:
        self.dataset.upsert(records, self._system())

    def delete(self, *ids: str) -> None:
        self.dataset.mark_deleted([Deletion(item, datetime(2026, 8, 2, tzinfo=UTC)) for item in ids], self._system())


class FlakyDatabase(Database):
    """A real database whose ``writing()`` fails once the armed count of further writes is used up: a process that
    stops between two metadata transactions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writes_left: int | None = None

    @contextmanager
    def writing(self) -> Iterator[Session]:
        if self.writes_left is not None:
            if self.writes_left == 0:
                self.writes_left = None
                raise Crash("the process stopped")
            self.writes_left -= 1
        with super().writing() as session:
            yield session


class Crash(BaseException):
    """Stands for the process stopping (not an ``Exception``, so nothing handles it)."""


@contextmanager
def open_catalog(url: str, root: Path, clock: FakeClock, **options: Any) -> Iterator[tuple[Catalog, FlakyDatabase]]:
    store = open_store(url, clock=clock)
    try:
        db = FlakyDatabase(store.engine)
        yield Catalog(db, root, clock, ORG, "prod", **options), db
    finally:
        store.close()
