"""``stripeflow serve``: the REST API (and, as the flow issue lands, the scheduler and run executor)."""

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
    ) -> None:
        """Serve the Flow Service, Schema Registry, Catalog, Data Prep and export APIs (OpenAPI at /docs)."""
        import uvicorn

        from stripeflow.cli.app import load_settings
        from stripeflow.server.app import create_app

        settings = load_settings(data_dir=data_dir)
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
