"""The tables are read directly by DuckDB (through stripeflow.lake.query), Polars and pandas."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest
from deltalake import DeltaTable

from stripeflow.lake.datasets import Deletion, StripeDataset, SystemColumns
from stripeflow.lake.query import BNPL_SHARE_SQL, sql

BNPL = ("affirm", "afterpay_clearpay", "klarna", "zip")


@pytest.fixture
def loaded(root: Path, system: SystemColumns, charges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Charges written by an append, an upsert (MERGE-written files) and a deletion mark; the live ones returned."""
    dataset = StripeDataset(root, "charges")
    dataset.append(charges[:12], system)
    dataset.upsert(charges[8:], system)
    dataset.mark_deleted([Deletion(charges[0]["id"], datetime(2026, 8, 2, tzinfo=UTC))], system)
    StripeDataset(root, "prices").append([{"id": "price_1", "object": "price", "unit_amount": 2000}], system)
    return charges[1:]


def test_duckdb_views_named_after_the_resources(root: Path, loaded: list[dict[str, Any]]) -> None:
    table = sql(
        root,
        "select payment_method_details.type as method, count(*) as n from charges "
        "where not _deleted group by 1 order by 1",
    )

    expected = Counter(charge["payment_method_details"]["type"] for charge in loaded)
    assert dict(zip(table.column("method").to_pylist(), table.column("n").to_pylist(), strict=True)) == expected
    assert sql(root, "select unit_amount from prices").to_pylist() == [{"unit_amount": 2000}]


def test_duckdb_bnpl_share_maps_and_timestamps(root: Path, loaded: list[dict[str, Any]]) -> None:
    share = sql(
        root,
        "select count(*) filter (where payment_method_details.type in ('affirm', 'afterpay_clearpay', 'klarna', 'zip'))"
        " / count(*) as share, min(created) as first, max(metadata['key0']) is not null as has_meta "
        "from charges where not _deleted",
    ).to_pylist()[0]

    bnpl = sum(charge["payment_method_details"]["type"] in BNPL for charge in loaded)
    assert share["share"] == pytest.approx(bnpl / len(loaded))
    assert share["first"] == datetime.fromtimestamp(min(charge["created"] for charge in loaded), UTC)
    assert share["has_meta"] is True


def test_bnpl_share_query(root: Path, loaded: list[dict[str, Any]]) -> None:
    rows = sql(root, BNPL_SHARE_SQL).to_pylist()

    counts = Counter(charge["payment_method_details"]["type"] for charge in loaded)
    assert {row["method"]: row["charges"] for row in rows} == {name: counts[name] for name in BNPL if counts[name]}
    for row in rows:
        assert row["pct_of_all"] == round(100 * counts[row["method"]] / len(loaded), 1)


def test_polars_reads_the_table(root: Path, loaded: list[dict[str, Any]]) -> None:
    frame = pl.read_delta(str(root / "charges")).filter(~pl.col("_deleted"))

    assert sorted(frame["id"].to_list()) == sorted(charge["id"] for charge in loaded)
    methods = frame.select(pl.col("payment_method_details").struct.field("type")).to_series().to_list()
    assert Counter(methods) == Counter(charge["payment_method_details"]["type"] for charge in loaded)
    assert frame.schema["created"] == pl.Datetime("us", "UTC")


def test_pandas_reads_the_table(root: Path, loaded: list[dict[str, Any]]) -> None:
    frame = DeltaTable(str(root / "charges")).to_pandas()
    live = frame[~frame["_deleted"]]

    assert sorted(live["id"]) == sorted(charge["id"] for charge in loaded)
    assert str(live["created"].dtype).startswith("datetime64[us, UTC]")
    amounts = dict(zip(live["id"], live["amount"], strict=True))
    assert amounts == {charge["id"]: charge["amount"] for charge in loaded}
    assert isinstance(frame, pd.DataFrame)


def test_duckdb_reads_evolved_columns_and_empty_tables(
    root: Path, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    dataset = StripeDataset(root, "charges")
    dataset.append(charges[:3], system)
    dataset.append([dict(charges[3], risk_tier=2)], system)
    StripeDataset(root, "prices").mark_deleted([Deletion("price_gone", datetime(2026, 8, 2, tzinfo=UTC))], system)

    counts = sql(root, "select count(*) as n, count(risk_tier) as tiers, sum(risk_tier) as total from charges")

    assert counts.to_pylist() == [{"n": 4, "tiers": 1, "total": 2}]
    assert sql(root, "select count(*) as n from prices").to_pylist() == [{"n": 0}]
