"""Connection specs and flow specs (``/connectionSpecs``, ``/flowSpecs``): read-only, the same in every sandbox."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stripeflow.flows.entities import sandbox_id
from stripeflow.flows.specs import CONNECTION_SPECS, FLOW_SPECS, matching, spec_item
from stripeflow.server.deps import Context
from stripeflow.server.problems import not_found
from stripeflow.server.routers.flowservice_common import FiltersDep, items, responses

router = APIRouter()


def _item(spec: dict[str, Any], context: Context) -> dict[str, Any]:
    return spec_item(spec, context.org_id, context.sandbox_name, sandbox_id(context.org_id, context.sandbox_name))


@router.get("/connectionSpecs", summary="List connection specs (Stripe source, data lake target)")
def list_connection_specs(context: Context, filters: FiltersDep) -> dict[str, Any]:
    return items(matching([_item(spec, context) for spec in CONNECTION_SPECS.values()], filters))


@router.get("/connectionSpecs/{spec_id}", summary="Get a connection spec", responses=responses(404))
def get_connection_spec(spec_id: str, context: Context) -> dict[str, Any]:
    if spec_id not in CONNECTION_SPECS:
        raise not_found("connection spec", spec_id)
    return items([_item(CONNECTION_SPECS[spec_id], context)])


@router.get("/flowSpecs", summary="List flow specs (RestStorageToAEP)")
def list_flow_specs(context: Context, filters: FiltersDep) -> dict[str, Any]:
    return items(matching([_item(spec, context) for spec in FLOW_SPECS.values()], filters))


@router.get("/flowSpecs/{spec_id}", summary="Get a flow spec", responses=responses(404))
def get_flow_spec(spec_id: str, context: Context) -> dict[str, Any]:
    if spec_id not in FLOW_SPECS:
        raise not_found("flow spec", spec_id)
    return items([_item(FLOW_SPECS[spec_id], context)])
