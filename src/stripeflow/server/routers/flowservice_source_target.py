"""Source connections (``/sourceConnections``) and target connections (``/targetConnections``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response

from stripeflow.flows.entities import document
from stripeflow.flows.source_target import SourceConnections, TargetConnections
from stripeflow.server.deps import PlatformDep
from stripeflow.server.routers.flowservice_common import (
    EntitiesDep,
    FiltersDep,
    IfMatch,
    Limit,
    Start,
    created,
    items,
    responses,
)

router = APIRouter()


def source_connections(entities: EntitiesDep) -> SourceConnections:
    return SourceConnections(entities)


def target_connections(entities: EntitiesDep, platform: PlatformDep) -> TargetConnections:
    return TargetConnections(entities, platform)


Sources = Annotated[SourceConnections, Depends(source_connections)]
Targets = Annotated[TargetConnections, Depends(target_connections)]
JsonObject = Annotated[dict[str, Any], Body()]
JsonPatch = Annotated[list[Any], Body()]


@router.post("/sourceConnections", status_code=201, summary="Create a source connection (one Stripe resource)")
def create_source(body: JsonObject, sources: Sources) -> dict[str, str]:
    return created(sources.create(body))


@router.get("/sourceConnections", summary="List source connections")
def list_sources(sources: Sources, filters: FiltersDep, limit: Limit = 100, start: Start = 0) -> dict[str, Any]:
    return items([document(record) for record in sources.list(filters, limit, start)])


@router.get("/sourceConnections/{entity_id}", summary="Get a source connection", responses=responses(404))
def get_source(entity_id: str, sources: Sources) -> dict[str, Any]:
    return items([document(sources.get(entity_id))])


@router.patch(
    "/sourceConnections/{entity_id}",
    summary="Update a source connection with JSON Patch",
    responses=responses(404, 412, 428),
)
def patch_source(entity_id: str, ops: JsonPatch, sources: Sources, if_match: IfMatch = None) -> dict[str, str]:
    return created(sources.patch(entity_id, ops, if_match))


@router.delete(
    "/sourceConnections/{entity_id}",
    status_code=204,
    summary="Delete a source connection",
    responses=responses(404, 409),
)
def delete_source(entity_id: str, sources: Sources) -> Response:
    sources.delete(entity_id)
    return Response(status_code=204)


@router.post("/targetConnections", status_code=201, summary="Create a data lake target connection")
def create_target(body: JsonObject, targets: Targets) -> dict[str, str]:
    return created(targets.create(body))


@router.get("/targetConnections", summary="List target connections")
def list_targets(targets: Targets, filters: FiltersDep, limit: Limit = 100, start: Start = 0) -> dict[str, Any]:
    return items([document(record) for record in targets.list(filters, limit, start)])


@router.get("/targetConnections/{entity_id}", summary="Get a target connection", responses=responses(404))
def get_target(entity_id: str, targets: Targets) -> dict[str, Any]:
    return items([document(targets.get(entity_id))])


@router.patch(
    "/targetConnections/{entity_id}",
    summary="Update a target connection with JSON Patch",
    responses=responses(404, 412, 428),
)
def patch_target(entity_id: str, ops: JsonPatch, targets: Targets, if_match: IfMatch = None) -> dict[str, str]:
    return created(targets.patch(entity_id, ops, if_match))


@router.delete(
    "/targetConnections/{entity_id}",
    status_code=204,
    summary="Delete a target connection",
    responses=responses(404, 409),
)
def delete_target(entity_id: str, targets: Targets) -> Response:
    targets.delete(entity_id)
    return Response(status_code=204)
