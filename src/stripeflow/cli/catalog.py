"""``stripeflow schemas …``, ``stripeflow mappings …`` and ``stripeflow datasets show|errors``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from stripeflow.settings import Settings

if TYPE_CHECKING:
    from types import ModuleType
from stripeflow.stripe.resources import RESOURCES

out = Console()

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Where metadata and datasets live [env STRIPEFLOW_DATA_DIR].")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _settings(data_dir: Path | None, **overrides: object) -> Settings:
    from stripeflow.cli.app import load_settings

    return load_settings(data_dir=data_dir, **overrides)


def catalog() -> ModuleType:
    """:mod:`stripeflow.catalog_api`, imported when a command runs (it loads Arrow and Delta)."""
    from stripeflow import catalog_api

    return catalog_api


#: Records ``mappings preview`` samples from Stripe by default (as ``PREVIEW_SAMPLE``).
PREVIEW_SAMPLE = 5


def _print_json(value: Any) -> None:
    out.print_json(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode())


schemas_app = typer.Typer(help="XDM schemas of the Schema Registry (the six ready-made Stripe schemas included).")
mappings_app = typer.Typer(help="Data Prep mapping sets: validate and preview without ingesting.")


@schemas_app.command("list")
def schemas_list(json_output: JsonFlag = False, data_dir: DataDir = None) -> None:
    """The tenant schemas: title, class, version and id."""
    schemas = catalog().list_schemas(_settings(data_dir))
    if json_output:
        _print_json(schemas)
        return
    table = Table("title", "class", "version", "meta:altId", title="Schemas")
    for item in schemas:
        table.add_row(
            str(item.get("title")), str(item.get("meta:class", "")).rsplit("/", 1)[-1], str(item.get("version")),
            str(item.get("meta:altId")),
        )  # fmt: skip
    out.print(table)


@schemas_app.command("show")
def schemas_show(
    schema: Annotated[str, typer.Argument(help="Schema $id, meta:altId, title, or a resource name.")],
    raw: Annotated[bool, typer.Option(help="The stored form (allOf/$ref kept) instead of the resolved one.")] = False,
    data_dir: DataDir = None,
) -> None:
    """A schema, resolved (xed-full) unless --raw."""
    _print_json(catalog().get_schema(_settings(data_dir), schema, full=not raw))


@schemas_app.command("export")
def schemas_export(
    schema: Annotated[str, typer.Argument(help="Schema $id, meta:altId, title, or a resource name.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead.")] = None,
    data_dir: DataDir = None,
) -> None:
    """A schema as a standalone JSON Schema (draft 2020-12)."""
    document = catalog().export_schema(_settings(data_dir), schema)
    if output is None:
        _print_json(document)
    else:
        output.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
        out.print(f"wrote {output}")


MappingArg = Annotated[
    str, typer.Argument(help="A mapping set: JSON file, stored id, or a resource name (its default mapping set).")
]
SchemaOpt = Annotated[
    str | None, typer.Option(help="Output schema (id, title or resource); default: the one the mapping set names.")
]


@mappings_app.command("validate")
def mappings_validate(
    mapping: MappingArg, schema: SchemaOpt = None, json_output: JsonFlag = False, data_dir: DataDir = None
) -> None:
    """Check every mapping against the schema (paths, types, expressions); exit code 1 when one fails."""
    settings = _settings(data_dir)
    results = catalog().validate_mapping(settings, mapping, schema=schema)
    with catalog().open_platform(settings) as platform:
        mapping_set = catalog().read_mapping_set(platform, mapping)
    if json_output:
        _print_json({"validationResponse": results})
    else:
        failed = [(index, item) for index, item in enumerate(results) if item["status"] != "SUCCESS"]
        table = Table("#", "destination", "errors", title=f"{len(failed)} of {len(results)} mappings fail")
        for index, item in failed:
            messages = "; ".join(f"{error['code']}: {error['message']}" for error in item["errors"] or [])
            table.add_row(str(index), mapping_set.mappings[index].destination, messages)
        out.print(table if failed else f"all {len(results)} mappings are valid")
    if any(item["status"] != "SUCCESS" for item in results):
        raise typer.Exit(1)


@mappings_app.command("preview")
def mappings_preview(
    mapping: MappingArg,
    records: Annotated[
        Path | None, typer.Option(help="Stripe objects to map: JSON array, a Stripe list, or JSON Lines.")
    ] = None,
    resource: Annotated[
        str | None, typer.Option(help="Sample this resource from Stripe instead (needs an access token).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Records to sample from Stripe.")] = PREVIEW_SAMPLE,
    schema: SchemaOpt = None,
    access_token: Annotated[str | None, typer.Option(help="Stripe key [env STRIPEFLOW_ACCESS_TOKEN].")] = None,
    data_dir: DataDir = None,
) -> None:
    """Map sample records without ingesting them; prints each mapped row with its errors."""
    settings = _settings(data_dir, access_token=access_token)
    samples = None if records is None else catalog().load_records(records)
    if samples is None and resource is None and mapping in RESOURCES:
        resource = mapping
    _print_json(
        catalog().preview_mapping(settings, mapping, records=samples, resource=resource, schema=schema, limit=limit)
    )


def datasets_show(
    dataset: Annotated[str, typer.Argument(help="Dataset id, name, or resource name (its ready-made dataset).")],
    batches: Annotated[int, typer.Option(help="How many recent batches to list.")] = 10,
    json_output: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """A catalog dataset: its schema, table path, rows and recent batches."""
    settings = _settings(data_dir)
    with catalog().open_platform(settings) as platform:
        chosen = catalog().dataset_id(platform, dataset)
        body = platform.catalog.get_dataset(chosen)[chosen]
        path = platform.catalog.table_path(chosen)
        rows = platform.catalog.read_dataset(chosen).num_rows
    recent = catalog().list_batches(settings, chosen, limit=batches)
    if json_output:
        _print_json({"id": chosen, **body, "path": str(path), "rows": rows, "batches": recent})
        return
    out.print(
        f"[bold]{body.get('name')}[/] ({chosen})\nschema: {body['schemaRef']['id']}\ntable:  {path}\nrows:   {rows}"
    )
    out.print(format_batches(recent))


def format_batches(batches: list[dict[str, Any]]) -> Table:
    table = Table("batch", "status", "input", "output", "failed", "errors", title="Batches")
    for batch in batches:
        metrics = batch.get("metrics") or {}
        errors = ", ".join(f"{item.get('code')}×{item.get('recordCount', '?')}" for item in batch.get("errors") or [])
        table.add_row(
            batch["id"], str(batch.get("status")), str(metrics.get("inputRecordCount", "")),
            str(metrics.get("outputRecordCount", "")), str(metrics.get("failedRecordCount", "")), errors,
        )  # fmt: skip
    return table


def datasets_errors(
    batch: Annotated[str, typer.Argument(help="Batch id (see `stripeflow datasets show`).")],
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 100,
    json_output: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """A batch's rejected rows: the raw record, and each error's code and message."""
    rows = catalog().row_errors(_settings(data_dir), batch, limit=limit)
    if json_output:
        _print_json(rows)
        return
    if not rows:
        out.print(f"batch {batch} has no row errors (or its diagnostics have expired)")
        return
    table = Table("record", "errors", title=f"Row errors of batch {batch}")
    for row in rows:
        record = str(row.get("_corrupt_record", ""))
        errors = "\n".join(f"{item['code']}: {item['message']}" for item in row.get("_errors") or [])
        table.add_row(record[:120] + ("…" if len(record) > 120 else ""), errors)
    out.print(table)


def register(app: typer.Typer, datasets_app: typer.Typer) -> None:
    app.add_typer(schemas_app, name="schemas")
    app.add_typer(mappings_app, name="mappings")
    datasets_app.command("show")(datasets_show)
    datasets_app.command("errors")(datasets_errors)
