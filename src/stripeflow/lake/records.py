"""The plain values a dataset write takes: no Arrow, no Delta, so the extraction process need not import them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SystemColumns:
    """The system column values of one write. ``ingested_at`` must be timezone-aware (it is stored as UTC)."""

    batch_id: str
    api_version: str
    livemode: bool
    account: str
    ingested_at: datetime

    def __post_init__(self) -> None:
        if self.ingested_at.tzinfo is None:
            raise ValueError("SystemColumns.ingested_at must be timezone-aware")


@dataclass(frozen=True)
class Deletion:
    """An object Stripe deleted. ``record`` is the object as the deletion event carried it, if any."""

    id: str
    deleted_at: datetime
    record: Mapping[str, Any] | None = None
