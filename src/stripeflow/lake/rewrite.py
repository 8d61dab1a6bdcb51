"""Copy-on-write by ``id``: change the rows of some ids and add new rows, in one Delta commit, in bounded memory.

1. :func:`locate` finds the files holding any of the ids: the log's ``id`` statistics rule most files out (Stripe
   ids begin with a part that grows with creation time, so updates of recent objects skip the older files), then
   the ``id`` column of each remaining file is read to be sure.
2. :func:`commit` copies each of those files through an edit (drop the rows, or change some of their columns),
   writes the new rows to a file of their own, and commits the new files and the removal of the old ones in one
   commit, with the write's app transaction and batch id.

Readers see the old version until that commit and the new one after it; files of a failed rewrite are deleted,
and the files of a crashed one are never referenced by the log (``VACUUM`` removes them).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from stripeflow.lake import delta, parquet

#: Above this many rows dropped from one batch, :func:`drop` copies the rows kept instead of slicing them.
_MAX_DROPS_BY_SLICING = 16


@dataclass(frozen=True)
class Located:
    """The files holding some of the keys, and which keys they hold."""

    keys: pa.Array  # the ids to change, distinct strings
    files: list[delta.DataFile]
    found: frozenset[str]
    scanned: int  # files whose id column was read
    skipped: int  # files ruled out by their statistics


def locate(table: delta.Table, keys: pa.Array) -> Located:
    """The files of the loaded version that hold at least one of ``keys`` (distinct ids)."""
    ordered = sorted(keys.to_pylist())
    files: list[delta.DataFile] = []
    found: set[str] = set()
    every = delta.data_files(table)
    candidates = [item for item in every if _may_hold(item, ordered)]
    for item in candidates:
        ids = parquet.ids(item.uri)
        hits = pc.filter(ids, pc.is_in(ids, value_set=keys))
        if len(hits):
            files.append(item)
            found.update(hits.to_pylist())
    return Located(keys, files, frozenset(found), scanned=len(candidates), skipped=len(every) - len(candidates))


def _may_hold(item: delta.DataFile, ordered: list[str]) -> bool:
    """Whether the ``id`` range of ``item`` contains one of the sorted ``ordered`` ids (always, without stats)."""
    if item.min_id is None or item.max_id is None:
        return True
    index = bisect_left(ordered, item.min_id)
    return index < len(ordered) and ordered[index] <= item.max_id


def drop(batch: pa.RecordBatch, positions: pa.Array) -> pa.RecordBatch | pa.Table:
    """An edit that drops the rows of the keys (an upsert writes their new version separately).

    When the keys are few in ``batch``, the rows kept are slices of it, not a copy (they are written as one row group
    all the same); when they are many, a copy costs less than writing hundreds of slices."""
    dropped = pc.indices_nonzero(pc.is_valid(positions)).to_pylist()
    if not dropped:
        return batch
    if len(dropped) > _MAX_DROPS_BY_SLICING:
        return batch.filter(pc.is_null(positions))
    kept = []
    start = 0
    for index in dropped:
        if index > start:
            kept.append(batch.slice(start, index - start))
        start = index + 1
    if start < batch.num_rows:
        kept.append(batch.slice(start))
    return pa.Table.from_batches(kept, schema=batch.schema)


def commit(
    table: delta.Table,
    located: Located,
    edit: parquet.Edit,
    schema: pa.Schema,
    new_rows: pa.Table | None,
    write: delta.Commit,
) -> int:
    """Rewrite ``located.files`` through ``edit`` with ``schema``, add ``new_rows`` (of ``schema``), and commit;
    returns the new version. The commit is made even when nothing changes, for its app transaction."""
    folder = delta.folder(table)
    columns = delta.stats_columns(table)
    written: list[parquet.WrittenFile] = []
    try:
        for item in located.files:
            copy = parquet.rewrite(item.uri, folder, schema, located.keys, edit, columns)
            if copy is not None:
                written.append(copy)
        copied = sum(item.rows for item in written)
        if new_rows is not None:
            added = parquet.write(folder, new_rows, columns)
            if added is not None:
                written.append(added)
    except BaseException:
        _delete(folder, written)
        raise
    metrics = {
        "num_scanned_files": located.scanned,
        "num_skipped_files": located.skipped,
        "num_removed_files": len(located.files),
        "num_added_files": len(written),
        "num_copied_rows": copied,
        "num_added_rows": 0 if new_rows is None else new_rows.num_rows,
    }
    return delta.commit_files(table, written, located.files, write, metrics)


def _delete(folder: Path, written: Sequence[parquet.WrittenFile]) -> None:
    for item in written:
        (folder / item.name).unlink(missing_ok=True)
