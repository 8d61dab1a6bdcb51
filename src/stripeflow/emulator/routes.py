"""The /v1 route table: path template, endpoint name, permission and handler of every endpoint served."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson

from stripeflow.emulator import listing, search
from stripeflow.emulator.api_errors import ApiError, unrecognized_url
from stripeflow.emulator.dataset import Dataset
from stripeflow.emulator.params import Params, retrieve_expand
from stripeflow.stripe.resources import RESOURCES


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler gets: the data set of the caller's account and mode, the query, the path ids, the time."""

    data: Dataset
    params: Params
    args: tuple[str, ...]
    now: int
    account_object: Callable[[str], bytes]  # the account with this id, or raises 403
    search_delay: int = 0


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    count: int  # objects in the answer (for the stats)
    is_page: bool


Handler = Callable[[Call], Answer]


@dataclass(frozen=True, slots=True)
class Route:
    template: tuple[str, ...]
    permission: str
    handler: Handler
    is_list: bool
    group: str | None = None  # a rate-limit group shared by several endpoints ("search")

    @property
    def name(self) -> str:
        return "GET /" + "/".join(self.template)


def _page(page: listing.Page) -> Answer:
    return Answer(page.body, page.count, True)


def _one(body: bytes) -> Answer:
    return Answer(body, 1, False)


def _list_route(name: str, path: str, permission: str) -> Route:
    def handle(call: Call) -> Answer:
        return _page(listing.list_resource(call.data, name, call.params, path))

    return Route(tuple(path.strip("/").split("/")), permission, handle, True)


def _retrieve_route(collection: str, path: str, permission: str) -> Route:
    def handle(call: Call) -> Answer:
        return _one(listing.retrieve(call.data, collection, call.args[0], call.params))

    return Route((*path.strip("/").split("/"), "{id}"), permission, handle, False)


def _search_route(collection: str, path: str, permission: str) -> Route:
    def handle(call: Call) -> Answer:
        body, count = search.search(call.data, collection, call.params, visible_before=call.now - call.search_delay)
        return Answer(body, count, True)

    return Route((*path.strip("/").split("/"), "search"), permission, handle, True, group="search")


def _account(call: Call) -> Answer:
    retrieve_expand(call.params)
    return _one(orjson.dumps(call.data.account))


def _account_by_id(call: Call) -> Answer:
    retrieve_expand(call.params)
    return _one(call.account_object(call.args[0]))


def _balance(call: Call) -> Answer:
    retrieve_expand(call.params)
    return _one(orjson.dumps(call.data.balance()))


def _events(call: Call) -> Answer:
    return _page(listing.list_events(call.data, call.params, call.now))


def _event(call: Call) -> Answer:
    return _one(listing.retrieve_event(call.data, call.args[0], call.params, call.now))


def _subscription_items(call: Call) -> Answer:
    return _page(listing.subscription_items(call.data, call.params))


def _charge_refunds(call: Call) -> Answer:
    return _page(listing.charge_refunds(call.data, call.args[0], call.params))


def _table() -> list[Route]:
    routes = [_search_route(name, RESOURCES[name].path, RESOURCES[name].permission) for name in search.FIELDS]
    for spec in RESOURCES.values():
        routes.append(_list_route(spec.name, spec.path, spec.permission))
        routes.append(_retrieve_route(spec.name, spec.path, spec.permission))
    clocks = "/v1/test_helpers/test_clocks"
    routes += [
        _list_route("products", "/v1/products", "rak_product_read"),
        _retrieve_route("products", "/v1/products", "rak_product_read"),
        _list_route("test_clocks", clocks, "rak_test_clock_read"),
        _retrieve_route("test_clocks", clocks, "rak_test_clock_read"),
        Route(("v1", "events"), "rak_event_read", _events, True),
        Route(("v1", "events", "{id}"), "rak_event_read", _event, False),
        Route(("v1", "subscription_items"), "rak_subscription_read", _subscription_items, True),
        Route(("v1", "charges", "{id}", "refunds"), "rak_refund_read", _charge_refunds, True),
        Route(("v1", "account"), "rak_account_read", _account, False),
        Route(("v1", "accounts", "{id}"), "rak_account_read", _account_by_id, False),
        Route(("v1", "balance"), "rak_balance_read", _balance, False),
    ]
    return routes


class Router:
    """Matches ``GET`` paths to routes; other methods on known paths are refused (the emulator is read-only)."""

    def __init__(self) -> None:
        self._routes: dict[int, list[Route]] = {}
        for route in _table():
            self._routes.setdefault(len(route.template), []).append(route)

    def find(self, method: str, path: str) -> tuple[Route, tuple[str, ...]] | ApiError:
        """Like :meth:`match`, but hands the error back instead of raising it."""
        try:
            return self.match(method, path)
        except ApiError as error:
            return error

    def match(self, method: str, path: str) -> tuple[Route, tuple[str, ...]]:
        segments = path.strip("/").split("/") if not path.endswith("/") else [path]
        for route in self._routes.get(len(segments), ()):
            args = _bind(route.template, segments)
            if args is None:
                continue
            if method not in ("GET", "HEAD"):
                raise ApiError(
                    400,
                    f"The emulator serves Stripe's API read-only: {method} {path} is not supported. Change data "
                    "with POST /_emulator/mutate.",
                )
            return route, args
        raise unrecognized_url(method, path)


def _bind(template: tuple[str, ...], segments: list[str]) -> tuple[str, ...] | None:
    args = []
    for pattern, segment in zip(template, segments, strict=True):
        if pattern == "{id}":
            if not segment:
                return None
            args.append(segment)
        elif pattern != segment:
            return None
    return tuple(args)
