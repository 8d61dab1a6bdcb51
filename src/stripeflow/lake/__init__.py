"""Datasets as Delta Lake tables: :mod:`stripeflow.lake.datasets` (writes and reads), :mod:`~stripeflow.lake.query`
(SQL over them), :mod:`~stripeflow.lake.worker` (writes in a child process).

Import the submodules directly; this package imports nothing, so that light users (the extraction process) do
not load Arrow and Delta.
"""
