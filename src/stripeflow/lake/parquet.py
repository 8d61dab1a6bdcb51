"""Parquet data files written and rewritten with pyarrow, one bounded batch at a time.

A table's first write is made by delta-rs (:mod:`stripeflow.lake.delta`); appends are written here. So is rewriting
existing files, the copy-on-write behind ``upsert`` and ``mark_deleted``: delta-rs's MERGE and its overwrite with a
predicate scan the files they rewrite through DataFusion, whose read-ahead and buffers cost hundreds of MB at 100,000
charges, more as the table grows. Here a file is read back about :data:`BATCH_BYTES` of decoded rows at a time; each
batch is edited and written as one row group of the new file, so a rewrite holds a few batches whatever the size of the
table.

Every file written carries what its Delta ``add`` action needs: its size, its row count and the statistics (min,
max, null count) of the columns the table keeps statistics for.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

#: Rows read back per batch when a file is rewritten, in bytes of the file's uncompressed Parquet data: about 3,400
#: charges, 13 MiB as Arrow. A batch becomes one row group of the copy, and smaller row groups cost more (charges in
#: 1,000-row groups: twice the CPU to write and 12% more bytes than in 5,000-row groups).
BATCH_BYTES = 8 * 1024 * 1024
_MIN_BATCH_ROWS, _MAX_BATCH_ROWS = 1_000, 65_536

#: The encoding of every data file, by delta-rs and by pyarrow alike (see ``benchmarks/lake_throughput.py``).
COMPRESSION: Final = "ZSTD"
COMPRESSION_LEVEL: Final = 1

#: ``edit(batch, positions)``: the rows to write in place of ``batch`` (one row group); ``positions`` holds, for each
#: row, the index of its ``id`` in the keys of the rewrite, or null when the row's id is not one of them.
Edit = Callable[[pa.RecordBatch, pa.Array], pa.RecordBatch | pa.Table]


@dataclass(frozen=True)
class WrittenFile:
    """A data file written into a table folder, not yet committed."""

    name: str  # relative to the table folder
    size: int
    rows: int
    stats: str  # Delta statistics JSON: numRecords, minValues, maxValues, nullCount


def write(folder: Path, data: pa.Table, stats_columns: Collection[str]) -> WrittenFile | None:
    """Write ``data`` (already in memory) as one new file in ``folder``; ``None`` if it has no rows."""
    writer = _Writer(folder, data.schema, stats_columns)
    try:
        writer.write(data)
    except BaseException:
        writer.discard()
        raise
    return writer.close()


def ids(path: str) -> pa.Array:
    """The ``id`` column of the data file at ``path``, as plain strings."""
    with pq.ParquetFile(path) as source:
        column = source.read(columns=["id"], use_threads=False).column("id")
    return column.combine_chunks().cast(pa.string())


def rewrite(
    path: str,
    folder: Path,
    schema: pa.Schema,
    keys: pa.Array,
    edit: Edit,
    stats_columns: Collection[str],
    *,
    batch_bytes: int | None = None,
) -> WrittenFile | None:
    """Copy the file at ``path`` into a new file in ``folder`` with ``schema``, each batch (of about ``batch_bytes``,
    default :data:`BATCH_BYTES`) passed through ``edit``; ``None`` if no row is left (then no file is written)."""
    writer = _Writer(folder, schema, stats_columns)
    try:
        for batch in _batches(path, BATCH_BYTES if batch_bytes is None else batch_bytes):
            conformed = _conform(batch, schema)
            writer.write(edit(conformed, pc.index_in(conformed.column("id"), value_set=keys)))
    except BaseException:
        writer.discard()
        raise
    return writer.close()


def _batches(path: str, batch_bytes: int) -> Iterator[pa.RecordBatch]:
    with pq.ParquetFile(path) as source:
        metadata = source.metadata
        decoded = sum(metadata.row_group(index).total_byte_size for index in range(metadata.num_row_groups))
        per_row = max(1, decoded // max(1, metadata.num_rows))
        rows = min(max(batch_bytes // per_row, _MIN_BATCH_ROWS), _MAX_BATCH_ROWS)
        yield from source.iter_batches(batch_size=rows, use_threads=False)


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` with ``schema``: columns the file lacks (added since) are null, ``string_view`` (in files delta-rs's
    MERGE wrote) becomes ``string``."""
    columns = []
    for target in schema:
        index = batch.schema.get_field_index(target.name)
        if index < 0:
            columns.append(pa.nulls(batch.num_rows, target.type))
        else:
            column = batch.column(index)
            columns.append(column if column.type == target.type else column.cast(target.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


class _Writer:
    """One new Parquet file in the table folder, written a row group at a time, with its Delta statistics."""

    def __init__(self, folder: Path, schema: pa.Schema, stats_columns: Collection[str]) -> None:
        self.name = f"part-00000-{uuid.uuid4()}-c000.{COMPRESSION.lower()}.parquet"
        self.path = folder / self.name
        self.stats = _Stats([name for name in schema.names if name in stats_columns])
        self._file = pq.ParquetWriter(
            self.path,
            schema,
            compression=COMPRESSION,
            compression_level=COMPRESSION_LEVEL,
            use_dictionary=False,
        )

    def write(self, data: pa.RecordBatch | pa.Table) -> None:
        if data.num_rows:
            self._file.write(data)
            self.stats.add(data)

    def close(self) -> WrittenFile | None:
        """The file written; ``None`` (and no file left) if it has no rows."""
        self._file.close()
        if not self.stats.rows:
            self.path.unlink()
            return None
        return WrittenFile(self.name, self.path.stat().st_size, self.stats.rows, self.stats.to_json())

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


@dataclass
class _Stats:
    """Delta file statistics, accumulated over the batches of one file."""

    columns: list[str]
    rows: int = 0
    low: dict[str, Any] = field(default_factory=dict)
    high: dict[str, Any] = field(default_factory=dict)
    nulls: dict[str, int] = field(default_factory=dict)

    def add(self, data: pa.RecordBatch | pa.Table) -> None:
        self.rows += data.num_rows
        for name in self.columns:
            column = data.column(name)
            self.nulls[name] = self.nulls.get(name, 0) + column.null_count
            bounds = pc.min_max(column).as_py()
            if bounds["min"] is not None:
                self.low[name] = bounds["min"] if name not in self.low else min(self.low[name], bounds["min"])
                self.high[name] = bounds["max"] if name not in self.high else max(self.high[name], bounds["max"])

    def to_json(self) -> str:
        document = {
            "numRecords": self.rows,
            "minValues": {name: _stat(value) for name, value in self.low.items()},
            "maxValues": {name: _stat(value) for name, value in self.high.items()},
            "nullCount": self.nulls,
        }
        return orjson.dumps(document).decode()


def _stat(value: Any) -> Any:
    """A statistic as Delta writes it: timestamps in UTC with milliseconds (truncated, as Spark and delta-rs do)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value
