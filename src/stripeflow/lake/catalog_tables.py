"""The Delta table of a catalog dataset: rows staged by a batch, then upserted by ``_source_id`` in one commit.

A batch writes its rows as Parquet files into ``<table>/<batch_id>/`` while it runs (:class:`StagedBatch`); they
are not in the Delta log, so readers do not see them. :func:`commit_batch` then makes the batch visible in ONE
commit: the staged files are added, and every committed file holding one of the batch's source ids is copied
without those rows (or, for a deletion, with the row marked ``_deleted``) and removed, copy-on-write as
:mod:`stripeflow.lake.rewrite` does for the raw datasets. The commit carries the batch id and the dataset's app
transaction, so a batch committed but not recorded in the metadata store is found after a crash. A failed or
aborted batch deletes its folder: nothing of it ever reached the log.

Copying a file holds that file in memory (files are cut at :data:`delta.TARGET_FILE_SIZE`, a few MiB).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from stripeflow.lake import delta, parquet, rewrite
from stripeflow.lake.schema import MICROSECOND
from stripeflow.lake.xdm_arrow import KEY_COLUMN, conform

#: Columns whose statistics the log keeps; ``_source_id`` first (delta-rs reports the first one most reliably).
STATS_COLUMNS = (KEY_COLUMN, "_ingested_at", "_batch_id", "_deleted")


def load(path: Path) -> delta.Table | None:
    return delta.load(path)


def create(path: Path, schema: pa.Schema, batch_id: str) -> int:
    """Create the empty table of a dataset (so that readers find it, with its columns, before any batch)."""
    path.mkdir(parents=True, exist_ok=True)
    return delta.create_empty(path, schema, STATS_COLUMNS, delta.Commit(batch_id, "create"))


def app_id(dataset_id: str) -> str:
    """The app transaction id of a dataset's batches; its version counts the batches committed."""
    return f"stripeflow.catalog.{dataset_id}"


@dataclass
class StagedBatch:
    """The files a batch wrote into ``<table>/<batch_id>/``, not yet committed, and its deletions."""

    table_path: Path
    batch_id: str
    files: list[parquet.WrittenFile] = field(default_factory=list)
    keys: list[pa.Array] = field(default_factory=list)  # the source ids of each file
    deletions: dict[str, datetime] = field(default_factory=dict)  # source id -> deleted at

    @property
    def folder(self) -> Path:
        return self.table_path / self.batch_id

    @property
    def rows(self) -> int:
        return sum(item.rows for item in self.files)

    @property
    def size(self) -> int:
        return sum(item.size for item in self.files)

    def add(self, data: pa.Table) -> None:
        """Write ``data`` as a new staged file (rows of one source id: the last wins, also across files)."""
        data = _last_per_key(data)
        self.folder.mkdir(parents=True, exist_ok=True)
        written = parquet.write(self.folder, data, STATS_COLUMNS)
        if written is not None:
            self.files.append(replace(written, name=f"{self.batch_id}/{written.name}"))
            self.keys.append(data.column(KEY_COLUMN).combine_chunks())

    def delete(self, source_id: str, deleted_at: datetime) -> None:
        self.deletions[source_id] = deleted_at

    def discard(self) -> None:
        discard(self.table_path, self.batch_id)


def discard(table_path: Path, batch_id: str) -> None:
    """Delete the folder of a batch that was not committed."""
    shutil.rmtree(table_path / batch_id, ignore_errors=True)


def _last_per_key(data: pa.Table) -> pa.Table:
    keys = data.column(KEY_COLUMN)
    if pc.count_distinct(keys).as_py() == data.num_rows:
        return data
    last: dict[str, int] = {key: index for index, key in enumerate(keys.to_pylist())}
    return data.take(pa.array(sorted(last.values()), pa.int64()))


@dataclass(frozen=True)
class Committed:
    version: int
    rows_replaced: int  # committed rows a staged row replaced
    rows_marked_deleted: int


def commit_batch(
    table: delta.Table,
    staged: StagedBatch,
    schema: pa.Schema,
    commit: delta.Commit,
    ingested_at: datetime,
    metrics: Mapping[str, int],
) -> Committed:
    """Make ``staged`` visible in one commit with the table's schema evolved to ``schema`` (already checked to be
    additive); ``metrics`` go into the commit's metadata. On any error the copies made here are deleted; the staged
    files stay (the caller discards them)."""
    delta.add_columns(table, schema, commit)
    _drop_superseded(staged, schema)
    upserted = pa.concat_arrays([pa.array([], pa.string()), *staged.keys])
    every_deleted = pa.array(list(staged.deletions), pa.string())
    deleted = every_deleted.filter(pc.invert(pc.is_in(every_deleted, value_set=upserted)))
    located, found = _locate(table, pc.unique(pa.concat_arrays([upserted, deleted])))
    marks = _Marks(deleted, staged.deletions, staged.batch_id, ingested_at)
    copies: list[parquet.WrittenFile] = []
    try:
        replaced, marked = _copy_located(located, upserted, marks, schema, staged, copies)
        figures = {**metrics, "num_removed_files": len(located), "num_copied_files": len(copies)}
        version = delta.commit_files(
            table, [*staged.files, *copies], located, commit, figures | {"num_located_rows": found}
        )
    except BaseException:
        for written in copies:
            (staged.table_path / written.name).unlink(missing_ok=True)
        raise
    return Committed(version, replaced, marked)


def _copy_located(
    located: list[delta.DataFile],
    upserted: pa.Array,
    marks: _Marks,
    schema: pa.Schema,
    staged: StagedBatch,
    copies: list[parquet.WrittenFile],
) -> tuple[int, int]:
    """Copy each located file without the rows ``upserted`` replaces and with ``marks`` applied, into the batch's
    folder (appended to ``copies``); returns the rows replaced and the rows marked deleted."""
    replaced = marked = 0
    staged.folder.mkdir(parents=True, exist_ok=True)
    for item in located:
        data = conform(pq.read_table(item.uri), schema)
        replacing = pc.is_in(data.column(KEY_COLUMN), value_set=upserted)
        replaced += pc.sum(replacing).as_py() or 0
        edited, count = marks.apply(data.filter(pc.invert(replacing)))
        marked += count
        copy = parquet.write(staged.folder, edited, STATS_COLUMNS)
        if copy is not None:
            copies.append(replace(copy, name=f"{staged.batch_id}/{copy.name}"))
    return replaced, marked


def _drop_superseded(staged: StagedBatch, schema: pa.Schema) -> None:
    """Rewrite the staged files holding a source id that a later staged file holds again (the last one wins)."""
    later: pa.Array = pa.array([], pa.string())
    for index in range(len(staged.files) - 1, -1, -1):
        keys = staged.keys[index]
        superseded = pc.is_in(keys, value_set=later)
        if len(later) and pc.any(superseded).as_py():
            path = staged.table_path / staged.files[index].name
            data = conform(pq.read_table(path), schema).filter(pc.invert(superseded))
            written = parquet.write(staged.folder, data, STATS_COLUMNS)
            path.unlink()
            if written is None:
                del staged.files[index], staged.keys[index]
            else:
                staged.files[index] = replace(written, name=f"{staged.batch_id}/{written.name}")
                staged.keys[index] = data.column(KEY_COLUMN).combine_chunks()
        later = pc.unique(pa.concat_arrays([later, keys]))


def _locate(table: delta.Table, keys: pa.Array) -> tuple[list[delta.DataFile], int]:
    """The committed files holding at least one of ``keys``, and how many keys they hold."""
    if not len(keys):
        return [], 0
    ordered = sorted(keys.to_pylist())
    located: list[delta.DataFile] = []
    found = 0
    for item in delta.column_ranges(table, KEY_COLUMN):
        if not rewrite._may_hold(item, ordered):  # the raw datasets' range test, on the key's statistics
            continue
        with pq.ParquetFile(item.uri) as source:
            ids = source.read(columns=[KEY_COLUMN], use_threads=False).column(KEY_COLUMN)
        hits = pc.sum(pc.is_in(ids.combine_chunks().cast(pa.string()), value_set=keys)).as_py() or 0
        if hits:
            located.append(item)
            found += hits
    return located, found


@dataclass(frozen=True)
class _Marks:
    """Marks the rows of ``keys`` deleted: ``_deleted``, ``_deleted_at`` (each key's own), ``_batch_id`` and
    ``_ingested_at`` of the batch; the other columns keep their last mapped values."""

    keys: pa.Array
    deleted_at: Mapping[str, datetime]
    batch_id: str
    ingested_at: datetime

    def apply(self, data: pa.Table) -> tuple[pa.Table, int]:
        if not len(self.keys) or not data.num_rows:
            return data, 0
        positions = pc.index_in(data.column(KEY_COLUMN), value_set=self.keys)
        matched = pc.is_valid(positions)
        count = pc.sum(matched).as_py() or 0
        if not count:
            return data, 0
        times = pa.array([self.deleted_at[key] for key in self.keys.to_pylist()], MICROSECOND)
        values = {
            "_deleted": pa.scalar(True),
            "_deleted_at": pc.take(times, positions),
            "_batch_id": pa.scalar(self.batch_id, pa.string()),
            "_ingested_at": pa.scalar(self.ingested_at, MICROSECOND),
        }
        columns = [
            pc.if_else(matched, values[name], column) if name in values else column
            for name, column in zip(data.column_names, data.columns, strict=True)
        ]
        return pa.Table.from_arrays(columns, schema=data.schema), count
