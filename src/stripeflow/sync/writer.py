"""Writes rows and commits the sync state that covers them, so that a crash loses and duplicates nothing.

The protocol (write-ahead, with the dataset's own transaction log as the witness):

1. stage the new state as *pending* under sequence number ``seq`` in the metadata store;
2. write the rows; the dataset commit carries the app transaction ``(app_id, seq)`` atomically with the rows;
3. promote the pending state.

After a crash between 1 and 3, :meth:`CheckpointedWriter.recover` asks the dataset which ``seq`` last landed:
if it is ``seq``, the rows are there and the pending state is promoted; if not, it is discarded and the rows are
fetched again. Either way the dataset and the state agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from stripeflow.lake.records import Deletion, SystemColumns
from stripeflow.lake.worker import Records
from stripeflow.store import MetadataStore
from stripeflow.sync.state import ResourceState


class Dataset(Protocol):
    """What the sync needs of a dataset: the :class:`~stripeflow.lake.worker.RemoteDataset` of the writer process."""

    def exists(self) -> bool: ...
    def append(self, records: Records, system: SystemColumns, *, txn: tuple[str, int] | None = None) -> int: ...
    def upsert(self, records: Records, system: SystemColumns, *, txn: tuple[str, int] | None = None) -> int: ...
    def mark_deleted(
        self, deletions: Sequence[Deletion], system: SystemColumns, *, txn: tuple[str, int] | None = None
    ) -> int: ...
    def transaction_version(self, app_id: str) -> int | None: ...
    def row_count(self, *, include_deleted: bool = True) -> int: ...
    def oldest_created(self, **equals: str) -> int | None: ...


class CheckpointedWriter:
    def __init__(
        self,
        store: MetadataStore,
        dataset: Dataset,
        account: str,
        resource: str,
        system: Callable[[Records], SystemColumns],
    ) -> None:
        self.store = store
        self.dataset = dataset
        self.account = account
        self.resource = resource
        self.system = system
        self.app_id = f"stripeflow/{account}/{resource}"
        self.seq = 0
        self.last_version: int | None = None  # the dataset version this writer last wrote

    def recover(self) -> ResourceState | None:
        """The last committed state, after settling a write that a crash left undecided."""
        stored = self.store.get_state(self.account, self.resource)
        if stored is None:
            return None
        self.seq = stored.checkpoint_seq
        if stored.pending_seq is not None:
            landed = self.dataset.transaction_version(self.app_id) if self.dataset.exists() else None
            if landed is not None and landed >= stored.pending_seq:
                stored = self.store.promote_pending(self.account, self.resource)
                self.seq = stored.checkpoint_seq
            else:
                stored = self.store.discard_pending(self.account, self.resource)
        if stored.state is None:
            return None
        return ResourceState.from_json(stored.state)

    def commit(
        self,
        state: ResourceState,
        *,
        append: Records = (),
        upsert: Records = (),
        deletions: Sequence[Deletion] = (),
    ) -> int | None:
        """Write the rows, then make ``state`` current. Returns the dataset version written, if any."""
        seq = self.seq + 1
        document = state.to_json()
        if not (len(append) or len(upsert) or deletions):
            self.store.save_state(self.account, self.resource, document, seq=seq, phase=state.phase)
            self.seq = seq
            return None
        self.store.stage_pending(self.account, self.resource, seq, document, phase=state.phase)
        writes: list[Callable[[tuple[str, int] | None], int]] = []
        if len(append):
            writes.append(lambda txn: self.dataset.append(append, self.system(append), txn=txn))
        if len(upsert):
            writes.append(lambda txn: self.dataset.upsert(upsert, self.system(upsert), txn=txn))
        if deletions:
            writes.append(lambda txn: self.dataset.mark_deleted(deletions, self.system([]), txn=txn))
        version = 0
        for index, write in enumerate(writes):
            version = write((self.app_id, seq) if index == len(writes) - 1 else None)
        self.store.promote_pending(self.account, self.resource)
        self.seq = seq
        self.last_version = version
        return version
