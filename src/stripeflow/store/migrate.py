"""Alembic migrations, run from code: no ``alembic.ini`` and no ``alembic`` command for users.

The scripts ship inside the package (``store/migrations/versions``). :func:`upgrade_to_head` is what
``open_store`` calls; it holds a lock while it migrates, so two processes opening a fresh store at once do not
race: on SQLite the whole upgrade runs in one ``BEGIN IMMEDIATE`` transaction (SQLite DDL is transactional), on
PostgreSQL under a transaction-scoped advisory lock.

Writing a new migration after changing ``models.py``::

    .venv/bin/python -m stripeflow.store revision -m "add flows"

compares the models with a scratch database at head and writes ``versions/NNNN_add_flows.py`` to review.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from stripeflow.store.engine import SQLITE_BEGIN_OPTION, create_store_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Key of the PostgreSQL advisory lock held while migrating ("stripefl" in ASCII).
_ADVISORY_LOCK_KEY = int.from_bytes(b"stripefl", "big") >> 1


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged scripts; ``env.py`` runs on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest packaged revision (``None`` only before the first migration exists)."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) > 1:
        raise RuntimeError(f"the metadata migrations must have one head, found {heads}: merge them")
    return heads[0] if heads else None


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, ``None`` for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database to the newest schema; a no-op (and lock-free) when it is already there."""
    head = head_revision()
    with engine.connect() as connection:
        if current_revision(connection) == head:
            connection.rollback()
            return
        connection.rollback()
        connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
            command.upgrade(alembic_config(connection), "head")


def write_revision(message: str, *, autogenerate: bool = True) -> Path:
    """Write the next migration script: the difference between ``models.py`` and head, or an empty one.

    Raises ``RuntimeError`` when autogenerate finds nothing to change.
    """
    number = len(list((MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))) + 1
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_store_engine(make_url(f"sqlite:///{Path(scratch) / 'scratch.db'}"))
        try:
            upgrade_to_head(engine)
            with engine.begin() as connection:
                config = alembic_config(connection)
                config.attributes["skip_empty"] = autogenerate
                # Format the new script the way the rest of the code is (ruff is a dev dependency).
                config.set_section_option("post_write_hooks", "hooks", "ruff_format")
                config.set_section_option("post_write_hooks", "ruff_format.type", "module")
                config.set_section_option("post_write_hooks", "ruff_format.module", "ruff")
                config.set_section_option("post_write_hooks", "ruff_format.options", "format REVISION_SCRIPT_FILENAME")
                script = command.revision(config, message=message, autogenerate=autogenerate, rev_id=f"{number:04d}")
        finally:
            engine.dispose()
    if script is None or isinstance(script, list):
        raise RuntimeError("no migration written: models.py and the migrations already agree")
    return Path(script.path)
