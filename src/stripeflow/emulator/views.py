"""Per-kind indexing and list planning: which views an object belongs to, and which views answer a list query.

A *plan* names the views whose union holds the answer, plus a predicate for the filters the views cannot select
by themselves (checked against the few attributes each record keeps). The common extractor requests
(``status=all``, ``active=true|false``, ``created`` ranges, one filter) are served by a single view with no
predicate: two bisections and a slice.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from stripeflow.emulator.api_errors import bad_request
from stripeflow.emulator.params import ListQuery, parse_bool
from stripeflow.emulator.store import ALL, Obj, Schema, ViewKey

Predicate = Callable[[Any], bool]

SUBSCRIPTION_STATUSES = (
    "active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing",
    "unpaid",
)  # fmt: skip
MAX_EVENT_TYPES = 20


@dataclass(frozen=True, slots=True)
class Plan:
    views: tuple[ViewKey, ...]
    accept: Predicate | None = None


def _all_of(predicates: Iterable[Predicate | None]) -> Predicate | None:
    checks = [check for check in predicates if check is not None]
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    return lambda attrs: all(check(attrs) for check in checks)


def _equals(name: str, value: object) -> Predicate:
    return lambda attrs: getattr(attrs, name) == value


def _residual(query: ListQuery, names: Iterable[str], used: str | None) -> list[Predicate | None]:
    return [_equals(name, query.filters[name]) for name in names if name in query.filters and name != used]


def _plan_by_first(query: ListQuery, order: tuple[str, ...], default: ViewKey) -> Plan:
    """Use the view of the first filter present in ``order``; check the other filters with a predicate."""
    used = next((name for name in order if name in query.filters), None)
    view = (used, query.filters[used]) if used else default
    return Plan((view,), _all_of(_residual(query, order, used)))


# --- charges, refunds, balance transactions ------------------------------------------------------------------


class ChargeAttrs(NamedTuple):
    customer: str | None
    payment_intent: str
    transfer_group: str | None


def _charge_views(a: ChargeAttrs) -> Iterable[ViewKey]:
    yield ALL
    yield ("payment_intent", a.payment_intent)
    if a.customer:
        yield ("customer", a.customer)


CHARGES = Schema(
    "charge", lambda o: ChargeAttrs(o["customer"], o["payment_intent"], o["transfer_group"]), _charge_views
)
CHARGE_FILTERS = frozenset({"customer", "payment_intent", "transfer_group"})


def plan_charges(query: ListQuery) -> Plan:
    return _plan_by_first(query, ("payment_intent", "customer", "transfer_group"), ALL)


class RefundAttrs(NamedTuple):
    charge: str
    payment_intent: str | None


REFUNDS = Schema(
    "refund",
    lambda o: RefundAttrs(o["charge"], o["payment_intent"]),
    lambda a: (ALL, ("charge", a.charge), ("payment_intent", a.payment_intent)),
)
REFUND_FILTERS = frozenset({"charge", "payment_intent"})


def plan_refunds(query: ListQuery) -> Plan:
    return _plan_by_first(query, ("charge", "payment_intent"), ALL)


class BalanceTransactionAttrs(NamedTuple):
    type: str
    source: str | None
    currency: str
    status: str
    available_on: int
    net: int
    payout: str | None = None


def _balance_transaction_views(a: BalanceTransactionAttrs) -> Iterable[ViewKey]:
    yield ALL
    yield ("type", a.type)
    if a.source:
        yield ("source", a.source)


BALANCE_TRANSACTIONS = Schema(
    "balance_transaction",
    lambda o: BalanceTransactionAttrs(o["type"], o["source"], o["currency"], o["status"], o["available_on"], o["net"]),
    _balance_transaction_views,
)
BALANCE_TRANSACTION_FILTERS = frozenset({"type", "source", "currency", "payout"})


def plan_balance_transactions(query: ListQuery) -> Plan:
    return _plan_by_first(query, ("source", "payout", "type", "currency"), ALL)


# --- customers, prices -----------------------------------------------------------------------------------------


class CustomerAttrs(NamedTuple):
    email: str | None
    test_clock: str | None


def _customer_views(a: CustomerAttrs) -> Iterable[ViewKey]:
    yield ALL  # every customer not deleted, for search
    yield ("test_clock", a.test_clock) if a.test_clock else ("visible",)
    if a.email:
        yield ("email", a.email)


CUSTOMERS = Schema("customer", lambda o: CustomerAttrs(o["email"], o["test_clock"]), _customer_views)
CUSTOMER_FILTERS = frozenset({"email", "test_clock"})


def plan_customers(query: ListQuery) -> Plan:
    """Customers under a test clock are listed only with ``test_clock=``."""
    clock = query.filters.get("test_clock")
    email = query.filters.get("email")
    if clock:
        return Plan((("test_clock", clock),), _equals("email", email) if email else None)
    if email:
        return Plan((("email", email),), _equals("test_clock", None))
    return Plan((("visible",),))


class PriceAttrs(NamedTuple):
    active: bool
    product: str
    currency: str
    type: str
    lookup_key: str | None
    interval: str | None
    usage_type: str | None


def _price_attrs(o: Obj) -> PriceAttrs:
    recurring = o["recurring"] or {}
    return PriceAttrs(
        o["active"], o["product"], o["currency"], o["type"], o["lookup_key"],
        recurring.get("interval"), recurring.get("usage_type"),
    )  # fmt: skip


PRICES = Schema("price", _price_attrs, lambda a: (ALL, ("active", a.active), ("product", a.product)))
PRICE_FILTERS = frozenset({"active", "product", "currency", "type"})


def plan_prices(query: ListQuery) -> Plan:
    """Without ``active`` Stripe lists only active prices."""
    active = parse_bool("active", query.filters["active"]) if "active" in query.filters else True
    if query.filters.get("type") not in (None, "one_time", "recurring"):
        raise bad_request("Invalid type: must be one of one_time or recurring", param="type")
    checks: list[Predicate | None] = _residual(query, ("currency", "type"), None)
    keys = query.arrays.get("lookup_keys")
    if keys:
        wanted = frozenset(keys)
        checks.append(lambda attrs: attrs.lookup_key in wanted)
    for name, value in query.nested.get("recurring", {}).items():
        if name not in ("interval", "usage_type"):
            raise bad_request(f"Received unknown parameter: recurring[{name}]", param=f"recurring[{name}]")
        checks.append(_equals(name, value))
    if "product" in query.filters:
        checks.append(_equals("active", active))
        return Plan((("product", query.filters["product"]),), _all_of(checks))
    return Plan((("active", active),), _all_of(checks))


# --- subscriptions ---------------------------------------------------------------------------------------------


class SubscriptionAttrs(NamedTuple):
    status: str
    customer: str
    test_clock: str | None
    collection_method: str
    prices: tuple[str, ...]


def _subscription_attrs(o: Obj) -> SubscriptionAttrs:
    prices = tuple(item["price"]["id"] for item in o["items"]["data"])
    return SubscriptionAttrs(o["status"], o["customer"], o["test_clock"], o["collection_method"], prices)


def _status_groups(status: str) -> tuple[str, ...]:
    groups = ["all", status]
    if status != "canceled":
        groups.append("default")
    if status in ("canceled", "incomplete_expired"):
        groups.append("ended")
    return tuple(groups)


def _subscription_views(a: SubscriptionAttrs) -> Iterable[ViewKey]:
    scope = ("clock", a.test_clock) if a.test_clock else ("noclock",)
    for group in _status_groups(a.status):
        yield (*scope, group)
    yield ("customer", a.customer)
    yield ALL  # for search


SUBSCRIPTIONS = Schema("subscription", _subscription_attrs, _subscription_views)
SUBSCRIPTION_FILTERS = frozenset({"status", "customer", "test_clock", "price", "plan", "collection_method"})


def _status_check(group: str) -> Predicate:
    return lambda attrs: group in _status_groups(attrs.status)


def _has_price(price: str) -> Predicate:
    return lambda attrs: price in attrs.prices


def plan_subscriptions(query: ListQuery) -> Plan:
    """Without ``status`` canceled subscriptions are left out; test-clock ones need ``test_clock`` or ``customer``."""
    group = query.filters.get("status", "default")
    if group not in SUBSCRIPTION_STATUSES and group != "default":
        raise bad_request(f"Invalid status: must be one of {', '.join(SUBSCRIPTION_STATUSES)}", param="status")
    checks: list[Predicate | None] = _residual(query, ("collection_method",), None)
    for name in ("price", "plan"):
        if name in query.filters:
            checks.append(_has_price(query.filters[name]))
    clock = query.filters.get("test_clock")
    if "customer" in query.filters:
        checks += [_status_check(group), _equals("test_clock", clock) if clock else None]
        return Plan((("customer", query.filters["customer"]),), _all_of(checks))
    scope = ("clock", clock) if clock else ("noclock",)
    return Plan(((*scope, group),), _all_of(checks))


# --- events, products, test clocks -----------------------------------------------------------------------------


class EventAttrs(NamedTuple):
    type: str


EVENTS = Schema("event", lambda o: EventAttrs(o["type"]), lambda a: (ALL, ("type", a.type)))
EVENT_FILTERS = frozenset({"type", "delivery_success"})


def plan_events(query: ListQuery, known_types: Iterable[str]) -> Plan:
    """``type`` may hold ``*`` wildcards; ``types[]`` takes up to 20 exact names; not both."""
    single = query.filters.get("type")
    several = query.arrays.get("types")
    if single and several is not None:
        raise bad_request("You may only specify one of these parameters: type, types.", param="types")
    if several is not None and len(several) > MAX_EVENT_TYPES:
        raise bad_request(f"You may pass at most {MAX_EVENT_TYPES} values for types.", param="types")
    delivered = query.filters.get("delivery_success")
    accept = None
    if delivered is not None:
        success = parse_bool("delivery_success", delivered)  # no webhooks: every event counts as delivered
        accept = None if success else (lambda attrs: False)
    if single:
        names = fnmatch.filter(sorted(known_types), single) if "*" in single else [single]
    elif several is not None:
        names = list(dict.fromkeys(several))
    else:
        return Plan((ALL,), accept)
    return Plan(tuple(("type", name) for name in names), accept)


PRODUCTS = Schema("product", lambda o: (), lambda a: (ALL,))
TEST_CLOCKS = Schema("test_helpers.test_clock", lambda o: (), lambda a: (ALL,))
