"""Building the SQLAlchemy engine: URL checks, the SQLite file's folder, SQLite pragmas and BEGIN modes.

SQLite runs in WAL mode with ``synchronous=FULL`` (every commit is fsynced before it returns), foreign keys on,
and a busy timeout. SQLAlchemy, not the ``sqlite3`` driver, emits ``BEGIN``: read transactions use a plain
``BEGIN`` and write transactions ``BEGIN IMMEDIATE``, which takes the write lock up front so that two writers
queue on the busy timeout instead of failing with "database is locked" when one upgrades its read lock.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError

from stripeflow.errors import ConfigurationError
from stripeflow.store.columns import dumps_json, loads_json

#: Execution option read by the SQLite ``begin`` hook: the mode after ``BEGIN`` (``DEFERRED``/``IMMEDIATE``).
SQLITE_BEGIN_OPTION = "stripeflow_sqlite_begin"
BUSY_TIMEOUT_SECONDS = 30.0


def parse_store_url(url: str) -> URL:
    """Parse and normalize a metadata store URL; only SQLite and PostgreSQL (psycopg 3) are supported.

    ``postgresql://`` and ``postgres://`` mean ``postgresql+psycopg://``.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"STRIPEFLOW_DATABASE_URL is not a database URL: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgres" or parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"the metadata store runs on SQLite or PostgreSQL, not {backend!r}: use sqlite:///path/metadata.db "
            "or postgresql+psycopg://user:password@host/db"
        )
    return parsed


def redact_url(url: URL) -> str:
    """The URL for messages and logs, password hidden."""
    return url.render_as_string(hide_password=True)


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL, or ``None`` for an in-memory database."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return Path(database)


def create_store_engine(url: URL) -> Engine:
    """An engine for ``url`` (already parsed), with the pragmas and hooks of its backend."""
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, json_serializer=dumps_json, json_deserializer=loads_json)


def _create_sqlite_engine(url: URL) -> Engine:
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS},
        json_serializer=dumps_json,
        json_deserializer=loads_json,
    )
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the sqlite3 driver (see _begin_sqlite_transaction).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _use_wal(cursor: Any, attempts: int = 100) -> None:
    """Switch the file to WAL (a persistent setting). SQLite does not wait on its busy timeout for this switch: a
    connection opened while another is switching gets "database is locked" at once, so wait and look again."""
    for attempt in range(attempts):
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _begin_sqlite_transaction(connection: Connection) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
    if mode not in ("DEFERRED", "IMMEDIATE"):
        raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
    connection.exec_driver_sql(f"BEGIN {mode}")
