"""Descriptors of tenant schemas' fields (identity, one-to-one, alternate display info): ``/tenant/descriptors``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response

from stripeflow.server.deps import PlatformDep
from stripeflow.server.problems import bad_request
from stripeflow.server.routers.schemaregistry_media import descriptor_listing_form
from stripeflow.server.routers.schemaregistry_models import DESCRIPTOR_EXAMPLES, Descriptor, problem

router = APIRouter(prefix="/tenant/descriptors")

SCHEMA_FILTER = "xdm:sourceSchema=="
NOT_FOUND = problem("No descriptor with that `@id` in this organization and sandbox")
DescriptorId = Annotated[str, Path(description="The descriptor's `@id` (32 hex digits)")]
DescriptorBody = Annotated[dict[str, Any], Body(openapi_examples=DESCRIPTOR_EXAMPLES)]


@router.get(
    "",
    summary="List descriptors",
    description=(
        "`Accept: application/vnd.adobe.xdm+json` (the default) gives the descriptors, `…xdm-id+json` their `@id`s, "
        '`…xdm-link+json` `{@type: ["/descriptors/{@id}", …]}`. `property=xdm:sourceSchema==<$id or altId>` keeps '
        "one schema's."
    ),
    response_model=None,
    responses={
        200: {"description": "A list of descriptors or `@id`s, or links grouped by `@type`"},
        404: problem("The schema of the `property` filter does not exist"),
        406: problem("The `Accept` header names no descriptor listing form"),
    },
)
def list_descriptors(
    platform: PlatformDep,
    accept: Annotated[str | None, Header(description="The listing form; see the description")] = None,
    property_filter: Annotated[
        str | None, Query(alias="property", description="`xdm:sourceSchema==<schema $id or meta:altId>`")
    ] = None,
) -> Any:
    form = descriptor_listing_form(accept)
    return platform.registry.list_descriptors(_schema_of(property_filter), form=form)


@router.post(
    "",
    status_code=201,
    summary="Create a descriptor",
    description="For an identity: `xdm:namespace` is required and the field must be a string; a schema has at most one "
    "primary identity (409 names the existing one).",
    response_model=None,
    responses={
        201: {"model": Descriptor, "description": "The descriptor, with its `@id`"},
        404: problem("The schema the descriptor names does not exist"),
        409: problem("The field already has an identity, or the schema already has a primary identity"),
    },
)
def create_descriptor(platform: PlatformDep, body: DescriptorBody) -> dict[str, Any]:
    return platform.registry.create_descriptor(body)


@router.get(
    "/{descriptor_id}",
    summary="Look up a descriptor",
    response_model=None,
    responses={200: {"model": Descriptor, "description": "The descriptor"}, 404: NOT_FOUND},
)
def get_descriptor(platform: PlatformDep, descriptor_id: DescriptorId) -> dict[str, Any]:
    return platform.registry.get_descriptor(descriptor_id)


@router.put(
    "/{descriptor_id}",
    summary="Replace a descriptor",
    description="Keys left out keep their values; `@type` cannot change.",
    response_model=None,
    responses={
        200: {"model": Descriptor, "description": "The descriptor as stored"},
        404: NOT_FOUND,
        409: problem("The change collides with another descriptor of the schema"),
    },
)
def replace_descriptor(platform: PlatformDep, descriptor_id: DescriptorId, body: DescriptorBody) -> dict[str, Any]:
    return platform.registry.update_descriptor(descriptor_id, body)


@router.delete(
    "/{descriptor_id}",
    status_code=204,
    summary="Delete a descriptor",
    response_class=Response,
    responses={404: NOT_FOUND},
)
def delete_descriptor(platform: PlatformDep, descriptor_id: DescriptorId) -> Response:
    platform.registry.delete_descriptor(descriptor_id)
    return Response(status_code=204)


def _schema_of(property_filter: str | None) -> str | None:
    """The schema a descriptor listing's ``property`` filter names (the only filter descriptors take)."""
    if property_filter is None:
        return None
    if not property_filter.startswith(SCHEMA_FILTER) or not property_filter.removeprefix(SCHEMA_FILTER).strip():
        raise bad_request(f"property={property_filter!r}: descriptors filter only by {SCHEMA_FILTER}<schema $id>")
    return property_filter.removeprefix(SCHEMA_FILTER).strip().strip('"')
