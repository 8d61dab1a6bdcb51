"""End-to-end sync benchmark: emulator -> stripeflow sync -> Delta tables, with the figures issue #2 asks for.

Examples (each prints its figures and the command line that produced them):

    # rate-limited, high latency: how close to the limits' floor does the sync get?
    python benchmarks/sync_throughput.py --objects 20000 --latency-ms 250 --rate-limit 100 \
        --endpoint-rate-limit 25 --max-rps 100 --max-endpoint-rps 25

    # CPU-bound: no latency, no limits, against a bare sequential download-and-parse reference client
    python benchmarks/sync_throughput.py --objects 20000 --no-limits --reference

    # memory: peak RSS of the sync process at 100,000 objects per resource
    python benchmarks/sync_throughput.py --objects 100000 --no-limits

The sync runs in a child process of its own, so its peak RSS is its own (the emulator is another process).
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from stripeflow.emulator.config import EmulatorConfig
from stripeflow.emulator.server import start_emulator
from stripeflow.stripe.resources import RESOURCES

KEY = "sk_test_emulator"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=20000, help="objects per resource in the emulator")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=float, default=25.0, help="emulator global limit (req/s)")
    parser.add_argument("--endpoint-rate-limit", type=float, default=25.0, help="emulator per-endpoint limit")
    parser.add_argument("--max-rps", type=float, default=None, help="sync global budget (req/s)")
    parser.add_argument("--max-endpoint-rps", type=float, default=None, help="sync per-endpoint budget")
    parser.add_argument("--no-limits", action="store_true", help="no emulator limits and --max-rps 0")
    parser.add_argument("--reference", action="store_true", help="also run the bare reference client")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--no-second-sync", action="store_true", help="skip the no-change second sync")
    parser.add_argument("--map", action="store_true", help="also map rows into the catalog datasets")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.no_limits:
        args.rate_limit = args.endpoint_rate_limit = 0.0
        args.max_rps = args.max_endpoint_rps = 0.0
    return args


def run_child(spec: dict[str, Any]) -> None:
    """In the child: one sync, then a JSON line with the report, the wall time and the peak RSS."""
    from stripeflow import api
    from stripeflow.settings import Settings

    settings = Settings(
        data_dir=Path(spec["data_dir"]),
        stripe_api_base=spec["base_url"],
        access_token=KEY,
        max_rps=spec["max_rps"],
        max_endpoint_rps=spec["max_endpoint_rps"] if spec["max_endpoint_rps"] is not None else 25.0,
    )
    options: dict[str, Any] = {"concurrency": spec["concurrency"], "batch_size": spec["batch_size"]}
    if not spec["map"] and "map_records" in inspect.signature(api.sync_async).parameters:
        options["map_records"] = False  # extraction only: what issue #2's targets measure
    started = time.perf_counter()
    report = api.sync(settings, **options)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # The dataset writer is a child of this process, waited for when the sync ends: its peak is here.
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    writer_kib = children.ru_maxrss
    print(
        json.dumps(
            {
                "report": report.to_json(),
                "seconds": seconds,
                "peak_rss_mb": peak_kib / 1024,
                "writer_peak_rss_mb": writer_kib / 1024,
                "cpu_seconds": own.ru_utime + own.ru_stime,
                "writer_cpu_seconds": children.ru_utime + children.ru_stime,
            }
        )
    )


def sync_in_child(spec: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", json.dumps(spec)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"sync child failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def reference_client(base_url: str) -> tuple[int, int, float]:
    """Download and JSON-parse every page of the six lists, one request after another. (records, pages, s)."""
    passes = [(spec.path, dict(params)) for spec in RESOURCES.values() for params in spec.passes]
    records = pages = 0
    started = time.perf_counter()
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as client:
        for path, params in passes:
            after: str | None = None
            while True:
                query = {"limit": "100", **params, **({"starting_after": after} if after else {})}
                page = orjson.loads(client.get(path, params=query).content)
                pages += 1
                records += len(page["data"])
                if not page["has_more"] or not page["data"]:
                    break
                after = page["data"][-1]["id"]
    return records, pages, time.perf_counter() - started


def minimal_requests(data_dir: Path) -> dict[str, int]:
    """The fewest requests per endpoint that can list what was synced: ceil(n/100) pages per list pass, and
    one subscription_items page per subscription whose items did not fit in the embedded 10."""
    import duckdb

    from stripeflow.lake.datasets import StripeDataset

    need: dict[str, int] = {}
    for name, spec in RESOURCES.items():
        table = StripeDataset(data_dir / "datasets", name).to_arrow()
        con = duckdb.connect()
        con.register("t", table)
        if name == "prices":
            counts = [row[0] for row in con.execute("select count(*) from t group by active").fetchall()]
        else:
            counts = [table.num_rows]
        need[spec.path] = sum(max(1, math.ceil(count / 100)) for count in counts)
        if name == "subscriptions":
            over = con.execute("select len(items.data) from t where len(items.data) > 10").fetchall()
            need["/v1/subscription_items"] = sum(max(1, math.ceil((row[0] - 10) / 100)) for row in over)
        con.close()
    return need


def floor_seconds(need: dict[str, int], args: argparse.Namespace) -> float:
    """The shortest time the emulator's limits allow for those requests (plus one round trip)."""
    total = sum(need.values())
    bounds = [0.0]
    if args.rate_limit > 0:
        bounds.append(total / args.rate_limit)
    if args.endpoint_rate_limit > 0:
        bounds.append(max(need.values()) / args.endpoint_rate_limit)
    return max(bounds) + args.latency_ms / 1000


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.child:
        run_child(json.loads(args.child))
        return
    config = EmulatorConfig(
        seed=args.seed,
        objects=dict.fromkeys(RESOURCES, args.objects),
        latency_ms=args.latency_ms,
        rate_limit=args.rate_limit,
        endpoint_rate_limit=args.endpoint_rate_limit,
    )
    print(f"$ python benchmarks/{Path(__file__).name} {shlex.join(argv)}")
    print(f"cores: {os.cpu_count()}  objects/resource: {args.objects:,}")
    started = time.perf_counter()
    with start_emulator(config) as emulator, tempfile.TemporaryDirectory() as tmp:
        print(f"emulator ready in {time.perf_counter() - started:.1f}s at {emulator.base_url}")
        reference = reference_client(emulator.base_url) if args.reference else None
        spec = {
            "data_dir": tmp,
            "base_url": emulator.base_url,
            "max_rps": args.max_rps,
            "max_endpoint_rps": args.max_endpoint_rps,
            "concurrency": args.concurrency,
            "batch_size": args.batch_size,
            "map": args.map,
        }
        stats_before = httpx.get(f"{emulator.base_url}/_emulator/stats").json()
        first = sync_in_child(spec)
        stats_after = httpx.get(f"{emulator.base_url}/_emulator/stats").json()
        if args.reference:
            again = reference_client(emulator.base_url)
            reference = max([reference, again], key=lambda item: item[0] / item[2])  # type: ignore[list-item]
        second = None if args.no_second_sync else sync_in_child(spec)
        need = minimal_requests(Path(tmp))
    report(args, first, second, reference, need, stats_before, stats_after)


def report(
    args: argparse.Namespace,
    first: dict[str, Any],
    second: dict[str, Any] | None,
    reference: tuple[int, int, float] | None,
    need: dict[str, int],
    stats_before: dict[str, Any],
    stats_after: dict[str, Any],
) -> None:
    resources = first["report"]["resources"]
    records = sum(item["records"] for item in resources.values())
    requests = sum(item["requests"] for item in resources.values())
    throttled = sum(item["throttled"] for item in resources.values())
    seconds = first["seconds"]
    failed = [name for name, item in resources.items() if item["status"] != "success"]
    print(
        f"full sync: {records:,} records in {seconds:.2f}s = {records / seconds:,.0f} records/s"
        + (f"  FAILED: {failed}" if failed else "")
    )
    for name in failed:
        print(f"  {name}: {resources[name]['error']}")
    print(
        f"requests: {requests:,} ({requests / seconds:,.1f} req/s), 429s: {throttled} "
        f"({100 * throttled / max(1, requests):.2f}% of requests)"
    )
    per_resource = {
        name: f"{item['records']:,} rec, {item['requests']} req, {item['seconds']:.1f}s"
        for name, item in resources.items()
    }
    print(f"per resource: {per_resource}")
    served_429 = stats_after.get("rate_limited_429", 0) - stats_before.get("rate_limited_429", 0)
    print(f"emulator: 429s answered during the sync: {served_429}")
    total = first["peak_rss_mb"] + first["writer_peak_rss_mb"]
    print(
        f"peak RSS: extraction process {first['peak_rss_mb']:.0f} MB + dataset writer process "
        f"{first['writer_peak_rss_mb']:.0f} MB = {total:.0f} MB (sum of the two peaks)"
    )
    print(
        f"CPU: extraction process {first['cpu_seconds']:.1f}s "
        f"({1e6 * first['cpu_seconds'] / max(1, records):.0f} us/record), "
        f"dataset writer process {first['writer_cpu_seconds']:.1f}s "
        f"({1e6 * first['writer_cpu_seconds'] / max(1, records):.0f} us/record)"
    )
    floor = floor_seconds(need, args)
    print(f"minimal requests: {sum(need.values()):,} {need}")
    if args.rate_limit > 0 or args.endpoint_rate_limit > 0:
        print(f"shortest time the limits allow: {floor:.2f}s -> efficiency {floor / seconds:.3f}")
    if reference is not None:
        ref_records, ref_pages, ref_seconds = reference
        ref_rate = ref_records / ref_seconds
        print(
            f"reference client: {ref_records:,} records, {ref_pages:,} pages in {ref_seconds:.2f}s = "
            f"{ref_rate:,.0f} records/s"
        )
        print(f"sync / reference records/s ratio: {(records / seconds) / ref_rate:.3f}")
    if second is not None:
        per = {name: item["requests"] for name, item in second["report"]["resources"].items()}
        print(f"second sync (no changes): {second['seconds']:.2f}s, requests per resource {per}")


if __name__ == "__main__":
    main(sys.argv[1:])
