"""Catalog datasets as data frames and SQL relations: pandas, Polars and DuckDB read the Delta table itself.

Polars reads the Delta log with delta-rs (``polars.read_delta``/``scan_delta``). DuckDB reads the Parquet files of
the table's current version (:func:`duckdb_relation`), as :mod:`stripeflow.lake.query` does for the raw datasets:
DuckDB's ``delta`` extension would have to be downloaded. Rows marked deleted are left out unless asked for.
Polars is imported only when :func:`to_polars` is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from stripeflow.lake import delta
from stripeflow.lake.xdm_arrow import SYSTEM_FIELDS


def to_polars(table_path: Path, *, include_deleted: bool = False) -> Any:
    """The dataset as a ``polars.DataFrame`` read from its Delta table."""
    import polars as pl  # optional: loaded on first use

    frame = pl.read_delta(str(table_path))
    return frame if include_deleted else frame.filter(~pl.col("_deleted"))


def to_pandas(table_path: Path, *, include_deleted: bool = False) -> Any:
    """The dataset as a ``pandas.DataFrame``."""
    return to_arrow(table_path, include_deleted=include_deleted).to_pandas()


def duckdb_relation(
    connection: duckdb.DuckDBPyConnection, table_path: Path, *, include_deleted: bool = False
) -> duckdb.DuckDBPyRelation:
    """A DuckDB relation over the Parquet files of the table's current version (columns added since a file was
    written read as nulls)."""
    table = delta.load(table_path)
    files = [] if table is None else delta.file_uris(table)
    if files:
        relation = connection.read_parquet(files, union_by_name=True)
    else:
        relation = connection.from_arrow(to_arrow(table_path, include_deleted=True))
    return relation if include_deleted else relation.filter("not _deleted")


def to_arrow(table_path: Path, *, include_deleted: bool = False) -> pa.Table:
    """The dataset as an Arrow table; empty with the system columns when the table does not exist yet."""
    table = delta.load(table_path)
    if table is None:
        return pa.schema(list(SYSTEM_FIELDS)).empty_table()
    data = delta.read(table)
    return data if include_deleted else data.filter(pc.invert(data.column("_deleted")))
