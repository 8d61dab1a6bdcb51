"""The default mapping set of each ready-made Stripe schema, following :mod:`stripeflow.xdm.stripe_layout`.

For resource ``R`` and tenant ``T`` (records arrive as ``{"data": <Stripe object>}``):

* every top-level Stripe field ``data.X`` goes to ``_T.R_data.X``; objects and arrays are copied whole (object copy)
  unless a ``ts`` leaf (epoch seconds) lies inside, in which case the mapping recurses into them (``[*]`` for arrays)
  so that each ``ts`` becomes an EXPRESSION ``dformat(<path> * 1000, "yyyy-MM-dd'T'HH:mm:ssXXX")``;
* each money field ``X`` of ``MONEY_FIELDS[R]`` also gets ``X_major``: ``to_decimal(data.X) / decode(lower(
  data.currency), <zero-decimal currencies> 1, <three-decimal currencies> 1000, 100)``;
* class fields: ExperienceEvent schemas ``_id`` ← ``data.id``, ``timestamp`` ← ``created`` as a date-time and
  ``eventType`` = ``stripe.<singular>`` (STATIC); the customers Profile ``_id`` ← ``data.id``,
  ``personalEmail.address`` ← ``data.email``, ``person.name.fullName`` ← ``data.name``, ``mobilePhone.number`` ←
  ``data.phone``. The record classes (``stripe_<singular>``, record behaviour) define no ``_id``: their id is
  ``_T.R_data.id``.

The two expression shapes these sets use on every record also have native twins (:func:`native_expression`) that
compiled mappers call instead of the expression language when the input is the common case (an integer epoch, an
integer amount with a currency code); any other input goes to the expression itself, so results never differ.
Compiled mappers go one step further with :func:`native_inline`: the common case is generated inline, on the values
the mapper has already read, and only other inputs call the twin.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from typing import Any, Final

from stripeflow.prep.el import EvalContext, Expression
from stripeflow.prep.mapping import Mapping, MappingSet, SchemaRef, SourceType
from stripeflow.prep.paths import WILDCARD, Getter, PathError, Segment, compile_getter, format_path, parse_path
from stripeflow.xdm.stripe_layout import (
    DEFAULT_TENANT_ID,
    MONEY_FIELDS,
    RESOURCE_CLASSES,
    SINGULAR,
    THREE_DECIMAL_CURRENCIES,
    ZERO_DECIMAL_CURRENCIES,
    field_group_key,
    major_field,
    stripe_kinds,
    tenant_namespace,
)

#: The Java pattern that writes epoch times as XDM date-times (``2026-11-30T10:00:00Z``).
DATE_TIME_PATTERN: Final = "yyyy-MM-dd'T'HH:mm:ssXXX"

_PROFILE_FIELDS: Final = (
    ("data.email", "personalEmail.address"),
    ("data.name", "person.name.fullName"),
    ("data.phone", "mobilePhone.number"),
)


def default_mapping_set(
    resource: str, tenant_id: str = DEFAULT_TENANT_ID, *, schema_id: str | None = None
) -> MappingSet:
    """The default mapping set of ``resource`` (one of ``stripe_layout.RESOURCES``) for tenant ``tenant_id``."""
    kinds = stripe_kinds(resource)
    root: tuple[Segment, ...] = (tenant_namespace(tenant_id), field_group_key(resource))
    mappings = _class_mappings(resource)
    for name, kind in kinds.items():
        mappings.extend(_field_mappings(kind, ("data", name), (*root, name)))
        if name in MONEY_FIELDS[resource]:
            mappings.append(_expression(major_amount(f"data.{name}"), (*root, major_field(name))))
    return MappingSet(
        name=f"Stripe {resource} (default)",
        description=f"Default mappings of the Stripe {resource} resource onto its ready-made schema.",
        outputSchema={"schemaRef": SchemaRef(id=schema_id)} if schema_id else None,
        xdmVersion="1.0",
        mappings=tuple(mappings),
    )


def epoch_to_date_time(path: str) -> str:
    """The expression turning Stripe epoch seconds at ``path`` into an XDM date-time string."""
    return f'dformat({path} * 1000, "{DATE_TIME_PATTERN}")'


def major_amount(path: str, currency_path: str = "data.currency") -> str:
    """The expression giving the amount at ``path`` (minor units) in the major unit of its currency."""
    cases = [f'"{code}", 1' for code in sorted(ZERO_DECIMAL_CURRENCIES)]
    cases += [f'"{code}", 1000' for code in sorted(THREE_DECIMAL_CURRENCIES)]
    return f"to_decimal({path}) / decode(lower({currency_path}), {', '.join(cases)}, 100)"


def _class_mappings(resource: str) -> list[Mapping]:
    if RESOURCE_CLASSES[resource] == "record":
        return []
    mappings = [_attribute(("data", "id"), ("_id",))]
    if RESOURCE_CLASSES[resource] == "experienceevent":
        mappings.append(_expression(epoch_to_date_time("data.created"), ("timestamp",)))
        mappings.append(
            Mapping(sourceType=SourceType.STATIC, source=f"stripe.{SINGULAR[resource]}", destination="eventType")
        )
    if RESOURCE_CLASSES[resource] == "profile":
        mappings.extend(Mapping(source=source, destination=destination) for source, destination in _PROFILE_FIELDS)
    return mappings


def _field_mappings(kind: Any, source: tuple[Segment, ...], destination: tuple[Segment, ...]) -> list[Mapping]:
    if not _has_timestamp(kind):
        return [_attribute(source, destination)]
    if kind == "ts":
        return [_expression(epoch_to_date_time(format_path(source)), destination)]
    if isinstance(kind, list):
        return _field_mappings(kind[0], (*source, WILDCARD), (*destination, WILDCARD))
    found: list[Mapping] = []
    for name, child in kind.items():
        found.extend(_field_mappings(child, (*source, name), (*destination, name)))
    return found


def _has_timestamp(kind: Any) -> bool:
    if isinstance(kind, MappingType):
        return any(_has_timestamp(child) for child in kind.values())
    if isinstance(kind, list):
        return _has_timestamp(kind[0])
    return bool(kind == "ts")


def _attribute(source: tuple[Segment, ...], destination: tuple[Segment, ...]) -> Mapping:
    return Mapping(sourceType=SourceType.ATTRIBUTE, source=format_path(source), destination=format_path(destination))


def _expression(expression: str, destination: tuple[Segment, ...]) -> Mapping:
    return Mapping(sourceType=SourceType.EXPRESSION, source=expression, destination=format_path(destination))


# --- native twins of the default expressions ------------------------------------------------------------------------

Evaluate = Callable[[Any, Sequence[int], EvalContext | None], Any]

_DFORMAT: Final = re.compile(r'dformat\((.+) \* 1000, "' + re.escape(DATE_TIME_PATTERN) + r'"\)')
_MAJOR: Final = re.compile(r"to_decimal\((.+?)\) / decode\(lower\((.+?)\), .*\)")
_DIVISORS: Final = {code: 1 for code in ZERO_DECIMAL_CURRENCIES} | {code: 1000 for code in THREE_DECIMAL_CURRENCIES}
_LAST_SECOND: Final = 253_402_300_799  # 9999-12-31T23:59:59Z


def native_expression(expression: Expression) -> Evaluate | None:
    """A faster evaluator of ``expression`` when it is one of :func:`epoch_to_date_time` or
    :func:`major_amount` (with any paths); ``None`` for every other expression."""
    try:
        match = _DFORMAT.fullmatch(expression.text)
        if match is not None:
            return _native_date_time(compile_getter(parse_path(match[1])), expression.evaluate)
        match = _MAJOR.fullmatch(expression.text)
        if match is not None and expression.text == major_amount(match[1], match[2]):
            amount, currency = (compile_getter(parse_path(path)) for path in (match[1], match[2]))
            return _native_major(amount, currency, expression.evaluate)
    except PathError:
        return None
    return None


def _native_date_time(read: Getter, fallback: Evaluate) -> Evaluate:
    def evaluate(record: Any, indexes: Sequence[int] = (), context: EvalContext | None = None) -> Any:
        seconds = read(record, indexes)
        if seconds is None:
            return None
        if seconds.__class__ is int and 0 <= seconds <= _LAST_SECOND:
            return epoch_text(seconds)
        return fallback(record, indexes, context)

    return evaluate


def _native_major(amount: Getter, currency: Getter, fallback: Evaluate) -> Evaluate:
    def evaluate(record: Any, indexes: Sequence[int] = (), context: EvalContext | None = None) -> Any:
        minor = amount(record, indexes)
        if minor is None:
            return None
        code = currency(record, indexes)
        if minor.__class__ is int and code.__class__ is str and -(2**53) < minor < 2**53:
            return minor / _DIVISORS.get(code.lower(), 100)
        return fallback(record, indexes, context)

    return evaluate


# --- the same twins, inline in compiled mappers ---------------------------------------------------------------------

_SAFE_AMOUNT: Final = 2**53


@dataclass(frozen=True)
class InlineTwin:
    """The common case of a native twin as Python source over the values at ``paths`` (``{0}``, ``{1}``, …).

    When ``test`` holds, the expression's value is ``value``: a ``kind`` (``date-time``: an XDM date-time string;
    ``number``: a finite float) that needs no further check. When ``none`` holds, the value is ``None``. Otherwise
    the twin itself must run. ``names`` are the constants the source uses (besides ``_int`` and ``_str``).
    """

    paths: tuple[tuple[Segment, ...], ...]
    kind: str
    test: str
    value: str
    none: str
    names: dict[str, Any] = field(default_factory=dict)


def native_inline(expression: Expression) -> InlineTwin | None:
    """The inline form of the native twin of ``expression`` (see :func:`native_expression`), if it has one."""
    try:
        match = _DFORMAT.fullmatch(expression.text)
        if match is not None:
            test = f"{{0}}.__class__ is _int and 0 <= {{0}} <= {_LAST_SECOND}"
            names = {"_epoch_text": epoch_text}
            return InlineTwin((parse_path(match[1]),), "date-time", test, "_epoch_text({0})", "{0} is None", names)
        match = _MAJOR.fullmatch(expression.text)
        if match is not None and expression.text == major_amount(match[1], match[2]):
            test = f"{{0}}.__class__ is _int and {{1}}.__class__ is _str and {-_SAFE_AMOUNT} < {{0}} < {_SAFE_AMOUNT}"
            value = "{0} / _divisor({1}.lower(), 100)"
            paths = (parse_path(match[1]), parse_path(match[2]))
            return InlineTwin(paths, "number", test, value, "{0} is None", {"_divisor": _DIVISORS.get})
    except PathError:
        return None
    return None


_CLOCK: Final = tuple(f"T{hour:02d}:{minute:02d}:" for hour in range(24) for minute in range(60))
_SECONDS: Final = tuple(f"{second:02d}Z" for second in range(60))
_DAYS: dict[int, str] = {}


def epoch_text(seconds: int) -> str:
    """``time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))`` for 0 <= seconds <= 9999-12-31T23:59:59Z,
    four times faster: the date of each day is formatted once (a bounded cache), the time from two tables."""
    day, second = divmod(seconds, 86400)
    text = _DAYS.get(day)
    if text is None:
        if len(_DAYS) >= 100_000:
            _DAYS.clear()
        text = _DAYS[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
    return text + _CLOCK[second // 60] + _SECONDS[second % 60]
