"""The Flow Service's dataflows: create, read, list, patch, enable/disable and delete, over the entity repository.

A flow references one source connection and one target connection of its sandbox and a mapping set version; all
three must exist when it is created or patched. A flow made with frequency ``once`` can be neither rescheduled nor
remapped (the Platform's rule); its runs are started on demand with ``POST /runs``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import delete

from stripeflow.flows.alerts import AlertDeliveryRepository
from stripeflow.flows.entities import EntityNotFoundError, EntityRecord, EntityRepository, PropertyFilter, document
from stripeflow.flows.flow_body import FlowConfig, FlowValidationError, parse_flow
from stripeflow.flows.jsonpatch import apply_json_patch, parse_pointer
from stripeflow.flows.runs import FINISHED, IN_PROGRESS, SCHEDULED, RunRepository
from stripeflow.prep.repository import MappingSetRepository
from stripeflow.store.database import Clock, Database
from stripeflow.store.errors import RecordNotFoundError
from stripeflow.store.models import AlertDelivery, FlowRun

FLOW: Final = "flow"
PATCHABLE: Final = ("name", "description", "scheduleParams", "transformations", "options", "alerts")
FROZEN_FOR_ONCE: Final = ("scheduleParams", "transformations")


class FlowRuleError(ValueError):
    """A change the Flow Service refuses (e.g. rescheduling a ``once`` flow); a 400 with the reason."""


class FlowService:
    """Dataflows of one organization and sandbox."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        entities: EntityRepository,
        runs: RunRepository,
        mappings: MappingSetRepository,
    ) -> None:
        self._db = db
        self._clock = clock
        self.entities = entities
        self.runs = runs
        self._mappings = mappings
        self.alerts = AlertDeliveryRepository(db, clock)

    def create(self, body: Any) -> EntityRecord:
        config = parse_flow(body)
        self._check_references(config)
        stored = {**config.body(), "lastOperation": self._operation("create", [])}
        return self.entities.create(FLOW, stored, name=config.name)

    def get(self, flow_id: str) -> dict[str, Any]:
        return self.flow_document(self.entities.get(FLOW, flow_id))

    def list(self, filters: Sequence[PropertyFilter], *, limit: int, start: int) -> list[dict[str, Any]]:
        return [
            self.flow_document(record) for record in self.entities.list(FLOW, filters=filters, limit=limit, start=start)
        ]

    def patch(self, flow_id: str, ops: Any, if_match: str | None) -> EntityRecord:
        """Apply a JSON Patch to the flow's document and store it if the result is a valid flow."""
        record = self.entities.get(FLOW, flow_id)
        if not isinstance(ops, list) or not ops:
            raise FlowValidationError('the body must be a non-empty JSON Patch array: [{"op", "path", "value"}]')
        touched = {_top(op) for op in ops}
        refused = sorted(touched - set(PATCHABLE))
        if refused:
            raise FlowRuleError(
                f"/{refused[0]} cannot be changed; a flow's patchable fields are /{', /'.join(PATCHABLE)}"
            )
        if record.body.get("scheduleParams", {}).get("frequency") == "once" and touched & set(FROZEN_FOR_ONCE):
            raise FlowRuleError(
                "a flow created with frequency 'once' can be neither rescheduled nor remapped; create a new flow "
                "(its runs are started with POST /runs)"
            )
        try:
            patched = apply_json_patch({"name": record.name, **record.body}, ops)
        except ValueError as exc:
            raise FlowValidationError(str(exc)) from exc
        config = parse_flow({key: value for key, value in patched.items() if key != "lastOperation"})
        self._check_references(config)
        stored = {**config.body(), "lastOperation": self._operation("update", ops)}
        return self.entities.update(FLOW, flow_id, if_match=if_match, body=stored, name=config.name)

    def act(self, flow_id: str, op: str, if_match: str | None = None) -> EntityRecord:
        """``enable`` or ``disable``; without ``If-Match`` the current version is changed."""
        if op not in ("enable", "disable"):
            raise FlowValidationError(f"op must be enable or disable, got {op!r}")
        record = self.entities.get(FLOW, flow_id)
        body = {**record.body, "lastOperation": self._operation(op, [])}
        return self.entities.update(FLOW, flow_id, if_match=if_match or record.etag, body=body, state=f"{op}d")

    def delete(self, flow_id: str) -> None:
        """Delete the flow with its runs and alert records (a run in progress stops at its next heartbeat)."""
        self.entities.get(FLOW, flow_id)
        with self._db.writing() as session:
            session.execute(delete(FlowRun).where(FlowRun.flow_id == flow_id))
            session.execute(delete(AlertDelivery).where(AlertDelivery.flow_id == flow_id))
        self.entities.delete(FLOW, flow_id)

    def flow_document(self, record: EntityRecord) -> dict[str, Any]:
        """``GET /flows/{id}``'s item: the stored flow plus inherited attributes, runs link and last run."""
        flow = document(record)
        flow["inheritedAttributes"] = self._inherited(record)
        flow["runs"] = f"/flows/{record.id}/runs"
        last = self.runs.list(flow_id=record.id, statuses=FINISHED, limit=1)
        if last:
            run = last[0]
            flow["lastRunDetails"] = {
                "id": run.id,
                "state": run.status,
                "startedAtUTC": _ms(run.started_at),
                "completedAtUTC": _ms(run.completed_at),
            }
        active = self.runs.list(flow_id=record.id, statuses=(SCHEDULED, IN_PROGRESS), limit=1)
        if active:
            flow["activeRun"] = {"id": active[0].id, "state": active[0].status}
        return flow

    def _inherited(self, record: EntityRecord) -> dict[str, Any]:
        sources, targets = [], []
        for source_id in record.body.get("sourceConnectionIds", []):
            source = self._maybe("sourceConnection", source_id)
            if source is None:
                continue
            base_id = source.body.get("baseConnectionId") or source.parent_id
            base = self._maybe("connection", str(base_id)) if base_id else None
            sources.append({
                "id": source.id,
                "connectionSpec": source.body.get("connectionSpec"),
                "baseConnection": {"id": base_id, "connectionSpec": base.body.get("connectionSpec") if base else None},
            })  # fmt: skip
        for target_id in record.body.get("targetConnectionIds", []):
            target = self._maybe("targetConnection", target_id)
            if target is not None:
                targets.append({"id": target.id, "connectionSpec": target.body.get("connectionSpec")})
        return {"sourceConnections": sources, "targetConnections": targets}

    def _maybe(self, kind: str, entity_id: str) -> EntityRecord | None:
        try:
            return self.entities.get(kind, entity_id)
        except EntityNotFoundError:
            return None

    def _check_references(self, config: FlowConfig) -> None:
        """The connections and the mapping set version must exist in this sandbox; the mapping set must target
        the target connection's schema."""
        for kind, entity_id, field in (
            ("sourceConnection", config.source_connection_id, "sourceConnectionIds"),
            ("targetConnection", config.target_connection_id, "targetConnectionIds"),
        ):
            if self._maybe(kind, entity_id) is None:
                raise FlowValidationError(f"{field}: {kind} {entity_id!r} does not exist in this sandbox")
        try:
            mapping = self._mappings.get(config.mapping_id, config.mapping_version)
        except RecordNotFoundError as exc:
            raise FlowValidationError(f"transformations[0].params: {exc}") from exc
        target = self.entities.get("targetConnection", config.target_connection_id)
        schema = ((target.body.get("data") or {}).get("schema") or {}).get("id")
        mapped_schema = mapping.get("xdmSchema")
        if schema and isinstance(mapped_schema, str) and mapped_schema != schema:
            raise FlowValidationError(
                f"mapping set {config.mapping_id} targets schema {mapped_schema} but target connection "
                f"{config.target_connection_id} writes schema {schema}"
            )

    def _operation(self, operation: str, ops: builtins.list[Any]) -> dict[str, Any]:
        now = _ms(self._clock())
        return {
            "started": now,
            "updated": now,
            "percentCompleted": 100,
            "status": {"value": "completed", "errors": []},
            "ops": ops,
            "operation": operation,
        }


def _top(op: Any) -> str:
    if not isinstance(op, dict) or not isinstance(op.get("path"), str):
        raise FlowValidationError("each patch operation needs a string 'path' (a JSON Pointer such as /name)")
    try:
        tokens = parse_pointer(op["path"])
    except ValueError as exc:
        raise FlowValidationError(str(exc)) from exc
    return tokens[0] if tokens else ""


def _ms(moment: Any) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)
