"""The global container: the standard behaviours, classes, field groups and data types a Stripe mapping needs.

They follow the structure of Adobe's published XDM (``$id``s, titles, field names, ``definitions`` + ``allOf``),
cut down to the fields stripeflow uses. They live in code, the same for every organization and sandbox, and are
read-only.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from typing import Any, Final

from stripeflow.xdm.kinds import Container, Kind, alt_id
from stripeflow.xdm.stripe_layout import EXPERIENCE_EVENT_CLASS, PROFILE_CLASS

RECORD_BEHAVIOR: Final = "https://ns.adobe.com/xdm/data/record"
TIME_SERIES_BEHAVIOR: Final = "https://ns.adobe.com/xdm/data/time-series"
BEHAVIORS: Final = {RECORD_BEHAVIOR: "record", TIME_SERIES_BEHAVIOR: "time-series"}

PERSONAL_CONTACT_DETAILS: Final = "https://ns.adobe.com/xdm/context/profile-personal-details"
DEMOGRAPHIC_DETAILS: Final = "https://ns.adobe.com/xdm/context/profile-person-details"
IDENTITY_MAP: Final = "https://ns.adobe.com/xdm/context/identitymap"
COMMERCE_DETAILS: Final = "https://ns.adobe.com/xdm/context/experienceevent-commerce"

POSTAL_ADDRESS: Final = "https://ns.adobe.com/xdm/common/address"
EMAIL_ADDRESS: Final = "https://ns.adobe.com/xdm/context/emailaddress"
PHONE_NUMBER: Final = "https://ns.adobe.com/xdm/context/phonenumber"
PERSON: Final = "https://ns.adobe.com/xdm/context/person"
PERSON_NAME: Final = "https://ns.adobe.com/xdm/context/person-name"
IDENTITY_ITEM: Final = "https://ns.adobe.com/xdm/context/identityitem"

_Doc = dict[str, Any]


def _f(type_: str, title: str, description: str, **extra: Any) -> _Doc:
    return {"title": title, "type": type_, "description": description, **extra}


def _ref(ref: str, title: str, description: str) -> _Doc:
    return {"title": title, "$ref": ref, "description": description}


def _object(title: str, description: str, properties: _Doc) -> _Doc:
    return {"title": title, "type": "object", "description": description, "properties": properties}


def _doc(kind: Kind, resource_id: str, title: str, description: str, properties: _Doc, **meta: Any) -> _Doc:
    """A global resource: one definition (named after the id's last segment) referenced from ``allOf``."""
    name = resource_id.rsplit("/", 1)[1]
    extends: list[str] = list(meta.pop("extends", ()))
    required: list[str] = meta.pop("required", [])
    definition: _Doc = {"properties": properties}
    if required:
        definition["required"] = required
    doc: _Doc = {
        "$id": resource_id,
        "meta:altId": alt_id(resource_id),
        "meta:resourceType": kind.resource_type,
        "version": "1.0",
        "title": title,
        "type": "object",
        "description": description,
        "meta:extensible": meta.pop("extensible", True),
        "meta:abstract": meta.pop("abstract", kind is not Kind.SCHEMA),
        "meta:containerId": Container.GLOBAL.value,
        "meta:status": "stable",
        **meta,
    }
    if properties or required:
        doc["definitions"] = {name: definition}
    doc["allOf"] = [{"$ref": ref} for ref in extends] + ([{"$ref": f"#/definitions/{name}"}] if properties else [])
    doc["meta:extends"] = extends
    return doc


def _behaviors() -> list[_Doc]:
    record = _doc(
        Kind.BEHAVIOR, RECORD_BEHAVIOR, "Record Schema", "Attributes of a subject: one current state per _id.", {}
    )
    series = _doc(
        Kind.BEHAVIOR,
        TIME_SERIES_BEHAVIOR,
        "Time-series Schema",
        "Events at a point in time: every record is immutable and carries a timestamp.",
        {
            "_id": _f("string", "Identifier", "A unique identifier for the time-series event."),
            "timestamp": _f(
                "string", "Timestamp", "The time when the event or observation occurred.", format="date-time"
            ),
        },
        required=["_id", "timestamp"],
        extensible=False,
    )
    return [record, series]


def _classes() -> list[_Doc]:
    profile = _doc(
        Kind.CLASS,
        PROFILE_CLASS,
        "XDM Individual Profile",
        "A singular representation of the attributes and interests of both identified and partially identified "
        "individuals.",
        {
            "_id": _f("string", "Identifier", "A unique identifier for the record."),
            "personID": _f("string", "Person ID", "Unique identifier of the person this profile fragment describes."),
            "_repo": _object(
                "Repository",
                "Repository metadata of the record.",
                {
                    "createDate": _f("string", "Create Date", "When the record was created.", format="date-time"),
                    "modifyDate": _f("string", "Modify Date", "When the record was last changed.", format="date-time"),
                },
            ),
            "createdByBatchID": _f("string", "Created by Batch ID", "The batch that created the record."),
            "modifiedByBatchID": _f("string", "Modified by Batch ID", "The batch that last changed the record."),
        },
        extends=[RECORD_BEHAVIOR],
        **{"meta:behaviorType": "record"},
    )
    event = _doc(
        Kind.CLASS,
        EXPERIENCE_EVENT_CLASS,
        "XDM ExperienceEvent",
        "A time-series record of an event or an observation of a subject at a point in time.",
        {
            "eventType": _f("string", "Event Type", "The primary event type for this time-series record."),
            "producedBy": _f("string", "Produced By", "A value that describes the producer of the event."),
        },
        extends=[TIME_SERIES_BEHAVIOR],
        **{"meta:behaviorType": "time-series"},
    )
    return [profile, event]


def _data_types() -> list[_Doc]:
    dt = Kind.DATA_TYPE
    address = {
        "street1": _f("string", "Street 1", "Primary street level information: apartment number, street number."),
        "street2": _f("string", "Street 2", "Optional street information, second line."),
        "city": _f("string", "City", "The name of the city."),
        "stateProvince": _f("string", "State or province", "The state, province or region."),
        "postalCode": _f("string", "Postal code", "The postal code of the location."),
        "country": _f("string", "Country", "The name of the government-administered territory."),
        "countryCode": _f("string", "Country code", "The two-character ISO 3166-1 alpha-2 code.", pattern="^[A-Z]{2}$"),
    }
    status = ["active", "incomplete", "blacklisted", "blocked"]
    email = {
        "address": _f("string", "Address", "The technical address, e.g. name@domain.com.", format="email"),
        "primary": _f("boolean", "Primary", "Primary email indicator."),
        "label": _f("string", "Label", "A label that describes the address."),
        "status": _f("string", "Status", "An indication of whether the address can be used.", enum=status),
    }
    phone = {
        "number": _f("string", "Number", "The phone number, e.g. +1-555-0100."),
        "primary": _f("boolean", "Primary", "Primary phone indicator."),
        "status": _f("string", "Status", "An indication of whether the number can be used.", enum=status),
    }
    name = {
        "firstName": _f("string", "First name", "The first segment of the name in the writing order."),
        "middleName": _f("string", "Middle name", "Middle, alternative or additional names."),
        "lastName": _f("string", "Last name", "The last segment of the name in the writing order."),
        "fullName": _f("string", "Full name", "The full name in the writing order most commonly accepted."),
        "courtesyTitle": _f("string", "Courtesy title", "Normally an abbreviation of a title, e.g. Mr, Ms."),
        "suffix": _f("string", "Suffix", "A group of letters provided after a person's name, e.g. Jr."),
    }
    person = {
        "name": _ref(PERSON_NAME, "Full name", "The person's name."),
        "birthDate": _f("string", "Birth date", "The full date the person was born.", format="date"),
        "gender": _f(
            "string",
            "Gender",
            "The gender identity of the person.",
            enum=["male", "female", "not_specified", "non_specific"],
        ),
    }
    item = {
        "id": _f("string", "Identifier", "The identity within the namespace of the map key."),
        "authenticatedState": _f(
            "string",
            "Authenticated state",
            "The state this identity is authenticated as for this observed ExperienceEvent.",
            enum=["ambiguous", "authenticated", "loggedOut"],
            default="ambiguous",
        ),
        "primary": _f("boolean", "Primary", "Whether this identity is the preferred identity.", default=False),
    }
    return [
        _doc(dt, POSTAL_ADDRESS, "Postal address", "A physical address.", address),
        _doc(dt, EMAIL_ADDRESS, "Email address", "A standard email address.", email),
        _doc(dt, PHONE_NUMBER, "Phone number", "A phone number.", phone),
        _doc(dt, PERSON_NAME, "Full name", "A person's name.", name),
        _doc(dt, PERSON, "Person", "An individual actor, contact or owner.", person, extends=[]),
        _doc(dt, IDENTITY_ITEM, "Identity", "An identity of an end user within one namespace.", item),
    ]


def _field_groups() -> list[_Doc]:
    fg = Kind.FIELD_GROUP
    contact = {
        "homeAddress": _ref(POSTAL_ADDRESS, "Home address", "The home postal address."),
        "mobilePhone": _ref(PHONE_NUMBER, "Mobile phone", "The mobile phone number."),
        "homePhone": _ref(PHONE_NUMBER, "Home phone", "The home phone number."),
        "personalEmail": _ref(EMAIL_ADDRESS, "Personal email", "The personal email address."),
    }
    demographic = {"person": _ref(PERSON, "Person", "An individual actor, contact or owner.")}
    identity_map = {
        "identityMap": {
            "title": "Identity Map",
            "description": "A map of end user identities, keyed on the identity namespace code.",
            "type": "object",
            "meta:xdmType": "map",
            "additionalProperties": {"type": "array", "items": {"$ref": IDENTITY_ITEM}},
        }
    }
    money = {
        "priceTotal": _f("number", "Price total", "The total of the order after all discounts and taxes."),
        "currencyCode": _f("string", "Currency code", "The ISO 4217 currency code.", pattern="^[A-Z]{3}$"),
    }
    payment = {
        "paymentAmount": _f("number", "Payment amount", "The value of the payment."),
        "paymentType": _f("string", "Payment type", "The method of payment, e.g. credit_card."),
        "currencyCode": money["currencyCode"],
        "transactionID": _f("string", "Transaction ID", "A unique transaction identifier for this payment."),
    }
    order = {
        **money,
        "purchaseID": _f("string", "Purchase ID", "A unique identifier assigned by the seller for this purchase."),
        "payments": {
            "title": "Payments",
            "description": "The list of payments for this order.",
            "type": "array",
            "items": {"type": "object", "properties": payment},
        },
    }
    commerce = {
        "commerce": _object(
            "Commerce",
            "Commerce specific data related to this event.",
            {"order": _object("Order", "The placed order for one or more products.", order)},
        )
    }
    return [
        _doc(
            fg,
            PERSONAL_CONTACT_DETAILS,
            "Personal Contact Details",
            "Personal contact information.",
            contact,
            **{"meta:intendedToExtend": [PROFILE_CLASS]},
        ),
        _doc(
            fg,
            DEMOGRAPHIC_DETAILS,
            "Demographic Details",
            "Demographic information about a person.",
            demographic,
            **{"meta:intendedToExtend": [PROFILE_CLASS]},
        ),
        _doc(
            fg,
            IDENTITY_MAP,
            "IdentityMap",
            "A map of end user identities.",
            identity_map,
            **{"meta:intendedToExtend": []},
        ),
        _doc(
            fg,
            COMMERCE_DETAILS,
            "Commerce Details",
            "Commerce data: orders and their payments.",
            commerce,
            **{"meta:intendedToExtend": [EXPERIENCE_EVENT_CLASS]},
        ),
    ]


@cache
def _catalog() -> Mapping[str, tuple[Kind, _Doc]]:
    docs = {
        Kind.BEHAVIOR: _behaviors(),
        Kind.CLASS: _classes(),
        Kind.DATA_TYPE: _data_types(),
        Kind.FIELD_GROUP: _field_groups(),
    }
    return {doc["$id"]: (kind, doc) for kind, kind_docs in docs.items() for doc in kind_docs}


def builtin(ref: str) -> tuple[Kind, _Doc] | None:
    """The global resource with ``$id`` or ``meta:altId`` ``ref`` (a copy), or ``None``."""
    found = _catalog().get(ref) or next((item for item in _catalog().values() if item[1]["meta:altId"] == ref), None)
    return None if found is None else (found[0], copy.deepcopy(found[1]))


def builtins(kind: Kind | None = None) -> list[tuple[Kind, _Doc]]:
    """Every global resource (of one kind), as copies."""
    return [(k, copy.deepcopy(doc)) for k, doc in _catalog().values() if kind is None or k is kind]


def behavior_of(ref: str) -> str | None:
    """``"record"`` or ``"time-series"`` for a behaviour ``$id``."""
    return BEHAVIORS.get(ref)
