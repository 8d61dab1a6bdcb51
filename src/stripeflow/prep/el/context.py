"""What an evaluation may read besides the record: the clock and the UUID source, injectable for tests."""

from __future__ import annotations

import uuid as _uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _random_uuid() -> str:
    return str(_uuid.uuid4())


@dataclass(frozen=True, slots=True)
class EvalContext:
    """``now`` returns an aware UTC datetime (``now()``, ``timestamp()``); ``uuid`` returns a UUID string."""

    now: Callable[[], datetime] = field(default=_utc_now)
    uuid: Callable[[], str] = field(default=_random_uuid)


DEFAULT_CONTEXT = EvalContext()
