"""Moving records into a catalog dataset: read them in chunks, map and validate, stage the good rows, record the
row errors, and count everything a batch reports.

Two inputs feed a batch: the raw rows of a Stripe dataset written since the catalog dataset's watermark
(:func:`raw_chunks`: the Delta log's statistics on ``_ingested_at`` rule files out, then each remaining file is
streamed a record batch at a time), and records handed over directly (:func:`record_chunks`, e.g. a user's file).
:class:`BatchRun` does the same for both, one :class:`Chunk` at a time, so a batch holds one chunk in memory.
"""

from __future__ import annotations

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

    def fail(self, codes: Iterable[tuple[str, str]]) -> None:
        self.failed += 1
        for code, message in dict(codes).items():
            self.codes[code] += 1
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

    def process(self, chunk: Chunk) -> None:
        self.tally.input_records += len(chunk.ids)
        self.tally.input_bytes += sum(len(text.encode()) for text in chunk.texts)
        if chunk.ingested_at is not None and (self.tally.watermark is None or chunk.ingested_at > self.tally.watermark):
            self.tally.watermark = chunk.ingested_at
        live: list[int] = []
        for index, (record, deleted_at) in enumerate(zip(chunk.records, chunk.deleted_at, strict=True)):
            if deleted_at is not None:
                self.staged.delete(chunk.ids[index], deleted_at)
                self.tally.deletions += 1
            elif record is None:
                self._fail(chunk, index, [(PARSE_ERROR, "the record is not valid JSON")], "parsing")
            else:
                live.append(index)
        good, data = self._map(chunk, live)
        self._stage(chunk, good, data)

    def _map(self, chunk: Chunk, live: list[int]) -> tuple[list[int], list[dict[str, Any]]]:
        """The indexes of the rows mapped and validated, and their XDM rows; the others are recorded as failed."""
        good: list[int] = []
        data: list[dict[str, Any]] = []
        for index, errors, row in self._mapped(chunk, live):
            if row is None:
                self._fail(chunk, index, errors or [(MAPPER_ERROR, "the mapper rejected the row")], "conversion")
            else:
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

    def _stage(self, chunk: Chunk, good: list[int], rows: list[dict[str, Any]]) -> None:
        if not good:
            return
        count = len(good)
        system = {
            "_source_id": pa.array([chunk.ids[index] for index in good], pa.string()),
            "_batch_id": pa.repeat(pa.scalar(self.batch_id, pa.string()), count),
            "_ingested_at": pa.repeat(pa.scalar(self.ingested_at, MICROSECOND), count),
            "_deleted": pa.repeat(pa.scalar(False), count),
            "_deleted_at": pa.nulls(count, MICROSECOND),
        }
        table, failures = to_table(self.columns, rows, system)
        for failure in failures:
            self._fail(chunk, good[failure.index], [(PARSE_ERROR, failure.message)], "conversion")
        self.staged.add(table)

    def _fail(self, chunk: Chunk, index: int, errors: list[tuple[str, str]], kind: str) -> None:
        self.tally.fail(errors)
        row = ErrorRow(chunk.texts[index], errors, chunk.filename)
        self.diagnostics.add("parsing" if kind == "parsing" else "conversion", row)


def raw_chunks(source: Path, after: datetime | None, diagnostics: DiagnosticsWriter) -> Iterator[Chunk]:
    """The rows of the raw Delta table at ``source`` ingested after ``after`` (all rows if ``None``), in chunks;
    each file read is listed in ``diagnostics``."""
    table = delta.load(source)
    if table is None:
        return
    folder = delta.folder(table)
    uris = delta.file_uris(table) if after is None else delta.files_after(table, "_ingested_at", after)
    for uri in uris:
        name = Path(uri).relative_to(folder).as_posix() if Path(uri).is_relative_to(folder) else Path(uri).name
        diagnostics.input_file(name, Path(uri).stat().st_size, uri)
        with pq.ParquetFile(uri) as file:
            for batch in file.iter_batches(batch_size=CHUNK_ROWS, columns=_RAW_COLUMNS, use_threads=False):
                chunk = _raw_chunk(batch, after, f"{source.name}/{name}")
                if chunk is not None:
                    yield chunk


def _raw_chunk(batch: pa.RecordBatch, after: datetime | None, filename: str) -> Chunk | None:
    ingested = batch.column("_ingested_at").cast(MICROSECOND)
    if after is not None:
        batch = batch.filter(pc.greater(ingested, pa.scalar(after, MICROSECOND)))
        ingested = batch.column("_ingested_at").cast(MICROSECOND)
    if not batch.num_rows:
        return None
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
        ingested_at=pc.max(ingested).as_py(),
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
