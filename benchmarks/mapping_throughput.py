"""Mapping throughput: map + validate Stripe charges with the default mapping set, against ``orjson.loads``.

    python benchmarks/mapping_throughput.py                 # 5,000 charges from the emulator's generator
    python benchmarks/mapping_throughput.py --count 20000 --resource customers
    python benchmarks/mapping_throughput.py --profile       # also a cProfile top 15 of the mapping

Figures printed: records/s of ``orjson.loads`` of each record's JSON (``{"data": <object>}``, the reference), of
``Mapper.map_batch`` on the parsed records (mapping + conversion + validation against the ready-made schema, as
the schema registry resolves it), and their ratio (mapping time / parse time: below 1 means mapping a record costs
less than parsing it). Then the columnar path promotion takes (``stripeflow.prep.columnar``): the same records as
the raw table's typed Arrow columns (converted by the raw writer, as one record batch), mapped and validated by
``ColumnarMapper.map_table`` into the dataset's stored columns, and, within that, its guard over ``_raw``. The best
of ``--repeat`` runs of CPU time is kept.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from stripeflow.emulator.build import build_dataset
from stripeflow.emulator.config import RESOURCE_NAMES
from stripeflow.emulator.dataset import DatasetSpec
from stripeflow.lake.convert import Stamp, columns_for, to_table
from stripeflow.lake.schema import resource_schema
from stripeflow.prep.columnar import compile_columnar
from stripeflow.prep.columnar_guard import guarded
from stripeflow.prep.compiler import compile_mapping
from stripeflow.prep.defaults import default_mapping_set
from stripeflow.store import open_store
from stripeflow.store.database import Database
from stripeflow.xdm.kinds import RegistryScope
from stripeflow.xdm.registry import SchemaRegistry
from stripeflow.xdm.stripe_defaults import ensure_stripe_defaults


def generated_records(resource: str, count: int, seed: int) -> list[bytes]:
    """``count`` objects of ``resource`` from the emulator's generator, each as the JSON of ``{"data": obj}``."""
    counts = {**dict.fromkeys(RESOURCE_NAMES, 50), resource: count}
    spec = DatasetSpec(
        seed=seed, account="acct_1BenchMapping0001", livemode=False, connected=False, counts=counts,
        anchor=1_750_000_000, api_version="2026-07-29.dahlia",
    )  # fmt: skip
    data = build_dataset(spec, parallel=False)
    bodies = [record.body for record in data[resource].records.values()][:count]
    return [b'{"data":' + body + b"}" for body in bodies]


def ready_made_schema(resource: str) -> dict[str, Any]:
    """The resolved ready-made schema of ``resource`` from a throwaway schema registry."""
    with tempfile.TemporaryDirectory() as folder, open_store(f"sqlite:///{folder}/metadata.db") as store:
        registry = SchemaRegistry(Database(store.engine), RegistryScope("bench-org"))
        return registry.resolve(ensure_stripe_defaults(registry)[resource])


def raw_batch(resource: str, raw: list[bytes]) -> pa.RecordBatch:
    """The records as the raw writer stores them (typed columns, ``_raw``, system columns), one record batch."""
    records = [orjson.loads(item)["data"] for item in raw]
    stamp = Stamp("bench", datetime.now(UTC), "2026-07-29.dahlia", False, "acct_1BenchMapping0001")
    return to_table(records, columns_for(resource, {}), stamp).combine_chunks().to_batches()[0]


def best_cpu_time(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resource", default="charges", choices=RESOURCE_NAMES)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print a cProfile top 15 of map_batch")
    args = parser.parse_args(argv)
    print("$", shlex.join(["python", "benchmarks/mapping_throughput.py", *(argv or sys.argv[1:])]))

    raw = generated_records(args.resource, args.count, args.seed)
    records = [orjson.loads(item) for item in raw]
    schema = ready_made_schema(args.resource)
    mapper = compile_mapping(default_mapping_set(args.resource), schema)
    rows = mapper.map_batch(records)
    rejected = sum(row.rejected for row in rows)
    with_errors = sum(bool(row.errors) for row in rows)
    size = sum(map(len, raw)) / len(raw)
    print(
        f"{len(records)} {args.resource}, {size:,.0f} bytes of JSON each; "
        f"rejected {rejected}, with errors {with_errors}"
    )

    parse = best_cpu_time(lambda: [orjson.loads(item) for item in raw], args.repeat)
    mapping = best_cpu_time(lambda: mapper.map_batch(records), args.repeat)
    print(f"orjson.loads      {len(raw) / parse:>12,.0f} records/s  ({parse / len(raw) * 1e6:6.2f} µs/record)")
    print(f"map + validate    {len(raw) / mapping:>12,.0f} records/s  ({mapping / len(raw) * 1e6:6.2f} µs/record)")
    print(f"ratio map/parse   {mapping / parse:>12.2f}")
    columnar_figures(args, raw, parse, schema)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        mapper.map_batch(records)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def columnar_figures(args: argparse.Namespace, raw: list[bytes], parse: float, schema: dict[str, Any]) -> None:
    batch = raw_batch(args.resource, raw)
    columnar = compile_columnar(default_mapping_set(args.resource), schema, resource_schema(args.resource).kinds)
    table, fallback = columnar.map_table(batch)
    print(f"columnar: {table.num_rows} rows mapped with Arrow, {len(fallback)} left to the row-wise mapper")
    mapping = best_cpu_time(lambda: columnar.map_table(batch), args.repeat)
    guard = best_cpu_time(lambda: guarded(batch.column("_raw"), columnar.pattern), args.repeat)
    count = batch.num_rows
    print(f"columnar map      {count / mapping:>12,.0f} records/s  ({mapping / count * 1e6:6.2f} µs/record)")
    print(f"  of which guard  {count / guard:>12,.0f} records/s  ({guard / count * 1e6:6.2f} µs/record)")
    print(f"ratio columnar/parse {mapping / parse:>9.2f}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
