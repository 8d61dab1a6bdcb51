"""The metadata tables as typed SQLAlchemy models.

These describe the schema that the migrations in ``store/migrations/versions`` create: a change here needs a new
migration (``python -m stripeflow.store revision -m "..."`` writes one by comparing the two), and
``tests/store/test_migrations.py`` fails when they disagree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from stripeflow.store.columns import UtcDateTime, json_type
from stripeflow.store.records import JsonObject

#: Stable constraint names, so that later migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ResourceState(Base):
    """One row per (account, resource): the extraction engine's sync state."""

    __tablename__ = "resource_states"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    livemode: Mapped[bool | None] = mapped_column(Boolean)  # None: not given by the engine yet
    phase: Mapped[str] = mapped_column(String(64))
    state: Mapped[JsonObject | None] = mapped_column(json_type())  # None: nothing committed yet
    checkpoint_seq: Mapped[int] = mapped_column(BigInteger)
    pending_seq: Mapped[int | None] = mapped_column(BigInteger)
    pending_state: Mapped[JsonObject | None] = mapped_column(json_type())
    pending_phase: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SeenEvent(Base):
    """An event already applied, kept while it can still come back in the events overlap window."""

    __tablename__ = "seen_events"
    __table_args__ = (Index(None, "account_id", "resource", "created"),)

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    created: Mapped[int] = mapped_column(BigInteger)  # the event's Unix time


class Sync(Base):
    """One sync command."""

    __tablename__ = "syncs"
    __table_args__ = (Index(None, "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(255))
    livemode: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    resources: Mapped[list[str]] = mapped_column(json_type())
    options: Mapped[JsonObject] = mapped_column(json_type())
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())  # heartbeat: touched by batch progress
    note: Mapped[str | None] = mapped_column(Text)


class Batch(Base):
    """One resource's load within a sync."""

    __tablename__ = "batches"
    __table_args__ = (
        Index(None, "resource", "id"),
        Index(None, "sync_id"),
        Index(None, "status"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID: sorts by start time
    sync_id: Mapped[str] = mapped_column(ForeignKey("syncs.id", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    records: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[int] = mapped_column(BigInteger)
    requests: Mapped[int] = mapped_column(BigInteger)
    throttled: Mapped[int] = mapped_column(Integer)
    retries: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    dataset_path: Mapped[str | None] = mapped_column(Text)
    dataset_version: Mapped[int | None] = mapped_column(BigInteger)
