"""The one module that talks to Delta Lake (the ``deltalake`` package, delta-rs); everything else passes Arrow.

Every write is one Delta commit that carries its batch id in the commit's custom metadata and, when the caller
asks, an app transaction (``SetTransaction``) in the same atomic commit, so that after a crash the caller can tell
whether a write landed. delta-rs writes the files of a table's creation and of appends; files rewritten by
:mod:`stripeflow.lake.parquet` are committed here as ``remove`` and ``add`` actions of one commit.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import pyarrow as pa
from deltalake import (
    ColumnProperties,
    CommitProperties,
    DeltaTable,
    Schema,
    Transaction,
    WriterProperties,
    write_deltalake,
)
from deltalake.exceptions import TableNotFoundError

if TYPE_CHECKING:
    import pyarrow.dataset as pads
from deltalake.transaction import AddAction, RemoveAction

from stripeflow.lake.parquet import COMPRESSION, COMPRESSION_LEVEL, WrittenFile

Table = DeltaTable

#: Commit metadata key holding the batch id.
BATCH_ID_KEY = "stripeflow.batch_id"
OPERATION_KEY = "stripeflow.operation"
#: Commit metadata key of a rewrite's figures (delta-rs records its own under the same key for its writes).
METRICS_KEY = "operationMetrics"

#: Files are cut at about this size (about 15,000 charges) by appends and by ``OPTIMIZE``, which reads it from the
#: table property ``delta.targetFileSize`` (delta-rs's default is 100 MiB). A rewrite copies each file holding a
#: changed id, reading it back a batch at a time; reading a file still holds more the more rows it has (Arrow memory
#: for a copy of a file of 5,000 charges: 33 MiB; 10,000: 47 MiB; 55,000 in one row group: 69 MiB), and a smaller
#: file is faster to copy.
TARGET_FILE_SIZE = 4 * 1024 * 1024

#: Columns whose min/max statistics are kept in the log: what scans and rewrites prune files on. Skipping stats for
#: the hundreds of nested leaves keeps the log small and commits fast.
STATS_COLUMNS = ("id", "created", "_batch_id", "_ingested_at", "_deleted")

#: zstd level 1, no dictionary encoding: dictionaries cost about a quarter of the encoding CPU (the hundreds of
#: nested leaves hold few repeated values) and made files 5% larger. Statistics as Parquet's defaults, except for
#: ``_raw``. pyarrow writes rewritten files the same way; ``benchmarks/lake_throughput.py --writer-options``
#: compares the settings tried.
WRITER = WriterProperties(
    compression=COMPRESSION,
    compression_level=COMPRESSION_LEVEL,
    default_column_properties=ColumnProperties(dictionary_enabled=False),
    column_properties={"_raw": ColumnProperties(dictionary_enabled=False, statistics_enabled="NONE")},
)


@dataclass(frozen=True)
class Commit:
    """What one write records in its Delta commit."""

    batch_id: str
    operation: str  # "append", "upsert", "mark_deleted" (or "add_columns", the schema change before an upsert)
    txn: tuple[str, int] | None = None

    def properties(self, metrics: Mapping[str, int] | None = None) -> CommitProperties:
        transactions = [Transaction(self.txn[0], self.txn[1])] if self.txn else None
        metadata: dict[str, Any] = {BATCH_ID_KEY: self.batch_id, OPERATION_KEY: self.operation}
        if metrics is not None:
            metadata[METRICS_KEY] = dict(metrics)
        return CommitProperties(custom_metadata=metadata, app_transactions=transactions)


@dataclass(frozen=True)
class DataFile:
    """A data file of the loaded version, as its ``add`` action describes it."""

    path: str  # as in the log: relative to the table folder
    uri: str  # absolute
    size: int
    rows: int | None
    min_id: str | None  # None when the log has no statistics for ``id``
    max_id: str | None


@dataclass
class _Known:
    """What a loaded table gives that costs a call into delta-rs to get: the folder of its log, and for one loaded
    version its schema in both forms (delta-rs converts its schema to a new Python object on every ``schema()`` and
    to Arrow on every ``to_arrow()``, ~0.5 ms each for a charge's hundreds of fields) and the Arrow schemas
    :func:`add_columns` found nothing new in. A table's schema changes only with its version."""

    log: str
    version: int = -1
    schema: Schema | None = None
    arrow: pa.Schema | None = None
    fitting: list[pa.Schema] = field(default_factory=list)


#: By ``id`` of the table object, dropped when the object is (``DeltaTable`` is not hashable).
_known: dict[int, _Known] = {}


def _cached(table: DeltaTable) -> _Known:
    key = id(table)
    known = _known.get(key)
    if known is None:
        known = _known[key] = _Known(str(folder(table) / "_delta_log"))
        weakref.finalize(table, _known.pop, key, None)
    return known


def _state(table: DeltaTable) -> tuple[Schema, pa.Schema, list[pa.Schema]]:
    """The loaded version's schema, as delta-rs's and as Arrow's, and the Arrow schemas known to fit it."""
    known = _cached(table)
    current = int(table.version())
    if known.schema is None or known.arrow is None or known.version != current:
        known.schema = table.schema()
        known.arrow = pa.schema(known.schema.to_arrow())
        known.version = current
        known.fitting = []
    return known.schema, known.arrow, known.fitting


def load(path: Path) -> DeltaTable | None:
    """The table at ``path``, or ``None`` if there is none yet."""
    try:
        return DeltaTable(str(path))
    except TableNotFoundError:
        return None


def refresh(table: DeltaTable) -> None:
    """Bring ``table`` to the latest version, reading only the commits since the loaded one; nothing to read (and
    no call into delta-rs, which lists the log and rebuilds its state, ~1 ms) when the log has no commit file for
    the version after the loaded one. Versions are consecutive and each commit's file appears whole (delta-rs
    creates it with an atomic put-if-absent), so a newer version exists only if that file does."""
    if os.path.exists(os.path.join(_cached(table).log, f"{int(table.version()) + 1:020d}.json")):
        table.update_incremental()


def version(table: DeltaTable) -> int:
    return int(table.version())


def schema(table: DeltaTable) -> pa.Schema:
    """The Arrow schema of the loaded version (converted once per version)."""
    return _state(table)[1]


def create(path: Path, data: pa.Table, commit: Commit) -> int:
    """Create the table at ``path`` with ``data`` as its first commit (version 0)."""
    stats = ",".join(name for name in STATS_COLUMNS if name in data.column_names)
    write_deltalake(
        str(path),
        data,
        mode="append",
        configuration={"delta.dataSkippingStatsColumns": stats, "delta.targetFileSize": str(TARGET_FILE_SIZE)},
        target_file_size=TARGET_FILE_SIZE,
        writer_properties=WRITER,
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
        writer_properties=WRITER,
        commit_properties=commit.properties(),
    )
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


def dataset(table: DeltaTable) -> pads.Dataset:  # pyarrow.dataset (and pandas with it) loads on first use
    """A pyarrow dataset of the loaded version. Push only non-string filters down: files delta-rs's MERGE rewrote
    (tables written before stripeflow stopped using it may hold some) store strings as ``string_view``, which
    pyarrow's statistics pruning cannot compare with a string literal."""
    return table.to_pyarrow_dataset()


def read(table: DeltaTable, columns: Sequence[str] | None = None) -> pa.Table:
    return table.to_pyarrow_table(columns=list(columns) if columns is not None else None)


def transaction_version(table: DeltaTable, app_id: str) -> int | None:
    return table.transaction_version(app_id)


def config(table: DeltaTable) -> Mapping[str, str]:
    return dict(table.metadata().configuration)


def folder(table: DeltaTable) -> Path:
    """The local folder of ``table`` (datasets live on the local file system)."""
    return Path(unquote(urlparse(table.table_uri).path))


def stats_columns(table: DeltaTable) -> tuple[str, ...]:
    """The columns whose statistics the log keeps (``delta.dataSkippingStatsColumns``)."""
    configured = table.metadata().configuration.get("delta.dataSkippingStatsColumns")
    return STATS_COLUMNS if not configured else tuple(name.strip() for name in configured.split(","))


def data_files(table: DeltaTable) -> list[DataFile]:
    """The data files of the loaded version, with the ``id`` range their statistics give."""
    return column_ranges(table, "id")


def add_columns(table: DeltaTable, schema: pa.Schema, commit: Commit) -> bool:
    """Add the columns of ``schema`` the table lacks (and fields new to its struct columns) in a commit of their
    own, without ``commit``'s app transaction; ``False`` (and no commit) when there are none.

    The write that needs them commits next: a crash between the two leaves the columns, which the write's retry
    finds already there.
    """
    loaded, _, fitting = _state(table)
    if any(schema.equals(item) for item in fitting):  # the usual case: the schema of the previous write
        return False
    current = {item.name: item.type for item in loaded.fields}
    wanted = Schema.from_arrow(schema).fields
    new = [item for item in wanted if current.get(item.name) != item.type]
    if not new:
        fitting[:] = [*fitting[-3:], schema]  # a few: a resource's writes have one or two schemas
        return False
    table.alter.add_columns(new, commit_properties=replace(commit, operation="add_columns", txn=None).properties())
    _cached(table).schema = None  # whether or not delta-rs moved the loaded version on
    return True


def commit_files(
    table: DeltaTable,
    added: Sequence[WrittenFile],
    removed: Sequence[DataFile],
    commit: Commit,
    metrics: Mapping[str, int],
) -> int:
    """Commit files written into the table folder and the removal of the files they replace, in one commit (made
    even when both are empty, for its app transaction); returns the new version."""
    now = int(time.time() * 1000)
    actions: list[AddAction | RemoveAction] = [
        AddAction(item.name, item.size, {}, now, True, item.stats) for item in added
    ]
    actions += [RemoveAction(item.path, True, now, item.size, {}) for item in removed]
    loaded = int(table.version())
    table.create_write_transaction(actions, "append", _state(table)[0], commit_properties=commit.properties(metrics))
    table.update_incremental()
    current = int(table.version())
    known = _cached(table)
    if current == loaded + 1 and known.version == loaded:
        # The one new version is this commit (it is in the log at some version after the loaded one), whose actions
        # change no schema: what was known of the loaded version holds for it.
        known.version = current
    return current


# -- catalog datasets (:mod:`stripeflow.lake.catalog_tables`) ------------------------------------------------------


def create_empty(path: Path, schema: pa.Schema, stats_columns: Sequence[str], commit: Commit) -> int:
    """Create an empty table with ``schema`` at ``path`` (version 0), keeping statistics for ``stats_columns``."""
    DeltaTable.create(
        str(path),
        schema,
        configuration={
            "delta.dataSkippingStatsColumns": ",".join(stats_columns),
            "delta.targetFileSize": str(TARGET_FILE_SIZE),
        },
        commit_properties=commit.properties(),
    )
    return 0


def files_after(table: DeltaTable, column: str, after: datetime) -> list[str]:
    """The data files (absolute paths) that may hold a row whose ``column`` is later than ``after``: the log's
    statistics rule the others out (a file without statistics for ``column`` is kept)."""
    return list(table.file_uris(file_pruning_predicate=[(column, ">", after)]))


def column_ranges(table: DeltaTable, column: str) -> list[DataFile]:
    """The data files of the loaded version, with the range of ``column`` their statistics give in
    ``min_id``/``max_id`` (``None`` where the log has no statistics for it)."""
    actions = pa.table(table.get_add_actions(flatten=True))
    names = set(actions.column_names)
    count = actions.num_rows
    low = actions.column(f"min.{column}").to_pylist() if f"min.{column}" in names else [None] * count
    high = actions.column(f"max.{column}").to_pylist() if f"max.{column}" in names else [None] * count
    base = folder(table)
    return [
        DataFile(path, str(base / unquote(path)), size, rows, min_key, max_key)
        for path, size, rows, min_key, max_key in zip(
            actions.column("path").to_pylist(),
            actions.column("size_bytes").to_pylist(),
            actions.column("num_records").to_pylist(),
            low,
            high,
            strict=True,
        )
    ]
