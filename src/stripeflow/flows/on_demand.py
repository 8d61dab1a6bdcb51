"""On-demand runs (``POST /runs``) of flows whose frequency is ``once``, and the ``GET /runs`` listing.

The body is ``{"flowId", "params": {"startTime", "windowStartTime", "windowEndTime"}}``, each time in epoch
seconds (a number or its string). The run is ``scheduled`` for ``startTime`` (now or later) and reads
``[windowStartTime, windowEndTime]``: on the flow's first run the sync starts from ``windowStartTime``; later runs
read what changed since the previous one (the incremental sync).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from stripeflow.flows.entities import PropertyFilter
from stripeflow.flows.flows import FLOW, FlowService
from stripeflow.flows.run_documents import run_document
from stripeflow.flows.runs import NewRun, RunRecord, RunRepository

RUN_PARAMS: Final = ("startTime", "windowStartTime", "windowEndTime")


class OnDemandError(ValueError):
    """The on-demand run request is not valid (a 400 naming the field)."""


def create_on_demand_run(flows: FlowService, body: Any, *, user: str, client: str) -> RunRecord:
    """Validate the request and create the ``scheduled`` run."""
    if not isinstance(body, Mapping):
        raise OnDemandError("the body must be a JSON object with flowId and params")
    flow_id = body.get("flowId")
    if not isinstance(flow_id, str) or not flow_id:
        raise OnDemandError("flowId is required (the id of a flow whose frequency is 'once')")
    flow = flows.entities.get(FLOW, flow_id)
    if flow.body.get("scheduleParams", {}).get("frequency") != "once":
        raise OnDemandError(
            f"flow {flow_id} runs on a schedule ({flow.body.get('scheduleParams', {}).get('frequency')!r}); "
            "on-demand runs are only for flows whose frequency is 'once'"
        )
    if flow.state != "enabled":
        raise OnDemandError(f"flow {flow_id} is disabled; enable it first (POST /flows/{flow_id}/action?op=enable)")
    start, window_start, window_end = _params(body.get("params"))
    if window_start > window_end:
        raise OnDemandError("params.windowStartTime must not be after params.windowEndTime")
    params = {"startTime": str(start), "windowStartTime": str(window_start), "windowEndTime": str(window_end)}
    new = NewRun(
        flow_id=flow_id,
        scheduled_for=_moment(start),
        window_start=_moment(window_start),
        window_end=_moment(window_end),
        trigger="onDemand",
        params=params,
        user=user,
        client=client,
    )
    return flows.runs.create(new)


def _params(value: Any) -> tuple[int, int, int]:
    if not isinstance(value, Mapping):
        raise OnDemandError('params is required: {"startTime", "windowStartTime", "windowEndTime"} (epoch seconds)')
    unknown = sorted(set(value) - set(RUN_PARAMS))
    if unknown:
        raise OnDemandError(f"params has unknown field(s) {', '.join(unknown)}; it takes {', '.join(RUN_PARAMS)}")
    found = []
    for field in RUN_PARAMS:
        raw = value.get(field)
        number = _seconds(raw)
        if number is None:
            raise OnDemandError(f"params.{field} is required: epoch seconds, a number or its string; got {raw!r}")
        found.append(number)
    return found[0], found[1], found[2]


def _seconds(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value < 10**11:
        return value
    if isinstance(value, str) and value.strip().isdigit() and int(value) < 10**11:
        return int(value)
    return None


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def list_runs(
    runs: RunRepository, filters: Sequence[PropertyFilter], *, limit: int, start: int
) -> list[dict[str, Any]]:
    """Run documents matching every filter, newest first; ``flowId==<id>`` is answered from the index."""
    flow_ids = {item.value for item in filters if item.path == "flowId" and item.op == "=="}
    flow_id = next(iter(flow_ids)) if len(flow_ids) == 1 else None
    if len(flow_ids) > 1:
        return []
    documents = [run_document(run) for run in runs.list(flow_id=flow_id, limit=100_000)]
    matching = [doc for doc in documents if all(item.matches(doc) for item in filters)]
    return matching[start : start + limit]
