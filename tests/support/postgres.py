"""PostgreSQL for tests: make sure the local server runs, and hand out throwaway databases and schemas.

The server is the Debian cluster on 127.0.0.1:5432 (trust auth, user ``postgres``). When it is down,
:func:`ensure_server` starts it with ``pg_ctlcluster``; when that fails it raises
:class:`PostgresUnavailableError` with the reason, which fixtures turn into a test failure (never a skip: CI
must run the PostgreSQL tests).

Typical use, in a conftest::

    @pytest.fixture(scope="session")
    def postgres_database() -> Iterator[str]:
        try:
            ensure_server()
        except PostgresUnavailableError as exc:
            pytest.fail(str(exc), pytrace=False)
        with temporary_database() as url:
            yield url
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

HOST = "127.0.0.1"
PORT = 5432
USER = "postgres"
ADMIN_DATABASE = "postgres"
#: Databases made by this module are named ``stripeflow_test_<pid>_<random>``.
DATABASE_PREFIX = "stripeflow_test_"
_OWNED_NAME = re.compile(rf"^{DATABASE_PREFIX}(\d+)_[0-9a-f]+$")


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL is not reachable and could not be started."""


def server_accepts(timeout: float = 1.0) -> bool:
    """Whether something listens on 127.0.0.1:5432."""
    try:
        with socket.create_connection((HOST, PORT), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_server(timeout: float = 30.0) -> None:
    """Return once PostgreSQL answers queries, starting the local cluster first if it is down."""
    if not server_accepts():
        start_cluster()
    deadline = time.monotonic() + timeout
    while True:
        try:
            with admin_connection() as connection:
                connection.execute("SELECT 1")
            return
        except psycopg.OperationalError as exc:  # refused, or "the database system is starting up"
            if time.monotonic() > deadline:
                raise PostgresUnavailableError(
                    f"PostgreSQL at {HOST}:{PORT} does not answer after {timeout:.0f}s: {exc}"
                ) from exc
            time.sleep(0.2)


def start_cluster() -> None:
    """``pg_ctlcluster --skip-systemctl-redirect <version> main start`` for the installed Debian cluster."""
    versions = sorted(path.name for path in Path("/etc/postgresql").glob("*") if path.is_dir())
    if not versions:
        raise PostgresUnavailableError(
            f"PostgreSQL is down on {HOST}:{PORT} and no Debian cluster exists under /etc/postgresql to start"
        )
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PostgresUnavailableError(f"PostgreSQL is down and `{' '.join(command)}` failed: {exc}") from exc
    if result.returncode != 0 and "already running" not in result.stderr:
        raise PostgresUnavailableError(
            f"PostgreSQL is down on {HOST}:{PORT} and `{' '.join(command)}` exited with {result.returncode}: "
            f"{(result.stderr or result.stdout).strip()}"
        )


def admin_connection(database: str = ADMIN_DATABASE) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host=HOST, port=PORT, user=USER, dbname=database, autocommit=True, connect_timeout=5)


def sqlalchemy_url(database: str, *, schema: str | None = None) -> str:
    """The SQLAlchemy URL of ``database``; with ``schema``, connections use it as their ``search_path``."""
    url = f"postgresql+psycopg://{USER}@{HOST}:{PORT}/{database}"
    if schema is not None:
        url += "?options=" + quote(f"-csearch_path={schema}", safe="")
    return url


def create_database() -> str:
    """Create a uniquely named empty database (after dropping those left by dead test sessions)."""
    drop_orphaned_databases()
    name = f"{DATABASE_PREFIX}{os.getpid()}_{secrets.token_hex(4)}"
    with admin_connection() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(name: str) -> None:
    with admin_connection() as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def drop_orphaned_databases() -> None:
    """Drop test databases whose creating process (on this host) is gone, e.g. after a killed session."""
    with admin_connection() as connection:
        names = [
            str(row[0])
            for row in connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (DATABASE_PREFIX + "%",)
            )
        ]
    for name in names:
        match = _OWNED_NAME.match(name)
        if match and not _process_alive(int(match.group(1))):
            drop_database(name)


@contextmanager
def temporary_database() -> Iterator[str]:
    """A fresh database for the duration of the block; yields its SQLAlchemy URL."""
    ensure_server()
    name = create_database()
    try:
        yield sqlalchemy_url(name)
    finally:
        drop_database(name)


@contextmanager
def temporary_schema(database_url: str) -> Iterator[str]:
    """A fresh schema in the database of ``database_url``; yields a URL whose connections live in it.

    Much cheaper than a database per test: ``CREATE SCHEMA`` is instant and ``DROP SCHEMA ... CASCADE``
    removes every table the test made.
    """
    database = database_url.rsplit("/", 1)[1].split("?", 1)[0]
    schema = f"t_{secrets.token_hex(6)}"
    with admin_connection(database) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield sqlalchemy_url(database, schema=schema)
    finally:
        with admin_connection(database) as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
