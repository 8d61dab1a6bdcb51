"""Date and time functions. Dates are aware datetimes (Java ``ZonedDateTime``); epoch values are milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from stripeflow.prep.el.context import EvalContext
from stripeflow.prep.el.dates import compile_pattern, parse_iso, parse_zone
from stripeflow.prep.el.errors import EvaluationError
from stripeflow.prep.el.functions.base import Category, int_arg
from stripeflow.prep.el.values import describe, is_number

DATETIME = Category("date")
function = DATETIME.function

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_EXAMPLE_DATE: Final = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)

#: date_part components by alias (lower case).
COMPONENTS: Final = {
    alias: component
    for component, aliases in {
        "year": ("year", "yyyy", "yy"),
        "quarter": ("quarter", "qq", "q"),
        "month": ("month", "mm", "m"),
        "dayofyear": ("dayofyear", "dy", "y"),
        "day": ("day", "dd", "d"),
        "week": ("week", "ww", "w"),
        "weekday": ("weekday", "dw"),
        "hour": ("hour", "hh", "hh24"),
        "hour12": ("hh12",),
        "minute": ("minute", "mi", "n"),
        "second": ("second", "ss", "s"),
        "millisecond": ("millisecond", "sss"),
    }.items()
    for alias in aliases
}


def from_epoch_millis(value: int | float) -> datetime:
    """The UTC datetime of an epoch-milliseconds value."""
    try:
        if isinstance(value, int):
            return EPOCH + timedelta(milliseconds=value)
        return EPOCH + timedelta(microseconds=round(value * 1000))
    except OverflowError as exc:
        raise EvaluationError(f"epoch value {value} is out of the supported date range") from exc


def to_epoch_millis(value: datetime) -> int:
    """Milliseconds since 1970-01-01T00:00:00Z."""
    return (value - EPOCH) // timedelta(milliseconds=1)


def date_arg(function_name: str, value: Any, name: str = "DATE") -> datetime:
    """A date argument: a date, ISO-8601 text, or epoch milliseconds."""
    if isinstance(value, datetime):
        return value
    if is_number(value):
        return from_epoch_millis(value)
    if isinstance(value, str):
        try:
            return parse_iso(value)
        except ValueError as exc:
            raise EvaluationError(f"{function_name}: {exc}") from exc
    raise EvaluationError(f"{function_name}: {name} must be a date, got {describe(value)}")


def _pattern(function_name: str, pattern: Any) -> Any:
    if not isinstance(pattern, str):
        raise EvaluationError(f"{function_name}: FORMAT must be a string, got {describe(pattern)}")
    try:
        return compile_pattern(pattern)
    except ValueError as exc:
        raise EvaluationError(f"{function_name}: {exc}") from exc


def _zone(function_name: str, zone: Any) -> Any:
    if not isinstance(zone, str):
        raise EvaluationError(f"{function_name}: ZONE must be a string, got {describe(zone)}")
    try:
        return parse_zone(zone)
    except ValueError as exc:
        raise EvaluationError(f"{function_name}: {exc}") from exc


def check_component(component: Any) -> None:
    """Compile-time check of a date_part/set_date_part component name."""
    if not isinstance(component, str) or component.lower() not in COMPONENTS:
        raise ValueError(f"unknown date component {component!r}; use one of {', '.join(sorted(set(COMPONENTS)))}")


@function(
    "now",
    syntax="now()",
    description="The current date and time (UTC).",
    example="now()",
    result=_EXAMPLE_DATE,
    args=(0, 0),
    needs_context=True,
)
def now(ctx: EvalContext) -> datetime:
    return ctx.now()


@function(
    "timestamp",
    syntax="timestamp()",
    description="The current time in epoch milliseconds.",
    example="timestamp()",
    result=to_epoch_millis(_EXAMPLE_DATE),
    args=(0, 0),
    needs_context=True,
)
def timestamp(ctx: EvalContext) -> int:
    return to_epoch_millis(ctx.now())


@function(
    "format",
    syntax="format(DATE, FORMAT)",
    description="DATE as text in a Java date pattern, in the date's own zone.",
    example='format(date("2026-11-30T10:00:00+01:00"), "dd MMM yyyy HH:mm XXX")',
    result="30 Nov 2026 10:00 +01:00",
    args=(2, 2),
    null_first=True,
    checks={1: compile_pattern},
)
def format_(date: Any, pattern: Any) -> str:
    return str(_pattern("format", pattern).format(date_arg("format", date)))


@function(
    "dformat",
    syntax="dformat(EPOCH_MS, FORMAT)",
    description="An epoch-milliseconds value as text in a Java date pattern, in UTC. Stripe times are epoch "
    "seconds: multiply them by 1000.",
    example="dformat(1796032800 * 1000, \"yyyy-MM-dd'T'HH:mm:ssXXX\")",
    result="2026-11-30T10:00:00Z",
    args=(2, 2),
    null_first=True,
    checks={1: compile_pattern},
)
def dformat(epoch: Any, pattern: Any) -> str:
    if not is_number(epoch):
        raise EvaluationError(f"dformat: EPOCH_MS must be a number, got {describe(epoch)}")
    return str(_pattern("dformat", pattern).format(from_epoch_millis(epoch)))


@function(
    "date",
    syntax="date(S, FORMAT?, DEFAULT?)",
    description="Parses S to a date: ISO-8601 without FORMAT, else with the Java pattern (UTC and midnight fill "
    "what the text lacks). A number is taken as epoch milliseconds. DEFAULT is returned when S is null or "
    "does not parse.",
    example='date("2026-11-30 10:00", "yyyy-MM-dd HH:mm")',
    result=_EXAMPLE_DATE,
    args=(1, 3),
    checks={1: compile_pattern},
)
def date(text: Any, pattern: Any = None, default: Any = None) -> datetime | None:
    fallback = None if default is None else date_arg("date", default, "DEFAULT")
    if text is None:
        return fallback
    try:
        if isinstance(text, str) and pattern is not None:
            return _pattern("date", pattern).parse(text)  # type: ignore[no-any-return]
        return date_arg("date", text, "S")
    except (ValueError, EvaluationError) as exc:
        if fallback is not None:
            return fallback
        raise EvaluationError(f"date: {exc}".replace("date: date: ", "date: ")) from exc


@function(
    "date_part",
    syntax="date_part(COMPONENT, DATE)",
    description="One part of DATE as an integer: year, quarter, month, dayofyear, day, week (ISO), weekday "
    "(1 = Monday), hour, minute, second, millisecond, or an alias (yyyy, qq, mm, dy, dd, ww, dw, hh24, hh12, "
    "mi, ss, SSS).",
    example='date_part("month", date("2026-11-30T10:00:00Z"))',
    result=11,
    args=(2, 2),
    checks={0: check_component},
)
def date_part(component: Any, date: Any) -> int | None:
    if date is None:
        return None
    check_component_runtime(component)
    value = date_arg("date_part", date)
    iso = value.isocalendar()
    parts = {
        "year": value.year, "quarter": (value.month - 1) // 3 + 1, "month": value.month,
        "dayofyear": value.timetuple().tm_yday, "day": value.day, "week": iso.week, "weekday": iso.weekday,
        "hour": value.hour, "hour12": value.hour % 12 or 12, "minute": value.minute, "second": value.second,
        "millisecond": value.microsecond // 1000,
    }  # fmt: skip
    return parts[COMPONENTS[component.lower()]]


def check_component_runtime(component: Any) -> None:
    """:func:`check_component`, raising :class:`EvaluationError`."""
    try:
        check_component(component)
    except ValueError as exc:
        raise EvaluationError(str(exc)) from exc


_SETTABLE: Final = {"year", "month", "day", "dayofyear", "hour", "minute", "second", "millisecond"}


@function(
    "set_date_part",
    syntax="set_date_part(COMPONENT, VALUE, DATE)",
    description="DATE with one part replaced: year, month, day, dayofyear, hour, minute, second or millisecond "
    "(or an alias).",
    example='set_date_part("month", 4, date("2026-11-30T10:00:00Z"))',
    result=datetime(2026, 4, 30, 10, 0, tzinfo=UTC),
    args=(3, 3),
    checks={0: check_component},
)
def set_date_part(component: Any, value: Any, date: Any) -> datetime | None:
    if date is None:
        return None
    check_component_runtime(component)
    part = COMPONENTS[component.lower()]
    if part not in _SETTABLE:
        raise EvaluationError(f"set_date_part: cannot set {component!r}; use one of {', '.join(sorted(_SETTABLE))}")
    number, current = int_arg("set_date_part", value, "VALUE"), date_arg("set_date_part", date)
    try:
        if part == "dayofyear":
            return current.replace(month=1, day=1) + timedelta(days=number - 1)
        if part == "millisecond":
            return current.replace(microsecond=number * 1000)
        fields = {"year": current.year, "month": current.month, "day": current.day, "hour": current.hour,
                  "minute": current.minute, "second": current.second} | {part: number}  # fmt: skip
        return current.replace(
            year=fields["year"], month=fields["month"], day=fields["day"], hour=fields["hour"],
            minute=fields["minute"], second=fields["second"],
        )  # fmt: skip
    except (ValueError, OverflowError) as exc:
        raise EvaluationError(f"set_date_part: {component} = {number} gives an invalid date: {exc}") from exc


@function(
    "make_date_time",
    syntax="make_date_time(YEAR, MONTH, DAY, HOUR?, MINUTE?, SECOND?, NANOSECOND?, ZONE?)",
    description="Builds a date from its parts (time parts default to 0, ZONE to UTC). Nanoseconds are kept to "
    "the microsecond.",
    example='make_date_time(2026, 11, 30, 10, 0, 0, 0, "Europe/Paris")',
    result=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
    args=(3, 8),
    aliases=("make_timestamp",),
    checks={7: parse_zone},
)
def make_date_time(*parts: Any) -> datetime | None:
    if any(p is None for p in parts):
        return None
    numbers = [int_arg("make_date_time", p, "part") for p in parts[:7]]
    numbers += [0] * (7 - len(numbers))
    zone = _zone("make_date_time", parts[7]) if len(parts) == 8 else UTC
    year, month, day, hour, minute, second, nano = numbers
    try:
        return datetime(year, month, day, hour, minute, second, nano // 1000, tzinfo=zone)
    except ValueError as exc:
        raise EvaluationError(f"make_date_time: invalid date: {exc}") from exc


@function(
    "zone_date_to_utc",
    syntax="zone_date_to_utc(DATE)",
    description="The same instant in UTC.",
    example='zone_date_to_utc(date("2026-11-30T11:00:00+01:00"))',
    result=_EXAMPLE_DATE,
    null_first=True,
)
def zone_date_to_utc(date: Any) -> datetime:
    return date_arg("zone_date_to_utc", date).astimezone(UTC)


@function(
    "zone_date_to_zone",
    syntax="zone_date_to_zone(DATE, ZONE)",
    description="The same instant in another zone (an id such as Europe/Paris, or an offset such as +01:00).",
    example='format(zone_date_to_zone(date("2026-11-30T10:00:00Z"), "Europe/Paris"), "HH:mm z")',
    result="11:00 CET",
    args=(2, 2),
    null_first=True,
    checks={1: parse_zone},
)
def zone_date_to_zone(date: Any, zone: Any) -> datetime:
    return date_arg("zone_date_to_zone", date).astimezone(_zone("zone_date_to_zone", zone))
