"""The Typer application. ``main`` is the composition root: it reads the settings once and passes them down."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console

from stripeflow import api
from stripeflow.cli import catalog as catalog_command
from stripeflow.cli import demo as demo_command
from stripeflow.cli import emulator as emulator_command
from stripeflow.cli import serve as serve_command
from stripeflow.cli.format import (
    catalog_json,
    dataset_json,
    format_catalog_datasets,
    format_datasets,
    format_destinations,
    format_summary,
    progress_bars,
    progress_fields,
)
from stripeflow.errors import ConfigurationError, FatalError, StripeflowError
from stripeflow.settings import Settings
from stripeflow.stripe.resources import RESOURCES, resolve
from stripeflow.sync.context import Progress
from stripeflow.sync.engine import SyncReport

app = typer.Typer(
    name="stripeflow",
    help="Bring a Stripe account's data into Delta Lake datasets: complete, fast and resumable.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
datasets_app = typer.Typer(help="Inspect the datasets under the data dir.", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")

console = Console(stderr=True)
out = Console()

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Where metadata and datasets live [env STRIPEFLOW_DATA_DIR].")
]


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with CLI flags on top; a bad value becomes a clear CLI error."""
    try:
        return Settings.from_env(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'settings'}: {err['msg']}" for err in exc.errors())
        raise ConfigurationError(f"invalid settings: {problems}") from exc


@app.command()
def sync(
    resources: Annotated[
        str | None,
        typer.Option(help=f"Comma-separated resources to sync (default: all of {', '.join(RESOURCES)})."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Backfill only objects created on or after this date (YYYY-MM-DD).")
    ] = None,
    full_refresh: Annotated[bool, typer.Option(help="Re-read everything instead of catching up.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")] = False,
    access_token: Annotated[
        str | None, typer.Option(help="Stripe secret or restricted key [env STRIPEFLOW_ACCESS_TOKEN].")
    ] = None,
    max_rps: Annotated[
        float | None,
        typer.Option(help="Requests/s for the account; default 25 (test) or 100 (live); 0 = unlimited."),
    ] = None,
    max_endpoint_rps: Annotated[
        float | None, typer.Option(help="Requests/s per endpoint; default 25; 0 = unlimited.")
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Slices fetched side by side per resource.")] = 8,
    batch_size: Annotated[int, typer.Option(help="Records per dataset write.")] = 2000,
    map_records: Annotated[
        bool, typer.Option("--map/--no-map", help="Map and validate into catalog datasets after extraction.")
    ] = True,
    dataset: Annotated[
        list[str] | None,
        typer.Option(help="RESOURCE=DATASET_ID: map a resource into this catalog dataset (repeatable)."),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(help="RESOURCE=MAPPING: a mapping set id or JSON file for a resource (repeatable)."),
    ] = None,
    error_threshold: Annotated[
        float | None,
        typer.Option(help="Partial ingestion: percent of rows that may fail mapping before a batch fails."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Copy Stripe resources into Delta datasets: a backfill the first time, then only what changed; then map
    and validate the new rows into catalog datasets of XDM schemas (the ready-made ones unless told otherwise)."""
    settings = load_settings(
        access_token=access_token, max_rps=max_rps, max_endpoint_rps=max_endpoint_rps, data_dir=data_dir
    )
    resolve(resources) if resources else None
    report = run_sync_with_progress(
        settings,
        show=not json_output,
        resources=resources,
        since=since,
        full_refresh=full_refresh,
        concurrency=concurrency,
        batch_size=batch_size,
        map_records=map_records,
        datasets=parse_pairs(dataset, "--dataset"),
        mappings=parse_pairs(mapping, "--mapping"),
        error_threshold=error_threshold,
    )
    if json_output:
        out.print_json(orjson.dumps(report.to_json()).decode())
    else:
        out.print(format_summary(report))
        out.print(format_destinations(report))
    if not report.ok:
        raise typer.Exit(1)


def parse_pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``["charges=abc", ...]`` -> ``{"charges": "abc"}``; a malformed or repeated pair is a clear error."""
    pairs: dict[str, str] = {}
    for value in values or []:
        name, sep, chosen = value.partition("=")
        if not sep or not name.strip() or not chosen.strip():
            raise ConfigurationError(f"{option} {value!r}: write RESOURCE=VALUE, e.g. {option} charges=...")
        if name.strip() in pairs:
            raise ConfigurationError(f"{option} names {name.strip()!r} twice; give one value per resource")
        pairs[name.strip()] = chosen.strip()
    return pairs


def run_sync_with_progress(settings: Settings, *, show: bool, **kwargs: object) -> SyncReport:
    """Run a sync while a bar per resource shows its phase, records, requests and 429s."""
    names = [spec.name for spec in resolve(kwargs.get("resources"))]  # type: ignore[arg-type]
    progress = {name: Progress(name) for name in names}
    if not show or not console.is_terminal:
        return asyncio.run(api.sync_async(settings, progress=progress, **kwargs))  # type: ignore[arg-type]
    with progress_bars(console) as bars:
        tasks = {name: bars.add_task(name, total=None, **progress_fields(item)) for name, item in progress.items()}

        def refresh() -> None:
            for name, item in progress.items():
                if item.done:
                    bars.update(tasks[name], total=1, completed=1)
                bars.update(tasks[name], **progress_fields(item))

        async def run() -> SyncReport:
            task = asyncio.create_task(api.sync_async(settings, progress=progress, **kwargs))  # type: ignore[arg-type]
            while not task.done():
                refresh()
                await asyncio.wait([task], timeout=0.2)
            refresh()
            return task.result()

        return asyncio.run(run())


@datasets_app.command("list")
def datasets_list(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Every dataset: the raw Stripe tables extraction lands (name, path, rows, last batch) and the catalog datasets
    mapped onto XDM schemas (id, name, schema, last batch)."""
    from stripeflow.catalog_api import list_catalog_datasets

    settings = load_settings(data_dir=data_dir)
    raw = api.list_datasets(settings)
    catalog = list_catalog_datasets(settings)
    if json_output:
        document = {"raw": [dataset_json(info) for info in raw], "catalog": catalog_json(catalog)}
        out.print_json(orjson.dumps(document).decode())
    elif not raw and not catalog:
        out.print(f"No datasets yet under {settings.data_dir}. Run `stripeflow sync` or `stripeflow demo`.")
    else:
        out.print(format_datasets(raw))
        out.print(format_catalog_datasets(catalog))


demo_command.register(app)
catalog_command.register(app, datasets_app)
emulator_command.register(app)
serve_command.register(app)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except FatalError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)
    except (ConfigurationError, ValueError, StripeflowError) as exc:
        console.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)
