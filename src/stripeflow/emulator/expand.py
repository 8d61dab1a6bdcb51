"""``expand[]``: replace ids by their objects and add the includable sublists, following dotted paths.

A path walks the object: at each step the field is expanded when this kind of object declares it expandable,
otherwise it must hold an object or list to walk into (``items.data.price.product``). Lists take the ``data.``
prefix. Paths deeper than four levels, and paths ending on something that cannot be expanded, are refused with a
400 as Stripe does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import orjson

from stripeflow.emulator.api_errors import ApiError, bad_request
from stripeflow.emulator.dataset import Dataset
from stripeflow.emulator.shapes_subscription import EMBEDDED_ITEMS
from stripeflow.emulator.store import Obj

MAX_DEPTH = 4
Expander = Callable[[Dataset, Obj, str], Any]


def _object(data: Dataset, parent: Obj, name: str) -> Any:
    """The object an id field names (ids the emulator holds no objects for, such as ``po_…``, stay ids)."""
    value = parent.get(name)
    if not isinstance(value, str):
        return value
    found = data.find(value)
    if found is not None:
        return orjson.loads(found[1].body)
    return data.deleted_stub(value) or value


def _sublist(data: Dataset, collection: str, view: tuple[str, str], url: str, keep: Callable[[Any], bool]) -> Obj:
    coll = data[collection]
    keys = [key for key in reversed(coll.view(view)) if keep(coll.records[key[1]].attrs)]
    page = [orjson.loads(coll.records[key[1]].body) for key in keys[:EMBEDDED_ITEMS]]
    return {
        "object": "list",
        "data": page,
        "has_more": len(keys) > EMBEDDED_ITEMS,
        "total_count": len(keys),
        "url": url,
    }


def _refunds(data: Dataset, charge: Obj, name: str) -> Obj:
    url = f"/v1/charges/{charge['id']}/refunds"
    return _sublist(data, "refunds", ("charge", charge["id"]), url, lambda attrs: True)


def _subscriptions(data: Dataset, customer: Obj, name: str) -> Obj:
    url = f"/v1/customers/{customer['id']}/subscriptions"
    return _sublist(data, "subscriptions", ("customer", customer["id"]), url, lambda a: a.status != "canceled")


def _empty(data: Dataset, customer: Obj, name: str) -> Obj:
    return {
        "object": "list",
        "data": [],
        "has_more": False,
        "total_count": 0,
        "url": f"/v1/customers/{customer['id']}/{name}",
    }


EXPANDABLE: Mapping[str, Mapping[str, Expander]] = MappingProxyType(
    {
        "charge": {
            "customer": _object, "balance_transaction": _object, "failure_balance_transaction": _object,
            "refunds": _refunds,
        },
        "refund": {"charge": _object, "balance_transaction": _object, "customer": _object},
        "balance_transaction": {"source": _object},
        "customer": {
            "test_clock": _object, "default_source": _object, "subscriptions": _subscriptions, "tax_ids": _empty,
            "sources": _empty,
        },
        "subscription": {"customer": _object, "test_clock": _object, "latest_invoice": _object},
        "price": {"product": _object},
        "plan": {"product": _object},
        "product": {"default_price": _object},
    }
)  # fmt: skip


def _cannot(path: str, hint: str = "") -> ApiError:
    return bad_request(f"This property cannot be expanded ({path}).{hint}", param="expand")


def check_paths(paths: tuple[str, ...], *, is_list: bool) -> list[list[str]]:
    """Validate the depth and the ``data.`` prefix; returns each path split, without ``data.`` on lists."""
    split = []
    for path in paths:
        parts = path.split(".")
        if len(parts) > MAX_DEPTH:
            raise bad_request(
                f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}", param="expand"
            )
        if is_list:
            if parts[0] != "data" or len(parts) == 1:
                raise _cannot(path, f" You may want to try expanding 'data.{path}' instead.")
            parts = parts[1:]
        split.append(parts)
    return split


def expand(data: Dataset, obj: Obj, paths: list[list[str]], *, shown: str) -> Obj:
    """Apply every path to ``obj`` in place and return it; ``shown`` prefixes paths in error messages."""
    for parts in paths:
        _walk(data, obj, parts, shown + ".".join(parts))
    return obj


def _walk(data: Dataset, value: Any, parts: list[str], path: str) -> None:
    if isinstance(value, list):
        for element in value:
            _walk(data, element, parts, path)
        return
    if not isinstance(value, dict):
        return  # null or an id nobody holds: nothing to expand further
    head, rest = parts[0], parts[1:]
    expanders = EXPANDABLE.get(value.get("object", ""), {})
    if value.get("object") == "list" and head == "data":
        target = value["data"]
    elif head in expanders:
        value[head] = target = expanders[head](data, value, head)
    elif rest and isinstance(value.get(head), dict | list):
        target = value[head]
    else:
        raise _cannot(path)
    if rest:
        _walk(data, target, rest, path)
