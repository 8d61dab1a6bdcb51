"""The Search API (``GET /v1/{charges,customers,prices,subscriptions}/search``) and its query language.

A query is clauses ``field:value`` (also ``~`` for a case-insensitive substring of at least 3 characters, and
``>``, ``<``, ``>=``, ``<=`` on numbers), joined by spaces or ``AND``, or by ``OR`` (not both); ``-`` negates a clause;
strings are quoted (``\\"`` escapes a quote), numbers and ``null`` are not; ``metadata["key"]:"value"``. Results
come newest first and page with the opaque ``next_page`` token. Search scans the collection (it is meant for modest
data sets, as the real one is for interactive use), and it can be told to lag behind writes (``search_delay``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import orjson

from stripeflow.emulator.api_errors import ApiError, bad_request
from stripeflow.emulator.dataset import Dataset
from stripeflow.emulator.expand import check_paths, expand
from stripeflow.emulator.params import Params, check_known, parse_expand, parse_limit
from stripeflow.emulator.store import ALL, Key, bounds_for, page

#: Searchable fields per resource and their kind: "string", "text" (also ``~``), "number", "boolean", "refunded".
FIELDS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "charges": {
            "amount": "number", "created": "number", "currency": "string", "customer": "string",
            "disputed": "boolean", "payment_intent": "string", "refunded": "refunded", "status": "string",
        },
        "customers": {"created": "number", "email": "text", "name": "text", "phone": "text"},
        "prices": {
            "active": "boolean", "currency": "string", "lookup_key": "string", "product": "string", "type": "string",
            "created": "number",
        },
        "subscriptions": {"created": "number", "status": "string"},
    }
)  # fmt: skip
_CLAUSE = re.compile(
    r'\s*(?P<neg>-)?(?P<field>metadata\["(?:[^"\\]|\\.)*"\]|[A-Za-z_][A-Za-z0-9_.]*)'
    r'(?P<op>:|~|>=|<=|>|<)(?P<value>"(?:[^"\\]|\\.)*"|[^\s"]+)\s*'
)
_JOIN = re.compile(r"(AND|OR)\s+", re.IGNORECASE)
_NUMERIC = {">": float.__gt__, "<": float.__lt__, ">=": float.__ge__, "<=": float.__le__}
Test = Callable[[dict[str, Any]], bool]


def _invalid(message: str) -> ApiError:
    return bad_request(f"Invalid search query: {message}", param="query")


@dataclass(frozen=True, slots=True)
class Clause:
    field: str
    op: str
    value: str | float | None
    negate: bool

    def test(self, obj: dict[str, Any]) -> bool:
        return self._match(obj) != self.negate

    def _match(self, obj: dict[str, Any]) -> bool:
        if self.field.startswith("metadata["):
            key = orjson.loads(self.field[len("metadata[") : -1])
            present = obj.get("metadata", {}).get(key)
            return bool(present == self.value)  # metadata["k"]:null matches objects without the key
        actual = obj.get(self.field)
        if self.field == "refunded":  # true: fully refunded, false: partly, null: not at all
            expected = {"true": "full", "false": "part", None: "none"}.get(self.value)  # type: ignore[arg-type]
            refunded = obj.get("amount_refunded", 0)
            state = "none" if not refunded else ("full" if refunded >= obj["amount"] else "part")
            return state == expected
        if self.op in _NUMERIC:
            return isinstance(actual, int | float) and _NUMERIC[self.op](float(actual), float(self.value or 0))
        if self.op == "~":
            return isinstance(actual, str) and str(self.value).lower() in actual.lower()
        if isinstance(actual, bool):
            return str(actual).lower() == self.value
        if isinstance(actual, int | float) and isinstance(self.value, float):
            return float(actual) == self.value
        return actual == self.value


def _value(raw: str) -> str | float | None:
    if raw.startswith('"'):
        return str(orjson.loads(raw))
    if raw == "null":
        return None
    if raw in ("true", "false"):
        return raw
    try:
        return float(raw)
    except ValueError:
        raise _invalid(f"the value {raw} must be quoted") from None


def _clause(match: re.Match[str], fields: Mapping[str, str]) -> Clause:
    field, op, value = match["field"], match["op"], _value(match["value"])
    kind = "metadata" if field.startswith("metadata[") else fields.get(field)
    if kind is None:
        raise _invalid(f"the field {field} is not searchable; searchable fields are {', '.join(sorted(fields))}")
    if op in _NUMERIC and kind != "number":
        raise _invalid(f"the operator {op} does not work on {field}")
    if op == "~" and (kind != "text" or not isinstance(value, str) or len(value) < 3):
        raise _invalid(f"~ needs a text field (email, name, phone) and at least 3 characters, in {match.group(0)}")
    if kind in ("string", "text") and isinstance(value, float):
        raise _invalid(f"the value of {field} must be a quoted string")
    return Clause(field, op, value, bool(match["neg"]))


def parse(query: str, fields: Mapping[str, str]) -> Test:
    """Compile a query into a test on objects; raises 400 for what Stripe refuses."""
    clauses: list[Clause] = []
    joins: set[str] = set()
    position = 0
    while position < len(query):
        if clauses:
            join = _JOIN.match(query, position)
            if join:
                joins.add(join.group(1).upper())
                position = join.end()
            else:
                joins.add("AND")
        match = _CLAUSE.match(query, position)
        if match is None:
            raise _invalid(f"cannot read the query from {query[position:]!r}")
        clauses.append(_clause(match, fields))
        position = match.end()
    if not clauses:
        raise ApiError(400, "Missing required param: query.", param="query", code="parameter_missing")
    if len(joins) > 1:
        raise _invalid("AND and OR cannot be mixed in one query")
    combine = any if joins == {"OR"} else all
    return lambda obj: combine(clause.test(obj) for clause in clauses)


def _token(key: Key) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode()


def _untoken(token: str) -> Key:
    try:
        created, object_id = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        return int(created), str(object_id)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise bad_request("Invalid page: use the next_page value of the previous answer.", param="page") from None


def search(data: Dataset, collection: str, params: Params, *, visible_before: int) -> tuple[bytes, int]:
    """One page of search results; objects created after ``visible_before`` are not indexed yet."""
    check_known(params, ("query", "limit", "page", "expand"))
    test = parse(params.scalars.get("query", ""), FIELDS[collection])
    limit = parse_limit(params.scalars.get("limit"))
    paths = check_paths(parse_expand(params), is_list=True)
    token = params.scalars.get("page")
    coll = data[collection]
    bounds = bounds_for(None, visible_before + 1, before=_untoken(token) if token else None, above=None)
    records = coll.records
    keys, has_more = page([coll.view(ALL)], bounds, limit, accept=lambda key: test(orjson.loads(records[key[1]].body)))
    objects = [orjson.loads(records[key[1]].body) for key in keys]
    if paths:
        objects = [expand(data, obj, paths, shown="data.") for obj in objects]
    answer = {
        "object": "search_result",
        "url": f"/v1/{collection}/search",
        "has_more": has_more,
        "next_page": _token(keys[-1]) if has_more and keys else None,
        "data": objects,
    }
    return orjson.dumps(answer), len(objects)
