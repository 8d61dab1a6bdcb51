"""Base connections (``/connections``) and explore (``/connections/{id}/explore``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from stripeflow.flows.connections import BaseConnections, access_token
from stripeflow.flows.entities import document
from stripeflow.flows.explore import SAMPLE_SIZE, check_explore_query, decode_source_params, explore_response
from stripeflow.server.routers.flowservice_common import (
    EntitiesDep,
    FiltersDep,
    IfMatch,
    Limit,
    ProbeDep,
    SecretBoxDep,
    Start,
    created,
    items,
    responses,
)

router = APIRouter()


def base_connections(request: Request, entities: EntitiesDep, box: SecretBoxDep, probe: ProbeDep) -> BaseConnections:
    clock = request.app.state.clock
    return BaseConnections(entities, box, probe, lambda: int(clock().timestamp() * 1000))


Connections = Annotated[BaseConnections, Depends(base_connections)]


@router.post(
    "/connections",
    status_code=201,
    summary="Create a base connection (checks the Stripe key first)",
    responses=responses(502),
)
def create_connection(body: Annotated[dict[str, Any], Body()], connections: Connections) -> dict[str, str]:
    return created(connections.create(body))


@router.get("/connections", summary="List base connections")
def list_connections(
    connections: Connections, filters: FiltersDep, limit: Limit = 100, start: Start = 0
) -> dict[str, Any]:
    return items([document(record) for record in connections.list(filters, limit, start)])


@router.get("/connections/{connection_id}", summary="Get a base connection (secrets masked)", responses=responses(404))
def get_connection(connection_id: str, connections: Connections) -> dict[str, Any]:
    return items([document(connections.get(connection_id))])


@router.patch(
    "/connections/{connection_id}",
    summary="Update a base connection with JSON Patch (If-Match required)",
    responses=responses(404, 412, 428, 502),
)
def patch_connection(
    connection_id: str, ops: Annotated[list[Any], Body()], connections: Connections, if_match: IfMatch = None
) -> dict[str, str]:
    return created(connections.patch(connection_id, ops, if_match))


@router.delete(
    "/connections/{connection_id}",
    status_code=204,
    summary="Delete a base connection",
    responses=responses(404, 409),
)
def delete_connection(connection_id: str, connections: Connections) -> Response:
    connections.delete(connection_id)
    return Response(status_code=204)


@router.get(
    "/connections/{connection_id}/explore",
    summary="Infer the schema of a Stripe resource and preview it",
    responses=responses(404, 502),
)
def explore(
    connection_id: str,
    connections: Connections,
    box: SecretBoxDep,
    probe: ProbeDep,
    objectType: Annotated[str | None, Query(description="Always `rest`")] = None,
    object: Annotated[str | None, Query(description="`json` for Stripe (accepted, not needed)")] = None,
    fileType: Annotated[str | None, Query(description="`json`, the only file type")] = None,
    preview: Annotated[bool, Query(description="Also return sample records in `data`")] = False,
    sourceParams: Annotated[str | None, Query(description='Base64 of {"resourcePath": "charges"}')] = None,
) -> dict[str, Any]:
    check_explore_query(objectType, fileType)
    resource = decode_source_params(sourceParams)
    token = access_token(connections.get(connection_id), box)
    return explore_response(probe.sample(token, resource, SAMPLE_SIZE), preview=preview)
