"""stripeflow: bring a Stripe account's data into Delta Lake datasets.

The public Python API lives in :mod:`stripeflow.api`; the command line in :mod:`stripeflow.cli`.
"""

__version__ = "0.1.0"
