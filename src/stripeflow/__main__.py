"""``python -m stripeflow`` runs the command line, like the ``stripeflow`` script."""

from stripeflow.cli.app import main

main()
