"""The store fixtures (one SQLite file and one PostgreSQL schema per test) for the mapping set repository tests."""

from tests.store.conftest import clock, sqlite_url, store_url

__all__ = ["clock", "sqlite_url", "store_url"]
