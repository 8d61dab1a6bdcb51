"""``python -m stripeflow.emulator [--port 0] [--objects 1000] …``: the same options as ``stripeflow emulator``."""

from __future__ import annotations

import typer

from stripeflow.cli.emulator import HELP, emulator


def main() -> None:
    app = typer.Typer(add_completion=False, help=HELP)
    app.command(help=HELP)(emulator)
    app()


if __name__ == "__main__":
    main()
