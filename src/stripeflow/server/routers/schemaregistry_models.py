"""The Schema Registry API's vocabulary for the OpenAPI document: path enums, body and response shapes, examples.

Handlers return the registry's dicts as they are; these models only describe them (extra keys are allowed, since
an XDM document has as many keys as its author gave it).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class KindPath(StrEnum):
    """A resource kind as a path segment (``mixins`` is the older name of ``fieldgroups``)."""

    CLASSES = "classes"
    FIELDGROUPS = "fieldgroups"
    MIXINS = "mixins"
    DATATYPES = "datatypes"
    SCHEMAS = "schemas"
    BEHAVIORS = "behaviors"


class TenantKindPath(StrEnum):
    """The kinds a tenant creates and changes (behaviours are global and read-only)."""

    CLASSES = "classes"
    FIELDGROUPS = "fieldgroups"
    MIXINS = "mixins"
    DATATYPES = "datatypes"
    SCHEMAS = "schemas"


class ErrorBody(BaseModel):
    """A problem document (``type``, ``status``, ``title``, ``detail``, ``error_code``, maybe ``report``), or a
    gateway body (``error_code``, ``message``, ``detail``) for a failed header check."""

    model_config = ConfigDict(extra="allow")

    error_code: str = Field(description="Platform-style code: `404`, `400005`, `403010` ...")
    detail: str = Field(description="What was wrong and how to fix it")
    type: str | None = Field(None, description="`https://ns.adobe.com/aep/errors/{error_code}` (problem documents)")
    status: int | None = Field(None, description="The HTTP status (problem documents)")
    title: str | None = Field(
        None, description="`BadRequestError`, ...; registry errors: `not_found`, `conflict`, `invalid_schema`, ..."
    )
    message: str | None = Field(None, description="The gateway's message (failed header checks)")
    report: Any = Field(None, description="Machine-readable details: registry errors give `{details: [...]}`")


class ResourceSummary(BaseModel):
    """A resource in a listing (``xed-id``); the ``xed`` listing gives whole documents, which have these keys too."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(alias="$id", description="`https://ns.adobe.com/{TENANT_ID}/{kind}/<32 hex>`")
    alt_id: str = Field(alias="meta:altId", description="`_{TENANT_ID}.{kind}.<32 hex>`")
    version: str = Field(description="`1.0`, bumped by every change: `1.1`, `1.2` ...")
    title: str


class Resource(ResourceSummary):
    """A class, field group, data type, schema or behaviour, in the form the ``Accept`` header asked for."""

    resource_type: str = Field(alias="meta:resourceType", description="`classes`, `mixins`, `datatypes`, ...")
    container_id: str = Field(alias="meta:containerId", description="`global` or `tenant`")


class PageInfo(BaseModel):
    orderby: str = Field(description="The sort key; `-` first when descending")
    next: str | None = Field(description="The `start` value of the next page; `null` on the last page")
    count: int = Field(description="Results on this page")


class Link(BaseModel):
    href: str


class Links(BaseModel):
    model_config = ConfigDict(extra="allow")

    next: Link | None = Field(None, description="The next page's URL (absent on the last page)")


class Listing(BaseModel):
    """One page of a container's resources of one kind."""

    results: list[ResourceSummary]
    page: PageInfo = Field(alias="_page")
    links: Links = Field(alias="_links")


class PatchOperation(BaseModel):
    """A JSON Patch (RFC 6902) operation; ``value`` is needed by ``add`` and ``replace``."""

    op: Literal["add", "replace", "remove"]
    path: str = Field(description="A JSON pointer into the stored (`xed`) document, e.g. `/allOf/-`")
    value: Any = None


class Descriptor(BaseModel):
    """An identity, one-to-one or alternate display info descriptor of a tenant schema's field."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(alias="@id", description="32 hex digits")
    type: str = Field(
        alias="@type", description="`xdm:descriptorIdentity`, `xdm:descriptorOneToOne` or `xdm:alternateDisplayInfo`"
    )
    source_schema: str = Field(alias="xdm:sourceSchema", description="The schema's `$id`")
    source_property: str = Field(alias="xdm:sourceProperty", description="JSON pointer to the field")


TENANT_FIELD_GROUP_EXAMPLE = {
    "title": "Loyalty details",
    "description": "Loyalty programme fields",
    "type": "object",
    "meta:intendedToExtend": ["https://ns.adobe.com/xdm/context/profile"],
    "definitions": {
        "loyalty": {
            "properties": {
                "_stripeflow": {
                    "type": "object",
                    "properties": {
                        "loyalty": {
                            "type": "object",
                            "properties": {"points": {"type": "integer"}, "tier": {"type": "string"}},
                        }
                    },
                }
            }
        }
    },
    "allOf": [{"$ref": "#/definitions/loyalty"}],
}

SCHEMA_EXAMPLE = {
    "title": "Stripe customers (profile)",
    "description": "Customers as profiles",
    "type": "object",
    "allOf": [
        {"$ref": "https://ns.adobe.com/xdm/context/profile"},
        {"$ref": "https://ns.adobe.com/xdm/context/profile-personal-details"},
    ],
}

RESOURCE_EXAMPLES: dict[str, Any] = {
    "schema": {"summary": "A schema: one class and field groups", "value": SCHEMA_EXAMPLE},
    "fieldgroup": {
        "summary": "A field group (custom fields under `_{TENANT_ID}`, here the default tenant `stripeflow`)",
        "value": TENANT_FIELD_GROUP_EXAMPLE,
    },
    "class": {
        "summary": "A record class",
        "value": {"title": "Loyalty account", "type": "object", "meta:behaviorType": "record"},
    },
    "datatype": {
        "summary": "A data type",
        "value": {
            "title": "Money",
            "type": "object",
            "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}},
        },
    },
}

PATCH_EXAMPLES: dict[str, Any] = {
    "add-field-group": {
        "summary": "Add a field group to a schema",
        "value": [{"op": "add", "path": "/allOf/-", "value": {"$ref": "https://ns.adobe.com/xdm/context/identitymap"}}],
    },
    "retitle": {"summary": "Change the title", "value": [{"op": "replace", "path": "/title", "value": "New title"}]},
}

DESCRIPTOR_EXAMPLES: dict[str, Any] = {
    "identity": {
        "summary": "A primary identity",
        "value": {
            "@type": "xdm:descriptorIdentity",
            "xdm:sourceSchema": "https://ns.adobe.com/stripeflow/schemas/<32 hex>",
            "xdm:sourceVersion": 1,
            "xdm:sourceProperty": "/_stripeflow/customers_data/id",
            "xdm:namespace": "StripeCustomerId",
            "xdm:property": "xdm:code",
            "xdm:isPrimary": True,
        },
    }
}


def problem(description: str) -> dict[str, Any]:
    """An OpenAPI ``responses`` entry whose body is an :class:`ErrorBody`."""
    return {"model": ErrorBody, "description": description}


#: What every Schema Registry operation may answer besides its own codes. ``default`` (a 500's problem document)
#: also stands in for FastAPI's generated 422, which this API never answers (invalid requests are 400s).
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem("Invalid request: a bad parameter or body, a bad `x-sandbox-name`, a missing header"),
    401: problem("The bearer token is not valid"),
    403: problem("No token, no or an unknown `x-api-key`, or an org id that is not `<id>@AdobeOrg`"),
    "default": problem("Unexpected error (the server log has details)"),
}
