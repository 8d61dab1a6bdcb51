"""List and retrieve answers, built from pre-serialized bytes.

A list page is the bytes of its objects joined between a fixed head and tail; only requests with ``expand`` parse
objects back and serialize again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson

from stripeflow.emulator import views
from stripeflow.emulator.api_errors import ApiError, bad_request, no_such
from stripeflow.emulator.dataset import Dataset
from stripeflow.emulator.expand import check_paths, expand
from stripeflow.emulator.params import ListQuery, Params, list_query, retrieve_expand
from stripeflow.emulator.store import Collection, Key, bounds_for, page
from stripeflow.stripe.resources import EVENT_RETENTION_SECONDS


@dataclass(frozen=True, slots=True)
class Page:
    """A list answer: its body and the number of objects in it."""

    body: bytes
    count: int


@dataclass(frozen=True, slots=True)
class ListSpec:
    """One list endpoint: where its objects live and how its filters are planned."""

    collection: str
    plan: Callable[[ListQuery], views.Plan]
    filters: frozenset[str] = frozenset()
    arrays: frozenset[str] = frozenset()
    nested: frozenset[str] = frozenset()


def _all(query: ListQuery) -> views.Plan:
    return views.Plan((("all",),))


LISTS = {
    "charges": ListSpec("charges", views.plan_charges, views.CHARGE_FILTERS),
    "refunds": ListSpec("refunds", views.plan_refunds, views.REFUND_FILTERS),
    "balance_transactions": ListSpec(
        "balance_transactions", views.plan_balance_transactions, views.BALANCE_TRANSACTION_FILTERS
    ),
    "customers": ListSpec("customers", views.plan_customers, views.CUSTOMER_FILTERS),
    "prices": ListSpec(
        "prices", views.plan_prices, views.PRICE_FILTERS, frozenset({"lookup_keys"}), frozenset({"recurring"})
    ),
    "subscriptions": ListSpec("subscriptions", views.plan_subscriptions, views.SUBSCRIPTION_FILTERS),
    "products": ListSpec("products", _all),
    "test_clocks": ListSpec("test_clocks", _all),
}


def _list_body(url: str, bodies: Iterable[bytes], has_more: bool) -> bytes:
    return b"".join(
        (
            b'{"object":"list","data":[',
            b",".join(bodies),
            b'],"has_more":' + (b"true" if has_more else b"false"),
            b',"url":"' + url.encode() + b'"}',
        )
    )


def _cursor(coll: Collection, object_id: str | None, param: str) -> Key | None:
    if object_id is None:
        return None
    key = coll.cursor_key(object_id)
    if key is None:
        raise no_such(coll.schema.object_name, object_id, param=param, status=400)
    return key


def list_page(
    data: Dataset, spec: ListSpec, query: ListQuery, plan: views.Plan, url: str, *, low: int | None = None
) -> Page:
    """Run a planned list query; ``low`` raises the lower ``created`` bound (the events retention window)."""
    coll = data[spec.collection]
    expand_paths = check_paths(query.expand, is_list=True)
    gte = query.created.gte
    if low is not None:
        gte = low if gte is None else max(gte, low)
    bounds = bounds_for(
        gte,
        query.created.lt,
        before=_cursor(coll, query.starting_after, "starting_after"),
        above=_cursor(coll, query.ending_before, "ending_before"),
    )
    records = coll.records
    accept = None
    if plan.accept is not None:
        check = plan.accept
        accept = lambda key: check(records[key[1]].attrs)  # noqa: E731 - a closure over the plan
    keys, has_more = page(
        [coll.view(view) for view in plan.views],
        bounds,
        query.limit,
        backward=query.ending_before is not None,
        accept=accept,
    )
    if not expand_paths:
        return Page(_list_body(url, (records[key[1]].body for key in keys), has_more), len(keys))
    objects = [expand(data, orjson.loads(records[key[1]].body), expand_paths, shown="data.") for key in keys]
    return Page(_list_body(url, (orjson.dumps(obj) for obj in objects), has_more), len(keys))


def list_resource(data: Dataset, name: str, params: Params, url: str) -> Page:
    spec = LISTS[name]
    query = list_query(params, filters=spec.filters, arrays=spec.arrays, nested=spec.nested)
    return list_page(data, spec, query, spec.plan(query), url)


EVENTS = ListSpec("events", _all, views.EVENT_FILTERS, frozenset({"types"}))


def list_events(data: Dataset, params: Params, now: int) -> Page:
    """Events of the last 30 days, newest first; ``type`` takes ``*`` wildcards, ``types[]`` up to 20 names."""
    query = list_query(params, filters=EVENTS.filters, arrays=EVENTS.arrays)
    known = (view[1] for view in data["events"].views if view[0] == "type")
    plan = views.plan_events(query, known)
    return list_page(data, EVENTS, query, plan, "/v1/events", low=now - EVENT_RETENTION_SECONDS)


def retrieve(data: Dataset, collection: str, object_id: str, params: Params) -> bytes:
    """One object's bytes (or the ``deleted: true`` stub), expanded on request."""
    paths = check_paths(retrieve_expand(params), is_list=False)
    coll = data[collection]
    record = coll.get(object_id)
    if record is None and collection == "prices":
        record = data["inline_prices"].get(object_id)
    if record is None:
        stub = data.deleted_stub(object_id)
        if stub is not None and stub["object"] == coll.schema.object_name:
            return orjson.dumps(stub)
        raise no_such(coll.schema.object_name, object_id)
    if not paths:
        return record.body
    return orjson.dumps(expand(data, orjson.loads(record.body), paths, shown=""))


def retrieve_event(data: Dataset, event_id: str, params: Params, now: int) -> bytes:
    record = data["events"].get(event_id)
    if record is None or record.created < now - EVENT_RETENTION_SECONDS:
        raise no_such("event", event_id)
    return retrieve(data, "events", event_id, params)


def subscription_items(data: Dataset, params: Params) -> Page:
    """``/v1/subscription_items?subscription=sub_…``: the full item list of one subscription, in order."""
    query = list_query(params, filters=frozenset({"subscription"}))
    sub_id = query.filters.get("subscription")
    if not sub_id:
        raise ApiError(400, "Missing required param: subscription.", param="subscription", code="parameter_missing")
    record = data["subscriptions"].get(sub_id)
    if record is None:
        raise no_such("subscription", sub_id, param="subscription", status=400)
    items = data.items_of(record)
    ids = [item_id for item_id, _ in items]
    start, end = 0, len(items)
    for cursor, param in ((query.starting_after, "starting_after"), (query.ending_before, "ending_before")):
        if cursor is not None and cursor not in ids:
            raise no_such("subscription_item", cursor, param=param, status=400)
    if query.starting_after is not None:
        start = ids.index(query.starting_after) + 1
    if query.ending_before is not None:
        end = ids.index(query.ending_before)
        start = max(0, end - query.limit)
    chosen = items[start : min(end, start + query.limit)]
    has_more = (start + query.limit < end) if query.ending_before is None else start > 0
    if query.expand:
        raise bad_request("The emulator does not support expand on /v1/subscription_items.", param="expand")
    url = f"/v1/subscription_items?subscription={sub_id}"
    return Page(_list_body(url, (body for _, body in chosen), has_more), len(chosen))


def charge_refunds(data: Dataset, charge_id: str, params: Params) -> Page:
    """``/v1/charges/{id}/refunds``: the refunds of one charge (the URL of ``charge.refunds``)."""
    if data["charges"].get(charge_id) is None:
        raise no_such("charge", charge_id)
    query = list_query(params)
    plan = views.Plan((("charge", charge_id),))
    return list_page(data, LISTS["refunds"], query, plan, f"/v1/charges/{charge_id}/refunds")
