"""Copy-on-write: which files an upsert or a deletion mark rewrites, what the rewritten files hold, and failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from stripeflow.lake import delta, parquet, rewrite
from stripeflow.lake.convert import columns_for
from stripeflow.lake.datasets import Deletion, StripeDataset, SystemColumns
from tests.lake.conftest import MakeSystem
from tests.lake.factories import make_charges

DELETED_AT = datetime(2026, 8, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def three_files(charges_dataset: StripeDataset, system: SystemColumns) -> list[list[dict[str, Any]]]:
    """Three appends of 30 charges each, created one after the other (so their id ranges do not overlap)."""
    batches = []
    start = 1_700_000_000
    for seed in (1, 2, 3):
        batch = make_charges(30, seed=seed, start=start)
        charges_dataset.append(batch, system)
        batches.append(batch)
        start = batch[-1]["created"] + 100
    return batches


def table_of(dataset: StripeDataset) -> pa.Table:
    return dataset.to_arrow().sort_by("id")


def without(table: pa.Table, ids: list[str], *columns: str) -> pa.Table:
    """``table`` without the rows of ``ids`` and without ``columns``."""
    kept = table.filter(pc.invert(pc.is_in(table.column("id"), value_set=pa.array(ids))))
    return kept.drop_columns(list(columns))


def test_an_upsert_of_recent_objects_rewrites_only_their_file(
    charges_dataset: StripeDataset, make_system: MakeSystem, three_files: list[list[dict[str, Any]]]
) -> None:
    before = table_of(charges_dataset)
    changed = [dict(charge, status="refunded") for charge in three_files[2][-2:]]

    charges_dataset.upsert(changed, make_system("recent"))

    metrics = charges_dataset.history(1)[0]["metrics"]
    assert (metrics["num_skipped_files"], metrics["num_scanned_files"], metrics["num_removed_files"]) == (2, 1, 1)
    assert (metrics["num_added_files"], metrics["num_copied_rows"], metrics["num_added_rows"]) == (2, 28, 2)
    after = table_of(charges_dataset)
    ids = [charge["id"] for charge in changed]
    assert without(after, ids).equals(without(before, ids))
    rows = after.filter(pc.is_in(after.column("id"), value_set=pa.array(ids))).to_pylist()
    assert [(row["status"], row["_batch_id"]) for row in rows] == [("refunded", "recent")] * 2


def test_a_file_whose_range_covers_an_id_but_not_holding_it_is_not_rewritten(
    charges_dataset: StripeDataset, system: SystemColumns, three_files: list[list[dict[str, Any]]]
) -> None:
    inside = three_files[1][0]["id"][:-1] + "~"  # sorts between the ids of the second file, but is new
    assert three_files[1][0]["id"] < inside < three_files[1][-1]["id"]

    charges_dataset.upsert([dict(three_files[1][0], id=inside)], system)

    metrics = charges_dataset.history(1)[0]["metrics"]
    assert (metrics["num_scanned_files"], metrics["num_removed_files"], metrics["num_added_files"]) == (1, 0, 1)
    assert charges_dataset.row_count() == 91


def test_a_deletion_mark_changes_only_the_deletion_columns(
    charges_dataset: StripeDataset, make_system: MakeSystem, three_files: list[list[dict[str, Any]]]
) -> None:
    before = table_of(charges_dataset)
    targets = [three_files[0][3]["id"], three_files[2][7]["id"]]

    charges_dataset.mark_deleted([Deletion(target, DELETED_AT) for target in targets], make_system("del"))

    after = table_of(charges_dataset)
    assert charges_dataset.history(1)[0]["metrics"]["num_removed_files"] == 2
    marks = ["_deleted", "_deleted_at", "_batch_id", "_ingested_at"]
    assert after.drop_columns(marks).equals(before.drop_columns(marks))
    assert without(after, targets).equals(without(before, targets))
    marked = after.filter(pc.is_in(after.column("id"), value_set=pa.array(targets)))
    assert (
        marked.select(["_deleted", "_deleted_at", "_batch_id", "_ingested_at"]).to_pylist()
        == [
            {"_deleted": True, "_deleted_at": DELETED_AT, "_batch_id": "del", "_ingested_at": make_system().ingested_at}
        ]
        * 2
    )


def test_an_upsert_replaces_every_row_of_an_id(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:3], system)
    charges_dataset.append(charges[:1], system)  # a plain append may repeat an id

    charges_dataset.upsert([dict(charges[0], amount=5)], system)

    rows = charges_dataset.to_arrow(["id", "amount"]).to_pylist()
    assert sorted(row["amount"] for row in rows if row["id"] == charges[0]["id"]) == [5]
    assert charges_dataset.row_count() == 3


def test_rewritten_files_carry_statistics(
    charges_dataset: StripeDataset, system: SystemColumns, three_files: list[list[dict[str, Any]]]
) -> None:
    charges_dataset.upsert([dict(three_files[1][5], amount=1)], system)
    charges_dataset.mark_deleted([Deletion(three_files[1][6]["id"], DELETED_AT)], system)

    actions = pa.table(DeltaTable(str(charges_dataset.path)).get_add_actions(flatten=True)).to_pylist()
    table = charges_dataset.to_arrow()
    assert sum(action["num_records"] for action in actions) == table.num_rows == charges_dataset.row_count() == 90
    for action in actions:
        rows = pq.read_table(charges_dataset.path / action["path"], columns=["id"]).column("id")
        assert (action["min.id"], action["max.id"]) == (pc.min(rows).as_py(), pc.max(rows).as_py())
        assert action["null_count.id"] == 0
    ranges = {(action["min.id"], action["max.id"]) for action in actions}
    assert (three_files[0][0]["id"], three_files[0][-1]["id"]) in ranges  # untouched file
    kept = sorted(charge["id"] for charge in three_files[1] if charge["id"] != three_files[1][5]["id"])
    assert (kept[0], kept[-1]) in ranges  # the copy of the second file


def test_timestamp_statistics_are_written_as_delta_writes_them(
    charges_dataset: StripeDataset, make_system: MakeSystem, three_files: list[list[dict[str, Any]]]
) -> None:
    at = datetime(2026, 8, 1, 12, 0, 0, 987_654, tzinfo=UTC)

    charges_dataset.mark_deleted([Deletion(three_files[2][0]["id"], DELETED_AT)], make_system("del", at=at))

    (last,) = sorted((charges_dataset.path / "_delta_log").glob("*.json"))[-1:]
    (add,) = [action["add"] for action in map(json.loads, last.read_text().splitlines()) if "add" in action]
    stats = json.loads(add["stats"])
    first, newest = three_files[2][0]["created"], three_files[2][-1]["created"]
    assert stats["numRecords"] == 30
    assert stats["minValues"]["created"] == datetime.fromtimestamp(first, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert stats["maxValues"]["created"] == datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert stats["maxValues"]["_ingested_at"] == "2026-08-01T12:00:00.987Z"  # milliseconds, truncated
    assert (stats["minValues"]["_deleted"], stats["maxValues"]["_deleted"]) == (False, True)
    assert stats["nullCount"] == {"id": 0, "created": 0, "_batch_id": 0, "_ingested_at": 0, "_deleted": 0}


def test_files_merge_wrote_are_rewritten(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    """Tables written before the copy-on-write hold files of delta-rs's MERGE, which store ``string_view``."""
    charges_dataset.append(charges[:10], system)
    source = charges_dataset.to_arrow().slice(0, 5)
    merged = DeltaTable(str(charges_dataset.path))
    merged.merge(source, "t.id = s.id", source_alias="s", target_alias="t").when_matched_update_all().execute()
    (legacy,) = charges_dataset.files()
    assert pq.read_schema(legacy).field("id").type == pa.string_view()

    charges_dataset.upsert([dict(charges[0], amount=7), charges[10]], system)
    charges_dataset.mark_deleted([Deletion(charges[1]["id"], DELETED_AT)], system)

    rows = {row["id"]: row for row in charges_dataset.to_arrow(["id", "amount", "_deleted"]).to_pylist()}
    assert len(rows) == 11
    assert rows[charges[0]["id"]]["amount"] == 7
    assert rows[charges[1]["id"]]["_deleted"] is True
    assert rows[charges[2]["id"]] == {"id": charges[2]["id"], "amount": charges[2]["amount"], "_deleted": False}
    assert all(pq.read_schema(path).field("id").type == pa.string() for path in charges_dataset.files())


def test_a_new_column_is_added_in_its_own_commit_once(
    charges_dataset: StripeDataset, make_system: MakeSystem, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:3], make_system("load"))
    batch = [dict(charges[0], channel="pos"), dict(charges[3], channel="web")]

    charges_dataset.upsert(batch, make_system("evolve"), txn=("app", 1))
    charges_dataset.upsert(batch, make_system("evolve"), txn=("app", 1))  # a retry, as after a crash

    history = charges_dataset.history()
    assert [(item["version"], item["write"], item["batch_id"]) for item in history] == [
        (3, "upsert", "evolve"),
        (2, "upsert", "evolve"),
        (1, "add_columns", "evolve"),
        (0, "append", "load"),
    ]
    assert history[2]["operation"] == "ADD COLUMN"
    assert charges_dataset.transaction_version("app") == 1
    channels = {row["id"]: row["channel"] for row in charges_dataset.to_arrow(["id", "channel"]).to_pylist()}
    assert channels == {
        charges[0]["id"]: "pos",
        charges[1]["id"]: None,
        charges[2]["id"]: None,
        charges[3]["id"]: "web",
    }


def test_a_failed_rewrite_changes_nothing(
    charges_dataset: StripeDataset, system: SystemColumns, three_files: list[list[dict[str, Any]]]
) -> None:
    table = DeltaTable(str(charges_dataset.path))
    files = set(charges_dataset.path.glob("*.parquet"))
    keys = pa.array([three_files[0][0]["id"], three_files[2][0]["id"]])
    located = rewrite.locate(table, keys)
    calls = []

    def failing(batch: pa.RecordBatch, positions: pa.Array) -> pa.RecordBatch:
        calls.append(batch.num_rows)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return batch

    with pytest.raises(RuntimeError, match="disk full"):
        rewrite.commit(table, located, failing, columns_for("charges", {}).schema, None, delta.Commit("b", "upsert"))

    assert set(charges_dataset.path.glob("*.parquet")) == files
    assert charges_dataset.version() == 2


def test_a_file_is_rewritten_a_batch_at_a_time(tmp_path: Path, charges_dataset: StripeDataset) -> None:
    records = [{"id": f"obj_{index:05d}", "object": "thing"} for index in range(2_500)]
    dataset = StripeDataset(charges_dataset.root, "things")
    dataset.append(records, _system())
    (source,) = dataset.files()
    keys = pa.array(["obj_00010", "obj_01500", "obj_02499"])
    schema = columns_for("things", {}).schema

    written = parquet.rewrite(source, tmp_path, schema, keys, rewrite.drop, ["id", "_deleted"], batch_bytes=1)

    assert written is not None
    copy = pq.ParquetFile(tmp_path / written.name)
    assert [copy.metadata.row_group(index).num_rows for index in range(copy.metadata.num_row_groups)] == [999, 999, 499]
    assert written.rows == 2_497
    assert written.stats == (
        '{"numRecords":2497,"minValues":{"id":"obj_00000","_deleted":false},'
        '"maxValues":{"id":"obj_02498","_deleted":false},"nullCount":{"id":0,"_deleted":0}}'
    )
    assert copy.read(columns=["id"]).column("id").to_pylist() == [
        record["id"] for record in records if record["id"] not in keys.to_pylist()
    ]


def test_a_rewrite_that_keeps_no_row_writes_no_file(
    charges_dataset: StripeDataset, system: SystemColumns, charges: list[dict[str, Any]]
) -> None:
    charges_dataset.append(charges[:2], system)
    charges_dataset.append(charges[2:4], system)

    charges_dataset.upsert(charges[2:4], system)

    metrics = charges_dataset.history(1)[0]["metrics"]
    assert (metrics["num_removed_files"], metrics["num_added_files"], metrics["num_copied_rows"]) == (1, 1, 0)
    assert len(charges_dataset.files()) == 2
    assert charges_dataset.row_count() == 4


def _system() -> SystemColumns:
    return SystemColumns("b", "2026-07-29.dahlia", False, "acct_test", datetime(2026, 8, 1, tzinfo=UTC))
