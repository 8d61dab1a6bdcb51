"""The Python API: what the CLI does, callable from a notebook or an orchestrator (Airflow, Dagster).

>>> from stripeflow import api
>>> from stripeflow.settings import Settings
>>> report = api.sync(Settings(access_token="sk_test_...", data_dir="/data/stripe"), resources="charges,prices")
>>> report.resources["charges"].records
>>> api.read_dataset(settings, "charges").to_pandas()
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import httpx

from stripeflow.errors import ConfigurationError
from stripeflow.settings import Settings
from stripeflow.stripe.resources import RESOURCES, resolve
from stripeflow.sync.context import Progress
from stripeflow.sync.engine import MappingRequest, SyncEngine, SyncOptions, SyncReport

if TYPE_CHECKING:  # Arrow and Delta are imported only by the functions that read datasets
    import pyarrow as pa

    from stripeflow.lake.datasets import DatasetInfo

__all__ = ["SyncReport", "list_datasets", "parse_since", "read_dataset", "sync", "sync_async"]


def parse_since(value: str | date | datetime | int | None) -> int | None:
    """``2024-01-31`` / ``2024-01-31T12:00:00Z`` / a date / epoch seconds -> epoch seconds (UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ConfigurationError(
                f"--since {value!r} is not a date; use YYYY-MM-DD or an ISO 8601 time such as 2024-01-31T12:00:00Z"
            ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _options(
    resources: str | None,
    since: str | date | datetime | int | None,
    full_refresh: bool,
    concurrency: int,
    batch_size: int,
) -> SyncOptions:
    try:
        specs = resolve(resources)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc
    if concurrency < 1:
        raise ConfigurationError(f"concurrency must be at least 1, got {concurrency}")
    if batch_size < 1:
        raise ConfigurationError(f"batch size must be at least 1, got {batch_size}")
    return SyncOptions(
        resources=specs,
        since=parse_since(since),
        full_refresh=full_refresh,
        concurrency=concurrency,
        batch_size=batch_size,
    )


async def sync_async(
    settings: Settings,
    *,
    resources: str | None = None,
    since: str | date | datetime | int | None = None,
    full_refresh: bool = False,
    concurrency: int = 8,
    batch_size: int = 2000,
    progress: Mapping[str, Progress] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    map_records: bool = True,
    datasets: Mapping[str, str] | None = None,
    mappings: Mapping[str, str] | None = None,
    error_threshold: float | None = None,
    org_id: str | None = None,
    sandbox_name: str | None = None,
    diagnostics: bool = True,
    run_id: str | None = None,
) -> SyncReport:
    """Sync the chosen resources (default: all six) of the account behind ``settings.access_token``.

    Extraction lands each resource in its raw dataset; then (unless ``map_records`` is false) its new rows are
    mapped and validated into a catalog dataset: the ready-made one through the default mapping set, or the
    dataset id / mapping set (id or JSON file) that ``datasets`` / ``mappings`` give per resource.
    ``error_threshold`` (percent) turns on partial ingestion: below it, rejected rows are recorded as row errors
    and the rest is written; above it (or with any rejected row when unset) the mapping batch fails.
    """
    options = _options(resources, since, full_refresh, concurrency, batch_size)
    if map_records:
        if error_threshold is not None and not 0 <= error_threshold <= 100:
            raise ConfigurationError(f"the error threshold is a percentage from 0 to 100, got {error_threshold}")
        request = MappingRequest(
            dict(datasets or {}), dict(mappings or {}), error_threshold, org_id, sandbox_name, diagnostics, run_id
        )
        options = replace(options, mapping=request)
    elif datasets or mappings:
        raise ConfigurationError("--dataset/--mapping choose where records are mapped: drop --no-map to use them")
    return await SyncEngine(settings, transport=transport).run(options, progress)


def sync(settings: Settings, **kwargs: object) -> SyncReport:
    """Blocking form of :func:`sync_async` (same keyword arguments)."""
    return asyncio.run(sync_async(settings, **kwargs))  # type: ignore[arg-type]


def list_datasets(settings: Settings) -> list[DatasetInfo]:
    """The datasets under the data dir: name, path, rows, version, last batch."""
    from stripeflow.lake.datasets import list_datasets as list_in

    return list_in(settings.datasets_dir)


def read_dataset(settings: Settings, resource: str, *, include_deleted: bool = False) -> pa.Table:
    """One resource's dataset as a pyarrow Table (``.to_pandas()``, ``polars.from_arrow(...)``)."""
    import pyarrow.compute as pc

    from stripeflow.lake.datasets import StripeDataset

    if resource not in RESOURCES:
        raise ConfigurationError(f"unknown dataset {resource!r}; datasets are named {', '.join(RESOURCES)}")
    dataset = StripeDataset(settings.datasets_dir, resource)
    if not dataset.exists():
        raise ConfigurationError(f"dataset {resource!r} does not exist yet under {settings.datasets_dir}; run a sync")
    table = dataset.to_arrow()
    if not include_deleted:
        table = table.filter(pc.invert(table["_deleted"]))
    return table
