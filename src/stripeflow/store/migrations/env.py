"""Alembic environment of the metadata store: runs on the connection that ``stripeflow.store.migrate`` passes."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Connection

from stripeflow.store.columns import UtcDateTime
from stripeflow.store.models import Base

_JSON_DOCUMENT = 'sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")'


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render the store's column types as plain SQLAlchemy types, so that scripts never import the models."""
    if kind != "type":
        return False
    if isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, JSON):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return _JSON_DOCUMENT
    return False


def skip_empty_revision(_context: MigrationContext, _revision: Any, directives: list[MigrationScript]) -> None:
    """When autogenerate finds no difference, write no script (``write_revision`` then says so)."""
    upgrade_ops = directives[0].upgrade_ops if directives else None
    if context.config.attributes.get("skip_empty") and upgrade_ops is not None and upgrade_ops.is_empty():
        directives.clear()


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "the metadata store's migrations run from code: call stripeflow.store.open_store(url) "
            "or stripeflow.store.migrate.upgrade_to_head(engine)"
        )
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTERs go through table copies
        render_item=render_item,
        process_revision_directives=skip_empty_revision,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
