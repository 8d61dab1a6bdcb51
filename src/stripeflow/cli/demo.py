"""``stripeflow demo``: the emulator, a full sync of all six resources, and a first query, with no Stripe key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from stripeflow.emulator.config import EmulatorConfig, parse_objects
from stripeflow.emulator.server import start_emulator
from stripeflow.settings import Settings

#: The key the emulator's default account accepts (full access, test mode).
DEMO_KEY = "sk_test_emulator"

#: Over the mapped "Stripe Charges" dataset (the XDM schema's fields under the tenant namespace, ``{ns}``): the
#: share of each payment method, buy now, pay later ones included, with amounts in major units per currency.
BNPL_QUERY = """
select
    c.payment_method_details.type as method,
    upper(c.currency) as currency,
    count(*) as charges,
    round(100.0 * count(*) / sum(count(*)) over (), 1) as share_pct,
    round(sum(c.amount_major), 2) as amount
from (select "{ns}".charges_data as c from charges where not _deleted)
group by 1, 2
order by charges desc
"""


def format_query(result: object, title: str) -> Table:
    import pyarrow as pa

    assert isinstance(result, pa.Table)
    table = Table(title=title, title_justify="left")
    for name in result.column_names:
        table.add_column(name, justify="left" if result.schema.field(name).type == pa.string() else "right")
    for row in result.to_pylist():
        table.add_row(*("" if value is None else str(value) for value in row.values()))
    return table


def bnpl_shares(settings: Settings) -> object:
    """The example query over the mapped charges (an Arrow table)."""
    import duckdb

    from stripeflow.catalog_api import load_dataset
    from stripeflow.xdm.stripe_layout import tenant_namespace

    charges = load_dataset(settings, "charges")
    connection = duckdb.connect()
    try:
        connection.register("charges", charges)
        return connection.sql(BNPL_QUERY.format(ns=tenant_namespace(settings.tenant_id))).to_arrow_table()
    finally:
        connection.close()


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        objects: Annotated[
            str,
            typer.Option(help="Objects per resource in the emulated account, e.g. 1000 or charges=5000,customers=500."),
        ] = "1000",
        seed: Annotated[int, typer.Option(help="Seed of the emulated account.")] = 42,
        data_dir: Annotated[
            Path | None, typer.Option("--data-dir", help="Where metadata and datasets live [env STRIPEFLOW_DATA_DIR].")
        ] = None,
    ) -> None:
        """Start the built-in Stripe emulator, sync all six resources into Delta tables, and query them."""
        from stripeflow.cli.app import load_settings, out, run_sync_with_progress
        from stripeflow.cli.format import format_destinations, format_summary

        try:
            counts = parse_objects(objects)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--objects") from exc
        console = Console(stderr=True)
        console.print(f"Starting the Stripe emulator (seed {seed}, objects {objects}) ...")
        with start_emulator(EmulatorConfig(seed=seed, objects=counts)) as emulator:
            settings: Settings = load_settings(
                data_dir=data_dir, stripe_api_base=emulator.base_url, access_token=DEMO_KEY
            )
            console.print(f"Emulator at {emulator.base_url}; syncing into {settings.datasets_dir.resolve()}")
            report = run_sync_with_progress(settings, show=True)
        out.print(format_summary(report))
        out.print(format_destinations(report))
        if "charges" in report.resources and report.resources["charges"].status == "success":
            out.print(
                format_query(
                    bnpl_shares(settings),
                    "Charges by payment method (buy now, pay later: klarna, afterpay_clearpay, affirm, zip)",
                )
            )
        out.print(
            f"\nThe datasets are Delta tables under {settings.data_dir.resolve()}: raw Stripe objects in datasets/, "
            "the mapped XDM datasets in catalog/. Read them with DuckDB, Polars, pandas or Spark (docs/datasets.md, "
            "docs/catalog.md); `stripeflow datasets list` lists them, `stripeflow datasets show charges` shows one."
        )
        if not report.ok:
            raise typer.Exit(1)
