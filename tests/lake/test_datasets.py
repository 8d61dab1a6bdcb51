"""Write semantics of a dataset: append, upsert, deletion marks, transactions, history, counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from stripeflow.lake.datasets import NO_VERSION, Deletion, StripeDataset, SystemColumns, list_datasets
from tests.lake.conftest import MakeSystem

DELETED_AT = datetime(2026, 8, 2, 9, 30, tzinfo=UTC)


def rows_by_id(dataset: StripeDataset, *columns: str) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in dataset.to_arrow(["id", *columns]).to_pylist()}


def test_new_dataset_is_empty(charges_dataset: StripeDataset, root: Path) -> None:
    assert charges_dataset.path == root / "charges"
    assert not charges_dataset.exists()
    assert charges_dataset.row_count() == 0
    assert charges_dataset.transaction_version("app") is None
    assert charges_dataset.oldest_created() is None
    assert charges_dataset.history() == []
    assert charges_dataset.to_arrow(["id", "amount"]).num_rows == 0


def test_append_creates_the_table_and_adds_rows(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    assert charges_dataset.append(charges[:5], system) == 0
    assert charges_dataset.append(charges[5:], system) == 1

    assert charges_dataset.exists()
    assert charges_dataset.row_count() == 20
    assert sorted(rows_by_id(charges_dataset)) == sorted(charge["id"] for charge in charges)


def test_empty_input_makes_no_commit(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    assert charges_dataset.append([], system, txn=("app", 1)) == NO_VERSION
    assert charges_dataset.upsert([], system) == NO_VERSION
    assert charges_dataset.mark_deleted([], system) == NO_VERSION
    assert not charges_dataset.exists()

    charges_dataset.append(charges, system)
    assert charges_dataset.append([], system) == 0
    assert charges_dataset.upsert([], system, txn=("app", 2)) == 0
    assert charges_dataset.mark_deleted([], system) == 0
    assert charges_dataset.transaction_version("app") is None


def test_upsert_updates_matched_rows_and_inserts_the_others(
    charges_dataset: StripeDataset, make_system: MakeSystem, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:10], make_system("first"))
    changed = [dict(charge, status="failed", amount=1) for charge in charges[5:15]]

    version = charges_dataset.upsert(changed, make_system("second"))

    assert version == 1
    rows = rows_by_id(charges_dataset, "status", "amount", "_batch_id", "_raw")
    assert len(rows) == 15
    for charge in charges[:5]:
        assert rows[charge["id"]]["_batch_id"] == "first"
        assert rows[charge["id"]]["amount"] == charge["amount"]
    for charge in changed:
        row = rows[charge["id"]]
        assert (row["status"], row["amount"], row["_batch_id"]) == ("failed", 1, "second")
        assert orjson.loads(row["_raw"]) == charge


def test_upsert_creates_the_table(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    assert charges_dataset.upsert(charges, system) == 0
    assert charges_dataset.row_count() == 20


def test_re_upsert_is_idempotent(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.upsert(charges, system)
    before = charges_dataset.to_arrow().sort_by("id")

    charges_dataset.upsert(charges, system)
    charges_dataset.upsert(charges[3:7], system)

    assert charges_dataset.row_count() == 20
    assert charges_dataset.to_arrow().sort_by("id").equals(before)


def test_duplicate_ids_in_one_upsert_keep_the_last(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:1], system)
    first, other = charges[0], charges[1]
    batch = [dict(first, amount=1), dict(other, amount=7), dict(first, amount=2), dict(first, amount=3)]

    charges_dataset.upsert(batch, system)

    rows = rows_by_id(charges_dataset, "amount")
    assert len(rows) == 2
    assert rows[first["id"]]["amount"] == 3
    assert rows[other["id"]]["amount"] == 7
    assert charges_dataset.row_count() == 2


def test_duplicate_ids_in_an_upsert_that_creates_the_table(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.upsert([dict(charges[0], amount=1), dict(charges[0], amount=2)], system)

    assert rows_by_id(charges_dataset, "amount") == {charges[0]["id"]: {"id": charges[0]["id"], "amount": 2}}


def test_mark_deleted_keeps_the_row_and_marks_it(
    charges_dataset: StripeDataset, make_system: MakeSystem, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:3], make_system("load"))
    target = charges[1]

    charges_dataset.mark_deleted([Deletion(target["id"], DELETED_AT)], make_system("del"))

    rows = rows_by_id(charges_dataset, "amount", "_deleted", "_deleted_at", "_batch_id", "_raw", "_account")
    assert rows[target["id"]]["_deleted"] is True
    assert rows[target["id"]]["_deleted_at"] == DELETED_AT
    assert rows[target["id"]]["_batch_id"] == "del"
    assert rows[target["id"]]["amount"] == target["amount"]
    assert orjson.loads(rows[target["id"]]["_raw"]) == target
    for other in (charges[0], charges[2]):
        assert (rows[other["id"]]["_deleted"], rows[other["id"]]["_batch_id"]) == (False, "load")
    assert charges_dataset.row_count() == 3
    assert charges_dataset.row_count(include_deleted=False) == 2


def test_mark_deleted_inserts_an_unknown_object_only_with_its_record(
    root: Path, system: SystemColumns, make_system: MakeSystem
) -> None:
    customers = StripeDataset(root, "customers")
    customers.append([{"id": "cus_kept", "object": "customer", "email": "a@example.com"}], system)
    record = {"id": "cus_gone", "object": "customer", "email": "b@example.com", "created": 1_700_000_000}

    customers.mark_deleted(
        [Deletion("cus_gone", DELETED_AT, record), Deletion("cus_never_seen", DELETED_AT)], make_system("del")
    )

    rows = rows_by_id(customers, "email", "_deleted", "_deleted_at", "_raw")
    assert sorted(rows) == ["cus_gone", "cus_kept"]
    assert rows["cus_gone"]["email"] == "b@example.com"
    assert rows["cus_gone"]["_deleted"] is True
    assert rows["cus_gone"]["_deleted_at"] == DELETED_AT
    assert orjson.loads(rows["cus_gone"]["_raw"]) == record


def test_mark_deleted_on_a_missing_table(root: Path, system: SystemColumns) -> None:
    prices = StripeDataset(root, "prices")

    version = prices.mark_deleted([Deletion("price_1", DELETED_AT, {"id": "price_1", "object": "price"})], system)

    assert version == 0
    assert prices.to_arrow(["id", "_deleted"]).to_pylist() == [{"id": "price_1", "_deleted": True}]


def test_upsert_clears_a_deletion_mark(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:1], system)
    charges_dataset.mark_deleted([Deletion(charges[0]["id"], DELETED_AT)], system)

    charges_dataset.upsert(charges[:1], system)

    (row,) = charges_dataset.to_arrow(["_deleted", "_deleted_at"]).to_pylist()
    assert row == {"_deleted": False, "_deleted_at": None}


def test_transactions_land_with_the_write(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:5], system, txn=("stripeflow/acct/charges", 1))
    assert charges_dataset.transaction_version("stripeflow/acct/charges") == 1

    charges_dataset.upsert(charges[5:10], system, txn=("stripeflow/acct/charges", 2))
    assert charges_dataset.transaction_version("stripeflow/acct/charges") == 2

    charges_dataset.append(charges[10:], system, txn=("other", 9))
    charges_dataset.mark_deleted([Deletion(charges[0]["id"], DELETED_AT)], system, txn=("stripeflow/acct/charges", 3))
    assert charges_dataset.transaction_version("stripeflow/acct/charges") == 3
    assert charges_dataset.transaction_version("other") == 9
    assert charges_dataset.transaction_version("nobody") is None


def test_a_write_that_changes_nothing_still_records_its_transaction(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:2], system)

    version = charges_dataset.mark_deleted([Deletion("ch_unknown", DELETED_AT)], system, txn=("app", 4))

    assert version == 1
    assert charges_dataset.transaction_version("app") == 4
    assert charges_dataset.row_count() == 2


def test_the_transaction_is_read_by_a_fresh_dataset_object(
    root: Path, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    StripeDataset(root, "charges").append(charges, system, txn=("app", 11))

    assert StripeDataset(root, "charges").transaction_version("app") == 11


def test_history_names_the_batches(
    charges_dataset: StripeDataset, make_system: MakeSystem, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:5], make_system("b-append"))
    charges_dataset.upsert(charges[:5], make_system("b-upsert"))
    charges_dataset.mark_deleted([Deletion(charges[0]["id"], DELETED_AT)], make_system("b-delete"))

    history = charges_dataset.history()

    assert [(item["version"], item["batch_id"], item["write"]) for item in history] == [
        (2, "b-delete", "mark_deleted"),
        (1, "b-upsert", "upsert"),
        (0, "b-append", "append"),
    ]
    assert [item["operation"] for item in history] == ["WRITE", "WRITE", "WRITE"]  # Delta's own name: no MERGE
    assert all(item["timestamp"].tzinfo is not None for item in history)
    assert charges_dataset.history(limit=1)[0]["version"] == 2


def test_oldest_created_filters_on_columns(root: Path, system: SystemColumns) -> None:
    dataset = StripeDataset(root, "balance_transactions")
    dataset.append(
        [
            {"id": "txn_1", "created": 1_000, "status": "available"},
            {"id": "txn_2", "created": 2_000, "status": "pending"},
            {"id": "txn_3", "created": 3_000, "status": "pending"},
        ],
        system,
    )

    assert dataset.oldest_created() == 1_000
    assert dataset.oldest_created(status="pending") == 2_000
    assert dataset.oldest_created(status="pending", currency="eur") is None
    dataset.mark_deleted([Deletion("txn_2", DELETED_AT)], system)
    assert dataset.oldest_created(status="pending") == 3_000


def test_list_datasets(root: Path, make_system: MakeSystem, charges: list[dict[str, Any]]) -> None:
    assert list_datasets(root) == []
    StripeDataset(root, "charges").append(charges, make_system("c1"))
    StripeDataset(root, "charges").mark_deleted([Deletion(charges[0]["id"], DELETED_AT)], make_system("c2"))
    StripeDataset(root, "prices").append([{"id": "price_1", "object": "price"}], make_system("p1"))
    (root / "not-a-table").mkdir()

    infos = list_datasets(root)

    assert [(info.name, info.rows, info.deleted_rows, info.version, info.last_batch_id) for info in infos] == [
        ("charges", 19, 1, 1, "c2"),
        ("prices", 1, 0, 0, "p1"),
    ]
    assert infos[0].path == root / "charges"
    assert infos[0].last_write_at is not None


def test_system_columns_need_an_aware_time() -> None:
    import pytest

    with pytest.raises(ValueError, match="timezone-aware"):
        SystemColumns("b", "v", False, "acct", datetime(2026, 1, 1))


def test_a_record_without_an_id_is_refused(charges_dataset: StripeDataset, system: SystemColumns) -> None:
    import pytest

    with pytest.raises(ValueError, match="no string 'id'"):
        charges_dataset.append([{"object": "charge"}], system)
