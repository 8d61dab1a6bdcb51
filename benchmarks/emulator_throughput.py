"""Emulator benchmark: start-up time, memory, and pages/s and objects/s served to one sequential httpx client.

The emulator runs in its own process (as for the extractor's benchmarks); the client walks each resource's list
with ``limit=100`` and ``starting_after`` and parses every page, the way an extractor would.

    python benchmarks/emulator_throughput.py                      # 20,000 objects per resource
    python benchmarks/emulator_throughput.py --objects 100000     # the 600k-object start-up and memory figures
    python benchmarks/emulator_throughput.py --pages 300 --expand # pages that expand data.customer
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

import httpx
import orjson

from stripeflow.emulator.config import EmulatorConfig, parse_objects
from stripeflow.emulator.server import start_emulator
from stripeflow.stripe.resources import RESOURCES

KEY = "sk_test_emulator"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", default="20000", help="objects per resource, as for --objects of the CLI")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--pages", type=int, default=0, help="stop each resource after this many pages (0: all)")
    parser.add_argument("--limit", type=int, default=100, help="page size")
    parser.add_argument("--expand", action="store_true", help="ask for expand[]=data.customer where it exists")
    return parser.parse_args(argv)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def walk(client: httpx.Client, path: str, params: dict[str, object], max_pages: int) -> tuple[int, int]:
    """Page through one list; returns (pages, objects)."""
    pages = objects = 0
    cursor = None
    while True:
        query = {**params, **({"starting_after": cursor} if cursor else {})}
        response = client.get(path, params=query)
        response.raise_for_status()
        page = orjson.loads(response.content)
        pages += 1
        objects += len(page["data"])
        if not page["has_more"] or (max_pages and pages >= max_pages):
            return pages, objects
        cursor = page["data"][-1]["id"]


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    config = EmulatorConfig(
        seed=args.seed, objects=parse_objects(args.objects), rate_limit=0.0, endpoint_rate_limit=0.0
    )
    started = time.perf_counter()
    with start_emulator(config) as emulator:
        startup = time.perf_counter() - started
        pid = emulator.process.pid
        print(f"start-up: {startup:.1f} s for {sum(config.objects.values()):,} objects; RSS {rss_mb(pid):.0f} MB")
        headers = {"Authorization": f"Bearer {KEY}"}
        total_pages = total_objects = 0
        total_time = 0.0
        cpu_before = cpu_seconds(pid)
        with httpx.Client(base_url=emulator.base_url, headers=headers, timeout=60) as client:
            for spec in RESOURCES.values():
                for extra in spec.passes:
                    params: dict[str, object] = {"limit": args.limit, **extra}
                    if args.expand and spec.name in ("charges", "subscriptions"):
                        params["expand[]"] = "data.customer"
                    begin = time.perf_counter()
                    pages, objects = walk(client, spec.path, params, args.pages)
                    spent = time.perf_counter() - begin
                    total_pages, total_objects, total_time = (
                        total_pages + pages,
                        total_objects + objects,
                        total_time + spent,
                    )
                    label = spec.name + ("?" + "&".join(f"{k}={v}" for k, v in extra.items()) if extra else "")
                    print(
                        f"{label:<34} {pages:>6} pages {objects:>8} objects {spent:6.2f} s "
                        f"{pages / spent:8.0f} pages/s {objects / spent:9.0f} objects/s"
                    )
            cpu = cpu_seconds(pid) - cpu_before
            stats = client.get("/_emulator/stats").json()
        print(
            f"{'all':<34} {total_pages:>6} pages {total_objects:>8} objects {total_time:6.2f} s "
            f"{total_pages / total_time:8.0f} pages/s {total_objects / total_time:9.0f} objects/s"
        )
        print(
            f"emulator CPU while serving: {cpu:.2f} s = {cpu / total_pages * 1000:.2f} ms per page "
            f"({cpu / total_time:.0%} of one core); RSS {rss_mb(pid):.0f} MB"
        )
        print(f"requests the emulator counted: {stats['requests_total']}")
    print("command: python " + shlex.join([sys.argv[0], *argv]))


if __name__ == "__main__":
    main(sys.argv[1:])
