"""Lake throughput and memory: converting Stripe charges to Arrow, appending them to Delta, and the copy-on-write
behind upserts and deletion marks in a big table.

    python benchmarks/lake_throughput.py                      # batches of 5,000, writes into 100,000 rows
    python benchmarks/lake_throughput.py --table-rows 200000  # how the writes grow with the table
    python benchmarks/lake_throughput.py --writer-options     # also compare Parquet writer settings (slow)

Figures printed:

* memory of single writes into a table of ``--table-rows`` charges that this process built by appends: the
  process RSS (``/proc/self/statm``, sampled every 2 ms) before the write, its peak during the write and after it,
  for an append of 5,000 new charges, upserts of the 2 and the 2,000 newest, of 2,000 spread over the table and a
  deletion mark of 10 spread ones;
* peak memory of one 5,000-record convert + append (Arrow pool and Python allocations);
* CPU time of ``orjson.loads`` of the batch's JSON (the reference: conversion should cost about as much as parsing
  JSON), the conversion alone (typed columns, system columns and ``_raw``), pyarrow's JSON reader over the same batch
  (the alternative considered), and conversion + append to a Delta table, in records/s;
* with ``--writer-options``: CPU time and bytes per record of one append of 20,000 converted charges under several
  Parquet writer settings (codec, level, dictionaries, statistics, page and row group sizes), and the fixed CPU cost
  of an append's commit;
* upserts of 5,000 records into tables of growing size: updates of the newest rows (what events bring), updates
  spread over the whole table (worst case), and new records; with the files whose ids were read, the files ruled
  out by their ``id`` statistics, and the files rewritten.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import random
import resource
import shlex
import shutil
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
from deltalake import ColumnProperties, DeltaTable, WriterProperties, write_deltalake

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.lake.factories

from tests.lake.factories import make_charges

from stripeflow.lake import delta
from stripeflow.lake.convert import columns_for, prepare, to_table
from stripeflow.lake.datasets import Deletion, StripeDataset, SystemColumns
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


def writer_options(root: Path, rows: int = 20_000, rounds: int = 7) -> None:
    """One append of ``rows`` converted charges under each writer setting, interleaved, best of ``rounds`` (one big
    append, so that the fixed cost of a commit, printed last, does not hide the cost of encoding)."""
    data = to_table(prepare(make_charges(rows, seed=2)), columns_for("charges", {}), system("w").stamp())
    stats_only = {
        name: ColumnProperties(dictionary_enabled=False, statistics_enabled="CHUNK") for name in delta.STATS_COLUMNS
    }
    lean: dict[str, Any] = {
        "default_column_properties": ColumnProperties(dictionary_enabled=False, statistics_enabled="NONE"),
        "column_properties": stats_only,
    }
    plain_raw = {"column_properties": {"_raw": ColumnProperties(dictionary_enabled=False, statistics_enabled="NONE")}}
    zstd1: dict[str, Any] = {"compression": "ZSTD", "compression_level": 1}
    options: dict[str, WriterProperties] = {
        "before: zstd(1), dictionaries, page statistics": WriterProperties(**zstd1, **plain_raw),
        "zstd(3)": WriterProperties(compression="ZSTD", compression_level=3, **plain_raw),
        "snappy": WriterProperties(compression="SNAPPY", **plain_raw),
        "lz4_raw": WriterProperties(compression="LZ4_RAW", **plain_raw),
        "zstd(1), statistics of the log's columns only": WriterProperties(
            **zstd1,
            default_column_properties=ColumnProperties(statistics_enabled="NONE"),
            column_properties={**plain_raw["column_properties"], **stats_only},
        ),
        "zstd(1), chunk statistics": WriterProperties(
            **zstd1, default_column_properties=ColumnProperties(statistics_enabled="CHUNK"), **plain_raw
        ),
        "zstd(1), 8 MiB data pages": WriterProperties(**zstd1, data_page_size_limit=8 * 2**20, **plain_raw),
        "zstd(1), 5,000-row row groups": WriterProperties(**zstd1, max_row_group_size=5000, **plain_raw),
        "snappy, no dict., log's statistics only": WriterProperties(compression="SNAPPY", **lean),
        "lz4_raw, no dict., log's statistics only": WriterProperties(compression="LZ4_RAW", **lean),
        "uncompressed, no dict., log's statistics only": WriterProperties(compression="UNCOMPRESSED", **lean),
        "zstd(1), no dict., log's statistics only": WriterProperties(**zstd1, **lean),
        "chosen: zstd(1), no dictionaries": delta.WRITER,
    }
    best = dict.fromkeys(options, float("inf"))
    size = dict.fromkeys(options, 0)
    for round_ in range(rounds):
        for index, (name, properties) in enumerate(options.items()):
            path = root / f"options-{round_}-{index}"
            target = _new_table(path)
            seeded = set(path.glob("*.parquet"))
            gc.collect()
            started = time.process_time()
            write_deltalake(target, data, mode="append", schema_mode="merge", writer_properties=properties)
            best[name] = min(best[name], time.process_time() - started)
            size[name] = sum(file.stat().st_size for file in set(path.glob("*.parquet")) - seeded)
            shutil.rmtree(path)
    print(f"one append of {rows:,} converted charges under Parquet writer settings, CPU time best of {rounds}:")
    for name in options:
        print(f"  {name:<50} {best[name] / rows * 1e6:5.1f} us/rec  {size[name] / rows:5.0f} bytes/rec")
    target = _new_table(root / "commits")
    one = data.slice(0, 1)
    started = time.process_time()
    for _ in range(20):
        write_deltalake(target, one, mode="append", schema_mode="merge", writer_properties=delta.WRITER)
    print(
        f"  fixed cost of an append commit (1 row, chosen settings): {(time.process_time() - started) * 50:.0f} ms CPU"
    )


def _new_table(path: Path) -> DeltaTable:
    seed = to_table(prepare(make_charges(1, seed=3)), columns_for("charges", {}), system("w").stamp())
    config = {"delta.dataSkippingStatsColumns": ",".join(delta.STATS_COLUMNS)}
    write_deltalake(path, seed, mode="append", configuration=config)
    return DeltaTable(path)


def upserts(root: Path, batch: int, sizes: list[int]) -> None:
    print(f"upsert of {batch:,} records into a table of N rows:")
    print("  scenario     N rows     rec/s        time   files read/skipped/rewritten  table files")
    dataset = StripeDataset(root / "upsert", "charges")
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
            if name == "inserts":
                rows.extend(chosen)
            print(
                f"  {name:<9} {len(rows):>9,} {batch / elapsed:>8,.0f} {elapsed * 1000:>8.0f} ms   "
                f"{_files_touched(dataset):<29} {len(dataset.files())}"
            )


def _files_touched(dataset: StripeDataset) -> str:
    metrics = dataset.history(1)[0]["metrics"]
    return f"{metrics.get('num_scanned_files')}/{metrics.get('num_skipped_files')}/{metrics.get('num_removed_files')}"


def write_memory(root: Path, table_rows: int, batch: int) -> None:
    """RSS of single writes into a table this process built by appends, as the sync builds its tables."""
    dataset = StripeDataset(root / "writes", "charges")
    ids: list[str] = []
    newest: list[dict[str, Any]] = []
    seed = 100
    while len(ids) < table_rows:
        seed += 1
        newest = make_charges(batch, seed=seed, start=newest[-1]["created"] + 1 if newest else 1_700_000_000)
        dataset.append(newest, system(f"fill{seed}"))
        ids.extend(record["id"] for record in newest)
    rnd = random.Random(7)
    shapes = make_charges(2000, seed=8)
    spread = [dict(record, id=chosen) for record, chosen in zip(shapes, rnd.sample(ids, 2000), strict=True)]
    changed = [dict(record, status="succeeded", amount_refunded=1) for record in newest[-2000:]]
    deleted = [Deletion(chosen, now()) for chosen in rnd.sample(ids, 10)]
    writes: list[tuple[str, Callable[[], object]]] = [
        ("append 5,000 new", lambda: dataset.append(make_charges(5000, seed=9, start=2_000_000_000), system("new"))),
        ("upsert 2 newest", lambda: dataset.upsert(changed[-2:], system("u2"))),
        ("upsert 2,000 newest", lambda: dataset.upsert(changed, system("u2000"))),
        ("upsert 2,000 spread", lambda: dataset.upsert(spread, system("spread"))),
        ("mark_deleted 10 spread", lambda: dataset.mark_deleted(deleted, system("del"))),
    ]
    del newest
    gc.collect()
    print(f"memory of single writes into {len(ids):,} charges appended by this process in batches of {batch:,}:")
    print(
        "  write                     RSS before    peak (above)      after        time   files read/skipped/rewritten"
    )
    for name, write in writes:
        gc.collect()
        sampler = RssSampler()
        started = time.perf_counter()
        with sampler:
            write()
        elapsed = time.perf_counter() - started
        after = _rss()
        touched = _files_touched(dataset) if not name.startswith("append") else "-"
        print(
            f"  {name:<24} {sampler.start / 2**20:>7.0f} MiB {sampler.peak / 2**20:>7.0f} MiB "
            f"(+{sampler.growth / 2**20:>3.0f}) {after / 2**20:>7.0f} MiB {elapsed * 1000:>8.0f} ms   {touched}"
        )
    print(f"  process peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=5000, help="records per write")
    parser.add_argument("--repeat", type=int, default=7, help="conversion timings: best of this many")
    parser.add_argument("--append-batches", type=int, default=10)
    parser.add_argument("--table-rows", type=int, default=100_000, help="largest table the writes run against")
    parser.add_argument("--writer-options", action="store_true", help="compare Parquet writer settings (slow)")
    args = parser.parse_args(argv)
    print("command:", shlex.join(["python", "benchmarks/lake_throughput.py", *argv]))
    sizes = sorted({size for size in (10_000, 50_000, args.table_rows) if size <= args.table_rows})
    with tempfile.TemporaryDirectory(prefix="lake-bench-") as folder:
        root = Path(folder)
        write_memory(root, args.table_rows, args.batch)
        memory(root, args.batch)
        conversion(make_charges(args.batch, seed=1), args.repeat)
        appends(root, args.batch, args.append_batches)
        if args.writer_options:
            writer_options(root)
        upserts(root, args.batch, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
