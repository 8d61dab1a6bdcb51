from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.dialects import sqlite

from stripeflow.errors import ConfigurationError
from stripeflow.settings import Settings
from stripeflow.store import StoreUnavailableError, open_store
from stripeflow.store.columns import UtcDateTime
from stripeflow.store.engine import parse_store_url, redact_url, sqlite_file


def test_postgres_urls_use_psycopg_3() -> None:
    for url in ["postgresql://u:p@db/stripeflow", "postgres://u:p@db/stripeflow"]:
        assert parse_store_url(url).drivername == "postgresql+psycopg"
    assert parse_store_url("postgresql+psycopg://u@db/x").drivername == "postgresql+psycopg"


def test_other_databases_are_refused_with_a_hint() -> None:
    with pytest.raises(ConfigurationError, match="SQLite or PostgreSQL"):
        parse_store_url("mysql://u@db/x")
    with pytest.raises(ConfigurationError, match="not a database URL"):
        parse_store_url("not a url")


def test_redact_url_hides_the_password() -> None:
    assert redact_url(parse_store_url("postgresql://me:s3cret@db/x")) == "postgresql+psycopg://me:***@db/x"


def test_sqlite_file() -> None:
    assert sqlite_file(parse_store_url("sqlite:////tmp/x/metadata.db")) == Path("/tmp/x/metadata.db")
    assert sqlite_file(parse_store_url("sqlite://")) is None
    assert sqlite_file(parse_store_url("sqlite:///:memory:")) is None
    assert sqlite_file(parse_store_url("postgresql://db/x")) is None


def test_the_default_settings_url_works_and_creates_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "new" / "data")
    with open_store(settings.metadata_url) as store:
        store.save_state("acct_1", "charges", {"n": 1})
    assert (tmp_path / "new" / "data" / "metadata.db").is_file()


def test_sqlite_runs_durable_wal_with_foreign_keys(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'metadata.db'}") as store, store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_in_memory_sqlite_works() -> None:
    with open_store("sqlite://") as store:
        store.save_state("acct_1", "charges", {"n": 1})
        assert store.get_state("acct_1", "charges").state == {"n": 1}  # type: ignore[union-attr]


def test_an_unreachable_database_is_reported_without_its_password() -> None:
    with pytest.raises(StoreUnavailableError, match="cannot open the metadata store") as caught:
        open_store("postgresql://me:s3cret@127.0.0.1:1/nowhere?connect_timeout=2")
    assert "s3cret" not in str(caught.value)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(datetime(2026, 1, 1), sqlite.dialect())


def test_sqlite_writes_begin_immediate_and_reads_begin_deferred(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'metadata.db'}") as store:
        begins: list[str] = []

        @event.listens_for(store.engine, "before_cursor_execute")
        def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            if statement.startswith("BEGIN"):
                begins.append(statement)

        store.save_state("acct_1", "charges", {"n": 1})
        store.get_state("acct_1", "charges")
        store.filter_unseen("acct_1", "charges", ["evt_1"])
        store.record_seen("acct_1", "charges", [("evt_1", 1)])
    assert begins == ["BEGIN IMMEDIATE", "BEGIN DEFERRED", "BEGIN DEFERRED", "BEGIN IMMEDIATE"]
