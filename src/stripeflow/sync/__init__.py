"""The extraction sync: backfill by sliced list walks, then catch up through events, into Delta datasets."""
