"""``stripeflow serve``: the REST API, with the flow scheduler and run executor as a background task."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
        data_dir: Annotated[
            Path | None, typer.Option("--data-dir", help="Where metadata and datasets live [env STRIPEFLOW_DATA_DIR].")
        ] = None,
        scheduler: Annotated[
            bool, typer.Option("--scheduler/--no-scheduler", help="Run the dataflows' schedules in this process.")
        ] = True,
    ) -> None:
        """Serve the Flow Service, Schema Registry, Catalog, Data Prep and export APIs (OpenAPI at /docs), and run
        the dataflows on their schedules."""
        import uvicorn

        from stripeflow.cli.app import load_settings
        from stripeflow.server.app import create_app

        settings = load_settings(data_dir=data_dir)
        uvicorn.run(create_app(settings, scheduler=scheduler), host=host, port=port, log_level="info")
