"""SQL over the datasets with DuckDB, offline: each dataset is registered as a view named after its resource.

A view reads the Parquet files of the table's current Delta version with DuckDB's own Parquet reader (column and
filter push-down, ``union_by_name`` for columns added by schema evolution). DuckDB's ``delta`` extension is not
needed, which DuckDB would have to download; pyarrow datasets are not used either, because their filter push-down
fails on the ``string_view`` columns of files a MERGE rewrote. Rows marked deleted are included: filter on
``NOT _deleted``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from stripeflow.lake.datasets import StripeDataset, dataset_names

#: Share of all (not deleted) charges paid with each buy-now-pay-later method, for ``sql()``.
BNPL_SHARE_SQL = """
    select payment_method_details.type as method, count(*) as charges,
           round(100.0 * count(*) / (select count(*) from charges where not _deleted), 1) as pct_of_all
    from charges
    where not _deleted and payment_method_details.type in ('klarna', 'afterpay_clearpay', 'affirm', 'zip')
    group by 1 order by 2 desc, 1
"""


def sql(datasets_root: Path, query: str) -> pa.Table:
    """Run ``query`` over the datasets under ``datasets_root`` (views ``charges``, ``prices`` ...)."""
    connection = duckdb.connect()
    try:
        for name in dataset_names(datasets_root):
            dataset = StripeDataset(datasets_root, name)
            files = dataset.files()
            if files:
                connection.read_parquet(files, union_by_name=True).create_view(name)
            else:
                connection.from_arrow(dataset.to_arrow()).create_view(name)
        return connection.sql(query).to_arrow_table()
    finally:
        connection.close()
