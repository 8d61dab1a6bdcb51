"""Query-string parsing with Stripe's conventions, and validation of the parameters every list shares.

Arrays come as ``x[]=a`` or ``x[0]=a`` (brackets raw or percent-encoded), nested values as ``created[gte]=1``,
booleans as ``true``/``false``. Everything here is pure and raises :class:`ApiError` (400) on bad input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from stripeflow.emulator.api_errors import bad_request, invalid_integer, unknown_parameter

MAX_LIMIT = 100
DEFAULT_LIMIT = 10
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
_RANGE_OPS = frozenset({"gt", "gte", "lt", "lte"})
LIST_COMMON = frozenset({"limit", "starting_after", "ending_before", "created", "expand"})


@dataclass(slots=True)
class Params:
    """A parsed query string: plain values, arrays and one level of nested values."""

    scalars: dict[str, str] = field(default_factory=dict)
    arrays: dict[str, list[str]] = field(default_factory=dict)
    nested: dict[str, dict[str, str]] = field(default_factory=dict)

    def names(self) -> set[str]:
        return set(self.scalars) | set(self.arrays) | set(self.nested)


def parse_query(query: str) -> Params:
    params = Params()
    indexed: dict[str, list[tuple[int, int, str]]] = {}
    for position, (key, value) in enumerate(parse_qsl(query, keep_blank_values=True)):
        bracket = key.find("[")
        if bracket < 0:
            params.scalars[key] = value
            continue
        name, rest = key[:bracket], key[bracket:]
        inner = _BRACKETS.fullmatch(rest)
        if not name or inner is None:
            raise unknown_parameter(key)
        sub = inner.group(1)
        if sub == "" or sub.isdigit():
            order = int(sub) if sub else 1 << 30
            indexed.setdefault(name, []).append((order, position, value))
        else:
            params.nested.setdefault(name, {})[sub] = value
    for name, entries in indexed.items():
        params.arrays[name] = [value for _, _, value in sorted(entries)]
    return params


def parse_int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise invalid_integer(name, raw) from None


def parse_bool(name: str, raw: str) -> bool:
    if raw == "true":
        return True
    if raw == "false":
        return False
    raise bad_request(f"Invalid boolean: {raw}", param=name, code="parameter_invalid_boolean")


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    value = parse_int("limit", raw)
    if not 1 <= value <= MAX_LIMIT:
        raise bad_request(f"Invalid limit: must be between 1 and {MAX_LIMIT} (got {value}).", param="limit")
    return value


@dataclass(frozen=True, slots=True)
class CreatedRange:
    """``created`` as a half-open interval ``[gte, lt)``; ``None`` leaves a side open."""

    gte: int | None = None
    lt: int | None = None


def parse_created(params: Params, name: str = "created") -> CreatedRange:
    if name in params.scalars:
        exact = parse_int(name, params.scalars[name])
        return CreatedRange(exact, exact + 1)
    ops = params.nested.get(name)
    if not ops:
        return CreatedRange()
    lows, highs = [], []
    for op, raw in ops.items():
        if op not in _RANGE_OPS:
            raise unknown_parameter(f"{name}[{op}]")
        value = parse_int(f"{name}[{op}]", raw)
        if op.startswith("g"):
            lows.append(value if op == "gte" else value + 1)
        else:
            highs.append(value if op == "lt" else value + 1)
    return CreatedRange(max(lows) if lows else None, min(highs) if highs else None)


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The validated parameters of one list request."""

    limit: int = DEFAULT_LIMIT
    starting_after: str | None = None
    ending_before: str | None = None
    created: CreatedRange = field(default_factory=CreatedRange)
    expand: tuple[str, ...] = ()
    filters: Mapping[str, str] = field(default_factory=dict)
    arrays: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    nested: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def check_known(params: Params, allowed: Iterable[str]) -> None:
    unknown = params.names() - set(allowed)
    if unknown:
        raise unknown_parameter(sorted(unknown)[0])


def parse_expand(params: Params) -> tuple[str, ...]:
    if "expand" in params.scalars or "expand" in params.nested:
        raise bad_request("Invalid array", param="expand")
    return tuple(params.arrays.get("expand", ()))


def list_query(
    params: Params,
    *,
    filters: frozenset[str] = frozenset(),
    arrays: frozenset[str] = frozenset(),
    nested: frozenset[str] = frozenset(),
) -> ListQuery:
    """Validate a list request: unknown names, ``limit``, cursors, ``created``, and the shape of each filter."""
    check_known(params, LIST_COMMON | filters | arrays | nested)
    for name in filters:
        if name in params.arrays or name in params.nested:
            raise bad_request(f"Invalid {name}: expected a single value", param=name)
    for name in arrays:
        if name in params.scalars or name in params.nested:
            raise bad_request("Invalid array", param=name)
    starting_after = params.scalars.get("starting_after") or None
    ending_before = params.scalars.get("ending_before") or None
    if starting_after and ending_before:
        raise bad_request(
            "Received both starting_after and ending_before parameters. Please pass in only one.",
            param="ending_before",
        )
    return ListQuery(
        limit=parse_limit(params.scalars.get("limit")),
        starting_after=starting_after,
        ending_before=ending_before,
        created=parse_created(params),
        expand=parse_expand(params),
        filters={name: params.scalars[name] for name in filters if name in params.scalars},
        arrays={name: tuple(params.arrays[name]) for name in arrays if name in params.arrays},
        nested={name: params.nested[name] for name in nested if name in params.nested},
    )


def retrieve_expand(params: Params) -> tuple[str, ...]:
    """Validate a retrieve request (only ``expand`` is allowed) and return its expand paths."""
    check_known(params, ("expand",))
    return parse_expand(params)
