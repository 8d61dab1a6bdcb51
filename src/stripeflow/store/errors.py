"""Errors of the metadata store, named by what the caller should do."""

from __future__ import annotations

from stripeflow.errors import StripeflowError


class StoreError(StripeflowError):
    """Base class of the metadata store's errors."""


class StoreUnavailableError(StoreError):
    """The database cannot be opened or migrated: check ``STRIPEFLOW_DATABASE_URL`` or the data dir."""


class RecordNotFoundError(StoreError, LookupError):
    """A row the call needs does not exist (an unknown sync or batch id, a resource with no state yet)."""


class NoPendingStateError(StoreError):
    """``promote_pending`` was called but nothing was staged: a bug in the caller's write-ahead protocol."""
