"""Moving records into a catalog dataset: read them in chunks, map and validate, stage the good rows, record the
row errors, and count everything a batch reports.

Two inputs feed a batch: the raw rows of a Stripe dataset written since the catalog dataset's watermark
(:func:`raw_chunks`: the Delta log's statistics on ``_ingested_at`` rule files out, then each remaining file is
streamed a record batch at a time), and records handed over directly (:func:`record_chunks`, e.g. a user's file).
:class:`BatchRun` does the same for both, one :class:`Chunk` at a time, so a batch holds one chunk in memory.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from stripeflow.lake import delta
from stripeflow.lake.catalog_tables import StagedBatch
from stripeflow.lake.diagnostics import DiagnosticsWriter, ErrorRow
from stripeflow.lake.schema import MICROSECOND
from stripeflow.lake.values import dumps
from stripeflow.lake.xdm_arrow import XdmColumns, to_table

logger = logging.getLogger(__name__)

#: A raw record whose JSON cannot be parsed, or a value that does not fit the dataset's types.
PARSE_ERROR = "INGEST-1401-400"
#: A row the mapper rejected without saying why.
MAPPER_ERROR = "MAPPER-3700-400"
#: Rows read per chunk.
CHUNK_ROWS = 5_000
_RAW_COLUMNS = ["id", "_raw", "_deleted", "_deleted_at", "_ingested_at"]


class RowError(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def path(self) -> str | None: ...


class MappedRow(Protocol):
    @property
    def data(self) -> dict[str, Any] | None: ...
    @property
    def errors(self) -> Sequence[RowError]: ...
    @property
    def rejected(self) -> bool: ...


class RecordMapper(Protocol):
    """A compiled mapping set (``stripeflow.prep.compiler.compile_mapping``): maps and validates records."""

    def map_batch(self, records: Sequence[Mapping[str, Any]]) -> Sequence[MappedRow]: ...


#: Validates an XDM row directly (when no mapper is given): its errors, none when the row is good.
Validator = Callable[[dict[str, Any]], list[RowError]]


class ColumnarMapper(Protocol):
    """A mapping set's columnar plan (``stripeflow.prep.columnar.compile_columnar``): maps raw record batches with
    Arrow, and leaves to the row-wise mapper the rows it cannot map exactly as that mapper does."""

    @property
    def source_columns(self) -> Sequence[str]: ...

    def map_table(self, batch: pa.RecordBatch) -> tuple[pa.Table, pa.Array]:
        """The stored columns of the rows it maps (in order) and the indexes of the others."""
        ...


@dataclass(frozen=True)
class Chunk:
    """Records read together: for each, its source id, its text as read, the decoded record (``None`` when the
    text is not JSON) and its deletion time (``None`` unless the source marks it deleted)."""

    filename: str
    ids: list[str]
    texts: list[str]
    records: list[Any]
    deleted_at: list[datetime | None]
    ingested_at: datetime | None = None  # the latest source ``_ingested_at`` in the chunk


@dataclass(frozen=True)
class RawBatch:
    """Raw rows read together for a :class:`ColumnarMapper`: their typed columns, ``id``, ``_raw`` and flags."""

    filename: str
    batch: pa.RecordBatch
    ingested_at: datetime | None


@dataclass
class Tally:
    """The counts a batch reports."""

    input_records: int = 0
    input_bytes: int = 0
    input_files: int = 0
    failed: int = 0
    deletions: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    messages: dict[str, str] = field(default_factory=dict)  # the first message of each code
    watermark: datetime | None = None
    #: Rows written with a field set to null by a failing transformation, and their codes (``MAPPER-3700-400``).
    nulled: int = 0
    nulled_codes: Counter[str] = field(default_factory=Counter)

    def fail(self, codes: Iterable[tuple[str, str]]) -> None:
        self.failed += 1
        self._count(self.codes, codes)

    def null(self, codes: Iterable[tuple[str, str]]) -> None:
        """A row kept, with the errors of the transformations that nulled some of its fields."""
        self.nulled += 1
        self._count(self.nulled_codes, codes)

    def _count(self, counter: Counter[str], codes: Iterable[tuple[str, str]]) -> None:
        for code, message in dict(codes).items():
            counter[code] += 1
            self.messages.setdefault(code, message)


@dataclass
class BatchRun:
    """Maps chunks of one batch into ``staged`` rows, ``diagnostics`` and ``tally``."""

    batch_id: str
    columns: XdmColumns
    staged: StagedBatch
    diagnostics: DiagnosticsWriter
    ingested_at: datetime
    mapper: RecordMapper | None
    validator: Validator | None
    wrap: bool  # pass records to the mapper as ``{"data": record}`` (raw Stripe records)
    tally: Tally = field(default_factory=Tally)
    columnar: ColumnarMapper | None = None  # maps the rows of a RawBatch it can; the mapper the others

    def process(self, chunk: Chunk | RawBatch) -> None:
        if isinstance(chunk, RawBatch):
            self._process_raw(chunk)
            return
        self._count(len(chunk.ids), sum(len(text.encode()) for text in chunk.texts), chunk.ingested_at)
        good, data = self._map(chunk, self._sort(chunk))
        staged = self._table(chunk, good, data)
        if staged is not None:
            self.staged.add(staged[0])

    def _count(self, records: int, size: int, ingested_at: datetime | None) -> None:
        self.tally.input_records += records
        self.tally.input_bytes += size
        if ingested_at is not None and (self.tally.watermark is None or ingested_at > self.tally.watermark):
            self.tally.watermark = ingested_at

    def _sort(self, chunk: Chunk) -> list[int]:
        """Record the chunk's deletions and unparseable records; the indexes of the others."""
        live: list[int] = []
        for index, (record, deleted_at) in enumerate(zip(chunk.records, chunk.deleted_at, strict=True)):
            if deleted_at is not None:
                self.staged.delete(chunk.ids[index], deleted_at)
                self.tally.deletions += 1
            elif record is None:
                self._fail(chunk, index, [(PARSE_ERROR, "the record is not valid JSON")], "parsing")
            else:
                live.append(index)
        return live

    def _map(self, chunk: Chunk, live: list[int]) -> tuple[list[int], list[dict[str, Any]]]:
        """The indexes of the rows mapped and validated, and their XDM rows; the others are recorded as failed."""
        good: list[int] = []
        data: list[dict[str, Any]] = []
        for index, errors, row in self._mapped(chunk, live):
            if row is None:
                self._fail(chunk, index, errors or [(MAPPER_ERROR, "the mapper rejected the row")], "conversion")
            else:
                if errors:
                    self.tally.null(errors)
                good.append(index)
                data.append(row)
        return good, data

    def _mapped(self, chunk: Chunk, live: list[int]) -> Iterator[tuple[int, list[tuple[str, str]], Any]]:
        records = [chunk.records[index] for index in live]
        if self.mapper is not None:
            inputs = [{"data": record} for record in records] if self.wrap else records
            for index, mapped in zip(live, self.mapper.map_batch(inputs), strict=True):
                errors = [(error.code, error.message) for error in mapped.errors]
                yield index, errors, None if mapped.rejected else mapped.data
        else:
            for index, record in zip(live, records, strict=True):
                found = [] if self.validator is None else self.validator(record)
                yield index, [(error.code, error.message) for error in found], None if found else record

    def _table(self, chunk: Chunk, good: list[int], rows: list[dict[str, Any]]) -> tuple[pa.Table, list[int]] | None:
        """The table of the mapped ``rows`` (of the chunk's records ``good``) and the indexes of the rows it holds;
        the rows that do not fit the columns are recorded as failed."""
        if not good:
            return None
        table, failures = to_table(
            self.columns, rows, self._system(pa.array([chunk.ids[i] for i in good], pa.string()))
        )
        for failure in failures:
            self._fail(chunk, good[failure.index], [(PARSE_ERROR, failure.message)], "conversion")
        refused = {good[failure.index] for failure in failures}
        return table, [index for index in good if index not in refused]

    def _system(self, ids: pa.Array) -> dict[str, pa.Array]:
        count = len(ids)
        return {
            "_source_id": ids,
            "_batch_id": pa.repeat(pa.scalar(self.batch_id, pa.string()), count),
            "_ingested_at": pa.repeat(pa.scalar(self.ingested_at, MICROSECOND), count),
            "_deleted": pa.repeat(pa.scalar(False), count),
            "_deleted_at": pa.nulls(count, MICROSECOND),
        }

    def _process_raw(self, raw: RawBatch) -> None:
        """A raw record batch: deletions marked, the columnar mapper's rows mapped with Arrow, the others (and every
        row when the mapper's columns do not fit) row-wise from ``_raw``, exactly as :meth:`process` would."""
        batch = raw.batch
        self._count(batch.num_rows, pc.sum(pc.binary_length(batch.column("_raw"))).as_py() or 0, raw.ingested_at)
        gone = pc.fill_null(batch.column("_deleted"), False)
        if pc.any(gone).as_py():
            self._delete(batch.filter(gone))
            batch = batch.filter(pc.invert(gone))
        assert self.columnar is not None
        mapped, fallback = self.columnar.map_table(batch)
        if mapped.schema != self.columns.stored:
            logger.warning("catalog: the columnar plan's columns are not the dataset's; rows are mapped row-wise")
            mapped, fallback = self.columns.stored.empty_table(), pa.array(range(batch.num_rows), pa.int64())
        kept = pc.invert(pc.is_in(pa.array(range(batch.num_rows), pa.int64()), value_set=fallback))
        ids = batch.column("id").cast(pa.string())
        system = self._system(ids.filter(kept))
        parts = [pa.Table.from_arrays([*system.values(), *mapped.columns], schema=self.columns.schema)]
        order = [pc.indices_nonzero(kept).cast(pa.int64())]
        chunk = _fallback_chunk(batch.take(fallback), raw.filename)
        good, data = self._map(chunk, self._sort(chunk))
        staged = self._table(chunk, good, data)
        if staged is not None:
            parts.append(staged[0])
            order.append(pc.take(fallback, pa.array(staged[1], pa.int64())))
        table = pa.concat_tables(parts)
        if len(parts) > 1:
            table = table.take(pc.sort_indices(pa.concat_arrays(order)))
        if table.num_rows:
            self.staged.add(table)

    def _delete(self, rows: pa.RecordBatch) -> None:
        ids = rows.column("id").cast(pa.string()).to_pylist()
        moments = rows.column("_deleted_at").cast(MICROSECOND).to_pylist()
        ingested = rows.column("_ingested_at").cast(MICROSECOND).to_pylist()
        for source_id, moment, at in zip(ids, moments, ingested, strict=True):
            self.staged.delete(source_id, moment or at)
            self.tally.deletions += 1

    def _fail(self, chunk: Chunk, index: int, errors: list[tuple[str, str]], kind: str) -> None:
        self.tally.fail(errors)
        row = ErrorRow(chunk.texts[index], errors, chunk.filename)
        self.diagnostics.add("parsing" if kind == "parsing" else "conversion", row)


def raw_chunks(
    source: Path, after: datetime | None, diagnostics: DiagnosticsWriter, columnar: ColumnarMapper | None = None
) -> Iterator[Chunk | RawBatch]:
    """The rows of the raw Delta table at ``source`` ingested after ``after`` (all rows if ``None``), in chunks;
    each file read is listed in ``diagnostics``. With ``columnar``, as :class:`RawBatch` es holding the columns it
    reads too."""
    table = delta.load(source)
    if table is None:
        return
    folder = delta.folder(table)
    uris = delta.file_uris(table) if after is None else delta.files_after(table, "_ingested_at", after)
    for uri in uris:
        name = Path(uri).relative_to(folder).as_posix() if Path(uri).is_relative_to(folder) else Path(uri).name
        diagnostics.input_file(name, Path(uri).stat().st_size, uri)
        with pq.ParquetFile(uri) as file:
            columns = _RAW_COLUMNS
            if columnar is not None:
                present = set(file.schema_arrow.names)
                columns = columns + [c for c in columnar.source_columns if c in present and c not in columns]
            for batch in file.iter_batches(batch_size=CHUNK_ROWS, columns=columns, use_threads=False):
                found = _after(batch, after)
                if found is not None:
                    filename = f"{source.name}/{name}"
                    yield _raw_chunk(*found, filename) if columnar is None else RawBatch(filename, *found)


def _after(batch: pa.RecordBatch, after: datetime | None) -> tuple[pa.RecordBatch, datetime | None] | None:
    """The rows of ``batch`` ingested after ``after`` and their latest ``_ingested_at``; ``None`` if none."""
    ingested = batch.column("_ingested_at").cast(MICROSECOND)
    if after is not None:
        batch = batch.filter(pc.greater(ingested, pa.scalar(after, MICROSECOND)))
        ingested = batch.column("_ingested_at").cast(MICROSECOND)
    if not batch.num_rows:
        return None
    return batch, pc.max(ingested).as_py()


def _fallback_chunk(batch: pa.RecordBatch, filename: str) -> Chunk:
    """Live raw rows left to the row-wise mapper, as a chunk (decoded from ``_raw``)."""
    texts = batch.column("_raw").cast(pa.string()).to_pylist()
    return Chunk(
        filename=filename,
        ids=batch.column("id").cast(pa.string()).to_pylist(),
        texts=[text or "" for text in texts],
        records=[_decoded(text) for text in texts],
        deleted_at=[None] * batch.num_rows,
    )


def _raw_chunk(batch: pa.RecordBatch, latest: datetime | None, filename: str) -> Chunk:
    ingested = batch.column("_ingested_at").cast(MICROSECOND)
    texts = batch.column("_raw").cast(pa.string()).to_pylist()
    deleted = batch.column("_deleted").to_pylist()
    deleted_at = batch.column("_deleted_at").cast(MICROSECOND).to_pylist()
    return Chunk(
        filename=filename,
        ids=batch.column("id").cast(pa.string()).to_pylist(),
        texts=[text or "" for text in texts],
        records=[_decoded(text) for text in texts],
        deleted_at=[
            (moment or at) if gone else None
            for gone, moment, at in zip(deleted, deleted_at, ingested.to_pylist(), strict=True)
        ],
        ingested_at=latest,
    )


def _decoded(text: str | None) -> Any:
    if text is None:
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def record_chunks(records: Iterable[Mapping[str, Any]], key: str, filename: str) -> Iterator[Chunk]:
    """``records`` in chunks; a record's source id is its ``key`` field (a new random id when it has none)."""
    pending: list[Mapping[str, Any]] = []
    for record in records:
        pending.append(record)
        if len(pending) >= CHUNK_ROWS:
            yield _record_chunk(pending, key, filename)
            pending = []
    if pending:
        yield _record_chunk(pending, key, filename)


def _record_chunk(records: list[Mapping[str, Any]], key: str, filename: str) -> Chunk:
    rows = [record if isinstance(record, dict) else dict(record) for record in records]
    ids = [value if isinstance(value := row.get(key), str) and value else uuid.uuid4().hex for row in rows]
    return Chunk(
        filename=filename,
        ids=ids,
        texts=[dumps(row).decode() for row in rows],
        records=rows,
        deleted_at=[None] * len(rows),
    )
