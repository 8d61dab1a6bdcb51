"""Data Prep (``/data/foundation/conversion``): mapping sets, their checks and previews.

The expression language's endpoints (``/languages/el/...``) live in
:mod:`stripeflow.server.routers.conversion_el` and are included here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from stripeflow.platform import Platform
from stripeflow.prep.checks import preview, validate_mapping_set, validation_response
from stripeflow.prep.mapping import MappingSet, parse_mapping_set
from stripeflow.server.deps import Context, PlatformDep
from stripeflow.server.problems import bad_request
from stripeflow.server.routers import conversion_el
from stripeflow.server.routers.schema_refs import resolve_schema
from stripeflow.xdm.errors import NotFoundError

router = APIRouter()
router.include_router(conversion_el.router)

#: At most this many sample records per ``POST /mappingSets/preview``.
PREVIEW_LIMIT = 1000

MappingSetBody = Annotated[dict[str, Any], Body(description="A mapping set, current or legacy shape")]
ExpandSchema = Annotated[bool, Query(description="Add outputSchema.jsonSchema, the resolved XDM schema")]


@router.post("/mappingSets", summary="Create a mapping set (version 0)")
def create_mapping_set(body: MappingSetBody, platform: PlatformDep, context: Context) -> dict[str, Any]:
    _checked(platform, body)
    return platform.mapping_sets.create(body, context.user)


@router.get("/mappingSets", summary="One page of mapping sets")
def list_mapping_sets(
    platform: PlatformDep,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Page size (required)")] = None,
    start: Annotated[int | None, Query(ge=0, description="Offset; 0 is the first page (required)")] = None,
    name: Annotated[str | None, Query(description="Only sets with exactly this name")] = None,
    orderBy: Annotated[str | None, Query(description="createdDate or updatedDate, prefixed + or -")] = None,
    expandSchema: ExpandSchema = False,
) -> dict[str, Any]:
    if limit is None or start is None:
        missing = " and ".join(name for name, value in (("limit", limit), ("start", start)) if value is None)
        raise bad_request(f"{missing} missing: limit and start are required query parameters, e.g. ?limit=10&start=0")
    try:
        page = platform.mapping_sets.list(limit, start, name=name, order_by=orderBy)
    except ValueError as exc:  # orderBy names no ordering
        raise bad_request(str(exc)) from None
    if expandSchema:
        schemas: dict[str, dict[str, Any] | None] = {}
        page["data"] = [_expanded(platform, item, schemas) for item in page["data"]]
    return page


@router.get("/mappingSets/{set_id}", summary="A mapping set (optionally one version)")
def get_mapping_set(
    set_id: str,
    platform: PlatformDep,
    version: Annotated[int | None, Query(ge=0, description="A past version; the latest by default")] = None,
    expandSchema: ExpandSchema = False,
) -> dict[str, Any]:
    found = platform.mapping_sets.get(set_id, version)
    return _expanded(platform, found, {}) if expandSchema else found


@router.put("/mappingSets/{set_id}", summary="Replace a mapping set: the next version")
def replace_mapping_set(set_id: str, body: MappingSetBody, platform: PlatformDep, context: Context) -> dict[str, Any]:
    platform.mapping_sets.get(set_id)  # 404 before 400s about the body
    _checked(platform, body)
    return platform.mapping_sets.replace(set_id, body, context.user)


@router.delete("/mappingSets/{set_id}", status_code=204, summary="Delete a mapping set and all its versions")
def delete_mapping_set(set_id: str, platform: PlatformDep) -> Response:
    platform.mapping_sets.delete(set_id)
    return Response(status_code=204)


@router.get("/mappingSets/{set_id}/mappings", summary="The mappings of a set's latest version")
def list_mappings(set_id: str, platform: PlatformDep) -> list[dict[str, Any]]:
    return platform.mapping_sets.mappings(set_id)


@router.get("/mappingSets/{set_id}/mappings/{mapping_id}", summary="One mapping of a set's latest version")
def get_mapping(set_id: str, mapping_id: str, platform: PlatformDep) -> dict[str, Any]:
    return platform.mapping_sets.mapping(set_id, mapping_id)


@router.post("/mappingSets/validate", summary="Check each mapping of a set against its output schema")
def validate(body: MappingSetBody, platform: PlatformDep) -> dict[str, Any]:
    mapping_set = parse_mapping_set(body)
    return validation_response(mapping_set, _output_schema(platform, mapping_set))


@router.post("/mappingSets/preview", summary="Map sample records with a mapping set")
def preview_mapping_set(
    platform: PlatformDep,
    data: Annotated[list[Any], Body(description='Sample records, e.g. {"data": <Stripe object>}')],
    mappingSet: Annotated[dict[str, Any], Body(description="The mapping set, either shape")],
) -> list[dict[str, Any]]:
    if len(data) > PREVIEW_LIMIT:
        raise bad_request(f"data holds {len(data)} records: preview at most {PREVIEW_LIMIT} at a time")
    mapping_set = parse_mapping_set(mappingSet)
    return preview(mapping_set, _output_schema(platform, mapping_set), data)


def _checked(platform: Platform, body: dict[str, Any]) -> MappingSet:
    """The parsed set, once its output schema exists and every mapping fits it; a 400 listing each bad mapping."""
    mapping_set = parse_mapping_set(body)
    if mapping_set.schema_id is None:
        raise bad_request("the mapping set names no output schema: send outputSchema.schemaRef.id (or xdmSchema)")
    schema = resolve_schema(platform, mapping_set.schema_id, "outputSchema.schemaRef.id")
    checks = validate_mapping_set(mapping_set, schema)
    bad = [(index, check.errors or []) for index, check in enumerate(checks) if check.status != "SUCCESS"]
    if bad:
        problems = [
            {"index": index, "destination": mapping_set.mappings[index].destination, "errors": errors}
            for index, errors in bad
        ]
        described = "; ".join(
            f"mappings[{index}] (destination {mapping_set.mappings[index].destination!r}): "
            + ", ".join(error["message"] for error in errors)
            for index, errors in bad
        )
        raise bad_request(f"{len(bad)} mappings are not valid: {described}", report={"mappings": problems})
    return mapping_set


def _output_schema(platform: Platform, mapping_set: MappingSet) -> dict[str, Any] | None:
    if mapping_set.schema_id is None:
        return None
    return resolve_schema(platform, mapping_set.schema_id, "outputSchema.schemaRef.id")


def _expanded(platform: Platform, found: dict[str, Any], cache: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """``found`` with ``outputSchema.jsonSchema`` (``None`` when the schema has since been deleted)."""
    schema_id = found.get("xdmSchema")
    if not schema_id:
        return found
    if schema_id not in cache:
        try:
            cache[schema_id] = platform.registry.resolve(schema_id)
        except NotFoundError:
            cache[schema_id] = None
    return {**found, "outputSchema": {**found["outputSchema"], "jsonSchema": cache[schema_id]}}
