"""The metadata store: sync states, seen events, syncs and batches, on SQLite or PostgreSQL.

Open it with :func:`open_store` (``Settings.metadata_url``); it migrates the database to the newest schema.
Every call is one short transaction and returns plain frozen dataclasses.
"""

from stripeflow.store.errors import NoPendingStateError, RecordNotFoundError, StoreError, StoreUnavailableError
from stripeflow.store.metadata_store import MetadataStore, open_store
from stripeflow.store.records import (
    NEW_PHASE,
    AbortedRuns,
    BatchCounts,
    BatchMode,
    BatchRecord,
    BatchStatus,
    JsonObject,
    StoredState,
    SyncRecord,
    SyncStatus,
)

__all__ = [
    "NEW_PHASE",
    "AbortedRuns",
    "BatchCounts",
    "BatchMode",
    "BatchRecord",
    "BatchStatus",
    "JsonObject",
    "MetadataStore",
    "NoPendingStateError",
    "RecordNotFoundError",
    "StoreError",
    "StoreUnavailableError",
    "StoredState",
    "SyncRecord",
    "SyncStatus",
    "open_store",
]
