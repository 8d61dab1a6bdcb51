"""Stripe records to Arrow tables: the hot path of every write.

One ``pyarrow.array(records, type=struct)`` call converts all typed columns of a batch in C++ straight from the
decoded dicts (missing fields become nulls, undeclared fields are ignored); only the ``json`` parts of a record are
rewritten in Python first. ``_raw`` is one ``orjson.dumps`` per record appended to a single buffer. On 5,000
realistic charges the typed columns cost about as much CPU as ``orjson.loads`` of the same records, ``_raw`` about
half as much again; pyarrow's JSON reader over the serialised batch was slower still, before maps and JSON text
(see ``benchmarks/lake_throughput.py``).

A batch the fast path rejects (a value of an unexpected type somewhere) is converted column by column instead:
only the columns that fail go through the coercers of :mod:`stripeflow.lake.values`, and a warning names them.
``pyarrow.array`` itself accepts a few lossy conversions that Stripe's documented types never call for: a float in
an integer column is truncated, a string in a list-of-strings column becomes its characters, a boolean in a float
column becomes 0.0/1.0. ``_raw`` keeps the value as sent in every case.
"""

from __future__ import annotations

import logging
import re
from array import array
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import accumulate
from typing import Any

import pyarrow as pa

from stripeflow.lake.schema import (
    MICROSECOND,
    SYSTEM_COLUMNS,
    SYSTEM_FIELDS,
    Kind,
    arrow_type,
    resource_schema,
)
from stripeflow.lake.values import compile_coercer, compile_rewriter, dumps, infer_kind

logger = logging.getLogger(__name__)

#: What ``pyarrow.array`` raises for a value that does not fit the declared type.
_REJECTED = (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError)

#: Names a new column may have (Delta tables without column mapping reject spaces, commas, braces ...).
_COLUMN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Stamp:
    """The system column values shared by every row of one write."""

    batch_id: str
    ingested_at: datetime
    api_version: str
    livemode: bool
    account: str


class Columns:
    """The compiled conversion of one dataset's typed columns: the declared ones and those added by evolution."""

    def __init__(self, resource: str, declared: Mapping[str, Kind], extra: Mapping[str, Kind]) -> None:
        self.resource = resource
        self.declared = dict(declared)
        self.extra = dict(extra)
        self.schema = pa.schema(
            [
                *(pa.field(name, arrow_type(kind)) for name, kind in self.declared.items()),
                *SYSTEM_FIELDS,
                *(pa.field(name, arrow_type(kind)) for name, kind in self.extra.items()),
            ]
        )
        self._struct = pa.struct([pa.field(name, arrow_type(kind, stored=False)) for name, kind in declared.items()])
        self._stored = [arrow_type(kind) for kind in self.declared.values()]
        self._rewrite = compile_rewriter(self.declared)

    def arrays(self, records: list[dict[str, Any]]) -> tuple[list[pa.Array], list[pa.Array]]:
        """The declared and the evolved columns of ``records``, as stored."""
        rows = [self._rewrite(record) for record in records] if self._rewrite else records
        try:
            children = pa.array(rows, type=self._struct).flatten()
        except _REJECTED:
            children = [self._declared_column(name, records) for name in self.declared]
        declared = [
            child if child.type == stored else child.cast(stored)
            for child, stored in zip(children, self._stored, strict=True)
        ]
        return declared, [self._extra_column(name, kind, records) for name, kind in self.extra.items()]

    @staticmethod
    def _extra_column(name: str, kind: Kind, records: list[dict[str, Any]]) -> pa.Array:
        # Evolved columns are few and scalar: coerced directly (objects become JSON text, by design).
        coerce = compile_coercer(kind)
        column = pa.array([coerce(record.get(name)) for record in records], type=arrow_type(kind, stored=False))
        return column.cast(arrow_type(kind))

    def _declared_column(self, name: str, records: list[dict[str, Any]]) -> pa.Array:
        kind = self.declared[name]
        data_type = arrow_type(kind, stored=False)
        values = [record.get(name) for record in records]
        rewrite = compile_rewriter(kind)
        try:
            return pa.array([rewrite(value) for value in values] if rewrite else values, type=data_type)
        except _REJECTED as exc:
            logger.warning(
                "lake: values of unexpected type coerced resource=%s column=%s declared=%s error=%s "
                "(the records as received are kept in _raw)",
                self.resource,
                name,
                data_type,
                str(exc)[:200],
            )
        coerce = compile_coercer(kind)
        return pa.array([coerce(value) for value in values], type=data_type)


@cache
def _columns(resource: str, extra: tuple[tuple[str, str], ...]) -> Columns:
    return Columns(resource, resource_schema(resource).kinds, dict(extra))


def columns_for(resource: str, extra: Mapping[str, Kind]) -> Columns:
    """The (cached) conversion for ``resource`` with the evolved columns ``extra`` (scalar kinds only)."""
    return _columns(resource, tuple((name, str(kind)) for name, kind in extra.items()))


def prepare(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The records as dicts, each checked to have a string ``id`` (the key of every dataset)."""
    rows = [record if isinstance(record, dict) else dict(record) for record in records]
    for index, row in enumerate(rows):
        if not isinstance(row.get("id"), str):
            raise ValueError(f"record {index} has no string 'id': {str(row)[:200]}")
    return rows


def new_columns(records: list[dict[str, Any]], known: Collection[str]) -> dict[str, Kind]:
    """Top-level fields absent from ``known`` whose type the batch shows, with their kind, by name."""
    names = set().union(*records).difference(known, SYSTEM_COLUMNS)
    found: dict[str, Kind] = {}
    for name in sorted(names):
        kind = infer_kind([record.get(name) for record in records]) if _COLUMN_NAME.match(name) else None
        if kind is not None:
            found[name] = kind
    return found


def raw_column(records: list[dict[str, Any]]) -> pa.StringArray:
    """``_raw``: each record's JSON text, appended to one buffer that becomes the column without a copy.

    (A list of ``orjson.dumps`` results would hold about 16 KiB per record, whatever its size.)
    """
    data = bytearray()
    offsets = array("i", [0])
    for record in records:
        data += dumps(record)
        if len(data) >= 2**31:
            raise ValueError("a batch's records exceed 2 GiB of JSON; write it in smaller batches")
        offsets.append(len(data))
    column = pa.StringArray.from_buffers(len(records), pa.py_buffer(offsets), pa.py_buffer(data))
    column.validate()
    return column


def raw_of_lines(lines: Sequence[bytes]) -> pa.StringArray:
    """``_raw`` from the records' JSON texts as received: ``orjson.dumps`` of each record, which is what
    :func:`raw_column` would write again for the record they decode to (orjson's output decodes and re-encodes to
    the same bytes), without encoding them again. The texts must be valid UTF-8 (``orjson.loads`` checked them)."""
    data = b"".join(lines)
    if len(data) >= 2**31:
        raise ValueError("a batch's records exceed 2 GiB of JSON; write it in smaller batches")
    offsets = array("i", accumulate(map(len, lines), initial=0))
    column = pa.StringArray.from_buffers(len(lines), pa.py_buffer(offsets), pa.py_buffer(data))
    column.validate()
    return column


def to_table(
    records: list[dict[str, Any]],
    columns: Columns,
    stamp: Stamp,
    *,
    deleted_at: Sequence[datetime | None] | None = None,
    raw: pa.StringArray | None = None,
) -> pa.Table:
    """Convert prepared records to a table with ``columns.schema``.

    ``deleted_at`` marks rows deleted (``None`` entries are not). ``raw``: the ``_raw`` column when the caller has
    it already (see :func:`raw_of_lines`), else it is encoded from the records.
    """
    count = len(records)
    declared, extra = columns.arrays(records)
    if raw is None:
        raw = raw_column(records)
    elif len(raw) != count:
        raise ValueError(f"{len(raw)} _raw values for {count} records")
    if deleted_at is None:
        deleted = pa.repeat(pa.scalar(False), count)
        deleted_times: pa.Array = pa.nulls(count, MICROSECOND)
    else:
        deleted = pa.array([moment is not None for moment in deleted_at], pa.bool_())
        deleted_times = pa.array(list(deleted_at), MICROSECOND)
    system = [
        pa.repeat(pa.scalar(stamp.batch_id, pa.string()), count),
        pa.repeat(pa.scalar(stamp.ingested_at, MICROSECOND), count),
        pa.repeat(pa.scalar(stamp.api_version, pa.string()), count),
        pa.repeat(pa.scalar(stamp.livemode, pa.bool_()), count),
        pa.repeat(pa.scalar(stamp.account, pa.string()), count),
        deleted,
        deleted_times,
        raw,
    ]
    return pa.Table.from_arrays([*declared, *system, *extra], schema=columns.schema)
