"""Datasets on Delta Lake: one table per Stripe resource, typed columns plus system columns and the raw record."""

from stripeflow.lake.datasets import DatasetInfo, Deletion, StripeDataset, SystemColumns, list_datasets

__all__ = ["DatasetInfo", "Deletion", "StripeDataset", "SystemColumns", "list_datasets"]
