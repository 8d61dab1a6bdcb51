"""The table of Stripe resources stripeflow extracts, declared as data.

Everything that differs between resources (list filters that would otherwise drop rows, nested lists that Stripe
truncates, the events that announce changes, the restricted-key permission) is a field here, so that no other
module branches on a resource's name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class NestedList:
    """An embedded list that Stripe truncates (``has_more: true``) and that is paged through its own endpoint."""

    field: str  # the field on the parent object, e.g. "items"
    path: str  # the list endpoint, e.g. "/v1/subscription_items"
    parent_param: str  # the query parameter naming the parent, e.g. "subscription"
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)  # extra query parameters for that endpoint


@dataclass(frozen=True, slots=True)
class EventRule:
    """How an event type names the object of this resource it changed.

    ``id_path`` is a dotted path into ``event.data.object`` (``"id"`` for the object itself, ``"charge"`` for a
    dispute or refund that changed its charge). ``deletes`` marks the row deleted instead of re-fetching it.
    """

    id_path: str = "id"
    deletes: bool = False


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    name: str  # resource path as the Flow Service names it, and the dataset name
    object: str  # Stripe's "object" value of one record
    path: str  # the list endpoint; retrieve is f"{path}/{id}"
    passes: tuple[Mapping[str, str], ...]  # one list walk per entry; together they cover every object
    permission: str  # what a restricted key needs, e.g. "rak_charge_read"
    events: Mapping[str, EventRule]  # event type -> rule; empty: the resource has no events
    nested: tuple[NestedList, ...] = ()
    test_clock_scoped: bool = False  # objects under a test clock are listed only with ?test_clock=
    rescan_pending: bool = False  # no events: re-scan recent rows whose status may still change

    @property
    def has_events(self) -> bool:
        return bool(self.events)

    def retrieve_path(self, object_id: str) -> str:
        return f"{self.path}/{object_id}"


def _rules(*types: str, deletes: tuple[str, ...] = (), **by_path: tuple[str, ...]) -> Mapping[str, EventRule]:
    rules = {name: EventRule() for name in types}
    rules.update({name: EventRule(deletes=True) for name in deletes})
    for id_path, names in by_path.items():
        rules.update({name: EventRule(id_path=id_path) for name in names})
    return MappingProxyType(rules)


CHARGES = ResourceSpec(
    name="charges",
    object="charge",
    path="/v1/charges",
    passes=({},),
    permission="rak_charge_read",
    events=_rules(
        "charge.captured",
        "charge.expired",
        "charge.failed",
        "charge.pending",
        "charge.refunded",
        "charge.succeeded",
        "charge.updated",
        charge=(
            "charge.dispute.created",
            "charge.dispute.updated",
            "charge.dispute.closed",
            "charge.dispute.funds_reinstated",
            "charge.dispute.funds_withdrawn",
            "charge.refund.updated",
        ),
    ),
)

SUBSCRIPTIONS = ResourceSpec(
    name="subscriptions",
    object="subscription",
    path="/v1/subscriptions",
    # Without status, Stripe leaves canceled subscriptions out of the list.
    passes=({"status": "all"},),
    permission="rak_subscription_read",
    events=_rules(
        "customer.subscription.created",
        "customer.subscription.updated",
        # A "deleted" subscription is a canceled one: it still exists and is re-fetched with status=canceled.
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
        "customer.subscription.pending_update_applied",
        "customer.subscription.pending_update_expired",
        "customer.subscription.trial_will_end",
    ),
    nested=(NestedList(field="items", path="/v1/subscription_items", parent_param="subscription"),),
    test_clock_scoped=True,
)

REFUNDS = ResourceSpec(
    name="refunds",
    object="refund",
    path="/v1/refunds",
    passes=({},),
    permission="rak_refund_read",
    events=_rules("refund.created", "refund.updated", "refund.failed", "charge.refund.updated"),
)

BALANCE_TRANSACTIONS = ResourceSpec(
    name="balance_transactions",
    object="balance_transaction",
    path="/v1/balance_transactions",
    passes=({},),
    permission="rak_balance_transaction_read",
    events=MappingProxyType({}),
    rescan_pending=True,
)

CUSTOMERS = ResourceSpec(
    name="customers",
    object="customer",
    path="/v1/customers",
    passes=({},),
    permission="rak_customer_read",
    events=_rules("customer.created", "customer.updated", deletes=("customer.deleted",)),
    test_clock_scoped=True,
)

PRICES = ResourceSpec(
    name="prices",
    object="price",
    path="/v1/prices",
    # The default list returns active prices only; the second pass brings the archived (inactive) ones.
    passes=({"active": "true"}, {"active": "false"}),
    permission="rak_price_read",
    events=_rules(
        "price.created", "price.updated", "plan.created", "plan.updated", deletes=("price.deleted", "plan.deleted")
    ),
)

RESOURCES: Mapping[str, ResourceSpec] = MappingProxyType(
    {spec.name: spec for spec in (CHARGES, SUBSCRIPTIONS, REFUNDS, BALANCE_TRANSACTIONS, CUSTOMERS, PRICES)}
)

#: Stripe keeps events for this long; a cursor older than this cannot be caught up from /v1/events.
EVENT_RETENTION_SECONDS = 30 * 24 * 3600


def resolve(names: str | None) -> tuple[ResourceSpec, ...]:
    """``"charges,prices"`` -> their specs, in table order; ``None`` or ``""`` -> all six.

    Raises ``ValueError`` naming the unknown names and the valid ones.
    """
    if not names:
        return tuple(RESOURCES.values())
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in RESOURCES]
    if unknown:
        raise ValueError(f"unknown resource(s) {', '.join(unknown)}; valid resources are {', '.join(RESOURCES)}")
    return tuple(spec for spec in RESOURCES.values() if spec.name in wanted)
