"""The dataset writer process: the same dataset semantics across a process boundary, errors carried back, and a
writer orphaned by a killed parent holding off the next one until it is done."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from stripeflow.lake.convert import raw_column, raw_of_lines
from stripeflow.lake.datasets import Deletion, StripeDataset, SystemColumns
from stripeflow.lake.worker import LakeWorker, WorkerError, decode_records, encode_records
from tests.lake.factories import make_charges

SYSTEM = SystemColumns(
    batch_id="01JTESTBATCH",
    api_version="2026-07-29.dahlia",
    livemode=False,
    account="acct_1",
    ingested_at=datetime.now(UTC),
)


def test_records_survive_the_json_lines_encoding() -> None:
    records = make_charges(20, seed=3)
    records[0]["description"] = "line one\nline two ✓"
    assert decode_records(encode_records(records)) == records
    assert decode_records(encode_records([])) == []


def test_raw_from_the_received_lines_is_what_encoding_the_records_again_gives() -> None:
    records = make_charges(30, seed=5)
    records[0]["description"] = 'line one\nline two ✓ 😀 \u0000 "quoted" \\ é'
    records[1]["metadata"] = {"big": 18446744073709551615, "small": -9223372036854775808, "f": 1e16, "g": 0.1}
    records[2]["amount_float"] = float("nan")  # orjson writes NaN as null on both paths
    records[3]["nested"] = {"a": [1, 2.5, None, True, {"b": []}], "c": {}}
    lines = encode_records(records).split(b"\n")
    decoded = [orjson.loads(line) for line in lines]
    assert raw_of_lines(lines).to_pylist() == raw_column(decoded).to_pylist()
    assert raw_of_lines([]).to_pylist() == []


def test_an_upsert_of_one_id_twice_keeps_the_last_record_and_its_raw(tmp_path: Path) -> None:
    worker = LakeWorker(tmp_path / "datasets")
    worker.hold(tmp_path / "writer.lock")
    try:
        remote = worker.dataset("charges")
        first, second = make_charges(2, seed=2)
        remote.append([first], SYSTEM)
        again = {**first, "description": "last"}
        remote.upsert([{**first, "description": "middle"}, second, again], SYSTEM)
    finally:
        worker.close()
    rows = StripeDataset(tmp_path / "datasets", "charges").to_arrow(["id", "description", "_raw"]).to_pylist()
    assert [(row["id"], row["description"]) for row in rows if row["id"] == first["id"]] == [(first["id"], "last")]
    assert {row["id"]: orjson.loads(row["_raw"]) for row in rows} == {first["id"]: again, second["id"]: second}


def test_remote_dataset_writes_what_a_local_one_reads(tmp_path: Path) -> None:
    worker = LakeWorker(tmp_path / "datasets")
    worker.hold(tmp_path / "writer.lock")
    try:
        remote = worker.dataset("charges")
        assert not remote.exists()
        records = make_charges(50, seed=1)
        version = remote.append(records, SYSTEM, txn=("app", 1))
        assert remote.exists()
        assert remote.transaction_version("app") == 1
        changed = {**records[0], "description": "changed"}
        assert remote.upsert([changed], SYSTEM, txn=("app", 2)) > version
        remote.mark_deleted([Deletion(id=records[1]["id"], deleted_at=datetime.now(UTC))], SYSTEM, txn=("app", 3))
        assert remote.row_count() == 50
        assert remote.row_count(include_deleted=False) == 49
    finally:
        worker.close()
    local = StripeDataset(tmp_path / "datasets", "charges")
    rows = {row["id"]: row for row in local.to_arrow(["id", "description", "_deleted"]).to_pylist()}
    assert rows[records[0]["id"]]["description"] == "changed"
    assert rows[records[1]["id"]]["_deleted"] is True
    assert local.transaction_version("app") == 3


def test_errors_in_the_child_come_back_as_worker_errors(tmp_path: Path) -> None:
    worker = LakeWorker(tmp_path / "datasets")
    worker.hold(tmp_path / "writer.lock")
    try:
        with pytest.raises(WorkerError, match="id"):
            worker.dataset("charges").append([{"no": "id"}], SYSTEM)
        # the child is still serving after an error
        assert worker.dataset("charges").exists() is False
    finally:
        worker.close()


def test_a_new_writer_waits_while_the_lock_is_held(tmp_path: Path) -> None:
    """A writer orphaned by a killed parent holds the lock until its write is done; the next one waits for it."""
    lock = tmp_path / "writer.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import fcntl,time; f=open({str(lock)!r},'a'); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(2)",
        ]
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # wait until the holder has the lock
        with open(lock, "a") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(probe, fcntl.LOCK_UN)
            except BlockingIOError:
                break
        time.sleep(0.05)
    worker = LakeWorker(tmp_path / "datasets")
    started = time.monotonic()
    worker.hold(lock)
    waited = time.monotonic() - started
    worker.close()
    holder.wait(10)
    assert waited >= 0.5, "the writer must not start while another holds the dataset lock"


def test_the_child_exits_when_its_parent_disappears(tmp_path: Path) -> None:
    script = (
        "import sys, time; from pathlib import Path; from stripeflow.lake.worker import LakeWorker; "
        f"w = LakeWorker(Path({str(tmp_path / 'd')!r})); w.hold(Path({str(tmp_path / 'l')!r})); "
        "print(w._process.pid, flush=True); time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait(10)
    parent.stdout.close()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(child_pid, 0)
        except ProcessLookupError:
            return
        if Path(f"/proc/{child_pid}/stat").read_text().split()[2] == "Z":
            return
        time.sleep(0.1)
    pytest.fail("the writer process outlived its killed parent")
