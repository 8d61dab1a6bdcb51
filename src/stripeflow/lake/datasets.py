"""Datasets: one Delta table per Stripe resource under a root folder (``<root>/charges``, ``<root>/prices`` ...).

Rows hold the typed columns of :mod:`stripeflow.lake.schema`, the system columns (``_batch_id``, ``_ingested_at``,
``_api_version``, ``_livemode``, ``_account``, ``_deleted``, ``_deleted_at``) and ``_raw``, the record as received.
Each write of a non-empty input is exactly one atomic Delta commit, even when it changes no row (so that its app
transaction is recorded); an empty input makes no commit. A top-level field the schema does not declare becomes a
new column when its type can be inferred (append and upsert only); it is always in ``_raw``. An upsert that adds a
column commits the column first, in a commit of its own (see :func:`delta.add_columns`).

A table's first write is made by delta-rs (it creates the table); appends are Parquet files written by pyarrow and
committed with their statistics (:func:`rewrite.commit` with nothing to rewrite: less memory than delta-rs's writer,
whose code and buffers stay resident); upserts and deletion marks are copy-on-write by id
(:mod:`stripeflow.lake.rewrite`), not delta-rs's MERGE, whose memory grows with the table.

A dataset object is meant for one writer at a time (the extractor's single writer per resource); readers may be
anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from stripeflow.lake import delta, rewrite
from stripeflow.lake.convert import Columns, Stamp, columns_for, new_columns, prepare, to_table
from stripeflow.lake.parquet import Edit
from stripeflow.lake.records import Deletion, SystemColumns
from stripeflow.lake.schema import MICROSECOND, SYSTEM_COLUMNS, Kind, kind_of, resource_schema

#: The version ``append``/``upsert``/``mark_deleted`` return when the table does not exist (and was not created).
NO_VERSION = -1


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset as :func:`list_datasets` reports it; the last batch is the latest commit that names one."""

    name: str
    path: Path
    rows: int  # rows not marked deleted
    deleted_rows: int
    version: int
    last_batch_id: str | None
    last_write_at: datetime | None


class StripeDataset:
    """The Delta table of one resource at ``<root>/<resource>``."""

    def __init__(self, root: Path, resource: str) -> None:
        self.root = Path(root)
        self.resource = resource
        self.path = self.root / resource
        self.schema = resource_schema(resource)
        self._table: delta.Table | None = None  # loaded once, then refreshed incrementally before each use

    def exists(self) -> bool:
        return self._refresh() is not None

    # -- writes -----------------------------------------------------------------------------------------------

    def append(
        self,
        records: Sequence[Mapping[str, Any]],
        system: SystemColumns,
        *,
        txn: tuple[str, int] | None = None,
        raw: pa.StringArray | None = None,
    ) -> int:
        """Append ``records`` as new rows; returns the new table version (the current one if empty).

        ``raw``: the records' JSON texts as received, one per record (see :func:`convert.raw_of_lines`)."""
        rows = prepare(records)
        table = self._refresh()
        if not rows:
            return self._version(table)
        data = to_table(rows, self._columns(table, rows), _stamp(system), raw=raw)
        commit = delta.Commit(system.batch_id, "append", txn)
        if table is None:
            return self._created(data, commit)
        delta.add_columns(table, data.schema, commit)  # new columns first, in a commit of their own (as upserts)
        nothing = rewrite.Located(data.column("id").slice(0, 0).combine_chunks(), [], frozenset(), 0, 0)
        return rewrite.commit(table, nothing, rewrite.drop, data.schema, data, commit)

    def upsert(
        self,
        records: Sequence[Mapping[str, Any]],
        system: SystemColumns,
        *,
        txn: tuple[str, int] | None = None,
        raw: pa.StringArray | None = None,
    ) -> int:
        """Upsert by ``id``: the rows of the records' ids are replaced by the records (which clears a deletion
        mark), the other records are inserted. Of several records with one id in the batch, the last wins.

        A top-level field new to the table is added as a column in a commit of its own just before (see
        :func:`delta.add_columns`). ``raw`` as for :meth:`append`."""
        prepared = prepare(records)
        last = {row["id"]: index for index, row in enumerate(prepared)}
        rows = [prepared[index] for index in last.values()] if len(last) < len(prepared) else prepared
        if raw is not None and len(rows) < len(prepared):
            raw = raw.take(pa.array(list(last.values()), pa.int64()))
        table = self._refresh()
        if not rows:
            return self._version(table)
        data = to_table(rows, self._columns(table, rows), _stamp(system), raw=raw)
        commit = delta.Commit(system.batch_id, "upsert", txn)
        if table is None:
            return self._created(data, commit)
        delta.add_columns(table, data.schema, commit)
        located = rewrite.locate(table, data.column("id").combine_chunks())
        return rewrite.commit(table, located, rewrite.drop, data.schema, data, commit)

    def mark_deleted(
        self, deletions: Sequence[Deletion], system: SystemColumns, *, txn: tuple[str, int] | None = None
    ) -> int:
        """Mark rows deleted by ``id``: a matched row gets ``_deleted``, ``_deleted_at``, ``_batch_id`` and
        ``_ingested_at`` and keeps its other columns; an unmatched deletion that carries its record inserts it,
        marked deleted. Of several deletions of one id, the last wins."""
        latest = list({deletion.id: deletion for deletion in deletions}.values())
        table = self._refresh()
        if not latest:
            return self._version(table)
        rows = prepare([_deletion_row(deletion) for deletion in latest])
        columns = self._columns(table, rows, evolve=False)
        commit = delta.Commit(system.batch_id, "mark_deleted", txn)
        if table is None:  # nothing to mark: insert the deletions that carry a record (maybe none)
            return self._created(_deleted_rows(latest, rows, columns, system, frozenset()), commit)
        located = rewrite.locate(table, pa.array([deletion.id for deletion in latest], pa.string()))
        data = _deleted_rows(latest, rows, columns, system, located.found)
        edit = _marker(pa.array([deletion.deleted_at for deletion in latest], MICROSECOND), _stamp(system))
        return rewrite.commit(table, located, edit, columns.schema, data, commit)

    # -- reads ------------------------------------------------------------------------------------------------

    def version(self) -> int | None:
        """The current table version; ``None`` if there is no table yet."""
        table = self._refresh()
        return None if table is None else delta.version(table)

    def transaction_version(self, app_id: str) -> int | None:
        """The version of the last app transaction committed for ``app_id`` (``txn=(app_id, version)``)."""
        table = self._refresh()
        return None if table is None else delta.transaction_version(table, app_id)

    def row_count(self, *, include_deleted: bool = True) -> int:
        """Rows in the table; ``include_deleted=False`` leaves out rows marked deleted (that one scans ``_deleted``)."""
        table = self._refresh()
        if table is None:
            return 0
        if include_deleted:
            return sum(count or 0 for count in delta.files(table).column("num_records").to_pylist())
        return int(delta.dataset(table).count_rows(filter=pc.field("_deleted") == pa.scalar(False)))

    def oldest_created(self, **equals: str) -> int | None:
        """The smallest ``created`` (epoch seconds) of the rows not marked deleted whose columns equal ``equals``,
        e.g. ``oldest_created(status="pending")``; ``None`` if there is no such row."""
        table = self._refresh()
        if table is None:
            return None
        names = set(delta.schema(table).names)
        unknown = sorted(set(equals) - names) + ([] if "created" in names else ["created"])
        if unknown:
            raise ValueError(f"{self.resource} has no column(s) {', '.join(unknown)}")
        scanner = delta.dataset(table).scanner(
            columns=["created", *equals], filter=pc.field("_deleted") == pa.scalar(False)
        )
        oldest: int | None = None
        for batch in scanner.to_batches():
            # Compared here, not pushed down: files delta-rs's MERGE rewrote (in tables written before stripeflow
            # stopped using MERGE) store strings as string_view, which pyarrow's dataset filters cannot compare
            # with a string literal.
            keep = pc.is_valid(batch.column("created"))
            for name, value in equals.items():
                keep = pc.and_kleene(keep, pc.equal(batch.column(name).cast(pa.string()), pa.scalar(value)))
            low = pc.min(pc.filter(batch.column("created"), keep).cast(pa.int64())).as_py()
            if low is not None and (oldest is None or low < oldest):
                oldest = low
        return None if oldest is None else oldest // 1_000_000

    def to_arrow(self, columns: Sequence[str] | None = None) -> pa.Table:
        """The whole table (or ``columns`` of it); an empty table with the declared schema if none exists yet."""
        table = self._refresh()
        if table is None:
            empty = self.schema.arrow.empty_table()
            return empty if columns is None else empty.select(list(columns))
        return delta.read(table, columns)

    def files(self) -> list[str]:
        """The Parquet files of the current version (absolute paths), for engines that read Parquet directly."""
        table = self._refresh()
        return [] if table is None else delta.file_uris(table)

    def history(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest commits, newest first: ``version``, ``timestamp`` (UTC), ``operation`` (Delta's),
        ``batch_id`` and ``write`` (stripeflow's operation) from the commit metadata, ``metrics``."""
        table = self._refresh()
        if table is None:
            return []
        return [
            {
                "version": commit["version"],
                "timestamp": datetime.fromtimestamp(commit["timestamp"] / 1000, tz=UTC),
                "operation": commit.get("operation"),
                "batch_id": commit.get(delta.BATCH_ID_KEY),
                "write": commit.get(delta.OPERATION_KEY),
                "metrics": commit.get("operationMetrics", {}),
            }
            for commit in delta.history(table, limit)
        ]

    # -- internals --------------------------------------------------------------------------------------------

    def _refresh(self) -> delta.Table | None:
        if self._table is None:
            self._table = delta.load(self.path)
        else:
            delta.refresh(self._table)
        return self._table

    def _version(self, table: delta.Table | None) -> int:
        return NO_VERSION if table is None else delta.version(table)

    def _created(self, data: pa.Table, commit: delta.Commit) -> int:
        version = delta.create(self.path, data, commit)
        self._table = None
        return version

    def _columns(self, table: delta.Table | None, rows: list[dict[str, Any]], *, evolve: bool = True) -> Columns:
        declared = self.schema.kinds
        extra: dict[str, Kind] = {}
        if table is not None:
            for field in delta.schema(table):
                if field.name not in declared and field.name not in SYSTEM_COLUMNS:
                    extra[field.name] = kind_of(field.type)
        if evolve:
            extra.update(new_columns(rows, known={*declared, *extra}))
        return columns_for(self.resource, extra)


def _deleted_rows(
    latest: list[Deletion], rows: list[dict[str, Any]], columns: Columns, system: SystemColumns, found: frozenset[str]
) -> pa.Table:
    """The rows to insert for the deletions not ``found`` in the table that carry their record, marked deleted."""
    inserted = [
        index for index, deletion in enumerate(latest) if deletion.record is not None and deletion.id not in found
    ]
    return to_table(
        [rows[index] for index in inserted],
        columns,
        _stamp(system),
        deleted_at=[latest[index].deleted_at for index in inserted],
    )


def _marker(deleted_at: pa.Array, stamp: Stamp) -> Edit:
    """The edit that marks the rows of the keys deleted, ``deleted_at`` holding each key's time of deletion."""
    marks = {
        "_deleted": pa.scalar(True),
        "_batch_id": pa.scalar(stamp.batch_id, pa.string()),
        "_ingested_at": pa.scalar(stamp.ingested_at, MICROSECOND),
    }

    def mark(batch: pa.RecordBatch, positions: pa.Array) -> pa.RecordBatch:
        matched = pc.is_valid(positions)
        if not pc.any(matched).as_py():
            return batch
        values = {**marks, "_deleted_at": pc.take(deleted_at, positions)}
        columns = [
            pc.if_else(matched, values[name], column) if name in values else column
            for name, column in zip(batch.schema.names, batch.columns, strict=True)
        ]
        return pa.RecordBatch.from_arrays(columns, schema=batch.schema)

    return mark


def _stamp(system: SystemColumns) -> Stamp:
    return Stamp(system.batch_id, system.ingested_at, system.api_version, system.livemode, system.account)


def _deletion_row(deletion: Deletion) -> Mapping[str, Any]:
    if deletion.record is None:
        return {"id": deletion.id}
    if deletion.record.get("id") != deletion.id:
        raise ValueError(f"deletion {deletion.id!r} carries a record with id {deletion.record.get('id')!r}")
    return deletion.record


def dataset_names(root: Path) -> list[str]:
    """The names of the folders under ``root`` that hold a Delta table, sorted."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(child.name for child in root.iterdir() if (child / "_delta_log").is_dir())


def list_datasets(root: Path) -> list[DatasetInfo]:
    """Every dataset under ``root``, by name, with its row counts and last write."""
    infos = []
    for name in dataset_names(root):
        dataset = StripeDataset(root, name)
        if not dataset.exists():
            continue
        total = dataset.row_count()
        live = dataset.row_count(include_deleted=False)
        last = next((commit for commit in dataset.history() if commit["batch_id"]), None)
        infos.append(
            DatasetInfo(
                name=name,
                path=dataset.path,
                rows=live,
                deleted_rows=total - live,
                version=dataset.version() or 0,
                last_batch_id=None if last is None else last["batch_id"],
                last_write_at=None if last is None else last["timestamp"],
            )
        )
    return infos
