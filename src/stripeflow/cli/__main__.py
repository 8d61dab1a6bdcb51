"""``python -m stripeflow.cli`` runs the command line, like the ``stripeflow`` script."""

from stripeflow.cli.app import main

main()
