"""Where each Stripe resource lands in XDM: the conventions the ready-made schemas and default mapping sets share.

For a resource ``R`` and tenant id ``T`` (namespace ``_T``):

* the ready-made schema is built from :data:`RESOURCE_CLASSES` [R] plus the field group ``{R}_data`` whose one
  property is ``_T.{R}_data``: an object with every field of the Stripe object, named as Stripe names it and typed
  from the same description the datasets use (``lake/schemas/stripe_resources.json``, read here without pyarrow):
  ``string``/``id``/``json`` → string, ``int`` → integer, ``float`` → number, ``bool`` → boolean, ``ts`` (epoch
  seconds) → string with format ``date-time``, ``map`` → object of strings, nested objects → objects, lists →
  arrays;
* every money field of :data:`MONEY_FIELDS` [R] keeps its minor units and gains a ``{name}_major`` number beside
  it (the amount in the currency's major unit: see :func:`minor_unit_exponent`);
* records reach the mapper wrapped as ``{"data": <Stripe object>}`` (as the Experience Platform's explore preview
  shows them), so default mappings read ``data.<field>``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Final

PROFILE_CLASS: Final = "https://ns.adobe.com/xdm/context/profile"
EXPERIENCE_EVENT_CLASS: Final = "https://ns.adobe.com/xdm/context/experienceevent"

#: The tenant id used when none is configured (``STRIPEFLOW_TENANT_ID``); its namespace is ``_stripeflow``.
DEFAULT_TENANT_ID: Final = "stripeflow"

#: The identity namespace of Stripe customer ids (``cus_...``), beside the standard ``Email``.
STRIPE_CUSTOMER_NAMESPACE: Final = "StripeCustomerId"

RESOURCES: Final = ("charges", "subscriptions", "refunds", "balance_transactions", "customers", "prices")

#: The XDM class of each ready-made schema: ``"profile"``, ``"experienceevent"`` or ``"record"`` (a tenant class
#: with record behaviour named ``stripe_<singular>``, see :func:`record_class_id`).
RESOURCE_CLASSES: Final[Mapping[str, str]] = {
    "charges": "experienceevent",
    "refunds": "experienceevent",
    "balance_transactions": "experienceevent",
    "customers": "profile",
    "subscriptions": "record",
    "prices": "record",
}

SINGULAR: Final[Mapping[str, str]] = {
    "charges": "charge",
    "subscriptions": "subscription",
    "refunds": "refund",
    "balance_transactions": "balance_transaction",
    "customers": "customer",
    "prices": "price",
}

#: Integer amounts in the currency's minor unit, per resource (top-level fields).
MONEY_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "charges": ("amount", "amount_captured", "amount_refunded", "application_fee_amount"),
    "refunds": ("amount",),
    "balance_transactions": ("amount", "fee", "net"),
    "customers": ("balance",),
    "prices": ("unit_amount",),
    "subscriptions": (),
}

#: Identity fields of each ready-made schema: (path inside ``_T.{R}_data``, namespace, primary).
IDENTITIES: Final[Mapping[str, tuple[tuple[str, str, bool], ...]]] = {
    "charges": (("customer", STRIPE_CUSTOMER_NAMESPACE, True), ("billing_details.email", "Email", False)),
    "refunds": (("customer", STRIPE_CUSTOMER_NAMESPACE, True),),
    "balance_transactions": (),
    "customers": (("id", STRIPE_CUSTOMER_NAMESPACE, True), ("email", "Email", False)),
    "subscriptions": (("customer", STRIPE_CUSTOMER_NAMESPACE, True),),
    "prices": (),
}

#: Currencies without a minor unit (Stripe's list): amounts are already in the major unit.
ZERO_DECIMAL_CURRENCIES: Final = frozenset(
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]
)
#: Currencies with three decimals: Stripe amounts are thousandths.
THREE_DECIMAL_CURRENCIES: Final = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])


def tenant_namespace(tenant_id: str) -> str:
    """``_{tenant_id}``: the object custom fields live under."""
    return f"_{tenant_id}"


def field_group_key(resource: str) -> str:
    """The property under the tenant namespace that holds a resource's Stripe fields: ``{resource}_data``."""
    return f"{resource}_data"


def resource_root(resource: str, tenant_id: str) -> str:
    """The XDM path of a resource's Stripe fields, e.g. ``_stripeflow.charges_data``."""
    return f"{tenant_namespace(tenant_id)}.{field_group_key(resource)}"


def major_field(name: str) -> str:
    return f"{name}_major"


def record_class_id(resource: str, tenant_id: str) -> str:
    return f"https://ns.adobe.com/{tenant_id}/classes/stripe_{SINGULAR[resource]}"


def minor_unit_exponent(currency: str) -> int:
    """How many decimals a Stripe amount in ``currency`` carries (0, 2 or 3)."""
    code = currency.lower()
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    return 3 if code in THREE_DECIMAL_CURRENCIES else 2


@cache
def _descriptions() -> Mapping[str, Any]:
    text = resources.files("stripeflow.lake").joinpath("schemas/stripe_resources.json").read_text("utf-8")
    loaded: Mapping[str, Any] = json.loads(text)["resources"]
    return loaded


def stripe_kinds(resource: str) -> Mapping[str, Any]:
    """The typed description of a Stripe object (field name → kind, as in ``lake/schema.py``)."""
    try:
        fields: Mapping[str, Any] = _descriptions()[resource]["fields"]
    except KeyError:
        raise KeyError(f"unknown resource {resource!r}; expected one of {', '.join(RESOURCES)}") from None
    return fields
