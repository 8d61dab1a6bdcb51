"""The store fixtures (one SQLite file and one PostgreSQL schema per test) for the mapping set repository tests."""

from tests.store.conftest import clock, postgres_database, postgres_url, sqlite_url, store_url

__all__ = ["clock", "postgres_database", "postgres_url", "sqlite_url", "store_url"]
