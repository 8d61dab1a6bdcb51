"""Events already applied, remembered for the overlap window so that re-read events are not applied twice."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import TypeVar

from sqlalchemy import delete, select

from stripeflow.store.database import Database
from stripeflow.store.models import SeenEvent

#: Ids per ``IN (...)`` / rows per ``INSERT``: well under SQLite's and PostgreSQL's parameter limits.
CHUNK_SIZE = 500

_T = TypeVar("_T")


class SeenEventRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def filter_unseen(self, account_id: str, resource: str, event_ids: Iterable[str]) -> set[str]:
        """The ids among ``event_ids`` that were never recorded for this account and resource."""
        wanted = set(event_ids)
        seen: set[str] = set()
        with self._db.reading() as session:
            for chunk in _chunks(sorted(wanted), CHUNK_SIZE):
                query = select(SeenEvent.event_id).where(
                    SeenEvent.account_id == account_id,
                    SeenEvent.resource == resource,
                    SeenEvent.event_id.in_(chunk),
                )
                seen.update(session.scalars(query))
        return wanted - seen

    def record_seen(self, account_id: str, resource: str, events: Iterable[tuple[str, int]]) -> None:
        """Remember ``(event_id, created)`` pairs; recording an event twice is harmless."""
        rows = [
            {"account_id": account_id, "resource": resource, "event_id": event_id, "created": created}
            for event_id, created in dict(events).items()
        ]
        if not rows:
            return
        with self._db.writing() as session:
            for chunk in _chunks(rows, CHUNK_SIZE):
                insert = self._db.insert(SeenEvent).values(chunk)
                session.execute(insert.on_conflict_do_nothing(index_elements=["account_id", "resource", "event_id"]))

    def prune_seen(self, account_id: str, resource: str, older_than: int) -> int:
        """Forget events created before ``older_than`` (Unix time); returns how many were forgotten."""
        with self._db.writing() as session:
            result = session.connection().execute(
                delete(SeenEvent).where(
                    SeenEvent.account_id == account_id,
                    SeenEvent.resource == resource,
                    SeenEvent.created < older_than,
                )
            )
            return result.rowcount


def _chunks(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
