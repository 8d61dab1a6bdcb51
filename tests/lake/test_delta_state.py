"""What the writer keeps between writes of a loaded table: the log is read only when it has a newer commit, and the
schema delta-rs would convert on every call is converted once per version, and again whenever another writer changed
the table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable

from stripeflow.lake import delta
from stripeflow.lake.datasets import StripeDataset, SystemColumns
from tests.lake.conftest import MakeSystem


def _count_updates(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    update = DeltaTable.update_incremental

    def counted(self: DeltaTable) -> None:
        calls.append(1)
        update(self)

    monkeypatch.setattr(DeltaTable, "update_incremental", counted)
    return calls


def test_the_log_is_not_read_again_without_a_newer_commit(
    root: Path, system: SystemColumns, charges: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = StripeDataset(root, "charges")
    dataset.append(charges[:2], system)
    assert dataset.version() == 0
    calls = _count_updates(monkeypatch)

    assert dataset.version() == 0
    assert dataset.transaction_version("app") is None
    assert calls == []

    assert dataset.append(charges[2:4], system, txn=("app", 1)) == 1  # its own commit is read back, once
    assert len(calls) == 1
    assert dataset.version() == 1
    assert len(calls) == 1


def test_a_commit_of_another_writer_is_read(
    root: Path, make_system: MakeSystem, charges: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = StripeDataset(root, "charges")
    second = StripeDataset(root, "charges")
    first.append(charges[:2], make_system("b1"))
    assert second.version() == 0
    calls = _count_updates(monkeypatch)

    first.append(charges[2:4], make_system("b2"), txn=("app", 1))
    calls.clear()

    assert second.version() == 1
    assert calls == [1]
    assert second.transaction_version("app") == 1
    assert second.row_count() == 4


def test_a_column_another_writer_added_is_seen_and_kept(
    root: Path, make_system: MakeSystem, charges: list[dict[str, Any]]
) -> None:
    first = StripeDataset(root, "charges")
    second = StripeDataset(root, "charges")
    first.append(charges[:2], make_system("b1"))
    second.append(charges[2:4], make_system("b2"))  # loads the table, caches its schema
    first.append([dict(charges[4], risk_tier=3)], make_system("b3"))  # adds a column (a commit), then appends

    second.append([charges[5]], make_system("b4"))  # without the column: keeps it, null

    table = delta.load(root / "charges")
    assert table is not None
    assert "risk_tier" in delta.schema(table).names
    rows = {row["id"]: row["risk_tier"] for row in second.to_arrow(["id", "risk_tier"]).to_pylist()}
    assert rows[charges[4]["id"]] == 3
    assert rows[charges[5]["id"]] is None
    assert delta.schema(second._table) == delta.schema(table)  # type: ignore[arg-type]


def test_the_schema_follows_the_writers_own_new_columns(
    root: Path, make_system: MakeSystem, charges: list[dict[str, Any]]
) -> None:
    dataset = StripeDataset(root, "charges")
    dataset.append(charges[:2], make_system("b1"))
    dataset.append(charges[2:4], make_system("b2"))
    dataset.upsert([dict(charges[0], label="gold")], make_system("b3"))
    dataset.append([dict(charges[4], label="silver")], make_system("b4"))

    table = dataset._table
    assert table is not None
    assert delta.schema(table) == delta.schema(DeltaTable(str(root / "charges")))
    labels = {row["id"]: row["label"] for row in dataset.to_arrow(["id", "label"]).to_pylist()}
    assert labels[charges[0]["id"]] == "gold"
    assert labels[charges[4]["id"]] == "silver"
    assert labels[charges[1]["id"]] is None
