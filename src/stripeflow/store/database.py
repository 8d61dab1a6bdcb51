"""Short transactions on the metadata database, shared by the repositories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from stripeflow.store.engine import SQLITE_BEGIN_OPTION
from stripeflow.store.models import Base

#: An ``INSERT`` that supports ``on_conflict_do_nothing``/``on_conflict_do_update`` on both backends.
UpsertInsert = sqlite.Insert | postgresql.Insert


class Database:
    """Opens one short transaction per repository call; it is committed (durably) when the block exits.

    ``writing()`` on SQLite starts with ``BEGIN IMMEDIATE``, so a write transaction never fails half-way on a
    lock it could not upgrade; ``reading()`` uses a plain ``BEGIN``.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._reader = sessionmaker(engine, expire_on_commit=False)
        writer_engine = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        self._writer = sessionmaker(writer_engine, expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._reader.begin() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        with self._writer.begin() as session:
            yield session

    def insert(self, model: type[Base]) -> UpsertInsert:
        """The dialect's ``INSERT`` for ``model``, with its ``ON CONFLICT`` clauses."""
        if self.dialect == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)


#: Where the repositories read the time; tests pass a fake.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
