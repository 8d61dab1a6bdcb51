"""Dataflows and runs of the Flow Service (``/data/foundation/flowservice``): ``/flows``, ``/runs``.

Thin handlers: each builds the caller's :class:`~stripeflow.flows.flows.FlowService` (or run repository), calls
it and shapes the answer; the flow rules live in :mod:`stripeflow.flows`. Errors: a bad body or a refused change
is 400, a missing flow or run 404, a missing ``If-Match`` 428, a stale one 412, cancelling a finished run 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from stripeflow.flows.flows import FlowService
from stripeflow.flows.on_demand import create_on_demand_run, list_runs
from stripeflow.flows.run_documents import run_document
from stripeflow.flows.runs import RunRepository
from stripeflow.prep.repository import MappingSetRepository
from stripeflow.server.deps import Context, StoreDep
from stripeflow.server.problems import bad_request
from stripeflow.server.routers.flowservice_common import (
    FLOW_RESPONSES,
    EntitiesDep,
    FiltersDep,
    IfMatch,
    Limit,
    Start,
    created,
    items,
    responses,
)
from stripeflow.server.routers.schemaregistry_models import problem
from stripeflow.store.database import Database

router = APIRouter(responses=FLOW_RESPONSES)
NOT_FOUND = responses(404)
FINISHED: dict[int | str, dict[str, Any]] = {409: problem("The run has finished (success, failed or cancelled)")}


def run_repository(request: Request, context: Context, store: StoreDep) -> RunRepository:
    return RunRepository(Database(store.engine), request.app.state.clock, context.org_id, context.sandbox_name)


Runs = Annotated[RunRepository, Depends(run_repository)]


def flow_service(request: Request, context: Context, store: StoreDep, entities: EntitiesDep, runs: Runs) -> FlowService:
    db = Database(store.engine)
    clock = request.app.state.clock
    mappings = MappingSetRepository(db, clock, context.org_id, context.sandbox_name)
    return FlowService(db, clock, entities, runs, mappings)


Flows = Annotated[FlowService, Depends(flow_service)]
JsonObject = Annotated[dict[str, Any], Body()]
JsonPatch = Annotated[list[Any], Body()]


def _wake(request: Request) -> None:
    """Let the in-process scheduler (when it runs) start a new run at once instead of at its next tick."""
    scheduler = getattr(request.app.state, "scheduler", None)
    if scheduler is not None:
        scheduler.wake()


@router.post("/flows", status_code=201, summary="Create a dataflow (Stripe resource -> dataset, on a schedule)")
def create_flow(body: JsonObject, flows: Flows, request: Request) -> dict[str, str]:
    answer = created(flows.create(body))
    _wake(request)
    return answer


@router.get("/flows", summary="List dataflows (property= filters)")
def list_flows(flows: Flows, filters: FiltersDep, limit: Limit = 100, start: Start = 0) -> dict[str, Any]:
    return {**items(flows.list(filters, limit=limit, start=start)), "_links": {}}


@router.get("/flows/{flow_id}", summary="Get a dataflow", responses=NOT_FOUND)
def get_flow(flow_id: str, flows: Flows) -> dict[str, Any]:
    return items([flows.get(flow_id)])


@router.patch(
    "/flows/{flow_id}",
    summary="Update a dataflow with JSON Patch (If-Match required)",
    responses=responses(404, 412, 428),
)
def patch_flow(flow_id: str, ops: JsonPatch, flows: Flows, if_match: IfMatch = None) -> dict[str, str]:
    return created(flows.patch(flow_id, ops, if_match))


@router.post("/flows/{flow_id}/action", summary="Enable or disable a dataflow", responses=responses(404, 412))
def act_on_flow(
    flow_id: str,
    flows: Flows,
    request: Request,
    op: Annotated[str, Query(description="enable | disable")],
    if_match: IfMatch = None,
) -> dict[str, str]:
    answer = created(flows.act(flow_id, op, if_match))
    _wake(request)
    return answer


@router.delete("/flows/{flow_id}", status_code=204, summary="Delete a dataflow with its runs", responses=NOT_FOUND)
def delete_flow(flow_id: str, flows: Flows) -> Response:
    flows.delete(flow_id)
    return Response(status_code=204)


@router.get("/flows/{flow_id}/runs", summary="The runs of a dataflow, newest first", responses=NOT_FOUND)
def flow_runs(flow_id: str, flows: Flows, limit: Limit = 100, start: Start = 0) -> dict[str, Any]:
    flows.entities.get("flow", flow_id)
    found = flows.runs.list(flow_id=flow_id, limit=limit, start=start)
    return {"items": [run_document(run) for run in found], "_links": {}}


@router.get("/flows/{flow_id}/alerts", summary="The alert deliveries of a dataflow, newest first", responses=NOT_FOUND)
def flow_alerts(flow_id: str, flows: Flows, limit: Limit = 100) -> dict[str, Any]:
    flows.entities.get("flow", flow_id)
    return {"items": flows.alerts.list(flow_id, limit=limit)}


@router.get("/runs", summary="List runs (e.g. property=flowId==<id>)")
def get_runs(runs: Runs, filters: FiltersDep, limit: Limit = 100, start: Start = 0) -> dict[str, Any]:
    return {"items": list_runs(runs, filters, limit=limit, start=start), "_links": {}}


@router.get("/runs/{run_id}", summary="Get a run with its metrics and activities", responses=NOT_FOUND)
def get_run(run_id: str, runs: Runs) -> dict[str, Any]:
    return items([run_document(runs.get(run_id))])


@router.post(
    "/runs", status_code=201, summary="Start an on-demand run of a flow whose frequency is 'once'", responses=NOT_FOUND
)
def create_run(body: JsonObject, flows: Flows, context: Context, request: Request) -> dict[str, Any]:
    run = create_on_demand_run(flows, body, user=context.user, client=context.client_id)
    _wake(request)
    return items([{"id": run.id, "etag": run.etag}])


@router.post(
    "/runs/{run_id}/action",
    summary="Cancel a scheduled or in-progress run (op=cancel)",
    responses={**NOT_FOUND, **FINISHED},
)
def act_on_run(
    run_id: str, runs: Runs, context: Context, op: Annotated[str, Query(description="cancel")]
) -> dict[str, str]:
    if op != "cancel":
        raise bad_request(f"op must be cancel, got {op!r}")
    run = runs.cancel(run_id, user=context.user, client=context.client_id)
    return {"id": run.id, "etag": run.etag}
