"""The Catalog service (``/data/foundation/catalog``): datasets bound to XDM schemas, and their batches.

Batch ingestion of XDM rows (``POST /batches``, ``POST /batches/{id}/rows``, ``POST /batches/{id}?action=``) lives
in :mod:`stripeflow.server.routers.catalog_ingest` and is included here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from stripeflow.lake.catalog import XED_CONTENT_TYPE
from stripeflow.server.deps import PlatformDep
from stripeflow.server.problems import bad_request
from stripeflow.server.routers import catalog_ingest
from stripeflow.server.routers.schema_refs import resolve_schema

router = APIRouter()
router.include_router(catalog_ingest.router)

#: ``property=<field>==<value>`` filters ``GET /dataSets`` supports, and the Catalog argument each one sets.
DATASET_FILTERS = {"name": "name", "schemaRef.id": "schema_id"}
BATCH_STATUSES = ("loading", "success", "failed", "aborted")

Limit = Annotated[int, Query(ge=1, le=100, description="Page size (at most 100)")]
Start = Annotated[int, Query(ge=0, description="Offset of the first item; 0 is the first page")]


class SchemaRefIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, description="The schema's `$id`")
    contentType: str = XED_CONTENT_TYPE


class DatasetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    description: str | None = None
    schemaRef: SchemaRefIn
    tags: dict[str, Any] | None = None


class DatasetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1)
    description: str | None = None
    tags: dict[str, Any] | None = None


# -- datasets -------------------------------------------------------------------------------------------------------


@router.post("/dataSets", status_code=201, summary="Create a dataset bound to an XDM schema")
def create_dataset(
    body: DatasetCreate,
    platform: PlatformDep,
    requestDataSource: Annotated[bool, Query(description="Accepted for compatibility; no data source is made")] = False,
) -> list[str]:
    resolved = resolve_schema(platform, body.schemaRef.id, "schemaRef.id")
    dataset_id = platform.catalog.create_dataset(
        body.name,
        body.schemaRef.id,
        body.schemaRef.contentType,
        body.description,
        body.tags,
        resolved_schema=resolved,
    )
    return [f"@/dataSets/{dataset_id}"]


@router.get("/dataSets", summary="List datasets, newest first")
def list_datasets(
    platform: PlatformDep,
    limit: Limit = 50,
    start: Start = 0,
    name: Annotated[str | None, Query(description="Only datasets with exactly this name")] = None,
    properties: Annotated[
        str | None, Query(description="Comma-separated fields to return, e.g. name,schemaRef")
    ] = None,
    property: Annotated[
        list[str] | None, Query(description="Filters `name==<value>` or `schemaRef.id==<value>` (repeatable)")
    ] = None,
) -> dict[str, Any]:
    filters = _dataset_filters(property or [])
    if name is not None:
        filters["name"] = name
    wanted = None if properties is None else [item.strip() for item in properties.split(",") if item.strip()]
    return platform.catalog.list_datasets(limit, start, properties=wanted, **filters)


@router.get("/dataSets/{dataset_id}", summary="A dataset, as `{id: {...}}`")
def get_dataset(dataset_id: str, platform: PlatformDep) -> dict[str, Any]:
    return platform.catalog.get_dataset(dataset_id)


@router.patch("/dataSets/{dataset_id}", summary="Change a dataset's name, description or tags")
def update_dataset(dataset_id: str, body: DatasetUpdate, platform: PlatformDep) -> list[str]:
    if body.name is None and body.description is None and body.tags is None:
        raise bad_request("send at least one of name, description and tags to change")
    platform.catalog.update_dataset(dataset_id, name=body.name, description=body.description, tags=body.tags)
    return [f"@/dataSets/{dataset_id}"]


@router.delete("/dataSets/{dataset_id}", summary="Delete a dataset, its batches, table and diagnostics")
def delete_dataset(dataset_id: str, platform: PlatformDep) -> list[str]:
    platform.catalog.get_dataset(dataset_id)  # 404 when there is none
    platform.catalog.delete_dataset(dataset_id)
    return [f"@/dataSets/{dataset_id}"]


def _dataset_filters(expressions: list[str]) -> dict[str, str]:
    filters: dict[str, str] = {}
    for expression in expressions:
        field, separator, value = expression.partition("==")
        argument = DATASET_FILTERS.get(field.strip())
        if not separator or argument is None or not value:
            raise bad_request(
                f"property={expression!r} is not a supported filter: use "
                + " or ".join(f"property={key}==<value>" for key in DATASET_FILTERS)
            )
        filters[argument] = value.strip().strip('"')
    return filters


# -- batches --------------------------------------------------------------------------------------------------------


@router.get("/batches", summary="List batches, newest first")
def list_batches(
    platform: PlatformDep,
    dataSet: Annotated[str | None, Query(description="Only the batches of this dataset")] = None,
    status: Annotated[str | None, Query(description="Only batches with this status")] = None,
    limit: Limit = 50,
    start: Start = 0,
) -> dict[str, Any]:
    if status is not None and status not in BATCH_STATUSES:
        raise bad_request(f"status {status!r} is not a batch status: use one of {', '.join(BATCH_STATUSES)}")
    return platform.catalog.list_batches(dataSet, status, limit, start)


@router.get("/batches/{batch_id}", summary="A batch with its status, metrics and errors, as `{id: {...}}`")
def get_batch(batch_id: str, platform: PlatformDep) -> dict[str, Any]:
    return platform.catalog.get_batch(batch_id)
