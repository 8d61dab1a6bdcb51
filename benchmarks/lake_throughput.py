"""Lake throughput: converting Stripe charges to Arrow, appending them to Delta, and MERGE-upserting into a big table.

    python benchmarks/lake_throughput.py                      # batches of 5,000, MERGE into 100,000 rows
    python benchmarks/lake_throughput.py --table-rows 200000  # how MERGE cost grows with the table

Figures printed:

* CPU time of ``orjson.loads`` of the batch's JSON (the reference: conversion should cost about as much as parsing
  JSON), the conversion alone (typed columns, system columns and ``_raw``), pyarrow's JSON reader over the same batch
  (the alternative considered), and conversion + append to a Delta table, in records/s;
* peak memory of one 5,000-record convert + append (Arrow pool and Python allocations);
* MERGE (``upsert``) of 5,000 records into tables of growing size: updates of the newest rows (what events bring),
  updates spread over the whole table (worst case), and new records; with the files MERGE scanned, skipped and
  rewrote.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shlex
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.json as pajson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.lake.factories

from tests.lake.factories import make_charges

from stripeflow.lake.convert import columns_for, prepare, to_table
from stripeflow.lake.datasets import StripeDataset, SystemColumns
from stripeflow.lake.schema import Kind, arrow_type, resource_schema


def system(batch: str) -> SystemColumns:
    return SystemColumns(
        batch_id=batch, api_version="2026-07-29.dahlia", livemode=False, account="acct_bench", ingested_at=now()
    )


def now() -> datetime:
    return datetime.now(UTC)


def best_of(repeat: int, action: Callable[[], Any]) -> float:
    """The least CPU time (all threads of the process) ``action`` took: steadier than wall time on a busy host."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return min(times)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>10,.0f} rec/s  ({seconds * 1000:7.1f} ms)"


def conversion(records: list[dict[str, Any]], repeat: int) -> None:
    count = len(records)
    lines = [orjson.dumps(record) for record in records]
    blob = b"\n".join(lines)
    columns = columns_for("charges", {})
    stamp = system("b").stamp()
    read_schema = pa.schema(_readable(resource_schema("charges").kinds))
    reader_options = pajson.ParseOptions(explicit_schema=read_schema, unexpected_field_behavior="ignore")
    print(f"conversion, {count:,} charges ({len(blob) / count:,.0f} bytes of JSON each), CPU time, best of {repeat}:")
    print("  orjson.loads (reference)      ", rate(count, best_of(repeat, lambda: [orjson.loads(x) for x in lines])))
    print("  orjson.dumps (part of _raw)   ", rate(count, best_of(repeat, lambda: [orjson.dumps(r) for r in records])))
    print(
        "  to_table (all columns + _raw) ",
        rate(count, best_of(repeat, lambda: to_table(prepare(records), columns, stamp))),
    )
    print(
        "  pyarrow.json.read_json (alt.) ",
        rate(count, best_of(repeat, lambda: pajson.read_json(io.BytesIO(blob), parse_options=reader_options))),
        "without maps, JSON leaves and _raw",
    )


def _readable(kinds: Mapping[str, Kind]) -> list[pa.Field]:
    """The fields pyarrow's JSON reader can read: no maps, no JSON-text leaves, unix times as integers."""
    fields = []
    for name, kind in kinds.items():
        data_type = _readable_type(kind)
        if data_type is not None:
            fields.append(pa.field(name, data_type))
    return fields


def _readable_type(kind: Kind) -> pa.DataType | None:
    if isinstance(kind, dict):
        fields = _readable(kind)
        return pa.struct(fields) if fields else None
    if isinstance(kind, list):
        inner = _readable_type(kind[0])
        return None if inner is None else pa.list_(inner)
    if kind in ("map", "json"):
        return None
    return pa.int64() if kind == "ts" else arrow_type(kind)


def appends(root: Path, batch: int, batches: int) -> None:
    dataset = StripeDataset(root / "append", "charges")
    records = make_charges(batch * batches, seed=2)
    started = time.perf_counter()
    for index in range(batches):
        dataset.append(records[index * batch : (index + 1) * batch], system(f"a{index}"))
    elapsed = time.perf_counter() - started
    print(f"convert + append, {batches} batches of {batch:,} into a new table:")
    print("  append                        ", rate(batch * batches, elapsed))


def memory(root: Path, batch: int) -> None:
    """Peak memory of a steady-state write (the first write also starts delta-rs's runtime)."""
    dataset = StripeDataset(root / "memory", "charges")
    dataset.append(make_charges(batch, seed=3), system("warm-up"))
    records = make_charges(batch, seed=4, start=1_800_000_000)
    source = sum(len(orjson.dumps(record)) for record in records)
    sampler = RssSampler()
    pool = pa.default_memory_pool()
    arrow_before = pool.bytes_allocated()
    tracemalloc.start()
    with sampler:
        dataset.append(records, system("m"))
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"memory of one convert + append of {batch:,} charges ({source / 2**20:.1f} MiB of JSON), after a warm-up:")
    print(
        f"  Python allocations peak {python_peak / 2**20:.1f} MiB, Arrow pool in use after "
        f"{(pool.bytes_allocated() - arrow_before) / 2**20:.1f} MiB, "
        f"process RSS peak above the start {sampler.growth / 2**20:.1f} MiB"
    )


class RssSampler:
    """Samples the process's resident set size every 2 ms in a thread while the block runs."""

    def __init__(self) -> None:
        self.start = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def growth(self) -> int:
        return max(0, self.peak - self.start)

    def __enter__(self) -> RssSampler:
        self.start = self.peak = _rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, _rss())


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def merges(root: Path, batch: int, sizes: list[int]) -> None:
    print(f"upsert (MERGE by id) of {batch:,} records into a table of N rows:")
    print("  scenario     N rows     rec/s        time   files scanned/skipped/rewritten  table files")
    dataset = StripeDataset(root / "merge", "charges")
    rnd = random.Random(5)
    rows: list[dict[str, Any]] = []
    seed = 10
    for size in sizes:
        while len(rows) < size:
            seed += 1
            start = rows[-1]["created"] + 1 if rows else 1_700_000_000
            new = make_charges(batch, seed=seed, start=start)
            dataset.append(new, system(f"fill{seed}"))
            rows.extend(new)
        scenarios = {
            "newest": rows[-batch:],
            "spread": rnd.sample(rows, batch),
            "inserts": make_charges(batch, seed=seed + 1000, start=rows[-1]["created"] + 1),
        }
        for name, chosen in scenarios.items():
            changed = [dict(record, status="succeeded", amount_refunded=1) for record in chosen]
            started = time.perf_counter()
            dataset.upsert(changed, system(f"{name}{size}"))
            elapsed = time.perf_counter() - started
            metrics = dataset.history(1)[0]["metrics"]
            if name == "inserts":
                rows.extend(chosen)
            files = len(dataset.files())
            print(
                f"  {name:<9} {len(rows):>9,} {batch / elapsed:>8,.0f} {elapsed * 1000:>8.0f} ms "
                f"  {metrics.get('num_target_files_scanned')}/{metrics.get('num_target_files_skipped_during_scan')}"
                f"/{metrics.get('num_target_files_removed')}{'':>22}{files}"
            )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=5000, help="records per write")
    parser.add_argument("--repeat", type=int, default=7, help="conversion timings: best of this many")
    parser.add_argument("--append-batches", type=int, default=10)
    parser.add_argument("--table-rows", type=int, default=100_000, help="largest table the MERGE runs against")
    args = parser.parse_args(argv)
    print("command:", shlex.join(["python", "benchmarks/lake_throughput.py", *argv]))
    sizes = sorted({size for size in (10_000, 50_000, args.table_rows) if size <= args.table_rows})
    with tempfile.TemporaryDirectory(prefix="lake-bench-") as folder:
        root = Path(folder)
        memory(root, args.batch)
        conversion(make_charges(args.batch, seed=1), args.repeat)
        appends(root, args.batch, args.append_batches)
        merges(root, args.batch, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
