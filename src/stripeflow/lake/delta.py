"""The one module that talks to Delta Lake (the ``deltalake`` package, delta-rs); everything else passes Arrow.

Every write is one Delta commit that carries its batch id in the commit's custom metadata and, when the caller
asks, an app transaction (``SetTransaction``) in the same atomic commit, so that after a crash the caller can tell
whether a write landed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
from deltalake import (
    ColumnProperties,
    CommitProperties,
    DeltaTable,
    Transaction,
    WriterProperties,
    write_deltalake,
)
from deltalake.exceptions import TableNotFoundError

Table = DeltaTable

#: Commit metadata key holding the batch id.
BATCH_ID_KEY = "stripeflow.batch_id"
OPERATION_KEY = "stripeflow.operation"

#: Files a write or a MERGE produces are cut at about this size (about 50,000 charges; MERGE reads it from the table
#: property ``delta.targetFileSize``). MERGE rewrites every file holding a matched id, so smaller files make updates
#: cheaper; larger ones make fewer files to list and scan.
TARGET_FILE_SIZE = 16 * 1024 * 1024

#: Columns whose min/max statistics are kept in the log: what scans and MERGE prune files on. Skipping stats for
#: the hundreds of nested leaves keeps the log small and commits fast.
STATS_COLUMNS = ("id", "created", "_batch_id", "_ingested_at", "_deleted")

_WRITER = WriterProperties(
    compression="ZSTD",
    compression_level=1,
    column_properties={"_raw": ColumnProperties(dictionary_enabled=False, statistics_enabled="NONE")},
)

#: The row columns a deletion mark sets on a matched row; every other column keeps its value.
_DELETION_UPDATES = {name: f"s.`{name}`" for name in ("_deleted", "_deleted_at", "_batch_id", "_ingested_at")}


@dataclass(frozen=True)
class Commit:
    """What one write records in its Delta commit."""

    batch_id: str
    operation: str  # "append", "upsert" or "mark_deleted"
    txn: tuple[str, int] | None = None

    def properties(self) -> CommitProperties:
        transactions = [Transaction(self.txn[0], self.txn[1])] if self.txn else None
        return CommitProperties(
            custom_metadata={BATCH_ID_KEY: self.batch_id, OPERATION_KEY: self.operation},
            app_transactions=transactions,
        )


def load(path: Path) -> DeltaTable | None:
    """The table at ``path``, or ``None`` if there is none yet."""
    try:
        return DeltaTable(str(path))
    except TableNotFoundError:
        return None


def refresh(table: DeltaTable) -> None:
    """Bring ``table`` to the latest version, reading only the commits since the loaded one."""
    table.update_incremental()


def version(table: DeltaTable) -> int:
    return int(table.version())


def schema(table: DeltaTable) -> pa.Schema:
    return pa.schema(table.schema().to_arrow())


def create(path: Path, data: pa.Table, commit: Commit) -> int:
    """Create the table at ``path`` with ``data`` as its first commit (version 0)."""
    stats = ",".join(name for name in STATS_COLUMNS if name in data.column_names)
    write_deltalake(
        str(path),
        data,
        mode="append",
        configuration={"delta.dataSkippingStatsColumns": stats, "delta.targetFileSize": str(TARGET_FILE_SIZE)},
        target_file_size=TARGET_FILE_SIZE,
        writer_properties=_WRITER,
        commit_properties=commit.properties(),
    )
    return DeltaTable(str(path)).version()


def append(table: DeltaTable, data: pa.Table, commit: Commit) -> int:
    """Append ``data``; new columns are added to the table schema (schema evolution)."""
    write_deltalake(
        table,
        data,
        mode="append",
        schema_mode="merge",
        target_file_size=TARGET_FILE_SIZE,
        writer_properties=_WRITER,
        commit_properties=commit.properties(),
    )
    return int(table.version())


def merge(table: DeltaTable, data: pa.Table, commit: Commit, *, deletions: bool = False) -> int:
    """MERGE ``data`` by ``id``.

    Upsert: matched rows get every column of ``data``, others are inserted. Deletions: matched rows get only the
    deletion columns; unmatched rows are inserted when they carry a record (``_raw`` is not null). A MERGE that
    changes nothing makes no commit in delta-rs; an empty append then records the commit (and its transaction).
    """
    before = table.version()
    merger = table.merge(
        data,
        predicate="t.id = s.id",
        source_alias="s",
        target_alias="t",
        merge_schema=not deletions,
        writer_properties=_WRITER,
        streamed_exec=False,
        commit_properties=commit.properties(),
    )
    if deletions:
        merger = merger.when_matched_update(_DELETION_UPDATES).when_not_matched_insert_all(
            predicate="s.`_raw` IS NOT NULL"
        )
    else:
        merger = merger.when_matched_update_all().when_not_matched_insert_all()
    merger.execute()
    if table.version() == before:
        return append(table, data.schema.empty_table(), commit)
    return int(table.version())


def history(table: DeltaTable, limit: int) -> list[dict[str, Any]]:
    return table.history(limit)


def files(table: DeltaTable) -> pa.Table:
    """One row per data file: ``path``, ``size_bytes``, ``modification_time``, ``num_records``."""
    return pa.table(table.get_add_actions(flatten=True)).select(
        ["path", "size_bytes", "modification_time", "num_records"]
    )


def file_uris(table: DeltaTable) -> list[str]:
    """The data files of the loaded version, as absolute paths or URIs."""
    return list(table.file_uris())


def dataset(table: DeltaTable) -> pads.Dataset:
    """A pyarrow dataset of the loaded version. Push only non-string filters down: files MERGE rewrote store
    strings as ``string_view``, which pyarrow's statistics pruning cannot compare with a string literal."""
    return table.to_pyarrow_dataset()


def read(table: DeltaTable, columns: Sequence[str] | None = None) -> pa.Table:
    return table.to_pyarrow_table(columns=list(columns) if columns is not None else None)


def transaction_version(table: DeltaTable, app_id: str) -> int | None:
    return table.transaction_version(app_id)


def config(table: DeltaTable) -> Mapping[str, str]:
    return dict(table.metadata().configuration)
