"""Initial schema: resource sync states, seen events, syncs and batches.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "resource_states",
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=True),
        sa.Column("phase", sa.String(length=64), nullable=False),
        sa.Column("state", _json(), nullable=True),
        sa.Column("checkpoint_seq", sa.BigInteger(), nullable=False),
        sa.Column("pending_seq", sa.BigInteger(), nullable=True),
        sa.Column("pending_state", _json(), nullable=True),
        sa.Column("pending_phase", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "resource", name=op.f("pk_resource_states")),
    )
    op.create_table(
        "seen_events",
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "resource", "event_id", name=op.f("pk_seen_events")),
    )
    op.create_index(
        op.f("ix_seen_events_account_id_resource_created"),
        "seen_events",
        ["account_id", "resource", "created"],
    )
    op.create_table(
        "syncs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resources", _json(), nullable=False),
        sa.Column("options", _json(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_syncs")),
    )
    op.create_index(op.f("ix_syncs_status"), "syncs", ["status"])
    op.create_table(
        "batches",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("sync_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.BigInteger(), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("throttled", sa.Integer(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("dataset_path", sa.Text(), nullable=True),
        sa.Column("dataset_version", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["sync_id"], ["syncs.id"], name=op.f("fk_batches_sync_id_syncs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    op.create_index(op.f("ix_batches_resource_id"), "batches", ["resource", "id"])
    op.create_index(op.f("ix_batches_status"), "batches", ["status"])
    op.create_index(op.f("ix_batches_sync_id"), "batches", ["sync_id"])


def downgrade() -> None:
    op.drop_table("batches")
    op.drop_table("syncs")
    op.drop_table("seen_events")
    op.drop_table("resource_states")
