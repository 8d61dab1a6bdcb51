"""Classes, field groups, data types, schemas and behaviours: ``/{global|tenant}/{kind}[/{id}]``.

Reads take either container; writes only ``tenant`` (the global container holds the built-ins and answers 405).
A lookup's ``Accept`` header picks the form (``xed``, ``xed-full``, ...) and must carry ``version=1``; a listing's
picks ids (``xed-id``, the default) or whole documents (``xed``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from stripeflow.server.deps import PlatformDep
from stripeflow.server.problems import ApiError
from stripeflow.server.routers.schemaregistry_media import listing_full, lookup_form
from stripeflow.server.routers.schemaregistry_models import (
    PATCH_EXAMPLES,
    RESOURCE_EXAMPLES,
    KindPath,
    Listing,
    PatchOperation,
    Resource,
    TenantKindPath,
    problem,
)
from stripeflow.xdm import Container, SchemaRegistry
from stripeflow.xdm.listing import MAX_LIMIT

router = APIRouter()

NOT_FOUND = problem("No resource of this kind with that id in the container (of this organization and sandbox)")
NOT_ACCEPTABLE = problem("The `Accept` header names no supported form (the message lists the accepted values)")

ContainerParam = Annotated[Container, Path(description="`global` (built-ins, read-only) or `tenant` (yours)")]
KindParam = Annotated[KindPath, Path(description="The resource kind; `mixins` is an alias of `fieldgroups`")]
TenantKindParam = Annotated[TenantKindPath, Path(description="The resource kind; `mixins` = `fieldgroups`")]
IdParam = Annotated[
    str, Path(description="The resource's `meta:altId` (`_{TENANT_ID}.schemas.<hex>`) or its URL-encoded `$id`")
]
AcceptHeader = Annotated[str | None, Header(description="The response form; see the operation's description")]


@router.get(
    "/{container}/{kind}",
    summary="List a container's resources of one kind",
    description=(
        "`Accept: application/vnd.adobe.xed-id+json` (the default when `Accept` is absent, `*/*` or "
        "`application/json`) gives `$id`, `meta:altId`, `version` and `title` of each; "
        "`application/vnd.adobe.xed+json` gives the whole documents. At most 300 per page: follow "
        "`_links.next.href`, or pass `_page.next` as `start`."
    ),
    response_model=None,
    responses={200: {"model": Listing, "description": "One page of resources"}, 406: NOT_ACCEPTABLE},
)
def list_resources(
    request: Request,
    platform: PlatformDep,
    container: ContainerParam,
    kind: KindParam,
    accept: AcceptHeader = None,
    orderby: Annotated[
        str | None, Query(description="A top-level key to sort by (default `title`); `-` first for descending")
    ] = None,
    start: Annotated[str | None, Query(description="The `orderby` value of the first result (`_page.next`)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Results per page, 1 to 300")] = MAX_LIMIT,
    property_filter: Annotated[
        list[str] | None,
        Query(
            alias="property",
            description="Filters, comma-separated or repeated: `key==value` (a list key: contains), `key!=value`, "
            "`<`, `<=`, `>`, `>=`, `key~regex`, `key` (present), `!key` (absent)",
        ),
    ] = None,
) -> dict[str, Any]:
    full = listing_full(accept)
    body = platform.registry.list(
        kind.value, container, start=start, limit=limit, orderby=orderby, property_filter=property_filter, full=full
    )
    return _absolute_links(body, request, container, kind)


@router.get(
    "/{container}/{kind}/{resource_id:path}",
    summary="Look up a resource in the form `Accept` names",
    description=(
        "`Accept` is required and carries the version: `application/vnd.adobe.{form}+json; version=1`, where form is "
        "`xed` (as stored), `xed-full` (`$ref` and `allOf` resolved), `xed-notext`, `xed-full-notext`, "
        "`xed-full-desc` (with `meta:descriptors`) or `xed-deprecatefield` (deprecated fields kept). "
        "`version=1.<minor>` returns that revision. Anything else is a 406 listing these values."
    ),
    response_model=None,
    responses={200: {"model": Resource, "description": "The resource"}, 404: NOT_FOUND, 406: NOT_ACCEPTABLE},
)
def get_resource(
    platform: PlatformDep, container: ContainerParam, kind: KindParam, resource_id: IdParam, accept: AcceptHeader = None
) -> dict[str, Any]:
    form, version = lookup_form(accept)
    return platform.registry.get(resource_id, kind=kind.value, container=container, form=form, version=version)


@router.post(
    "/tenant/{kind}",
    status_code=201,
    summary="Create a tenant resource",
    description=(
        "The registry sets `$id`, `meta:altId`, `version` (`1.0`) and the other `meta:` keys it owns. Custom fields of "
        "classes and field groups sit under `_{TENANT_ID}`. A schema's `allOf` names one class and any field groups."
    ),
    response_model=None,
    responses={
        201: {"model": Resource, "description": "The stored resource"},
        409: problem("A tenant resource of this kind already has this title"),
    },
)
def create_resource(
    platform: PlatformDep,
    kind: TenantKindParam,
    body: Annotated[dict[str, Any], Body(openapi_examples=RESOURCE_EXAMPLES)],
) -> dict[str, Any]:
    return platform.registry.create(kind.value, body)


@router.put(
    "/tenant/{kind}/{resource_id:path}",
    summary="Replace a tenant resource",
    description="A new revision (minor version bump). Refused with 400 and `report.details` when it would break a "
    "schema (a field removed or retyped, a new required field ...).",
    response_model=None,
    responses={
        200: {"model": Resource, "description": "The new revision"},
        404: NOT_FOUND,
        409: problem("A tenant resource of this kind already has this title"),
    },
)
def replace_resource(
    platform: PlatformDep,
    kind: TenantKindParam,
    resource_id: IdParam,
    body: Annotated[dict[str, Any], Body(openapi_examples=RESOURCE_EXAMPLES)],
) -> dict[str, Any]:
    registry = platform.registry
    return registry.replace(_tenant_id_of(registry, kind, resource_id), body)


@router.patch(
    "/tenant/{kind}/{resource_id:path}",
    summary="Change a tenant resource with JSON Patch",
    description="`add`, `replace` and `remove` on the stored (`xed`) document, e.g. `add /allOf/-` a field group. "
    "Breaking changes are refused as for PUT.",
    response_model=None,
    responses={
        200: {"model": Resource, "description": "The new revision"},
        404: NOT_FOUND,
        409: problem("A tenant resource of this kind already has this title"),
    },
)
def patch_resource(
    platform: PlatformDep,
    kind: TenantKindParam,
    resource_id: IdParam,
    operations: Annotated[list[PatchOperation], Body(openapi_examples=PATCH_EXAMPLES)],
) -> dict[str, Any]:
    registry = platform.registry
    ops = [operation.model_dump(exclude_unset=True) for operation in operations]
    return registry.patch(_tenant_id_of(registry, kind, resource_id), ops)


@router.delete(
    "/tenant/{kind}/{resource_id:path}",
    status_code=204,
    summary="Delete a tenant resource",
    description="Its revisions and (for a schema) its descriptors go with it. Refused with 409 while another resource "
    "refers to it.",
    response_class=Response,
    responses={404: NOT_FOUND, 409: problem("Another resource still refers to this one")},
)
def delete_resource(platform: PlatformDep, kind: TenantKindParam, resource_id: IdParam) -> Response:
    registry = platform.registry
    registry.delete(_tenant_id_of(registry, kind, resource_id))
    return Response(status_code=204)


@router.api_route("/global/{rest:path}", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def refuse_global_write(request: Request) -> JSONResponse:
    """The global container is read-only: a 405 that says where to write instead."""
    error = ApiError(
        405,
        "405",
        f"the global container holds the built-in resources and is read-only: {request.method} is not allowed "
        "there; create or change your own resources under /tenant/{kind}",
    )
    return JSONResponse(error.body(), 405, headers={"Allow": "GET"})


def _tenant_id_of(registry: SchemaRegistry, kind: TenantKindPath, resource_id: str) -> str:
    """The ``$id`` of the tenant resource of ``kind`` that ``resource_id`` names (404 when there is none)."""
    doc = registry.get(resource_id, kind=kind.value, container=Container.TENANT)
    resolved_id: str = doc["$id"]
    return resolved_id


def _absolute_links(body: dict[str, Any], request: Request, container: Container, kind: KindPath) -> dict[str, Any]:
    """The registry's ``_links`` hrefs are relative to the service; make them whole URLs."""
    service = str(request.url).split("?", 1)[0].removesuffix(f"/{container.value}/{kind.value}")
    for link in body.get("_links", {}).values():
        if isinstance(link, dict) and str(link.get("href", "")).startswith("/"):
            link["href"] = service + link["href"]
    return body
