"""The ``stripeflow`` command line (Typer + Rich)."""
