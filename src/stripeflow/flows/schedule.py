"""A flow's ``scheduleParams``: validation by the REST flow spec's ``scheduleSpec`` and the ticks that are due.

The rules (``PeriodicSchedule``): ``startTime`` (epoch seconds, a string or a number) and ``frequency`` (``once``,
``minute``, ``hour``, ``day``, ``week``) are required; with ``once`` neither ``interval`` nor ``backfill`` may be
given; otherwise ``interval`` is a non-zero integer, at least 15 for ``minute`` and 1 for the others; ``backfill``
is a boolean (``"true"``/``"false"`` accepted) and defaults to true. Values are echoed back as strings.

Ticks are ``startTime + k * interval * period``. After downtime the due ticks are not replayed one by one:
:func:`due_window` coalesces them into one window that ends at the newest due tick.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

FREQUENCIES: Final = ("once", "minute", "hour", "day", "week")
PERIOD_SECONDS: Final = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800}
MINIMUM_INTERVAL: Final = {"minute": 15, "hour": 1, "day": 1, "week": 1}
KNOWN_FIELDS: Final = ("startTime", "frequency", "interval", "backfill")


class ScheduleError(ValueError):
    """A ``scheduleParams`` rule is broken; ``field`` names the field (a 400 for the API)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"scheduleParams.{field}: {rule}")
        self.field = field
        self.rule = rule


@dataclass(frozen=True, slots=True)
class Schedule:
    """A validated schedule. ``interval`` and ``backfill`` are ``None`` for ``once``."""

    start_time: int
    frequency: str
    interval: int | None = None
    backfill: bool | None = None

    @property
    def once(self) -> bool:
        return self.frequency == "once"

    @property
    def backfills(self) -> bool:
        """Whether the first run reads all history (true unless ``backfill`` is false)."""
        return self.backfill is not False

    @property
    def period(self) -> int | None:
        """Seconds between ticks (``None`` for ``once``)."""
        if self.once or self.interval is None:
            return None
        return PERIOD_SECONDS[self.frequency] * self.interval

    def to_json(self) -> dict[str, str]:
        """The ``scheduleParams`` echo: every value a string, ``backfill`` shown with its default."""
        document = {"startTime": str(self.start_time), "frequency": self.frequency}
        if not self.once:
            document["interval"] = str(self.interval)
            document["backfill"] = "true" if self.backfills else "false"
        return document


def parse_schedule(params: Any) -> Schedule:
    """Validate ``scheduleParams``; :class:`ScheduleError` names the first broken rule."""
    if not isinstance(params, Mapping):
        raise ScheduleError("", "scheduleParams must be an object with startTime and frequency")
    unknown = sorted(set(params) - set(KNOWN_FIELDS))
    if unknown:
        raise ScheduleError(unknown[0], f"unknown field; the schedule has only {', '.join(KNOWN_FIELDS)}")
    start_time = _start_time(params.get("startTime"))
    frequency = _frequency(params.get("frequency"))
    if frequency == "once":
        for field in ("interval", "backfill"):
            if field in params:
                raise ScheduleError(field, f"must not be present when frequency is 'once' (got {params[field]!r})")
        return Schedule(start_time, frequency)
    interval = _interval(params.get("interval"), frequency)
    backfill = _backfill(params["backfill"]) if "backfill" in params else True
    return Schedule(start_time, frequency, interval, backfill)


def _integer(value: Any) -> int | None:
    """An integer from an int or a string of digits (an optional sign); ``None`` for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isascii() and digits.isdigit():
            return int(text)
    return None


def _start_time(value: Any) -> int:
    if value is None or value == "":
        raise ScheduleError("startTime", 'is required: the first run\'s time in epoch seconds, e.g. "1710267858"')
    seconds = _integer(value)
    if seconds is None or seconds < 0:
        raise ScheduleError("startTime", f"must be epoch seconds (a non-negative integer or its string), got {value!r}")
    if seconds > 10**11:
        raise ScheduleError("startTime", f"must be epoch seconds, not milliseconds: got {value!r}")
    return seconds


def _frequency(value: Any) -> str:
    if value is None or value == "":
        raise ScheduleError("frequency", f"is required: one of {' | '.join(FREQUENCIES)}")
    if value not in FREQUENCIES:
        raise ScheduleError("frequency", f"must be one of {' | '.join(FREQUENCIES)}, got {value!r}")
    return str(value)


def _interval(value: Any, frequency: str) -> int:
    if value is None or value == "":
        raise ScheduleError("interval", f"is required when frequency is {frequency!r}")
    interval = _integer(value)
    if interval is None:
        raise ScheduleError("interval", f"must be an integer (a number or its string), got {value!r}")
    if interval == 0:
        raise ScheduleError("interval", "must be a non-zero integer")
    minimum = MINIMUM_INTERVAL[frequency]
    if interval < minimum:
        raise ScheduleError("interval", f"must be at least {minimum} when frequency is {frequency!r}, got {interval}")
    return interval


def _backfill(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ScheduleError("backfill", f'must be a boolean (true/false, or the strings "true"/"false"), got {value!r}')


def next_runs(schedule: Schedule, after: int | None, now: int) -> list[int]:
    """The ticks (epoch seconds) due by ``now`` and later than ``after`` (the last tick already scheduled).

    ``once`` has one tick, ``startTime``. The list can be long after downtime; :func:`due_window` coalesces it.
    """
    period = schedule.period
    if period is None:
        due = schedule.start_time <= now and (after is None or after < schedule.start_time)
        return [schedule.start_time] if due else []
    if now < schedule.start_time:
        return []
    first = 0 if after is None or after < schedule.start_time else (after - schedule.start_time) // period + 1
    last = (now - schedule.start_time) // period
    return [schedule.start_time + k * period for k in range(first, last + 1)]


@dataclass(frozen=True, slots=True)
class DueWindow:
    """One run to create: at ``tick`` (the newest due tick), reading ``[window_start, window_end)`` (epoch s).

    ``missed`` counts the earlier due ticks it stands for (0 when the scheduler kept up)."""

    tick: int
    window_start: int
    window_end: int
    missed: int


def due_window(schedule: Schedule, after: int | None, now: int) -> DueWindow | None:
    """The one run due by ``now``: missed ticks are coalesced into it and its window covers the whole span.

    The window starts where the last run's ended (``after``); the first window starts at 0 (all history) with
    backfill, else at ``startTime``."""
    ticks = next_runs(schedule, after, now)
    if not ticks:
        return None
    first_start = 0 if schedule.backfills else schedule.start_time
    start = after if after is not None else first_start
    return DueWindow(tick=ticks[-1], window_start=min(start, ticks[-1]), window_end=ticks[-1], missed=len(ticks) - 1)
